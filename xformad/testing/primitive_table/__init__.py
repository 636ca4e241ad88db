"""Primitive spec tables, one module per area (core, linalg, fft, ...).

Each module defines CASES (a list of Case) and may define NONDIFF_CASES (name -> fn).
tests/test_primitives.py expands all of them; its guard test fails when a registered
primitive has no row in any module.
"""

from __future__ import annotations

import importlib
import pkgutil

from .case import Case  # noqa: F401


def all_cases():
    cases, nondiff = [], {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "case":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(getattr(module, "CASES", []))
        nondiff.update(getattr(module, "NONDIFF_CASES", {}))
    return cases, nondiff
