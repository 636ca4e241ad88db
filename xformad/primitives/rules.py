"""Small helpers shared by derivative rules."""

from __future__ import annotations

import numpy as np

from .. import backends
from ..tracing import Tracer


def is_traced(x) -> bool:
    return type(x) is Tracer


def device_constant(value, like):
    """A constant a rule built with numpy (np.ones, a table), placed where ``like`` lives:
    unchanged beside numpy arrays and tracers (it becomes a graph constant, placed by the
    tracer), copied to the device beside device arrays, which refuse to mix with numpy."""
    if type(like) is Tracer or isinstance(like, (np.ndarray, np.generic)):
        return value
    return backends.active().adopt(value)


def safe_mul(ct, d):
    """``ct * d``, but 0 wherever ``ct`` is exactly 0, even where ``d`` is inf or nan.

    This is the rule that keeps ``np.where(x > 0, np.sqrt(x), 0.0)`` finite at x = 0: the
    untaken branch receives a zero cotangent, and zero times an infinite local derivative
    is taken as zero (the branch contributes nothing), as in the double-where idiom.
    """
    if type(ct) is Tracer or type(d) is Tracer:
        if not hasattr(d, "dtype") and bool(np.isfinite(d)):
            return ct * d  # a finite Python constant: nothing to mask
        if type(ct) is not Tracer and not np.any(ct == 0):
            return ct * d  # a constant cotangent without zeros: nothing to mask
        return safe_multiply_p.bind(ct, d)
    backend = backends._active.backend
    if backend is not None and backend.name != "numpy":
        # the backend's own kernel: a lazy backend masks without a data-dependent test
        return safe_multiply_p.impl(ct, d)
    return masked_product(np, ct, d)


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


from .safe_multiply import masked_product, safe_multiply_p  # noqa: E402  (it uses safe_mul)
