"""Reductions and scans: sum, mean, prod, max, min, var, std, cumsum, arg-reductions."""

from __future__ import annotations

import warnings

import numpy as np

from ..primitives import reductions as red
from ..primitives.elementwise import stop_gradient_p
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


def _empty_with_initial(reduction, a, axis, keepdims, initial, where):
    """numpy's max/min of no elements with ``initial``: ``initial`` itself, broadcast."""
    if initial is None or is_tracer(initial) or where is not None or _count(as_operand(a), axis):
        return None
    a = as_operand(a)
    return reduction(np.zeros(shape_of(a), a.dtype), axis=axis, keepdims=keepdims, initial=initial)


@implements(np.max, np.amax)
def max_(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    _needs_initial(where, initial, "maximum")
    empty = _empty_with_initial(np.max, a, axis, keepdims, initial, where)
    if empty is not None:
        return empty
    result = _reduce(red.max_p, _masked(a, where, initial), axis, keepdims)
    return result if initial is None else np.maximum(result, initial)


@implements(np.min, np.amin)
def min_(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    _needs_initial(where, initial, "minimum")
    empty = _empty_with_initial(np.min, a, axis, keepdims, initial, where)
    if empty is not None:
        return empty
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
    """An element count (an int, or an integer array under where=) in total's precision:
    a numpy scalar even for an int, so a zero count divides to inf/nan as in numpy (the
    divide rules' 1 / y would raise ZeroDivisionError on a Python 0)."""
    dtype = np.finfo(total.dtype).dtype
    return dtype.type(count) if isinstance(count, (int, float)) else count.astype(dtype)


def degrees_of_freedom(count, ddof):
    """numpy's divisor of a variance: count - ddof, never below 0 (so it gives inf), with
    numpy's warning where it is not positive."""
    dof = count - ddof
    if np.any(dof <= 0):
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
    return np.maximum(dof, 0)


def _mean_dtype(a, dtype):
    if dtype is not None:
        return dtype
    kind = np.dtype(a.dtype).kind
    return np.float64 if kind in "iub" else None


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    a = as_operand(a)
    total = sum_(a, axis=axis, dtype=_mean_dtype(a, dtype), keepdims=keepdims, where=where)
    count = _count(a, axis, where, keepdims)
    if isinstance(count, int) and count == 0:
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)  # numpy's warning
    return total / _as_divisor(count, total)


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
    return total / _as_divisor(degrees_of_freedom(_count(a, axis, where, keepdims), ddof), total)


@implements(np.std)
def std(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    v = var(
        a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where, mean=mean, correction=correction
    )
    return np.sqrt(constant_where_single(v, _count(as_operand(a), axis, where, keepdims)))


def constant_where_single(v, count):
    """A variance over slices of at most one element is identically 0 (std too): its
    derivative is 0 there, not sqrt's infinite slope times 0 (NaN). As autograd's std."""
    single = count <= 1
    if isinstance(single, (bool, np.bool_)):
        return stop_gradient_p.bind(v) if single and is_tracer(v) else v
    return np.where(single, stop_gradient_p.bind(v), v) if bool(np.any(single)) else v


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
