"""Array manipulation: sorting (sort, partition, lexsort), gathers (take, take_along_axis,
choose, select, compress), functional writes on traced arrays (put, put_along_axis, place,
putmask, copyto, fill_diagonal), moves and copies (roll, rot90, tile, repeat, pad,
insert/delete, append, block, column_stack), diagonals and triangles, kron, cross,
meshgrid, and index queries (nonzero, searchsorted, unique, digitize, bincount, ...).

Everything is lowered onto existing primitives. Functions that only move or copy elements
become one gather where no cheaper slice form exists: the same numpy function is run on
an array of element *labels* (``arange(size)``) to learn where each output element comes
from, and ``ravel(x)[labels]`` carries the derivative (its VJP is a scatter-add, so
copies accumulate).
"""

from __future__ import annotations

import operator

import numpy as np

from ..errors import TracerConversionError
from ..primitives import manipulation as mp
from ..tracing import concrete
from ..views import NUMPY_READ_ONLY, as_view
from .dispatch import implements
from .indexing import getitem, scatter_add, setitem
from .util import along, as_operand, is_tracer, ndim_of, shape_of, standins, static_ints


def _operand(x):
    x = as_operand(x)
    return x if is_tracer(x) or isinstance(x, np.ndarray) else np.asarray(x)


def _labels(shape: tuple):
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.intp).reshape(shape)


def _gather(a, labels):
    """``ravel(a)[labels]``: the output element at each position is a's element ``labels``."""
    return np.ravel(a)[labels]


def _no_traced_target(name: str):
    return TracerConversionError(
        f"np.{name} writes a traced value into a plain ndarray made outside the traced "
        "function, which would drop its "
        "derivative. Make the target traced first (t = np.zeros_like(x) or t = x.copy()) "
        f"and call np.{name} on it."
    )


# --- sorting ------------------------------------------------------------------------------
@implements(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    a = _operand(a)
    if axis is None:
        a, axis = np.ravel(a), -1
    return take_along_axis(a, np.argsort(a, axis=axis, kind=kind, stable=stable), axis=axis)


@implements(np.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    a = _operand(a)
    if axis is None:
        a, axis = np.ravel(a), -1
    kth = tuple(int(k) for k in np.atleast_1d(static_ints(kth)))
    return mp.argpartition_p.bind(a, kth=kth, axis=int(axis) % ndim_of(a))


@implements(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    a = _operand(a)
    if axis is None:
        a, axis = np.ravel(a), -1
    return take_along_axis(a, argpartition(a, kth, axis=axis), axis=axis)


@implements(np.sort_complex)
def sort_complex(a):
    a = _operand(a)
    return sort(a if a.dtype.kind == "c" else a.astype(np.result_type(a.dtype, 1j)))


@implements(np.lexsort)
def lexsort(keys, axis=-1):
    """Stable argsorts from the least to the most significant key (the last one)."""
    keys = [_operand(k) for k in keys] if isinstance(keys, (list, tuple)) else list(_operand(keys))
    order = np.argsort(keys[0], axis=axis, stable=True)
    for key in keys[1:]:
        order = take_along_axis(
            order, np.argsort(take_along_axis(key, order, axis), axis=axis, stable=True), axis
        )
    return order


# --- gathers ------------------------------------------------------------------------------
def _apply_mode(indices, n: int, mode):
    if mode == "wrap":
        return np.mod(indices, n)
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices


@implements(np.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    a = _operand(a)
    if axis is None:
        a, axis = np.ravel(a), 0
    axis = int(axis) % ndim_of(a)
    indices = _operand(indices)
    indices = _apply_mode(indices, shape_of(a)[axis], mode)
    return getitem(a, along(axis, indices))  # a may be a plain array, indices traced


def _fancy_index(arr_shape: tuple, indices, axis: int) -> tuple:
    """take_along_axis's index: ``indices`` on ``axis``, aranges broadcast on the others."""
    nd = len(arr_shape)
    index = []
    for d in range(nd):
        if d == axis:
            index.append(indices)
        else:
            shape = [1] * nd
            shape[d] = arr_shape[d]
            index.append(np.arange(arr_shape[d]).reshape(shape))
    return tuple(index)


@implements(np.take_along_axis)
def take_along_axis(arr, indices, axis=-1):
    arr = _operand(arr)
    indices = _operand(indices)
    if axis is None:
        return getitem(np.ravel(arr), indices)
    if ndim_of(indices) != ndim_of(arr):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = int(axis) % ndim_of(arr)
    return getitem(arr, _fancy_index(shape_of(arr), indices, axis))


@implements(np.choose)
def choose(a, choices, out=None, mode="raise"):
    a = _operand(a)
    choices = [_operand(c) for c in choices]
    shape = np.broadcast_shapes(shape_of(a), *(shape_of(c) for c in choices))
    stacked = np.stack([np.broadcast_to(c, shape) for c in choices])
    index = _apply_mode(np.broadcast_to(a, shape), len(choices), mode)
    return take_along_axis(stacked, np.expand_dims(index, 0), axis=0)[0]


@implements(np.select)
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    result = as_operand(default)  # a Python scalar stays weak, as in numpy's promotion
    # the first true condition wins, so the first pair is applied last
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        result = np.where(cond, choice, result)
    return result


@implements(np.nonzero)
def nonzero(a):
    a = _operand(a)
    if not is_tracer(a):
        return np.nonzero(a)
    return mp.nonzero_p.bind(a)


@implements(np.flatnonzero)
def flatnonzero(a):
    return nonzero(np.ravel(a))[0]


@implements(np.argwhere)
def argwhere(a):
    a = _operand(a)
    if ndim_of(a) == 0:
        return argwhere(np.reshape(a, (1,)))[:, :0]
    return np.transpose(np.stack(nonzero(a)))


@implements(np.compress)
def compress(condition, a, axis=None, out=None):
    index = nonzero(np.ravel(_operand(condition)))[0]
    return take(a, index, axis=axis)


@implements(np.extract)
def extract(condition, arr):
    return take(np.ravel(_operand(arr)), flatnonzero(condition))


@implements(np.searchsorted)
def searchsorted(a, v, side="left", sorter=None):
    a = _operand(a)
    if sorter is not None:
        a = take(a, sorter)
    return mp.searchsorted_p.bind(a, _operand(v), side=side)


@implements(np.digitize)
def digitize(x, bins, right=False):
    bins = _operand(bins)
    side = "left" if right else "right"
    if shape_of(bins)[0] > 1 and bool(np.all(bins[1:] <= bins[:-1])) and not bool(np.all(bins == bins[0])):
        return shape_of(bins)[0] - searchsorted(bins[::-1], x, side=side)  # decreasing bins
    return searchsorted(bins, x, side=side)


@implements(np.bincount)
def bincount(x, weights=None, minlength=0):
    """Counts, or sums of ``weights`` per bin: a scatter-add, differentiable in weights."""
    x = _operand(x)
    if ndim_of(x) != 1 or x.dtype.kind not in "iu":
        raise TypeError("np.bincount takes a 1-D array of non-negative integers")
    # the number of bins depends on the values: a traced maximum records a guard
    length = max(operator.index(np.max(x)) + 1 if shape_of(x)[0] else 0, int(minlength))
    if weights is None:
        return scatter_add(np.zeros(length, dtype=np.intp), (x,), np.ones(shape_of(x), dtype=np.intp))
    weights = _operand(weights)
    dtype = np.result_type(weights.dtype, np.float64) if weights.dtype.kind != "c" else weights.dtype
    return scatter_add(np.zeros(length, dtype=dtype), (x,), weights.astype(dtype))


@implements(np.unique)
def unique(
    ar,
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    *,
    equal_nan=True,
    sorted=True,
):
    ar = _operand(ar)
    if axis is not None:
        axis = int(axis) % ndim_of(ar)
    index, inverse, counts = mp.unique_p.bind(ar, axis=axis, equal_nan=bool(equal_nan))
    values = take(ar, index, axis=axis)
    extras = [
        r for r, want in ((index, return_index), (inverse, return_inverse), (counts, return_counts)) if want
    ]
    return (values, *extras) if extras else values


# --- functional writes -------------------------------------------------------------------
@implements(np.put)
def put(a, ind, v, mode="raise"):
    """np.put on a traced array rebinds it (functional), so it differentiates."""
    if not is_tracer(a):
        raise _no_traced_target("put")
    ind = _apply_mode(np.ravel(_operand(ind)), a.size, mode)
    values = np.ravel(_operand(v))
    count = shape_of(ind)[0]
    if shape_of(values)[0] != count:  # numpy repeats v cyclically (or truncates it)
        values = values[np.arange(count) % shape_of(values)[0]]
    flat = np.ravel(a)
    flat[ind] = values
    a._assign(np.reshape(flat, a.shape))


@implements(np.put_along_axis)
def put_along_axis(arr, indices, values, axis):
    if not is_tracer(arr):
        raise _no_traced_target("put_along_axis")
    indices = _operand(indices)
    if axis is None:
        flat = np.ravel(arr)
        flat[indices] = values
        arr._assign(np.reshape(flat, arr.shape))
        return
    arr[_fancy_index(arr.shape, indices, int(axis) % arr.ndim)] = values


@implements(np.place)
def place(arr, mask, vals):
    if not is_tracer(arr):
        raise _no_traced_target("place")
    index = flatnonzero(mask)
    count = shape_of(index)[0]
    vals = np.ravel(_operand(vals))
    put(arr, index, vals[np.arange(count) % shape_of(vals)[0]] if count else vals[:0])


@implements(np.putmask)
def putmask(a, mask, values):
    """a.flat[n] = values[n % len(values)] where mask is true (numpy's positional rule)."""
    if not is_tracer(a):
        raise _no_traced_target("putmask")
    values = np.ravel(_operand(values))
    cyclic = values[np.arange(a.size) % shape_of(values)[0]]
    a._assign(np.where(np.broadcast_to(mask, a.shape), np.reshape(cyclic, a.shape), a).astype(a.dtype))


@implements(np.copyto)
def copyto(dst, src, casting="same_kind", where=True):
    if not is_tracer(dst):
        raise _no_traced_target("copyto")
    # numpy's own checks (casting=, shapes) and errors, on stand-ins of the same dtypes
    np.copyto(np.empty(dst.shape, dst.dtype), standins(src), casting=casting, where=standins(where))
    src = np.broadcast_to(_operand(src), dst.shape)
    src = src if src.dtype == dst.dtype else src.astype(dst.dtype)
    dst._assign(src if where is True else np.where(where, src, dst))


@implements(np.fill_diagonal)
def fill_diagonal(a, val, wrap=False):
    """Writes val along the main diagonal of a traced a (numpy writes through a.flat)."""
    if not is_tracer(a):
        raise _no_traced_target("fill_diagonal")
    shape = a.shape
    if a.ndim < 2 or (a.ndim > 2 and len(set(shape)) != 1):
        raise ValueError("array must be at least 2-d and, beyond 2-d, have all dimensions equal")
    # which flat positions numpy writes, learned from numpy itself on a marker array
    written = np.zeros(shape, dtype=bool)
    np.fill_diagonal(written, True, wrap=wrap)
    index = np.flatnonzero(written)
    val = np.ravel(_operand(val))
    values = val[np.arange(index.size) % shape_of(val)[0]]
    flat = np.ravel(a)
    flat[index] = values
    a._assign(np.reshape(flat, shape))


# --- moves and copies ---------------------------------------------------------------------
@implements(np.roll)
def roll(a, shift, axis=None):
    a = _operand(a)
    if axis is None:
        return np.reshape(roll(np.ravel(a), shift, 0), shape_of(a))
    shape = shape_of(a)
    totals: dict[int, int] = {}
    for s, ax in np.broadcast(static_ints(shift), static_ints(axis)):
        ax = int(ax) % len(shape)
        totals[ax] = totals.get(ax, 0) + int(s)
    for ax, s in totals.items():
        s %= max(shape[ax], 1)
        if s:
            a = np.concatenate([a[along(ax, slice(-s, None))], a[along(ax, slice(None, -s))]], axis=ax)
    return a


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    m = _operand(m)
    nd = ndim_of(m)
    ax0, ax1 = (int(a) % nd for a in axes)
    if ax0 == ax1 or len(axes) != 2:
        raise ValueError("len(axes) must be 2 and the axes must be different")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return np.flip(np.flip(m, ax0), ax1)
    perm = list(range(nd))
    perm[ax0], perm[ax1] = perm[ax1], perm[ax0]
    if k == 1:
        return np.transpose(np.flip(m, ax1), perm)
    return np.flip(np.transpose(m, perm), ax1)


@implements(np.tile)
def tile(A, reps):
    A = _operand(A)
    reps = tuple(int(r) for r in np.atleast_1d(static_ints(reps)))
    nd = max(len(reps), ndim_of(A))
    shape = (1,) * (nd - ndim_of(A)) + tuple(shape_of(A))
    reps = (1,) * (nd - len(reps)) + reps
    # (1, s0, 1, s1, ...) broadcast to (r0, s0, r1, s1, ...): copies share one source
    interleaved = tuple(d for s in shape for d in (1, s))
    target = tuple(d for r, s in zip(reps, shape) for d in (r, s))
    tiled = np.broadcast_to(np.reshape(A, interleaved), target)
    return np.reshape(tiled, tuple(r * s for r, s in zip(reps, shape)))


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    a = _operand(a)
    if axis is None:
        a, axis = np.ravel(a), 0
    axis = int(axis) % ndim_of(a)
    repeats = static_ints(repeats)
    shape = shape_of(a)
    if repeats.size == 1:
        r = int(repeats.reshape(()))
        expanded = np.broadcast_to(np.expand_dims(a, axis + 1), shape[: axis + 1] + (r,) + shape[axis + 1 :])
        return np.reshape(expanded, shape[:axis] + (shape[axis] * r,) + shape[axis + 1 :])
    return take(a, np.repeat(np.arange(shape[axis]), repeats), axis=axis)


@implements(np.insert)
def insert(arr, obj, values, axis=None):
    arr = _operand(arr)
    values = _operand(values)
    if axis is None:
        arr, axis = np.ravel(arr), 0
    obj = obj if isinstance(obj, slice) else static_ints(obj)
    value_labels = -1 - _labels(shape_of(values))
    labels = np.insert(_labels(shape_of(arr)), obj, value_labels, axis=axis)
    from_arr = labels >= 0
    picked_arr = _gather(arr, np.where(from_arr, labels, 0))
    picked_values = _gather(values, np.where(from_arr, 0, -1 - labels))
    result = np.where(from_arr, picked_arr, picked_values)
    return result if result.dtype == arr.dtype else result.astype(arr.dtype)


@implements(np.delete)
def delete(arr, obj, axis=None):
    arr = _operand(arr)
    if axis is None:
        arr, axis = np.ravel(arr), 0
    obj = obj if isinstance(obj, slice) else static_ints(obj)
    return _gather(arr, np.delete(_labels(shape_of(arr)), obj, axis=axis))


@implements(np.append)
def append(arr, values, axis=None):
    arr, values = _operand(arr), _operand(values)
    if axis is None:
        return np.concatenate([np.ravel(arr), np.ravel(values)])
    return np.concatenate([arr, values], axis=axis)


@implements(np.column_stack)
def column_stack(tup):
    cols = [_operand(a) for a in tup]
    cols = [np.reshape(c, (-1, 1)) if ndim_of(c) < 2 else c for c in cols]
    return np.concatenate(cols, axis=1)


@implements(np.dstack)
def dstack(tup):
    return np.concatenate([np.atleast_3d(_operand(a)) for a in tup], axis=2)


def _block_depth(x) -> int:
    if isinstance(x, tuple):
        raise TypeError("np.block: arrays is a tuple; only lists may be used to arrange blocks")
    return 1 + _block_depth(x[0]) if isinstance(x, list) else 0


def _block_ndim(x) -> int:
    return max(_block_ndim(e) for e in x) if isinstance(x, list) else ndim_of(x)


@implements(np.block)
def block(arrays):
    """Innermost lists join along the last axis, the next ones along the axis before."""
    depth = _block_depth(arrays)
    nd = max(depth, _block_ndim(arrays))

    def build(x, level):
        if isinstance(x, list):
            return np.concatenate([build(e, level + 1) for e in x], axis=nd - (depth - level))
        x = _operand(x)
        return np.reshape(x, (1,) * (nd - ndim_of(x)) + tuple(shape_of(x)))

    return build(arrays, 0)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    nd = ndim_of(a)
    axis = int(axis) % nd
    start = int(start) + (nd if start < 0 else 0)
    if not 0 <= start <= nd:
        raise np.exceptions.AxisError(f"start={start} is out of range for an array of {nd} dimensions")
    if axis < start:
        start -= 1
    return np.moveaxis(a, axis, start) if axis != start else np.transpose(a, tuple(range(nd)))  # a view


# --- diagonals and triangles -----------------------------------------------------------
def _diagonal_index(n1: int, n2: int, offset: int):
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    rows = np.arange(length) + max(-offset, 0)
    return rows, rows - max(-offset, 0) + max(offset, 0)


@implements(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    """A read-only view, as in numpy: it follows writes into ``a``, and refuses its own."""
    result = _diagonal(_operand(a), offset, axis1, axis2)
    if not is_tracer(a):
        return result
    return as_view(a, result, lambda b: _diagonal(b, offset, axis1, axis2), None, NUMPY_READ_ONLY)


def _diagonal(a, offset, axis1, axis2):
    a = np.moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = _diagonal_index(*shape_of(a)[-2:], int(offset))
    return a[..., rows, cols]


@implements(np.diag)
def diag(v, k=0):
    v = _operand(v)
    if ndim_of(v) == 2:
        return diagonal(v, k)
    if ndim_of(v) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = shape_of(v)[0] + abs(int(k))
    rows, cols = _diagonal_index(n, n, int(k))
    return setitem(np.zeros((n, n), dtype=v.dtype), (rows, cols), v)


@implements(np.diagflat)
def diagflat(v, k=0):
    return diag(np.ravel(_operand(v)), k)


@implements(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def _zero(a):
    return np.zeros((), dtype=a.dtype)


@implements(np.triu)
def triu(m, k=0):
    m = _operand(m)
    below = np.tri(*shape_of(m)[-2:], k=int(k) - 1, dtype=bool)
    return np.where(below, _zero(m), m)


@implements(np.tril)
def tril(m, k=0):
    m = _operand(m)
    keep = np.tri(*shape_of(m)[-2:], k=int(k), dtype=bool)
    return np.where(keep, m, _zero(m))


# --- products ----------------------------------------------------------------------------
@implements(np.kron)
def kron(a, b):
    a, b = _operand(a), _operand(b)
    nd = max(ndim_of(a), ndim_of(b))
    sa = (1,) * (nd - ndim_of(a)) + tuple(shape_of(a))
    sb = (1,) * (nd - ndim_of(b)) + tuple(shape_of(b))
    # a[i0, 1, i1, 1, ...] * b[1, j0, 1, j1, ...] laid out as (i0 j0, i1 j1, ...)
    outer = np.reshape(a, tuple(d for s in sa for d in (s, 1))) * np.reshape(
        b, tuple(d for s in sb for d in (1, s))
    )
    return np.reshape(outer, tuple(x * y for x, y in zip(sa, sb)))


@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = np.moveaxis(_operand(a), axisa, -1)
    b = np.moveaxis(_operand(b), axisb, -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    a2 = a[..., 2] if na == 3 else np.zeros((), a.dtype)
    b2 = b[..., 2] if nb == 3 else np.zeros((), b.dtype)
    parts = np.broadcast_arrays(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z)
    return np.moveaxis(np.stack(parts, axis=-1), -1, axisc)


# --- grids and index arithmetic -----------------------------------------------------
@implements(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    nd = len(xi)
    ones = (1,) * nd
    grids = [np.reshape(_operand(x), ones[:i] + (-1,) + ones[i + 1 :]) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        grids[0] = np.reshape(grids[0], (1, -1) + ones[2:])
        grids[1] = np.reshape(grids[1], (-1, 1) + ones[2:])
    return tuple(grids) if sparse else tuple(np.broadcast_arrays(*grids))


@implements(np.ravel_multi_index)
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    dims = tuple(int(d) for d in np.atleast_1d(dims))
    modes = (mode,) * len(dims) if isinstance(mode, str) else tuple(mode)
    if order == "C":
        strides = [int(np.prod(dims[d + 1 :], dtype=np.int64)) for d in range(len(dims))]
    else:
        strides = [int(np.prod(dims[:d], dtype=np.int64)) for d in range(len(dims))]
    total = 0
    for ix, n, m, s in zip(multi_index, dims, modes, strides):
        ix = _apply_mode(_operand(ix), n, m)
        if m == "raise" and np.any((concrete(ix) < 0) | (concrete(ix) >= n)):
            raise ValueError("invalid entry in coordinates array")
        total = total + ix * s
    return total.astype(np.intp) if hasattr(total, "astype") else np.intp(total)


@implements(np.unravel_index)
def unravel_index(indices, shape, order="C"):
    shape = tuple(int(d) for d in np.atleast_1d(shape))
    rest = _operand(indices)
    out = [None] * len(shape)
    axes = reversed(range(len(shape))) if order == "C" else range(len(shape))
    for d in axes:
        out[d] = np.remainder(rest, shape[d])
        rest = np.floor_divide(rest, shape[d])
    return tuple(out)
