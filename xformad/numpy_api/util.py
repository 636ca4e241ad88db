"""Helpers shared by the lowerings."""

from __future__ import annotations

import operator

import numpy as np

from ..tracing import Tracer, concrete

_asarray = np.asarray  # the original: util is imported outside any trace (intercept.py)


def is_tracer(x) -> bool:
    return type(x) is Tracer


def as_operand(x):
    """A list or tuple holding traced values becomes a stacked traced array."""
    if isinstance(x, (list, tuple)):
        if any(is_tracer(v) or isinstance(v, (list, tuple)) for v in x):
            return np.stack([as_operand(v) for v in x])
        return np.asarray(x)
    return x


def operand(x):
    """An argument as an array-like with a dtype: traced values and arrays as they are
    (numpy scalars too), lists of traced values stacked, anything else np.asarray'd."""
    x = as_operand(x)
    return x if hasattr(x, "dtype") else np.asarray(x)


def shape_of(x) -> tuple:
    return x.shape if hasattr(x, "shape") else np.shape(x)


def ndim_of(x) -> int:
    return len(shape_of(x))


def dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else np.result_type(x)


def normalize_shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)) or is_tracer(shape):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def resolve_shape(shape: tuple, size: int) -> tuple:
    """Replace a -1 in ``shape`` by the size it must have."""
    if -1 not in shape:
        return shape
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    return tuple(size // known if s == -1 else s for s in shape)


def standin(t: Tracer):
    """A host array numpy can reason about in place of ``t``: its own value on the host,
    else an array of its shape and dtype (a device value, which numpy must not convert)."""
    c = concrete(t)
    if type(c) is np.ndarray:
        return c
    if isinstance(c, np.generic):
        return _asarray(c)
    return np.zeros(t.shape, t.dtype)


def standins(obj):
    """``obj`` with every traced value, also inside (nested) lists and tuples, replaced by
    its stand-in, for running numpy itself on the same call."""
    if type(obj) is Tracer:
        return standin(obj)
    if type(obj) is list or type(obj) is tuple:
        return [standins(v) for v in obj]
    return obj


def static_ints(x):
    """Integers that shape the result, as a plain array; a traced one records guards."""
    if not is_tracer(x):
        return np.asarray(x)
    if x.ndim == 0:
        return np.asarray(operator.index(x))
    return np.array([operator.index(v) for v in np.ravel(x)], dtype=np.intp).reshape(x.shape)


def along(axis: int, index) -> tuple:
    """The index that applies ``index`` to ``axis`` (and takes every other axis whole)."""
    return (slice(None),) * axis + (index,)
