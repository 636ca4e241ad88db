"""Statistics: average, median, percentile/quantile, the nan-ignoring reductions, ptp, cov,
corrcoef.

Order statistics sort with ``argsort`` (no derivative) and gather the selected elements,
so the derivative of a quantile flows to the one or two elements it interpolates between.
NaN-ignoring reductions replace NaN by the operation's identity with ``where``: the
replaced entries get a zero derivative, never NaN.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import UnsupportedOperation
from ..primitives.rules import normalize_axis
from .dispatch import implements
from .indexing import getitem
from .reductions import constant_where_single
from .util import dtype_of, is_tracer, ndim_of, operand, shape_of

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
    a = operand(a)
    total = np.sum(np.where(_mask(a, where), a, 0), axis=axis, dtype=dtype, keepdims=keepdims)
    return total if initial is None else total + initial


@implements(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    a = operand(a)
    total = np.prod(np.where(_mask(a, where), a, 1), axis=axis, dtype=dtype, keepdims=keepdims)
    return total if initial is None else total * initial


def _per_element(total, keep, axis, keepdims):
    """``total`` divided by how many elements ``keep`` counts, in total's precision."""
    count = np.sum(keep, axis=axis, keepdims=keepdims)
    return total / count.astype(np.finfo(total.dtype).dtype)


@implements(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    a = operand(a)
    keep = _mask(a, where)
    dtype = _float_dtype(a, dtype)
    total = np.sum(np.where(keep, a, 0), axis=axis, dtype=dtype, keepdims=keepdims)
    return _per_element(total, keep, axis, keepdims)


@implements(np.nanvar)
def nanvar(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    a = operand(a)
    if correction is not None:
        ddof = correction
    keep = _mask(a, where)
    centre = nanmean(a, axis=axis, dtype=dtype, keepdims=True, where=where) if mean is None else mean
    # centred at a harmless 0 where the element is dropped, so it adds nothing
    centred = np.where(keep, a - centre, 0)
    sq = np.real(centred * np.conjugate(centred)) if np.iscomplexobj(a) else centred * centred
    total = np.sum(sq, axis=axis, dtype=_float_dtype(sq, dtype), keepdims=keepdims)
    dof = np.sum(keep, axis=axis, keepdims=keepdims) - ddof
    bad = dof <= 0
    if np.any(bad):  # numpy: NaN there, whatever the division gave
        warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=3)
        result = np.where(bad, np.nan, total / np.maximum(dof, 1).astype(total.dtype))
        return result[()] if ndim_of(result) == 0 else result  # a scalar, as numpy's
    return total / dof.astype(total.dtype)


@implements(np.nanstd)
def nanstd(
    a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None
):
    v = nanvar(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean, correction=correction)
    kept = np.sum(_mask(operand(a), where), axis=axis, keepdims=keepdims)
    return np.sqrt(constant_where_single(v, kept))


def _nan_extremum(reduce, fill):
    def handler(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        a = operand(a)
        if np.dtype(a.dtype).kind not in "fc":  # integers hold no NaN
            return reduce(a, axis=axis, keepdims=keepdims, initial=initial, where=where)
        keep = _mask(a, where)
        result = reduce(np.where(keep, a, fill), axis=axis, keepdims=keepdims)
        if initial is not None:
            result = (np.maximum if fill < 0 else np.minimum)(result, initial)
        # an all-NaN slice gives NaN, as numpy does
        empty = ~np.any(keep, axis=axis, keepdims=keepdims)
        result = np.where(empty, np.nan, result)
        return result[()] if ndim_of(result) == 0 else result  # a scalar, as numpy's

    return handler


implements(np.nanmax)(_nan_extremum(np.max, -np.inf))
implements(np.nanmin)(_nan_extremum(np.min, np.inf))


def _nan_arg_extremum(arg_reduce, fill, name):
    def handler(a, axis=None, out=None, *, keepdims=False):
        a = operand(a)
        nan = np.isnan(a)
        if np.any(np.all(nan, axis=axis)):
            raise ValueError(f"All-NaN slice encountered in np.{name}")
        return arg_reduce(np.where(nan, fill, a), axis=axis, keepdims=keepdims)

    return handler


implements(np.nanargmax)(_nan_arg_extremum(np.argmax, -np.inf, "nanargmax"))
implements(np.nanargmin)(_nan_arg_extremum(np.argmin, np.inf, "nanargmin"))


@implements(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    a = operand(a)
    return np.cumsum(np.where(np.isnan(a), 0, a), axis=axis, dtype=dtype)


@implements(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    a = operand(a)
    return np.cumprod(np.where(np.isnan(a), 1, a), axis=axis, dtype=dtype)


@implements(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    a = operand(a)
    span = np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)
    return span


# --- average ------------------------------------------------------------------------------


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    a = operand(a)
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        count = np.size(a) // max(np.size(avg), 1)
        scale = np.full(np.shape(avg), count, dtype=dtype_of(avg))
        return (avg, scale) if returned else avg
    w = operand(weights)
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

_METHODS = (
    "linear",
    "lower",
    "higher",
    "nearest",
    "midpoint",
    "inverted_cdf",
    "averaged_inverted_cdf",
    "closest_observation",
    *("interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased", "normal_unbiased"),
)
# numpy's (alpha, beta) of the continuous sample quantiles (Hyndman & Fan)
_ALPHA_BETA = {
    "interpolated_inverted_cdf": (0, 1),
    "hazen": (0.5, 0.5),
    "weibull": (0, 0),
    "median_unbiased": (1 / 3.0, 1 / 3.0),
    "normal_unbiased": (3 / 8.0, 3 / 8.0),
}


def _to_rows(a, axis):
    """``a`` with the reduced axes moved last and merged: (rows, n), plus what to undo."""
    shape = shape_of(a)
    axes = tuple(range(len(shape))) if axis is None else normalize_axis(axis, len(shape))
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    moved = np.transpose(a, rest + axes) if shape else np.reshape(a, (1,))
    rest_shape = tuple(shape[i] for i in rest)
    rows = int(np.prod(rest_shape, dtype=np.int64))
    return np.reshape(moved, (rows, -1)), rest_shape, axes


def _discrete_index(index, method):
    """numpy's ``_discrete_interpolation_to_boundaries``: the order statistic the
    inverted_cdf / closest_observation methods take, never below 0."""
    previous = np.floor(index)
    at_knot = index - previous == 0
    if method == "closest_observation":  # the nearest even order statistic (1-based)
        at_knot = at_knot & (np.floor(index) % 2 == 1)
    chosen = np.where(at_knot, previous, previous + 1).astype(np.intp)
    return np.where(chosen < 0, 0, chosen)


def _positions(q, count, method):
    """numpy's virtual indexes (``_quantile`` in numpy/lib/_function_base_impl.py), per row
    and quantile: the indices (lo, hi) into each sorted row and gamma, the weight of hi as
    numpy computes it, or None where numpy takes one element without interpolating."""
    last = count - 1

    # n * q with n a Python int there: in q's dtype (float32 q stays float32)
    def times(n):
        return n.astype(q.dtype) * q if q.dtype.kind == "f" else n * q

    scaled = times(last)
    if method in ("lower", "higher", "nearest") or (method == "linear" and scaled.dtype.kind in "iub"):
        if method != "linear":  # np.around: ties to even, as numpy
            scaled = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}[method](scaled)
        index = np.clip(scaled.astype(np.intp), 0, np.maximum(last, 0))
        return index, index, None
    if method in ("inverted_cdf", "closest_observation"):
        shift = 1 if method == "inverted_cdf" else 1 + 0.5
        index = np.clip(_discrete_index(times(count) - shift, method), 0, np.maximum(last, 0))
        return index, index, None
    if method == "linear":
        virtual = scaled
    elif method == "midpoint":
        virtual = 0.5 * (np.floor(scaled) + np.ceil(scaled))
    elif method == "averaged_inverted_cdf":
        virtual = times(count) - 1
    else:
        alpha, beta = _ALPHA_BETA[method]
        virtual = times(count) + (alpha + q * (1 - alpha - beta)) - 1
    lo = np.floor(virtual)
    above = virtual >= last  # numpy's index -1 there: the last value, for lo and hi both
    below = virtual < 0  # numpy's index 0 there: the first value
    lo_used = np.where(above, -1, np.where(below, 0, lo))  # what numpy's gamma subtracts
    lo_index = np.where(above, last, np.where(below, 0, lo))
    hi_index = np.where(above, last, np.where(below, 0, lo + 1))
    gamma = (virtual - lo_used).astype(virtual.dtype)
    if method == "midpoint":
        gamma = np.where(np.remainder(virtual, 1) == 0, 0.0, 0.5).astype(virtual.dtype)
    elif method == "averaged_inverted_cdf":
        gamma = np.where(gamma == 0, 0.5, 1.0).astype(virtual.dtype)
    top = np.maximum(last, 0)
    return np.clip(lo_index, 0, top).astype(np.intp), np.clip(hi_index, 0, top).astype(np.intp), gamma


def _lerp(low, high, gamma, weak: bool):
    """numpy's ``_lerp``: ``low + d * t``, and ``high - d * (1 - t)`` where t >= 0.5, with
    ``d = high - low`` in the values' dtype. A Python-scalar q makes numpy's t a Python
    float (weakly typed), so float32 values interpolate in float32 then."""
    diff = high - low
    if weak:
        work = np.result_type(dtype_of(diff), 0.0)
        t, one_minus_t = gamma.astype(work), (1 - gamma).astype(work)
    else:
        t, one_minus_t = gamma, 1 - gamma
    return np.where(gamma >= 0.5, high - diff * one_minus_t, low + diff * t)


def _quantile(a, q, axis, method, keepdims, skip_nan, name):
    if method not in _METHODS:  # every method numpy has is here: numpy's own error
        raise ValueError(f"{method!r} is not a valid method. Use one of: {', '.join(_METHODS)}")
    a = operand(a)
    if np.iscomplexobj(a):
        raise TypeError("a must be an array of real numbers")
    weak = type(q) in (int, float)  # numpy's weak_q: the result type follows a's alone
    q = operand(q)
    if not is_tracer(q) and (np.any(q < 0) or np.any(q > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    q_shape = shape_of(q)
    rest_shape, axes, n_rows, nan, ordered, count = _sorted_rows(a, axis, skip_nan, name)
    expand = (n_rows,) + (1,) * len(q_shape)
    count_b = np.reshape(count, expand)
    lo, hi, gamma = _positions(q, count_b, method)
    row_b = np.reshape(np.arange(n_rows), expand)
    # getitem, not ordered[...]: a plain ndarray cannot take traced indices (a traced q)
    low = getitem(ordered, (row_b, lo))
    result = low if gamma is None else _lerp(low, getitem(ordered, (row_b, hi)), gamma, weak)
    return _finish(result, a, nan, count_b, skip_nan, q_shape, rest_shape, axes, keepdims)


def _sorted_rows(a, axis, skip_nan: bool, name: str):
    """``a``'s reduced axes as rows, each sorted (NaNs last): (the kept shape, the reduced
    axes, the number of rows, where the NaNs are, the sorted rows, each row's count of
    values that take part: all, or the non-NaN ones with ``skip_nan``)."""
    rows, rest_shape, axes = _to_rows(a, axis)
    n_rows, n = shape_of(rows)
    if n == 0:
        raise ValueError(f"np.{name} of an empty array")
    nan = np.isnan(rows)
    order = np.argsort(rows, axis=-1)  # NaNs sort last
    row_index = np.reshape(np.arange(n_rows), (n_rows, 1))
    ordered = rows[row_index, order]
    count = np.sum(~nan, axis=-1) if skip_nan else np.full((n_rows,), n)
    return rest_shape, axes, n_rows, nan, ordered, count


def _finish(result, a, nan, count_b, skip_nan, q_shape, rest_shape, axes, keepdims):
    """NaN where numpy's result is NaN, (rows, *q) -> (*q, *rest) with the reduced axes
    back as 1s for keepdims, and a 0-d result as a numpy scalar, as numpy returns it."""
    if np.dtype(dtype_of(a)).kind in "fc":  # a NaN makes the result NaN (or is skipped)
        undefined = count_b == 0 if skip_nan else np.reshape(np.any(nan, axis=-1), shape_of(count_b))
        result = np.where(undefined, np.nan, result)
    result = np.moveaxis(result, 0, -1) if q_shape else result
    if keepdims:
        kept = tuple(1 if i in axes else s for i, s in enumerate(shape_of(a)))
        result = np.reshape(result, q_shape + kept)
    else:
        result = np.reshape(result, q_shape + rest_shape)
    return result[()] if ndim_of(result) == 0 else result


def _median(a, axis, keepdims, skip_nan, name):
    """numpy's median: the mean of the middle one or two sorted values (np.mean's
    arithmetic: float16 summed in float32, integers in float64). nanmedian along an axis
    shorter than 600 goes through numpy's masked median, which halves the sum of the two
    middle values in the array's own dtype (the middle value twice for an odd count)."""
    a = operand(a)
    if np.iscomplexobj(a):  # numpy sorts complex values; no derivative order to follow here
        raise UnsupportedOperation(f"np.{name} of a complex array", "take the median of the real part")
    rest_shape, axes, n_rows, nan, ordered, count = _sorted_rows(a, axis, skip_nan, name)
    n = shape_of(ordered)[-1]
    count_b = np.reshape(count, (n_rows,))
    half = count_b // 2
    odd = count_b % 2 == 1
    lo = np.clip(np.where(odd, half, half - 1), 0, n - 1)
    hi = np.clip(half, 0, n - 1)
    row_b = np.arange(n_rows)
    low, high = getitem(ordered, (row_b, lo)), getitem(ordered, (row_b, hi))
    dtype = np.dtype(dtype_of(a))
    masked = skip_nan and rest_shape != () and n < 600
    if masked:  # np.ma.median: (low + high) / 2 in the array's dtype
        result = (low + high) / 2
    else:
        work = np.dtype(np.float32) if dtype == np.float16 else _float_dtype(a)
        low, high = low.astype(work), high.astype(work)
        result = np.where(odd, low, (low + high) / 2).astype(dtype if dtype == np.float16 else work)
    return _finish(result, a, nan, count_b, skip_nan, (), rest_shape, axes, keepdims)


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
    q = q if isinstance(q, (int, float)) else operand(q)  # a Python scalar stays weakly typed
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
    return _median(a, axis, keepdims, False, "median")


@implements(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _median(a, axis, keepdims, True, "nanmedian")


@implements(np.histogram2d)
def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    """numpy's: a two-dimensional np.histogramdd of the points (x, y) (numpy passes the
    list [x, y], which numpy itself would convert; here they are stacked)."""
    try:
        count = len(bins)
    except TypeError:
        count = 1
    if count != 1 and count != 2:
        bins = [np.asarray(bins), np.asarray(bins)]
    sample = np.stack([operand(x), operand(y)], axis=-1)
    hist, edges = np.histogramdd(sample, bins, range=range, density=density, weights=weights)
    return hist, edges[0], edges[1]


# --- covariance and correlation ------------------------------------------------------------


def _as_rows(m, rowvar, dtype):
    m = operand(m)
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
        w = operand(fweights)
    if aweights is not None:
        aw = operand(aweights)
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
            fact = w_sum - ddof * np.sum(w * operand(aweights)) / w_sum
        weighted = centred * w
    if fact <= 0:  # numpy warns and divides by zero; so do we
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
        fact = 0.0
    # numpy multiplies by 1 / fact (not a division: the last bit can differ)
    c = np.matmul(centred, np.transpose(np.conjugate(weighted))) * np.true_divide(1, fact)
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
