"""Exact comparisons of plain values and arrays against their trace-time snapshots: the
slow branches of the check ``environment.py`` generates, and the limits of its walk.
"""

from __future__ import annotations

import functools
import math
import operator
import random
import types
from typing import Any

import numpy as np

MISSING = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

MAX_DEPTH = 8  # nesting of containers and objects; deeper values are compared by identity
INLINE = 64  # containers of plain values longer than this are compared by one helper call
SMALL_ARRAY = 1 << 16  # bytes: tobytes() == copy below, a uint64/uint8 view compare above

ATOMS = (
    int,
    float,
    complex,
    bool,
    str,
    bytes,
    type(None),
    type(Ellipsis),
    np.generic,
    np.dtype,
    range,
    slice,
)
GENERATORS = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)
FUNCTIONS = (types.FunctionType, types.MethodType, functools.partial)
SKIPPED_CLASS_ATTRS = frozenset(
    ("__module__", "__dict__", "__weakref__", "__doc__", "__qualname__", "__slots__", "__annotations__")
)


# -- exact comparisons (the slow branches of the generated check) ----------------------------
def same_atom(a: Any, b: Any) -> bool:
    """``a`` and ``b`` are the same plain value, bit for bit (``-0.0`` is not ``0.0``; a
    NaN equals a NaN of the same bits)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)
    if type(a) is complex:
        return same_atom(a.real, b.real) and same_atom(a.imag, b.imag)
    if isinstance(a, np.generic):
        try:
            return a.dtype == b.dtype and a.tobytes() == b.tobytes()
        except Exception:
            return False
    try:
        return bool(a == b)
    except Exception:
        return False


def same_atoms(a: Any, b: tuple) -> bool:
    """A long list/tuple of plain values against its snapshot (a tuple): the same objects
    (one pass in C, exact since the snapshot keeps them alive), or else equal ones."""
    if len(a) != len(b):
        return False
    return all(map(operator.is_, a, b)) or all(map(same_atom, a, b))


def same_big_array(a: np.ndarray, copy: np.ndarray) -> bool:
    """Exact content of a large array (its shape and dtype were checked): a uint64 (or
    uint8) view compared in one pass, which is NaN-safe and bit-exact."""
    if not a.flags.c_contiguous:
        return a.tobytes() == copy.tobytes()
    flat = a.reshape(-1).view(np.uint8)
    ref = copy.reshape(-1).view(np.uint8)
    if flat.size % 8 == 0:
        flat, ref = flat.view(np.uint64), ref.view(np.uint64)
    return bool(np.array_equal(flat, ref))


def array_copy(a: np.ndarray):
    """What the check compares an array with: its bytes (small) or a contiguous copy."""
    if a.nbytes <= SMALL_ARRAY:
        return a.tobytes()
    return np.ascontiguousarray(a).copy()


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
