"""Signal and calculus helpers: diff, ediff1d, convolve, correlate, polynomials (polyval,
polyfit, vander, polyadd/sub/mul/der/int), interp, trapezoid, gradient, and linspace and
logspace with traced endpoints.

All but convolve/correlate are lowerings: slices, gathers and elementwise arithmetic, so
every derivative (including with respect to sample positions such as interp's ``xp`` or
trapezoid's ``x``) follows from the primitives' rules. convolve and correlate are one
primitive whose kernel is numpy's (``primitives/convolution.py``): their values are numpy's.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import UnsupportedOperation
from ..primitives.convolution import convolve_p
from .dispatch import implements
from .indexing import getitem, setitem
from .util import along, as_operand, is_tracer, ndim_of, shape_of


def _operand(x):
    x = as_operand(x)
    return x if is_tracer(x) or isinstance(x, np.ndarray) else np.asarray(x)


def _axis_shape(nd: int, axis: int, length: int = -1) -> tuple:
    """A shape that puts a 1-D array along ``axis`` of an nd array."""
    return tuple(length if d == axis else 1 for d in range(nd))


# --- differences --------------------------------------------------------------------------
def _edge_block(value, shape: tuple, axis: int):
    value = _operand(value)
    if ndim_of(value) == 0:
        block = list(shape)
        block[axis] = 1
        return np.broadcast_to(value, tuple(block))
    return value


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    a = _operand(a)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if n == 0:
        return a
    axis = int(axis) % ndim_of(a)
    parts = [a]
    if prepend is not np._NoValue:
        parts.insert(0, _edge_block(prepend, shape_of(a), axis))
    if append is not np._NoValue:
        parts.append(_edge_block(append, shape_of(a), axis))
    if len(parts) > 1:
        a = np.concatenate(parts, axis=axis)
    for _ in range(n):
        a = a[along(axis, slice(1, None))] - a[along(axis, slice(None, -1))]
    return a


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    d = diff(np.ravel(_operand(ary)))
    parts = [np.ravel(_operand(p)) for p in (to_begin,) if p is not None]
    parts += [d] + [np.ravel(_operand(p)) for p in (to_end,) if p is not None]
    return np.concatenate(parts) if len(parts) > 1 else d


# --- convolution ------------------------------------------------------------------------
# one primitive (primitives/convolution.py): numpy's own kernel gives the values


def _as_signal(x, name: str):
    x = _operand(x)
    if ndim_of(x) == 0:
        x = np.reshape(x, (1,))
    if ndim_of(x) != 1:
        raise ValueError(f"np.{name}: inputs must be one-dimensional (object too deep for desired array)")
    if shape_of(x)[0] == 0:
        raise ValueError(f"np.{name}: inputs cannot be empty")
    return x


def _convolution(a, v, mode, kind: str):
    a, v = _as_signal(a, kind), _as_signal(v, kind)
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"np.{kind}: mode must be one of 'full', 'same', 'valid', not {mode!r}")
    return convolve_p.bind(a, v, kind=kind, mode=mode)


@implements(np.convolve)
def convolve(a, v, mode="full"):
    return _convolution(a, v, mode, "convolve")


@implements(np.correlate)
def correlate(a, v, mode="valid"):
    return _convolution(a, v, mode, "correlate")


# --- polynomials, interpolation and quadrature ------------------------------------------
@implements(np.polyval)
def polyval(p, x):
    p, x = _operand(p), _operand(x)
    y = np.zeros_like(x)
    for i in range(shape_of(p)[0]):  # Horner's rule, as numpy evaluates it
        y = y * x + p[i]
    return y


@implements(np.vander)
def vander(x, N=None, increasing=False):
    """Columns of powers built by repeated products, in numpy's dtype (x's promoted with
    int: float64 for float32 x) (x**0 at x = 0 stays differentiable)."""
    x = _operand(x)
    if ndim_of(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    dtype = np.promote_types(x.dtype, int)
    x = x.astype(dtype)
    n = shape_of(x)[0] if N is None else int(N)
    columns = [np.ones_like(x)] if n else []
    for _ in range(1, n):
        columns.append(columns[-1] * x)
    if not columns:
        return np.zeros((shape_of(x)[0], 0), dtype=dtype)
    return np.stack(columns if increasing else columns[::-1], axis=1)


@implements(np.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """numpy's own steps (its dtypes, its column scaling, np.linalg.lstsq), so the fit is
    numpy's to the bit and differentiates in x, y and w."""
    if full or cov:
        raise UnsupportedOperation("np.polyfit(full=True or cov=True)", "call it with the defaults")
    order = int(deg) + 1
    # ``+ 0.0``: integers become float64, floats keep their precision
    x, y = _operand(x), _operand(y)
    x, y = x.astype(np.result_type(x.dtype, 0.0)), y.astype(np.result_type(y.dtype, 0.0))
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if ndim_of(x) != 1:
        raise TypeError("expected 1D vector for x")
    if shape_of(x)[0] == 0:
        raise TypeError("expected non-empty vector for x")
    if ndim_of(y) < 1 or ndim_of(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = shape_of(x)[0] * np.finfo(x.dtype).eps
    lhs = vander(x, order)  # float64 for float32 x, as numpy's vander
    rhs = y
    if w is not None:
        w = _operand(w)
        w = w.astype(np.result_type(w.dtype, 0.0))
        if ndim_of(w) != 1:
            raise TypeError("expected a 1-d array for weights")
        if shape_of(w)[0] != shape_of(y)[0]:
            raise TypeError("expected w and y to have the same length")
        # numpy multiplies in place: each product cast back to the dtype it is written into
        lhs = (lhs * w[:, None]).astype(lhs.dtype)
        rhs = (rhs * (w[:, None] if ndim_of(rhs) == 2 else w)).astype(rhs.dtype)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    coef, _, rank, _ = np.linalg.lstsq(lhs / scale, rhs, rcond)
    if rank != order:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=2)
    return coef / (scale if ndim_of(coef) == 1 else scale[:, None])


def _poly_operands(a1, a2):
    a1, a2 = np.atleast_1d(_operand(a1)), np.atleast_1d(_operand(a2))
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    if n1 < n2:
        a1 = np.concatenate([np.zeros(n2 - n1, dtype=a1.dtype), a1])
    elif n2 < n1:
        a2 = np.concatenate([np.zeros(n1 - n2, dtype=a2.dtype), a2])
    return a1, a2


@implements(np.polyadd)
def polyadd(a1, a2):
    a1, a2 = _poly_operands(a1, a2)
    return a1 + a2


@implements(np.polysub)
def polysub(a1, a2):
    a1, a2 = _poly_operands(a1, a2)
    return a1 - a2


@implements(np.polymul)
def polymul(a1, a2):
    return convolve(a1, a2)


@implements(np.polydiv)
def polydiv(u, v):
    """Long division, as numpy runs it: the quotient's coefficients one by one, each
    subtracted times v from the remainder; leading (numerically) zero remainder terms
    dropped."""
    u, v = np.atleast_1d(_operand(u)) + 0.0, np.atleast_1d(_operand(v)) + 0.0
    dtype = np.result_type(u[0], v[0])
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = 1.0 / v[0]
    remainder = u.astype(dtype)
    quotient = []
    for k in range(m - n + 1):
        d = scale * remainder[k]
        quotient.append(d)
        remainder = setitem(remainder, slice(k, k + n + 1), remainder[k : k + n + 1] - d * v)
    while np.allclose(remainder[0], 0, rtol=1e-14) and shape_of(remainder)[-1] > 1:
        remainder = remainder[1:]
    q = np.stack(quotient).astype(dtype) if quotient else np.zeros((1,), dtype)
    return q, remainder


@implements(np.polyder)
def polyder(p, m=1):
    p = np.atleast_1d(_operand(p))
    for _ in range(int(m)):
        n = shape_of(p)[0] - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


@implements(np.polyint)
def polyint(p, m=1, k=None):
    p = np.atleast_1d(_operand(p))
    m = int(m)
    ks = np.zeros(m) if k is None else np.broadcast_to(_operand(k), (m,))
    for i in range(m):
        n = shape_of(p)[0]
        p = np.concatenate(
            [p / np.arange(n, 0, -1), np.reshape(ks[i], (1,)).astype(np.result_type(p.dtype, float))]
        )
    return p


@implements(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation, differentiable in x, xp and fp."""
    x, xp, fp = _operand(x), _operand(xp), _operand(fp)
    if ndim_of(xp) != 1 or ndim_of(fp) != 1 or shape_of(xp) != shape_of(fp):
        raise ValueError("np.interp: xp and fp must be 1-D sequences of the same length")
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        x = np.mod(x, period)
        xp = np.mod(xp, period)
        order = np.argsort(xp)
        xp, fp = xp[order], fp[order]
        # one knot past each end closes the period
        xp = np.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = np.concatenate([fp[-1:], fp, fp[:1]])
    n = shape_of(xp)[0]
    if n == 1:
        y = np.broadcast_to(fp[0], shape_of(x)) + np.zeros(shape_of(x), dtype=np.result_type(fp.dtype, float))
    else:
        i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
        # xp and fp may be plain arrays indexed by a traced i: index through getitem
        x0, f0 = getitem(xp, i), getitem(fp, i)
        slope = (getitem(fp, i + 1) - f0) / (getitem(xp, i + 1) - x0)
        y = f0 + slope * (x - x0)
    if period is None:
        y = np.where(x < xp[0], fp[0] if left is None else left, y)
        y = np.where(x > xp[-1], fp[-1] if right is None else right, y)
    return y[()] if ndim_of(y) == 0 else y  # at a scalar x numpy returns a scalar


def _trapezoid(y, x=None, dx=1.0, axis=-1):
    y = _operand(y)
    nd = ndim_of(y)
    axis = int(axis) % nd
    if x is None:
        d = dx
    else:
        x = _operand(x)
        if ndim_of(x) == 1:
            d = np.reshape(diff(x), _axis_shape(nd, axis))
        else:
            d = diff(x, axis=axis)
    upper = y[along(axis, slice(1, None))]
    lower = y[along(axis, slice(None, -1))]
    return np.sum(d * (upper + lower) / 2.0, axis=axis)


implements(getattr(np, "trapezoid", None), getattr(np, "trapz", None))(_trapezoid)
trapezoid = _trapezoid


# --- np.gradient -------------------------------------------------------------------------
def _spacings(varargs, axes, shape):
    """Per axis: a scalar step or a 1-D array of the n-1 distances between coordinates."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and ndim_of(varargs[0]) == 0:
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError("invalid number of arguments")
    out = []
    for h, ax in zip(varargs, axes):
        if ndim_of(h) == 0:  # as given: a Python float stays weakly typed, as in numpy
            out.append(h)
            continue
        h = _operand(h)
        if ndim_of(h) != 1 or shape_of(h)[0] != shape[ax]:
            raise ValueError("when 1d, distances must match the length of the corresponding dimension")
        steps = diff(h.astype(np.float64) if h.dtype.kind in "iu" else h)  # numpy's rule
        out.append(steps[0] if bool(np.all(steps == steps[0])) else steps)  # uniform: as numpy
    return out


def _edges_order1(f, h, axis):
    first = (f[along(axis, slice(1, 2))] - f[along(axis, slice(0, 1))]) / (h if ndim_of(h) == 0 else h[:1])
    last = (f[along(axis, slice(-1, None))] - f[along(axis, slice(-2, -1))]) / (
        h if ndim_of(h) == 0 else h[-1:]
    )
    return first, last


def _edges_order2(f, h, axis):
    def at(i):
        return f[along(axis, slice(i, i + 1 if i != -1 else None))]

    if ndim_of(h) == 0:  # numpy's coefficients, divided by h first (the last bit follows)
        first = -1.5 / h * at(0) + 2.0 / h * at(1) + -0.5 / h * at(2)
        last = 0.5 / h * at(-3) + -2.0 / h * at(-2) + 1.5 / h * at(-1)
        return first, last
    d1, d2 = h[0], h[1]
    first = (
        -(2.0 * d1 + d2) / (d1 * (d1 + d2)) * at(0)
        + (d1 + d2) / (d1 * d2) * at(1)
        - d1 / (d2 * (d1 + d2)) * at(2)
    )
    d1, d2 = h[-2], h[-1]
    last = (
        d2 / (d1 * (d1 + d2)) * at(-3)
        - (d2 + d1) / (d1 * d2) * at(-2)
        + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * at(-1)
    )
    return first, last


def _gradient_along(f, h, axis, edge_order, nd):
    lower, mid, upper = (f[along(axis, s)] for s in (slice(None, -2), slice(1, -1), slice(2, None)))
    if ndim_of(h) == 0:
        interior = (upper - lower) / (2.0 * h)
    else:
        d1 = np.reshape(h[:-1], _axis_shape(nd, axis))
        d2 = np.reshape(h[1:], _axis_shape(nd, axis))
        interior = (
            -d2 / (d1 * (d1 + d2)) * lower + (d2 - d1) / (d1 * d2) * mid + d1 / (d2 * (d1 + d2)) * upper
        )
    first, last = _edges_order1(f, h, axis) if edge_order == 1 else _edges_order2(f, h, axis)
    out = np.concatenate([first, interior, last], axis=axis)
    return out if out.dtype == f.dtype else out.astype(f.dtype)  # numpy writes into f's dtype


@implements(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    f = _operand(f)
    if f.dtype.kind in "iub":
        f = f.astype(np.float64)
    nd = ndim_of(f)
    shape = shape_of(f)
    if axis is None:
        axes = tuple(range(nd))
    else:
        axes = tuple(int(a) % nd for a in np.atleast_1d(axis))
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    spacings = _spacings(varargs, axes, shape)
    out = []
    for ax, h in zip(axes, spacings):
        if shape[ax] < edge_order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, "
                "at least (edge_order + 1) elements are required."
            )
        out.append(_gradient_along(f, h, ax, edge_order, nd))
    return out[0] if len(out) == 1 else tuple(out)


# --- ranges with traced endpoints -------------------------------------------------------
@implements(np.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    start, stop = (x if isinstance(x, (int, float, complex)) else _operand(x) for x in (start, stop))
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = num - 1 if endpoint else num
    # Python scalars stay weak, as in numpy: linspace(0, float32 x) is float32
    dt = np.result_type(*(x if isinstance(x, (int, float, complex)) else x.dtype for x in (start, stop)))
    if not np.issubdtype(dt, np.inexact):
        dt = np.dtype(np.float64)
    delta = _operand(stop - start)
    delta = delta if delta.dtype == dt else delta.astype(dt)
    steps = np.reshape(np.arange(num, dtype=dt), (-1,) + (1,) * ndim_of(delta))
    step = delta / div if div > 0 else delta * np.nan
    if div > 0 and bool(np.any(step == 0)):  # numpy's order where a step underflows (gh-5437)
        y = steps / div * delta + start
    else:
        y = steps * step + start if div > 0 else steps * delta + start
    if endpoint and num > 1:
        y[-1] = stop  # exact, as numpy makes it
    y = np.moveaxis(y, 0, axis) if axis != 0 else y
    if dtype is not None:
        y = (np.floor(y) if np.issubdtype(dtype, np.integer) else y).astype(dtype)
    return (y, step) if retstep else y


@implements(np.logspace)
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    base = base if isinstance(base, (int, float)) else _operand(base)  # a Python base stays weak
    if ndim_of(base) > 0:
        base = np.expand_dims(base, axis)
    y = np.power(base, y)
    return y if dtype is None else y.astype(dtype)
