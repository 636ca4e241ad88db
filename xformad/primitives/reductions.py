"""Reductions along axes (sum, max, min, prod) and scans (cumsum, cumprod).

``axis`` is None or a sorted tuple of non-negative ints, normalised by the numpy layer.
"""

from __future__ import annotations

import numpy as np

from . import diagonal
from .batch_rules import shifted_axes
from .core import Primitive, nondifferentiable
from .rules import device_constant, expand_reduced, safe_mul


def _reduce_kernel(name: str):
    def kernel(xp, x, axis, keepdims):
        return getattr(xp, name)(x, axis=axis, keepdims=keepdims)

    return kernel


sum_p = Primitive("reduce_sum", _reduce_kernel("sum"))
sum_p.def_jvp(lambda t, ans, x, axis, keepdims: np.sum(t, axis=axis, keepdims=keepdims))
sum_p.def_vjp(lambda ct, ans, x, axis, keepdims: expand_reduced(ct, np.shape(x), axis, keepdims))
sum_p.def_notation("Σ{params} {0}", forward=("Σ {d}",), reverse=("broadcast {d}",))
sum_p.def_diagonal(diagonal.total)


def _extremum_share(ans, x, axis, keepdims):
    """Where x attains the extremum, split evenly among ties (as JAX does)."""
    ans_k = expand_reduced(ans, np.shape(x), axis, keepdims)
    hits = x == ans_k
    count = np.sum(hits, axis=axis, keepdims=True)
    return hits / count


def _extremum_jvp(t, ans, x, axis, keepdims):
    # safe_mul: a losing element's tangent may be inf; its zero share must win over it
    return np.sum(safe_mul(_extremum_share(ans, x, axis, keepdims), t), axis=axis, keepdims=keepdims)


def _extremum_vjp(ct, ans, x, axis, keepdims):
    return expand_reduced(ct, np.shape(x), axis, keepdims) * _extremum_share(ans, x, axis, keepdims)


max_p = Primitive("reduce_max", _reduce_kernel("max"))
min_p = Primitive("reduce_min", _reduce_kernel("min"))
for _p in (max_p, min_p):
    _p.def_jvp(_extremum_jvp)
    _p.def_vjp(_extremum_vjp)


def others_product(x, axis):
    """prod of all elements but one along ``axis``, without dividing (exact at zeros)."""
    x = np.moveaxis(x, axis, -1)
    lead = x.shape[:-1]
    x = np.reshape(x, lead + (-1,))
    ones = device_constant(np.ones(lead + (1,), dtype=x.dtype), x)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([x[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    return left * right


def _prod_vjp(ct, ans, x, axis, keepdims):
    shape = np.shape(x)
    ndim = len(shape)
    axes = tuple(range(ndim)) if axis is None else axis
    if not axes:
        return ct
    rest = tuple(a for a in range(ndim) if a not in axes)
    perm = rest + tuple(axes)
    xt = np.transpose(x, perm)
    flat = np.reshape(xt, xt.shape[: len(rest)] + (-1,))
    others = np.reshape(others_product(flat, -1), xt.shape)
    grad = np.transpose(others, tuple(np.argsort(perm)))  # a tuple: dask takes no array of axes
    return expand_reduced(ct, shape, axis, keepdims) * grad


def _prod_jvp(t, ans, x, axis, keepdims):
    return np.sum(t * _prod_vjp(np.ones_like(ans), ans, x, axis, keepdims), axis=axis, keepdims=keepdims)


prod_p = Primitive("reduce_prod", _reduce_kernel("prod"))
prod_p.def_jvp(_prod_jvp)
prod_p.def_vjp(_prod_vjp)

all_p = Primitive("reduce_all", _reduce_kernel("all"))
any_p = Primitive("reduce_any", _reduce_kernel("any"))


def _emit_reduction(function: str):
    """Codegen's ``xp.<function>(x, axis=..., keepdims=True)`` for a reduction node."""

    def emit(args, params, text):
        extra = ""
        if params.get("axis") is not None:
            extra += f", axis={text(params['axis'])}"
        if params.get("keepdims"):
            extra += ", keepdims=True"
        return f"xp.{function}({args[0]}{extra})"

    return emit


for _p in (sum_p, max_p, min_p, prod_p, all_p, any_p):
    _p.def_emit(_emit_reduction(_p.name.removeprefix("reduce_")))

argmax_p = Primitive("argmax", lambda xp, x, axis, keepdims: xp.argmax(x, axis=axis, keepdims=keepdims))
argmin_p = Primitive("argmin", lambda xp, x, axis, keepdims: xp.argmin(x, axis=axis, keepdims=keepdims))
argsort_p = Primitive("argsort", lambda xp, x, axis, stable: xp.argsort(x, axis=axis, stable=stable))
nondifferentiable(all_p, any_p, argmax_p, argmin_p, argsort_p)


def _reverse_cumsum(ct, axis):
    return np.flip(np.cumsum(np.flip(ct, axis), axis=axis), axis)


cumsum_p = Primitive("cumsum", lambda xp, x, axis: xp.cumsum(x, axis=axis))
cumsum_p.def_jvp(lambda t, ans, x, axis: np.cumsum(t, axis=axis))
cumsum_p.def_vjp(lambda ct, ans, x, axis: _reverse_cumsum(ct, axis))


# cumprod's rules as linear recurrences, y_k = x_k y_(k-1): the tangent J_k = x_k J_(k-1) +
# t_k A_k and the cotangent x_bar_j = A_j G_j with G_j = ct_j + x_(j+1) G_(j+1), where A_k is
# the product of the elements before k. Products and sums only, no division: exact at zeros
# and, being polynomial identities, at every order (a rule that divides by x, or splits the
# row at its first zero, is right in value there but not in its own derivatives).
def _along(x, axis, start, stop):
    return x[(slice(None),) * axis + (slice(start, stop),)]


def _recurrence(coeff, values, axis):
    """s_k = coeff_k * s_(k-1) + values_k along ``axis`` (s_(-1) = 0), in log2(n) doubling
    steps (each element composes its affine map with the one ``shift`` before it)."""
    n = np.shape(values)[axis]
    p, s = coeff, values
    shift = 1
    while shift < n:
        head, tail, earlier = (
            _along(s, axis, 0, shift),
            _along(s, axis, shift, n),
            _along(s, axis, 0, n - shift),
        )
        s = np.concatenate([head, tail + safe_mul(earlier, _along(p, axis, shift, n))], axis=axis)
        p = np.concatenate(
            [_along(p, axis, 0, shift), _along(p, axis, shift, n) * _along(p, axis, 0, n - shift)], axis=axis
        )
        shift *= 2
    return s


def _before(ans, axis):
    """A_k: the product of the elements before k (1 for the first)."""
    ones = np.ones_like(_along(ans, axis, 0, 1))
    return np.concatenate([ones, _along(ans, axis, 0, np.shape(ans)[axis] - 1)], axis=axis)


def _cumprod_jvp(t, ans, x, axis):
    return _recurrence(x, safe_mul(t, _before(ans, axis)), axis)


def _cumprod_vjp(ct, ans, x, axis):
    n = np.shape(x)[axis]
    following = np.concatenate([_along(x, axis, 1, n), np.zeros_like(_along(x, axis, 0, 1))], axis=axis)
    backwards = np.flip(_recurrence(np.flip(following, axis), np.flip(ct, axis), axis), axis)
    return safe_mul(backwards, _before(ans, axis))


cumprod_p = Primitive("cumprod", lambda xp, x, axis: xp.cumprod(x, axis=axis))
cumprod_p.def_jvp(_cumprod_jvp)
cumprod_p.def_vjp(_cumprod_vjp)


# vmap: the batch axis goes first, every axis parameter moves up by one
for _p in (sum_p, max_p, min_p, prod_p, all_p, any_p):
    _p.def_batch(shifted_axes("axis", all_when_none=True))
for _p in (argmax_p, argmin_p, argsort_p, cumsum_p, cumprod_p):
    _p.def_batch(shifted_axes("axis"))
