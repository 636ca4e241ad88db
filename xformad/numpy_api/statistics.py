"""Statistics: average, median, percentile/quantile, the nan-ignoring reductions, ptp, cov,
corrcoef.

Order statistics sort with ``argsort`` (no derivative) and gather the selected elements,
so the derivative of a quantile flows to the one or two elements it interpolates between.
NaN-ignoring reductions replace NaN by the operation's identity with ``where``: the
replaced entries get a zero derivative, never NaN.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperation
from ..primitives.rules import normalize_axis
from .dispatch import implements
from .indexing import getitem
from .util import as_operand, dtype_of, is_tracer, ndim_of, shape_of


def _operand(a):
    a = as_operand(a)
    return a if is_tracer(a) or hasattr(a, "dtype") else np.asarray(a)


# out= never reaches these handlers: numpy_api.dispatch writes results into the target


def _float_dtype(a, dtype=None):
    if dtype is not None:
        return np.dtype(dtype)
    kind = np.dtype(dtype_of(a)).kind
    return np.dtype(np.float64) if kind in "iub" else np.dtype(dtype_of(a))


def _mask(a, where):
    """True where an element takes part: not NaN, and selected by ``where``."""
    keep = ~np.isnan(a)
    return keep if where is None or where is True else keep & where


# --- the NaN-ignoring reductions -------------------------------------------------------


@implements(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    a = _operand(a)
    total = np.sum(np.where(_mask(a, where), a, 0), axis=axis, dtype=dtype, keepdims=keepdims)
    return total if initial is None else total + initial


@implements(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    a = _operand(a)
    total = np.prod(np.where(_mask(a, where), a, 1), axis=axis, dtype=dtype, keepdims=keepdims)
    return total if initial is None else total * initial


def _per_element(total, keep, axis, keepdims):
    """``total`` divided by how many elements ``keep`` counts, in total's precision."""
    count = np.sum(keep, axis=axis, keepdims=keepdims)
    return total / count.astype(np.finfo(total.dtype).dtype)


@implements(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    a = _operand(a)
    keep = _mask(a, where)
    dtype = _float_dtype(a, dtype)
    total = np.sum(np.where(keep, a, 0), axis=axis, dtype=dtype, keepdims=keepdims)
    return _per_element(total, keep, axis, keepdims)


@implements(np.nanvar)
def nanvar(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    a = _operand(a)
    if correction is not None:
        ddof = correction
    keep = _mask(a, where)
    centre = nanmean(a, axis=axis, dtype=dtype, keepdims=True, where=where) if mean is None else mean
    # centred at a harmless 0 where the element is dropped, so it adds nothing
    centred = np.where(keep, a - centre, 0)
    sq = np.real(centred * np.conjugate(centred)) if np.iscomplexobj(a) else centred * centred
    total = np.sum(sq, axis=axis, dtype=_float_dtype(sq, dtype), keepdims=keepdims)
    count = np.sum(keep, axis=axis, keepdims=keepdims) - ddof
    return total / count.astype(total.dtype)


@implements(np.nanstd)
def nanstd(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    v = nanvar(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean, correction=correction)
    return np.sqrt(v)


def _nan_extremum(reduce, fill):
    def handler(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        a = _operand(a)
        if np.dtype(a.dtype).kind not in "fc":  # integers hold no NaN
            return reduce(a, axis=axis, keepdims=keepdims, initial=initial, where=where)
        keep = _mask(a, where)
        result = reduce(np.where(keep, a, fill), axis=axis, keepdims=keepdims)
        if initial is not None:
            result = (np.maximum if fill < 0 else np.minimum)(result, initial)
        # an all-NaN slice gives NaN, as numpy does
        empty = ~np.any(keep, axis=axis, keepdims=keepdims)
        return np.where(empty, np.nan, result)

    return handler


implements(np.nanmax)(_nan_extremum(np.max, -np.inf))
implements(np.nanmin)(_nan_extremum(np.min, np.inf))


def _nan_arg_extremum(arg_reduce, fill, name):
    def handler(a, axis=None, out=None, *, keepdims=False):
        a = _operand(a)
        nan = np.isnan(a)
        if np.any(np.all(nan, axis=axis)):
            raise ValueError(f"All-NaN slice encountered in np.{name}")
        return arg_reduce(np.where(nan, fill, a), axis=axis, keepdims=keepdims)

    return handler


implements(np.nanargmax)(_nan_arg_extremum(np.argmax, -np.inf, "nanargmax"))
implements(np.nanargmin)(_nan_arg_extremum(np.argmin, np.inf, "nanargmin"))


@implements(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    a = _operand(a)
    return np.cumsum(np.where(np.isnan(a), 0, a), axis=axis, dtype=dtype)


@implements(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    a = _operand(a)
    return np.cumprod(np.where(np.isnan(a), 1, a), axis=axis, dtype=dtype)


@implements(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    a = _operand(a)
    span = np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)
    return span


# --- average ------------------------------------------------------------------------------


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    a = _operand(a)
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        count = np.size(a) // max(np.size(avg), 1)
        scale = np.full(np.shape(avg), count, dtype=dtype_of(avg))
        return (avg, scale) if returned else avg
    w = _operand(weights)
    dtype = np.result_type(_float_dtype(a), dtype_of(w))
    if shape_of(w) != shape_of(a):
        w = _weights_along(w, shape_of(a), axis)
    scale = np.sum(np.broadcast_to(w, shape_of(a)), axis=axis, dtype=dtype, keepdims=keepdims)
    if np.any(scale == 0.0):
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    avg = np.sum(a * w, axis=axis, dtype=dtype, keepdims=keepdims) / scale
    if returned:
        return avg, np.broadcast_to(scale, shape_of(avg))
    return avg


def _weights_along(w, shape, axis):
    """1-D (or axes-shaped) weights reshaped to broadcast along ``axis`` of ``shape``."""
    if axis is None:
        raise TypeError("Axis must be specified when shapes of a and weights differ.")
    axes = normalize_axis(axis, len(shape))
    if shape_of(w) != tuple(shape[i] for i in axes):
        raise ValueError("Shape of weights must be consistent with shape of a along specified axis.")
    target = tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
    return np.reshape(w, target)


# --- order statistics: quantile, percentile, median ------------------------------------

_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _to_rows(a, axis):
    """``a`` with the reduced axes moved last and merged: (rows, n), plus what to undo."""
    shape = shape_of(a)
    axes = tuple(range(len(shape))) if axis is None else normalize_axis(axis, len(shape))
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    moved = np.transpose(a, rest + axes) if shape else np.reshape(a, (1,))
    rest_shape = tuple(shape[i] for i in rest)
    rows = int(np.prod(rest_shape, dtype=np.int64))
    return np.reshape(moved, (rows, -1)), rest_shape, axes


def _positions(q, count, method):
    """Indices (lo, hi) into each sorted row and the weight of hi, per row and quantile."""
    pos = q * (count - 1).astype(q.dtype)  # count is integer: keep q's precision
    if method == "linear":
        lo = np.floor(pos)
        frac = pos - lo
    elif method == "lower":
        lo, frac = np.floor(pos), None
    elif method == "higher":
        lo, frac = np.ceil(pos), None
    elif method == "nearest":
        lo, frac = np.round(pos), None  # ties to even, as numpy
    else:  # midpoint
        lo = np.floor(pos)
        frac = (np.ceil(pos) > lo).astype(q.dtype) * 0.5
    last = np.maximum(count - 1, 0)
    lo = np.clip(lo, 0, last)
    hi = np.minimum(lo + 1, last)
    return lo.astype(np.intp), hi.astype(np.intp), frac


def _quantile(a, q, axis, method, keepdims, skip_nan, name):
    if method not in _METHODS:
        raise UnsupportedOperation(f"np.{name} with method={method!r}", f"supported: {', '.join(_METHODS)}")
    a = _operand(a)
    if np.iscomplexobj(a):
        raise TypeError("a must be an array of real numbers")
    # numpy's result type: interpolating methods promote a (ints to float64) with q, a
    # Python-scalar q counting weakly; selecting methods keep a's dtype
    interpolating = method in ("linear", "midpoint")
    q_kind = q if isinstance(q, (int, float)) else dtype_of(_operand(q))
    out_dtype = np.result_type(_float_dtype(a), q_kind) if interpolating else np.dtype(dtype_of(a))
    q = _operand(q)
    if not is_tracer(q) and (np.any(q < 0) or np.any(q > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    q_shape = shape_of(q)
    rows, rest_shape, axes = _to_rows(a, axis)
    n_rows, n = shape_of(rows)
    if n == 0:
        raise ValueError(f"np.{name} of an empty array")
    nan = np.isnan(rows)
    order = np.argsort(rows, axis=-1)  # NaNs sort last
    row_index = np.reshape(np.arange(n_rows), (n_rows, 1))
    ordered = rows[row_index, order]
    count = np.sum(~nan, axis=-1) if skip_nan else np.full((n_rows,), n)
    expand = (n_rows,) + (1,) * len(q_shape)
    count_b = np.reshape(count, expand)
    pos_dtype = out_dtype if interpolating else np.float64
    lo, hi, frac = _positions(q.astype(pos_dtype), count_b, method)
    row_b = np.reshape(np.arange(n_rows), expand)
    # getitem, not ordered[...]: a plain ndarray cannot take traced indices (a traced q)
    low = getitem(ordered, (row_b, lo))
    if interpolating:
        low = low.astype(out_dtype)
        result = low + frac * (getitem(ordered, (row_b, hi)).astype(out_dtype) - low)
    else:
        result = low
    if np.dtype(dtype_of(a)).kind in "fc":  # a NaN makes the quantile NaN (or is skipped)
        undefined = count_b == 0 if skip_nan else np.reshape(np.any(nan, axis=-1), expand)
        result = np.where(undefined, np.nan, result)
    # (rows, *q) -> (*q, *rest), then the reduced axes back as 1s for keepdims
    result = np.moveaxis(result, 0, -1) if q_shape else result
    if keepdims:
        kept = tuple(1 if i in axes else s for i, s in enumerate(shape_of(a)))
        return np.reshape(result, q_shape + kept)
    return np.reshape(result, q_shape + rest_shape)


def _method(method, interpolation):
    return interpolation if interpolation is not None else method


def _no_weights(weights, name):
    if weights is not None:
        raise UnsupportedOperation(f"np.{name} with weights=", "use np.average for weighted means")


@implements(np.quantile)
def quantile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=False,
    method="linear",
    keepdims=False,
    *,
    weights=None,
    interpolation=None,
):
    _no_weights(weights, "quantile")
    result = _quantile(a, q, axis, _method(method, interpolation), keepdims, False, "quantile")
    return result


@implements(np.nanquantile)
def nanquantile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=False,
    method="linear",
    keepdims=False,
    *,
    weights=None,
    interpolation=None,
):
    _no_weights(weights, "nanquantile")
    result = _quantile(a, q, axis, _method(method, interpolation), keepdims, True, "nanquantile")
    return result


def _percent(q):
    q = q if isinstance(q, (int, float)) else _operand(q)  # a Python scalar stays weakly typed
    if not is_tracer(q) and (np.any(np.asarray(q) < 0) or np.any(np.asarray(q) > 100)):
        raise ValueError("Percentiles must be in the range [0, 100]")
    return q / 100


@implements(np.percentile)
def percentile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=False,
    method="linear",
    keepdims=False,
    *,
    weights=None,
    interpolation=None,
):
    _no_weights(weights, "percentile")
    result = _quantile(a, _percent(q), axis, _method(method, interpolation), keepdims, False, "percentile")
    return result


@implements(np.nanpercentile)
def nanpercentile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=False,
    method="linear",
    keepdims=False,
    *,
    weights=None,
    interpolation=None,
):
    _no_weights(weights, "nanpercentile")
    result = _quantile(a, _percent(q), axis, _method(method, interpolation), keepdims, True, "nanpercentile")
    return result


@implements(np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile(a, 0.5, axis, "linear", keepdims, False, "median")


@implements(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile(a, 0.5, axis, "linear", keepdims, True, "nanmedian")


# --- covariance and correlation ------------------------------------------------------------


def _as_rows(m, rowvar, dtype):
    m = _operand(m)
    # numpy computes cov in at least float64
    m = m.astype(np.result_type(m.dtype, np.float64) if dtype is None else dtype)
    if ndim_of(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    if ndim_of(m) < 2:
        m = np.reshape(m, (1, -1))
    elif not rowvar and shape_of(m)[0] != 1:
        m = np.transpose(m)
    return m


@implements(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    """Covariance of the rows (variables) of ``m`` over its columns (observations)."""
    x = _as_rows(m, rowvar, dtype)
    if y is not None:
        x = np.concatenate([x, _as_rows(y, rowvar, dtype)], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n_obs = shape_of(x)[1]
    w = None
    if fweights is not None:
        w = _operand(fweights)
    if aweights is not None:
        aw = _operand(aweights)
        w = aw if w is None else w * aw
    if w is None:
        centred = x - np.mean(x, axis=1, keepdims=True)
        fact = n_obs - ddof
        weighted = centred
    else:
        w_sum = np.sum(w)
        centred = x - np.sum(x * w, axis=1, keepdims=True) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * np.sum(w * _operand(aweights)) / w_sum
        weighted = centred * w
    if fact <= 0:
        fact = 0.0  # numpy warns and divides by zero; so do we
    c = np.matmul(centred, np.transpose(np.conjugate(weighted))) / fact
    return np.squeeze(c)


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, bias=np._NoValue, ddof=np._NoValue, *, dtype=None):
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim_of(c) == 0:
        return c / c
    stddev = np.sqrt(np.real(np.einsum("ii->i", c)))
    c = c / np.reshape(stddev, (-1, 1)) / np.reshape(stddev, (1, -1))
    # rounding can push |r| a hair past 1; numpy clips, and so do we
    if np.iscomplexobj(c):
        return np.clip(np.real(c), -1, 1) + 1j * np.clip(np.imag(c), -1, 1)
    return np.clip(c, -1, 1)
