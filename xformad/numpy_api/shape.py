"""Shape functions: reshape, transpose and friends, concatenate/stack, broadcasting."""

from __future__ import annotations

import numpy as np

from .. import backends
from ..errors import UnsupportedOperation
from ..primitives import shape as sh
from ..tracing import concrete
from ..views import NUMPY_READ_ONLY, as_view, read_only, same_view
from .dispatch import implements
from .util import as_operand, is_tracer, ndim_of, normalize_shape, resolve_shape, shape_of, standin


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
    if order not in ("C", "F", "A"):
        raise ValueError(f"order must be one of 'C', 'F', 'A' (got {order!r})")
    if order == "A":  # Fortran order for an array laid out so (and not also in C order)
        flags = (standin(a) if is_tracer(a) else np.asarray(a)).flags
        order = "F" if flags.f_contiguous and not flags.c_contiguous else "C"
    if order == "F":
        out = np.transpose(reshape(np.transpose(a), target[::-1], copy=copy))
        return out.snapshot() if copy and is_tracer(out) else out
    if not is_tracer(a):
        return a if tuple(shape_of(a)) == target else sh.reshape_p.bind(a, shape=target)
    if a.shape == target:
        return a.snapshot() if copy else same_view(a)
    out = sh.reshape_p.bind(a, shape=target)
    if not _shares_memory(out, a):  # numpy had to copy (a transposed input, say)
        if copy is False:
            raise ValueError("Unable to avoid creating a copy while reshaping.")
        return out
    if copy:
        return out
    return as_view(a, out, lambda b: sh.reshape_p.bind(b, shape=target), _reshape_back)


def _reshape_back(base, new):
    return sh.reshape_p.bind(new, shape=base.shape)


def _shares_memory(out, a) -> bool:
    """Did the kernel return a view? The traced values are the arrays numpy itself
    computed, so their layout decides as it would in the untraced program."""
    out, a = concrete(out), concrete(a)
    if isinstance(out, np.ndarray) and isinstance(a, np.ndarray):
        return np.may_share_memory(out, a)
    may_share = getattr(backends.active().xp, "may_share_memory", None)
    return bool(may_share(out, a)) if may_share is not None else True


def flat_copy(a):
    """``a`` flattened into a new value (never a view of ``a``)."""
    return sh.reshape_p.bind(a, shape=(a.size,)) if a.ndim != 1 else a.snapshot()


@implements(np.ravel)
def ravel(a, order="C"):
    """numpy's ravel: the elements in ``order``, a view where numpy's ravel of the traced
    value's own array makes one (a contiguous array in that order) and a copy otherwise
    (``y[:, 1].ravel()`` copies, where ``y[:, 1].reshape(-1)`` does not)."""
    a = as_operand(a)
    order = "C" if order is None else order
    if order not in ("C", "F", "A", "K"):
        raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    if not is_tracer(a):
        return np.ravel(a, order)
    plain = standin(a)
    axes = _ravel_axes(plain, order)  # ravel in C order of the transposed axes
    shown = tuple(shape_of(a)[i] for i in axes)
    inverse = tuple(int(i) for i in np.argsort(axes))
    identity = axes == tuple(range(len(axes)))

    view = np.may_share_memory(np.ravel(plain, order), plain)
    if identity and len(shown) == 1:  # already flat: the array itself, or a copy of it
        return same_view(a) if view else a.snapshot()

    def derive(base):
        moved = base if identity else sh.transpose_p.bind(base, axes=axes)
        return sh.reshape_p.bind(moved, shape=(int(np.prod(shown, dtype=np.int64)),))

    out = derive(a)
    if not view:
        return out  # numpy copied: a new value

    def writeback(base, new):
        back = sh.reshape_p.bind(new, shape=shown)
        return back if identity else sh.transpose_p.bind(back, axes=inverse)

    return as_view(a, out, derive, writeback)


def _ravel_axes(plain, order: str) -> tuple:
    """The axes whose C order is ``order``'s for this array: 'F' reversed, 'A' as 'F' for
    a Fortran-ordered array, 'K' the axes by their strides (memory order)."""
    n = plain.ndim
    c_order, f_order = tuple(range(n)), tuple(range(n))[::-1]
    if order == "C":
        return c_order
    if order == "F":
        return f_order
    if order == "A":
        return f_order if plain.flags.f_contiguous and not plain.flags.c_contiguous else c_order
    if plain.flags.c_contiguous:
        return c_order
    if plain.flags.f_contiguous:
        return f_order
    strides = [st for st, size in zip(plain.strides, plain.shape) if size > 1]
    if any(st <= 0 for st in strides):
        raise UnsupportedOperation(
            "np.ravel(order='K') of an array with negative or zero strides",
            "write np.ravel(x) (C order), or np.ravel(np.ascontiguousarray(x))",
        )
    return tuple(sorted(range(n), key=lambda i: -plain.strides[i] if plain.shape[i] > 1 else 0))


@implements(np.transpose, getattr(np, "permute_dims", np.transpose))
def transpose(a, axes=None):
    a = as_operand(a)
    n = ndim_of(a)
    if n == 0 and axes is not None and len(axes):
        raise np.exceptions.AxisError("axes don't match array")
    axes = tuple(range(n))[::-1] if axes is None else tuple(_axis(x, n) for x in axes)
    if len(axes) != n or len(set(axes)) != n:
        raise ValueError("axes don't match array")
    if not is_tracer(a):
        return a if axes == tuple(range(n)) else sh.transpose_p.bind(a, axes=axes)
    if axes == tuple(range(n)):
        return same_view(a)
    inverse = tuple(int(i) for i in np.argsort(axes))
    return as_view(
        a,
        sh.transpose_p.bind(a, axes=axes),
        lambda b: sh.transpose_p.bind(b, axes=axes),
        lambda b, v: sh.transpose_p.bind(v, axes=inverse),
    )


def _axis(axis, ndim: int) -> int:
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


@implements(getattr(np, "matrix_transpose", None))
def matrix_transpose(x):
    return np.swapaxes(x, -1, -2)


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    n = ndim_of(a)
    axes = list(range(n))
    i, j = _axis(axis1, n), _axis(axis2, n)
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
    """A read-only view, as in numpy."""
    shape = normalize_shape(shape)
    same = shape_of(array) == shape
    if not is_tracer(array):
        return array if same else sh.broadcast_to_p.bind(array, shape=shape)
    return _broadcast_view(array, shape, NUMPY_READ_ONLY)


def _broadcast_view(array, shape, readonly):
    if array.shape == shape:
        return same_view(array, readonly)
    out = sh.broadcast_to_p.bind(array, shape=shape)
    return as_view(array, out, lambda b: sh.broadcast_to_p.bind(b, shape=shape), None, readonly)


# numpy still lets broadcast_arrays' results be written (deprecated: every broadcast copy of
# an element changes at once); xformad refuses instead of doing it differently
_BROADCAST_ARRAYS_WRITE = read_only(
    "writing into a result of np.broadcast_arrays (numpy deprecates it: the write reaches every "
    "broadcast copy of an element) is not supported under xformad; copy it first (v = v.copy())",
    lambda message: UnsupportedOperation("writing into np.broadcast_arrays' result", message),
)


@implements(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    # numpy makes every argument an array first (np.select passes its Python-scalar choices)
    args = [a if is_tracer(a) or isinstance(a, np.ndarray) else np.asarray(a) for a in args]
    target = np.broadcast_shapes(*(shape_of(a) for a in args))
    return tuple(
        _broadcast_view(a, target, _BROADCAST_ARRAYS_WRITE) if is_tracer(a) else broadcast_to(a, target)
        for a in args
    )


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
    if len(arrays) == 1:  # a new array, never a view of the one given
        return arrays[0].snapshot() if is_tracer(arrays[0]) else arrays[0]
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
    """A view, as in numpy (flipping twice is the identity, so it is its own writeback)."""
    n = ndim_of(m)
    axis = tuple(range(n)) if axis is None else tuple(_axis(a, n) for a in np.atleast_1d(axis))
    out = sh.flip_p.bind(m, axis=axis)
    if not is_tracer(m):
        return out
    flip_back = lambda b, v: sh.flip_p.bind(v, axis=axis)  # noqa: E731
    return as_view(m, out, lambda b: sh.flip_p.bind(b, axis=axis), flip_back)


@implements(np.fliplr)
def fliplr(m):
    return flip(m, 1)


@implements(np.flipud)
def flipud(m):
    return flip(m, 0)
