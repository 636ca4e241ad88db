"""Reductions and scans: sum, mean, prod, max, min, var, std, cumsum, arg-reductions."""

from __future__ import annotations

import numpy as np

from ..primitives import reductions as red
from ..primitives.rules import normalize_axis
from .dispatch import implements
from .elementwise import astype
from .util import as_operand, is_tracer, ndim_of, shape_of


def _reduce(prim, a, axis, keepdims, dtype=None):
    a = as_operand(a)
    if dtype is not None:
        a = astype(a, dtype)
    if not is_tracer(a):
        a = np.asarray(a)
    axes = normalize_axis(axis, ndim_of(a))
    return prim.bind(a, axis=axes, keepdims=bool(keepdims))


def _masked(a, where, fill):
    """numpy's ``where=``: elements it leaves out become the reduction's identity."""
    if where is None or where is True:
        return a
    return np.where(where, as_operand(a), fill)


def _needs_initial(where, initial, name):
    if where is not None and where is not True and initial is None:
        raise ValueError(
            f"reduction operation '{name}' does not have an identity, so to use a where mask "
            "one has to specify 'initial'"
        )


@implements(np.sum)
def sum_(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    result = _reduce(red.sum_p, _masked(a, where, 0), axis, keepdims, dtype)
    return result if initial is None else result + initial


@implements(np.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    result = _reduce(red.prod_p, _masked(a, where, 1), axis, keepdims, dtype)
    return result if initial is None else result * initial


@implements(np.max, np.amax)
def max_(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    _needs_initial(where, initial, "maximum")
    result = _reduce(red.max_p, _masked(a, where, initial), axis, keepdims)
    return result if initial is None else np.maximum(result, initial)


@implements(np.min, np.amin)
def min_(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    _needs_initial(where, initial, "minimum")
    result = _reduce(red.min_p, _masked(a, where, initial), axis, keepdims)
    return result if initial is None else np.minimum(result, initial)


@implements(np.all)
def all_(a, axis=None, out=None, keepdims=False, where=None):
    return _reduce(red.all_p, _masked(a, where, True), axis, keepdims)


@implements(np.any)
def any_(a, axis=None, out=None, keepdims=False, where=None):
    return _reduce(red.any_p, _masked(a, where, False), axis, keepdims)


def _count(a, axis, where=None, keepdims=False):
    if where is not None and where is not True:  # how many elements where= keeps
        return np.sum(np.broadcast_to(where, shape_of(a)), axis=axis, keepdims=keepdims)
    shape = shape_of(a)
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[i] for i in normalize_axis(axis, len(shape))], dtype=np.int64))


def _as_divisor(count, total):
    """An element count (an int, or an integer array under where=) in total's precision."""
    return count if isinstance(count, int) else count.astype(np.finfo(total.dtype).dtype)


def _mean_dtype(a, dtype):
    if dtype is not None:
        return dtype
    kind = np.dtype(a.dtype).kind
    return np.float64 if kind in "iub" else None


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    a = as_operand(a)
    total = sum_(a, axis=axis, dtype=_mean_dtype(a, dtype), keepdims=keepdims, where=where)
    return total / _as_divisor(_count(a, axis, where, keepdims), total)


@implements(np.var)
def var(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    a = as_operand(a)
    if correction is not None:
        ddof = correction
    centre = np.mean(a, axis=axis, dtype=dtype, keepdims=True, where=where) if mean is None else mean
    centered = a - centre
    sq = np.real(centered * np.conjugate(centered)) if np.iscomplexobj(a) else centered * centered
    total = sum_(sq, axis=axis, dtype=_mean_dtype(a, dtype), keepdims=keepdims, where=where)
    return total / _as_divisor(_count(a, axis, where, keepdims) - ddof, total)


@implements(np.std)
def std(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    v = var(
        a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where, mean=mean, correction=correction
    )
    return np.sqrt(v)


def _scan(prim, a, axis, dtype):
    a = as_operand(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a = np.ravel(a)
        axis = 0
    return prim.bind(a, axis=int(axis) % max(ndim_of(a), 1))


@implements(np.cumsum, getattr(np, "cumulative_sum", np.cumsum))
def cumsum(a, axis=None, dtype=None, out=None, include_initial=False):
    result = _scan(red.cumsum_p, a, axis, dtype)
    return _with_initial(result, axis, include_initial, 0)


@implements(np.cumprod, getattr(np, "cumulative_prod", np.cumprod))
def cumprod(a, axis=None, dtype=None, out=None, include_initial=False):
    result = _scan(red.cumprod_p, a, axis, dtype)
    return _with_initial(result, axis, include_initial, 1)


def _with_initial(result, axis, include_initial, value):
    if not include_initial:
        return result
    axis = 0 if axis is None else axis
    shape = list(np.shape(result))
    shape[axis] = 1
    return np.concatenate([np.full(shape, value, dtype=result.dtype), result], axis=axis)


def _arg_reduce(prim, a, axis, keepdims):
    a = as_operand(a)
    if axis is None:
        result = prim.bind(np.ravel(a), axis=0, keepdims=False)
        return np.reshape(result, (1,) * ndim_of(a)) if keepdims else result
    return prim.bind(a, axis=int(axis) % ndim_of(a), keepdims=bool(keepdims))


@implements(np.argmax)
def argmax(a, axis=None, out=None, *, keepdims=False):
    return _arg_reduce(red.argmax_p, a, axis, keepdims)


@implements(np.argmin)
def argmin(a, axis=None, out=None, *, keepdims=False):
    return _arg_reduce(red.argmin_p, a, axis, keepdims)


@implements(np.argsort)
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = as_operand(a)
    if axis is None:
        a, axis = np.ravel(a), 0
    return red.argsort_p.bind(a, axis=int(axis) % ndim_of(a), stable=bool(stable) or kind == "stable")
