"""Registers the built-in primitives, as an ordinary plugin would.

Every Primitive defined at module level in this package (elementwise, reductions, shape,
indexing, contraction, linalg, fft, ...) is built in; a new family is a new module here.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..hookspecs import hookimpl
from .core import Primitive

_INFRASTRUCTURE = {"core", "rules", "builtin"}


def builtin_primitives() -> list[Primitive]:
    from .. import primitives as package

    found: list[Primitive] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in _INFRASTRUCTURE:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        values = list(vars(module).values()) + list(getattr(module, "NONDIFF", {}).values())
        for value in values:
            if isinstance(value, Primitive) and value not in found:
                found.append(value)
    return found


@hookimpl
def xformad_register_primitives(registry):
    for p in builtin_primitives():
        registry.add_primitive(p)
