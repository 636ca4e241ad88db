"""Bringing a rule's result to the exact shape and dtype of its var, in one place.

Rules may return cotangents of the broadcast shape; here they are summed back over the
broadcast axes (un-broadcasting), expanded where smaller, and cast to the var's dtype (a
real input's cotangent is the real part; float32 stays float32).
"""

from __future__ import annotations

import numpy as np


def unbroadcast(c, shape: tuple):
    """``c`` summed over the axes along which a value of ``shape`` was broadcast to ``c``'s
    shape, or broadcast up to ``shape``: shapes aligned on the right, as numpy aligns them
    (a (2,) tangent of a (1, 2) value is its one row, not a sum)."""
    cs = np.shape(c)
    if cs == shape:
        return c
    extra = len(cs) - len(shape)
    if extra > 0:
        c = np.sum(c, axis=tuple(range(extra)))
        cs = cs[extra:]
    elif extra < 0:
        cs = (1,) * -extra + cs  # compared on the right, as numpy broadcasts
    axes = tuple(i for i, (have, want) in enumerate(zip(cs, shape)) if want == 1 and have != 1)
    if axes:
        if np.ndim(c) != len(cs):
            c = np.reshape(c, cs)
        c = np.sum(c, axis=axes, keepdims=True)
    if np.shape(c) != shape:
        c = np.broadcast_to(c, shape)
    return c


def fit_to(c, shape: tuple, dtype):
    """``c`` (a rule's tangent or cotangent) as a value of exactly ``shape`` and ``dtype``:
    summed over broadcast axes or broadcast up, cast (a real value's part of a complex one
    is its real part; float32 stays float32). The one place that does this, for both modes
    and for custom rules."""
    if not hasattr(c, "dtype"):  # a Python number (1j * x of numpy scalars is a complex)
        c = np.asarray(c)[()]
    if np.shape(c) != shape:
        c = unbroadcast(c, shape)
    if c.dtype != dtype:
        if c.dtype.kind == "c" and dtype.kind != "c":
            c = np.real(c)
        c = c.astype(dtype)
    return c


def fit(c, var):
    """``c`` fitted to ``var``'s shape and dtype; None when var has no derivative."""
    if var.dtype.kind not in "fc":
        return None
    return fit_to(c, var.shape, var.dtype)
