"""Shape primitives: reshape, transpose, broadcast_to, concatenate, flip, pad-free moves."""

from __future__ import annotations

import numpy as np

from . import diagonal
from .batch_rules import shifted_axes, with_rank
from .core import Primitive
from .rules import device_constant

reshape_p = Primitive("reshape", lambda xp, x, shape: xp.reshape(x, shape))
reshape_p.def_jvp(lambda t, ans, x, shape: np.reshape(t, shape))
reshape_p.def_vjp(lambda ct, ans, x, shape: np.reshape(ct, np.shape(x)))
reshape_p.def_emit(lambda args, params, text: f"xp.reshape({args[0]}, {text(params['shape'])})")
reshape_p.def_notation(forward=("reshape {d}",))

transpose_p = Primitive("transpose", lambda xp, x, axes: xp.transpose(x, axes))
transpose_p.def_jvp(lambda t, ans, x, axes: np.transpose(t, axes))
transpose_p.def_vjp(lambda ct, ans, x, axes: np.transpose(ct, tuple(np.argsort(axes))))
transpose_p.def_emit(lambda args, params, text: f"xp.transpose({args[0]}, {text(params['axes'])})")
transpose_p.def_notation(forward=("transpose {d}",))

# the reverse sweep un-broadcasts, so broadcast_to's VJP is the identity
broadcast_to_p = Primitive("broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape))
broadcast_to_p.def_jvp(lambda t, ans, x, shape: np.broadcast_to(t, shape))
broadcast_to_p.def_vjp(lambda ct, ans, x, shape: ct)
broadcast_to_p.def_emit(lambda args, params, text: f"xp.broadcast_to({args[0]}, {text(params['shape'])})")
broadcast_to_p.def_notation(forward=("broadcast {d}",), reverse=("Σ {d}",))

flip_p = Primitive("flip", lambda xp, x, axis: xp.flip(x, axis))
flip_p.def_jvp(lambda t, ans, x, axis: np.flip(t, axis))
flip_p.def_vjp(lambda ct, ans, x, axis: np.flip(ct, axis))

concatenate_p = Primitive("concatenate", lambda xp, *xs, axis: xp.concatenate(xs, axis=axis))


def _concatenate_jvp(tangents, ans, *xs, axis):
    parts = [
        t if t is not None else device_constant(np.zeros(np.shape(x), dtype=ans.dtype), ans)
        for t, x in zip(tangents, xs)
    ]
    return np.concatenate(parts, axis=axis)


def _concatenate_vjp(ct, ans, needed, *xs, axis):
    out = []
    start = 0
    for x, need in zip(xs, needed):
        size = np.shape(x)[axis]
        if need:
            index = [slice(None)] * np.ndim(ct)
            index[axis] = slice(start, start + size)
            out.append(ct[tuple(index)])
        else:
            out.append(None)
        start += size
    return tuple(out)


concatenate_p.def_jvp_joint(_concatenate_jvp)
concatenate_p.def_vjp_joint(_concatenate_vjp)


# --- vmap: the batch axis first, the member's shape behind it ------------------------------
def _batch_reshape(prim, size, args, batched, params):
    return prim.bind(args[0], shape=(size,) + tuple(params["shape"]))


def _batch_transpose(prim, size, args, batched, params):
    return prim.bind(args[0], axes=(0,) + tuple(a + 1 for a in params["axes"]))


def _batch_broadcast_to(prim, size, args, batched, params):
    shape = tuple(params["shape"])
    return prim.bind(with_rank(args[0], len(shape)), shape=(size,) + shape)


reshape_p.def_batch(_batch_reshape)
reshape_p.def_diagonal(diagonal.per_band)
transpose_p.def_batch(_batch_transpose)
broadcast_to_p.def_batch(_batch_broadcast_to)
flip_p.def_batch(shifted_axes("axis"))
concatenate_p.def_batch(shifted_axes("axis"))  # shared operands are broadcast along the batch
