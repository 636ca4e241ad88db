"""logsumexp, softmax and log_softmax: Python functions in scipy, intercepted.

- ``logsumexp`` is a primitive whose kernel is scipy's own function, so values (the
  max-shift, ``b == 0`` ignoring ``a``, ``return_sign``, empty inputs, complex inputs) are
  scipy's to the last bit. A numpy composite would have to re-implement those conventions
  and would lose either the value or the derivative in ``b`` where ``b == 0`` (scipy drops
  such terms, yet d/db is nonzero there). The rules are the softmax weights
  ``w = exp(a - r)``: dr/da = sign * b * w and dr/db = sign * w, written with numpy calls on
  the primitive's own result, so they differentiate again (second order and beyond).
  A ``-inf`` entry has weight exp(-inf) = 0: no NaN.
- ``softmax`` and ``log_softmax`` are the numpy calls scipy itself makes, in the same order,
  on the traced values: the same numbers bit for bit, and their derivatives follow. The
  shift by the maximum cancels exactly in the function, so its derivative does not matter.
"""

from __future__ import annotations

import operator

import numpy as np

from xformad.extend import Primitive, batch_rules, is_traced, original

from ..errors import SpecialFunctionError
from .table import add


def _scipy_logsumexp():
    import scipy.special

    return original(scipy.special.logsumexp)  # never the interception wrapper


def _gpu_logsumexp():
    import cupy
    import cupyx.scipy.special

    fn = getattr(cupyx.scipy.special, "logsumexp", None)
    if fn is None:
        raise SpecialFunctionError(
            f"cupyx.scipy.special in cupy {cupy.__version__} has no logsumexp, so "
            "scipy.special.logsumexp cannot run on the cupy backend: upgrade cupy, or use "
            "backend='numpy'."
        )
    return fn


def _kernel_with(find):
    def kernel(xp, a, b=None, *, axis, keepdims, return_sign):
        return find()(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)

    return kernel


logsumexp_p = add(
    Primitive(
        "scipy.logsumexp", _kernel_with(_scipy_logsumexp), kernels={"cupy": _kernel_with(_gpu_logsumexp)}
    )
)
# return_sign=True: two results (log|sum|, sign); the sign is piecewise constant
logsumexp_signed_p = add(
    Primitive(
        "scipy.logsumexp_signed",
        _kernel_with(_scipy_logsumexp),
        kernels={"cupy": _kernel_with(_gpu_logsumexp)},
        multiple_results=True,
    )
)


def _dropping_product_kernel(xp, b, w):
    with np.errstate(invalid="ignore"):  # 0 * inf, replaced below
        return xp.where(b == 0, 0.0, b * w)


# b * w, but exactly 0 where b == 0 even if w is inf: scipy drops a term of zero weight
# whatever its a. Unlike safe_mul (which is for cotangents), b stays a variable: the
# derivative in b is w there (inf, if w is), so d2r/da db is right at b = 0 too.
dropping_product_p = add(Primitive("scipy.logsumexp_weight", _dropping_product_kernel))
dropping_product_p.def_pointwise(lambda ans, b, w: w, lambda ans, b, w: b)


def _kept_shape(args, axis) -> tuple:
    """The shape of the result with keepdims=True: scipy broadcasts a against b and makes
    it at least 1-d, then reduces ``axis`` (normalised) to length 1."""
    shape = np.broadcast_shapes(*(np.shape(x) for x in args)) or (1,)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _weights(ans, args, axis, sign):
    """(d r/d a, d r/d b) as arrays of the broadcast shape (None for an absent b)."""
    log_sum = np.reshape(ans, _kept_shape(args, axis))
    w = np.exp(args[0] - log_sum)
    if sign is not None:
        w = w * np.reshape(sign, log_sum.shape)
    if len(args) == 1:
        return w, None
    # an entry with b == 0 is ignored by scipy, whatever its a (even inf): zero, not 0 * inf
    return dropping_product_p.bind(args[1], w), w


def _jvp(tangents, ans, *args, axis, keepdims, return_sign):
    log_sum, sign = (ans, None) if not return_sign else ans
    weights = _weights(log_sum, args, axis, sign)
    total = None
    for t, w in zip(tangents, weights):
        if t is not None:
            total = t * w if total is None else total + t * w
    out = np.sum(total, axis=axis, keepdims=keepdims)
    return (out, None) if return_sign else out


def _vjp(ct, ans, needed, *args, axis, keepdims, return_sign):
    if return_sign:
        ct, ans, sign = ct[0], ans[0], ans[1]
        if ct is None:  # only the sign, which has no derivative, was used
            return tuple(None for _ in args)
    else:
        sign = None
    weights = _weights(ans, args, axis, sign)
    g = np.reshape(ct, _kept_shape(args, axis))
    return tuple(g * w if need else None for w, need in zip(weights, needed))


for _p in (logsumexp_p, logsumexp_signed_p):
    _p.def_jvp_joint(_jvp)
    _p.def_vjp_joint(_vjp)


def _batch(prim, size, args, batched, params):
    """vmap: a and b aligned as their broadcast aligns them, the reduced axes one up."""
    rank = max(1, max(batch_rules.member_ndim(x, b) for x, b in zip(args, batched)))
    args = [batch_rules.with_rank(x, rank) if b else x for x, b in zip(args, batched)]
    return prim.bind(*args, **{**params, "axis": tuple(a + 1 for a in params["axis"])})


for _p in (logsumexp_p, logsumexp_signed_p):
    _p.def_batch(_batch)


def _any_traced(x) -> bool:
    if isinstance(x, (list, tuple)):
        return any(_any_traced(v) for v in x)
    return is_traced(x)


def _normalized_axis(axis, ndim: int) -> tuple:
    """None, an int or a tuple of ints -> a sorted tuple of non-negative axes, with numpy's
    errors (AxisError, repeated axis; a list is refused, as by scipy)."""
    try:
        from numpy.lib.array_utils import normalize_axis_tuple
    except ImportError:  # numpy < 2
        from numpy.core.numeric import normalize_axis_tuple

    if axis is None:
        return tuple(range(ndim))
    axes = tuple(operator.index(ax) for ax in axis) if isinstance(axis, tuple) else (operator.index(axis),)
    return tuple(sorted(normalize_axis_tuple(axes, ndim)))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``scipy.special.logsumexp`` for traced ``a`` and/or ``b``."""
    if not (_any_traced(a) or _any_traced(b)):
        return NotImplemented
    args = (np.asarray(a),) if b is None else (np.asarray(a), np.asarray(b))
    if return_sign and any(np.iscomplexobj(x) for x in args):
        raise SpecialFunctionError(
            "scipy.special.logsumexp(..., return_sign=True) of complex values is not served "
            "(the phase is not differentiable as a complex function): use return_sign=False, "
            "whose complex result differentiates."
        )
    ndim = max(1, len(np.broadcast_shapes(*(np.shape(x) for x in args))))
    params = dict(axis=_normalized_axis(axis, ndim), keepdims=bool(keepdims), return_sign=bool(return_sign))
    if return_sign:
        return tuple(logsumexp_signed_p.bind(*args, **params))
    return logsumexp_p.bind(*args, **params)


def softmax(x, axis=None):
    """``scipy.special.softmax``: scipy's own numpy calls, on traced values."""
    if not _any_traced(x):
        return NotImplemented
    x = np.asarray(x)
    x_max = np.max(x, axis=axis, keepdims=True)
    exp_x_shifted = np.exp(x - x_max)
    return exp_x_shifted / np.sum(exp_x_shifted, axis=axis, keepdims=True)


def log_softmax(x, axis=None):
    """``scipy.special.log_softmax``: scipy's own numpy calls, on traced values."""
    if not _any_traced(x):
        return NotImplemented
    x = np.asarray(x)
    x_max = np.max(x, axis=axis, keepdims=True)
    x_max = np.where(np.isfinite(x_max), x_max, 0)  # an all -inf (or inf) slice shifts by 0
    tmp = x - x_max
    exp_tmp = np.exp(tmp)
    with np.errstate(divide="ignore"):  # log of zero is -inf, as in scipy
        s = np.sum(exp_tmp, axis=axis, keepdims=True)
        out = np.log(s)
    return tmp - out
