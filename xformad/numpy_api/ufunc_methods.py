"""ufunc.reduce, ufunc.accumulate and ufunc.reduceat for the ufuncs that have no reduction
primitive of their own (np.logaddexp.reduce, np.maximum.accumulate, np.add.reduceat...).

numpy folds such a ufunc along the axis one element at a time, left to right: a fold of
ufunc calls on slices gives its values bit for bit. np.maximum, np.minimum, np.fmax and
np.fmin are exactly associative, so their accumulations take log2(n) doubling steps
instead of n (a Hillis-Steele scan).
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperation
from ..primitives.segment_sum import add_reduceat_p
from .util import along, as_operand, ndim_of, operand, shape_of, static_ints

_EXACTLY_ASSOCIATIVE = (np.maximum, np.minimum, np.fmax, np.fmin)
# numpy's vectorised loops for these reduce in an order of their own (machine-dependent, not
# the left-to-right fold): no lowering can promise numpy's values
_UNORDERED = (np.power, np.arctan2)
_SEGMENT_REDUCTIONS = {np.multiply: np.prod, np.maximum: np.max, np.minimum: np.min}


def reduce(ufunc, array, axis=0, dtype=None, keepdims=False, initial=np._NoValue):
    x = _prepared(ufunc, "reduce", array, dtype)
    if axis is None and ndim_of(x) == 1:
        axis = 0
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if axis is None or isinstance(axis, tuple):
        raise UnsupportedOperation(
            f"{ufunc.__name__}.reduce over several axes",
            "one axis at a time (numpy's order over several axes is its memory order)",
        )
    axis = _axis(axis, x)
    n = shape_of(x)[axis]
    if n == 0:
        if initial is np._NoValue:  # numpy's identity for the empty axis, or its error
            return ufunc.reduce(np.zeros(shape_of(x), dtype=x.dtype), axis=axis, keepdims=keepdims)
        shape = shape_of(x)[:axis] + ((1,) if keepdims else ()) + shape_of(x)[axis + 1 :]
        return np.broadcast_to(as_operand(initial), shape).astype(x.dtype)
    first = x[along(axis, 0)]
    folded = (
        first.astype(_result_dtype(ufunc, x), copy=False) if initial is np._NoValue else ufunc(initial, first)
    )
    for i in range(1, n):
        folded = ufunc(folded, x[along(axis, i)])
    return np.expand_dims(folded, axis) if keepdims else folded


def accumulate(ufunc, array, axis=0, dtype=None):
    x = _prepared(ufunc, "accumulate", array, dtype)
    axis = _axis(axis, x)
    n = shape_of(x)[axis]
    if n == 0:
        return x
    if ufunc in _EXACTLY_ASSOCIATIVE:
        return _doubling_scan(ufunc, x, axis, n)
    running = [x[along(axis, 0)].astype(_result_dtype(ufunc, x), copy=False)]
    for i in range(1, n):
        running.append(ufunc(running[-1], x[along(axis, i)]))
    return np.stack(running, axis=axis)


def reduceat(ufunc, array, indices, axis=0, dtype=None):
    x = _prepared(ufunc, "reduceat", array, dtype)
    axis = _axis(axis, x)
    n = shape_of(x)[axis]
    starts = static_ints(indices)  # a traced index is made concrete, and guarded
    if starts.ndim != 1:
        raise TypeError("reduceat: indices must be a 1-D array of integers")
    if ((starts < 0) | (starts >= n)).any():
        bad = starts[(starts < 0) | (starts >= n)][0]
        raise IndexError(f"index {bad} out-of-bounds in {ufunc.__name__}.reduceat [0, {n})")
    if ufunc is np.add:  # pairwise sums: numpy's own kernel (primitives.segment_sum)
        return add_reduceat_p.bind(x, indices=tuple(starts.tolist()), axis=axis)
    segment = _SEGMENT_REDUCTIONS.get(ufunc)
    parts = []
    for k, start in enumerate(starts.tolist()):
        stop = starts[k + 1] if k + 1 < starts.size else n
        if stop <= start:  # numpy: the element at the start alone
            parts.append(x[along(axis, start)])
        elif segment is not None:
            parts.append(segment(x[along(axis, slice(start, stop))], axis=axis))
        else:
            parts.append(reduce(ufunc, x[along(axis, slice(start, stop))], axis=axis))
    return np.stack(parts, axis=axis)


def _prepared(ufunc, method: str, array, dtype):
    if ufunc.nin != 2 or ufunc.nout != 1:  # numpy's own message
        raise ValueError(f"{ufunc.__name__} only supported for binary functions")
    if ufunc in _UNORDERED:
        raise UnsupportedOperation(
            f"np.{ufunc.__name__}.{method}",
            "numpy's own loop for it does not fold left to right (its order depends on the "
            "machine), so xformad cannot reproduce its values: write the loop out "
            f"(r = x[0]; r = np.{ufunc.__name__}(r, x[i]) for each i)",
        )
    x = operand(array)
    return x if dtype is None else x.astype(dtype)


def _result_dtype(ufunc, x):
    """The dtype numpy's loop gives (np.logical_and of floats: bool)."""
    return ufunc.resolve_dtypes((x.dtype, x.dtype, None))[-1]


def _axis(axis, x) -> int:
    nd = ndim_of(x)
    if not -nd <= int(axis) < nd:
        raise np.exceptions.AxisError(int(axis), nd)
    return int(axis) % nd


def _doubling_scan(ufunc, x, axis: int, n: int):
    """y[i] = ufunc over x[0..i]: each step combines every element with the one ``shift``
    before it, doubling the span it covers."""
    y = x
    shift = 1
    while shift < n:
        combined = ufunc(y[along(axis, slice(shift, n))], y[along(axis, slice(0, n - shift))])
        y = np.concatenate([y[along(axis, slice(0, shift))], combined], axis=axis)
        shift *= 2
    return y
