"""Small helpers shared by derivative rules."""

from __future__ import annotations

import numpy as np

from ..tracing import Tracer


def is_traced(x) -> bool:
    return type(x) is Tracer


def safe_mul(ct, d):
    """``ct * d``, but 0 wherever ``ct`` is exactly 0, even where ``d`` is inf or nan.

    This is the rule that keeps ``np.where(x > 0, np.sqrt(x), 0.0)`` finite at x = 0: the
    untaken branch receives a zero cotangent, and zero times an infinite local derivative
    is taken as zero (the branch contributes nothing), as in the double-where idiom.
    """
    r = ct * d
    if is_traced(ct):
        return np.where(ct == 0, np.zeros((), dtype=r.dtype), r)
    if is_traced(r):  # a concrete cotangent: mask only where it actually has zeros
        zero = ct == 0
        return np.where(zero, np.zeros((), dtype=r.dtype), r) if np.any(zero) else r
    if r.dtype.kind in "fc" and not np.isfinite(r).all():
        return np.where(ct == 0, np.zeros((), r.dtype), r)
    return r


def expand_reduced(ct, shape: tuple, axis, keepdims: bool):
    """Reinsert the axes a reduction removed, so ``ct`` broadcasts against its input."""
    if keepdims or axis is None:
        return ct
    axes = sorted(a % len(shape) for a in axis)
    out_shape = list(np.shape(ct))
    for a in axes:
        out_shape.insert(a, 1)
    return np.reshape(ct, tuple(out_shape))


def normalize_axis(axis, ndim: int):
    """None, an int or a sequence of ints -> None or a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        axes = tuple(sorted(int(a) % max(ndim, 1) for a in axis))
    else:
        axes = (int(axis) % max(ndim, 1),)
    return axes
