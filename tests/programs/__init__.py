"""Realistic numpy programs, one module each, checked in both modes against finite
differences (tests/test_programs.py), against autograd where it can run them (else jax, where
a program asks), and by executing the emitted source of their derivative program.

Each module defines ``PROGRAM = Program(...)``:
- ``fn``: the plain-numpy function (``import numpy as np`` only), returning a scalar;
- ``make_args(rng)``: the tuple of arguments; differentiated ones are float64 (arrays,
  floats or pytrees), the others may be data of any type (labels, masks);
- ``argnums``: which arguments are differentiated (default 0);
- ``autograd``: False where autograd cannot run the program (say why in ``note``);
- ``jax``: True to also compare with ``jax.grad`` of the same source, for programs that
  autograd cannot run but jax can (no in-place assignment);
- ``order``: 2 where the program is smooth and cheap enough to check second derivatives;
- ``tolerances``: keyword arguments for ``check_grads`` (``rtol``, ``atol``, ``eps``) where
  a long computation loses finite-difference accuracy;
- ``known_failures``: ``{test: reason}`` for a bug in xformad this program exposes, with
  ``test`` one of "finite_differences", "value_and_grad", "autograd", "jax",
  "emitted_source"; the test is then a strict xfail, so it fails again once the bug is fixed
  (then delete the entry).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Program:
    name: str
    fn: Callable
    make_args: Callable
    argnums: int | tuple = 0
    autograd: bool = True
    jax: bool = False
    order: int = 1
    note: str = ""
    tolerances: dict = field(default_factory=dict)
    known_failures: dict = field(default_factory=dict)


def emitted_source_params(programs: list[Program]) -> list:
    """One pytest.param per program for tests that run its emitted source (jit, codegen,
    device backends): a strict xfail where the program lists "emitted_source" in its
    known_failures (the emitted program is not bit for bit the traced one)."""
    import pytest

    params = []
    for p in programs:
        reason = p.known_failures.get("emitted_source")
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)] if reason else []
        params.append(pytest.param(p, id=p.name, marks=marks))
    return params


def load_programs() -> list[Program]:
    programs = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        program = getattr(module, "PROGRAM", None)
        if program is not None:
            programs.append(program)
    return programs
