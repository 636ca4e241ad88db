"""Shape functions: reshape, transpose and friends, concatenate/stack, broadcasting."""

from __future__ import annotations

import numpy as np

from ..primitives import shape as sh
from .dispatch import implements
from .util import as_operand, is_tracer, ndim_of, normalize_shape, resolve_shape, shape_of


@implements(np.shape)
def shape(a):
    return shape_of(a)


@implements(np.ndim)
def ndim(a):
    return ndim_of(a)


@implements(np.size)
def size(a, axis=None):
    s = shape_of(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


@implements(np.reshape)
def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    a = as_operand(a)
    target = resolve_shape(
        normalize_shape(shape if shape is not None else newshape), a.size if is_tracer(a) else np.size(a)
    )
    if order == "F":
        return np.transpose(reshape(np.transpose(a), target[::-1]))
    if tuple(shape_of(a)) == target:
        return a
    return sh.reshape_p.bind(a, shape=target)


@implements(np.ravel)
def ravel(a, order="C"):
    return reshape(a, (-1,), order=order)


@implements(np.transpose, getattr(np, "permute_dims", np.transpose))
def transpose(a, axes=None):
    a = as_operand(a)
    n = ndim_of(a)
    axes = tuple(range(n))[::-1] if axes is None else tuple(int(x) % n for x in axes)
    if axes == tuple(range(n)):
        return a
    return sh.transpose_p.bind(a, axes=axes)


@implements(getattr(np, "matrix_transpose", None))
def matrix_transpose(x):
    return np.swapaxes(x, -1, -2)


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    n = ndim_of(a)
    axes = list(range(n))
    i, j = axis1 % n, axis2 % n
    axes[i], axes[j] = axes[j], axes[i]
    return transpose(a, axes)


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    n = ndim_of(a)
    source = [s % n for s in np.atleast_1d(source)]
    destination = [d % n for d in np.atleast_1d(destination)]
    order = [i for i in range(n) if i not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(a, order)


@implements(np.expand_dims)
def expand_dims(a, axis):
    s = list(shape_of(a))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    n = len(s) + len(axes)
    for ax in sorted(x % n for x in axes):
        s.insert(ax, 1)
    return reshape(a, tuple(s))


@implements(np.squeeze)
def squeeze(a, axis=None):
    s = shape_of(a)
    if axis is None:
        axes = {i for i, d in enumerate(s) if d == 1}
    else:
        axes = {x % len(s) for x in ((axis,) if isinstance(axis, int) else axis)}
        if any(s[x] != 1 for x in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return reshape(a, tuple(d for i, d in enumerate(s) if i not in axes))


@implements(np.broadcast_to)
def broadcast_to(array, shape, subok=False):
    shape = normalize_shape(shape)
    if shape_of(array) == shape:
        return array
    return sh.broadcast_to_p.bind(array, shape=shape)


@implements(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    target = np.broadcast_shapes(*(shape_of(a) for a in args))
    return tuple(broadcast_to(a, target) for a in args)


@implements(np.atleast_1d)
def atleast_1d(*arys):
    res = [reshape(a, (1,)) if ndim_of(a) == 0 else a for a in arys]
    return res[0] if len(res) == 1 else tuple(res)


@implements(np.atleast_2d)
def atleast_2d(*arys):
    res = []
    for a in arys:
        n = ndim_of(a)
        res.append(reshape(a, (1, 1)) if n == 0 else reshape(a, (1,) + shape_of(a)) if n == 1 else a)
    return res[0] if len(res) == 1 else tuple(res)


@implements(np.atleast_3d)
def atleast_3d(*arys):
    res = []
    for a in arys:
        s = shape_of(a)
        n = len(s)
        new = (1, 1, 1) if n == 0 else (1,) + s + (1,) if n == 1 else s + (1,) if n == 2 else s
        res.append(reshape(a, new))
    return res[0] if len(res) == 1 else tuple(res)


@implements(np.concatenate, getattr(np, "concat", np.concatenate))
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [as_operand(a) for a in arrays]
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if dtype is not None:
        arrays = [a.astype(dtype) for a in arrays]
    arrays = [a if is_tracer(a) or hasattr(a, "shape") else np.asarray(a) for a in arrays]
    if len(arrays) == 1:
        return arrays[0]
    axis = int(axis) % ndim_of(arrays[0])
    return sh.concatenate_p.bind(*arrays, axis=axis)


@implements(np.stack)
def stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [as_operand(a) for a in arrays]
    n = ndim_of(arrays[0]) + 1
    axis = int(axis) % n
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis, dtype=dtype)


@implements(np.hstack)
def hstack(tup, dtype=None, casting="same_kind"):
    arrs = atleast_1d(*tup)
    arrs = [arrs] if not isinstance(arrs, tuple) else arrs
    return concatenate(arrs, axis=0 if ndim_of(arrs[0]) == 1 else 1, dtype=dtype)


@implements(np.vstack, getattr(np, "row_stack", np.vstack))
def vstack(tup, dtype=None, casting="same_kind"):
    arrs = atleast_2d(*tup)
    arrs = [arrs] if not isinstance(arrs, tuple) else arrs
    return concatenate(arrs, axis=0, dtype=dtype)


@implements(np.flip)
def flip(m, axis=None):
    n = ndim_of(m)
    axis = tuple(range(n)) if axis is None else tuple(a % n for a in np.atleast_1d(axis))
    return sh.flip_p.bind(m, axis=axis)


@implements(np.fliplr)
def fliplr(m):
    return flip(m, 1)


@implements(np.flipud)
def flipud(m):
    return flip(m, 0)
