"""Realistic numpy programs, one module each, checked in both modes against finite
differences (tests/test_programs.py), against autograd where it can run them, and, once
codegen exists, by executing their emitted source.

Each module defines ``PROGRAM = Program(...)``:
- ``fn``: the plain-numpy function (``import numpy as np`` only), returning a scalar;
- ``make_args(rng)``: a tuple of float64 arguments (arrays, floats or pytrees);
- ``argnums``: which arguments are differentiated (default 0);
- ``autograd``: False where autograd cannot run the program (say why in ``note``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Program:
    name: str
    fn: Callable
    make_args: Callable
    argnums: int | tuple = 0
    autograd: bool = True
    order: int = 1
    note: str = ""


def load_programs() -> list[Program]:
    programs = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        program = getattr(module, "PROGRAM", None)
        if program is not None:
            programs.append(program)
    return programs
