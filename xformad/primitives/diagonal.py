"""A batch of scaled unit vectors, kept symbolic: the seeds of a Jacobian.

``jacrev`` and ``jacfwd`` batch one sweep over the unit seeds of an output or an input: n
members of n entries, all zero but one. Materialised (``np.eye``), they make each
linear step of the sweep cost n times its unbatched cost: the Jacobian of tanh(W x) by
reverse mode multiplies an n×n identity by W, n³ multiply-adds, where the rows of the
result are d_k W[k] (n²). ``DiagonalBatch(d)`` is that batch without the zeros: member k
is ``d`` with every entry but the k-th (flat, C order) set to zero. A primitive that maps
such a batch to another one, or to a plain batch more cheaply than from the dense form,
says so with ``Primitive.def_diagonal(rule)`` (the rules below); every other primitive,
and every guard and output, sees the dense batch (``dense()``), so the result is the one
the dense seeds give, entry for entry, except that entries which are structurally zero
(an output that does not depend on an input) are exact zeros even beside an infinite or
NaN factor, where 0 × inf would have made them NaN.

A rule ``rule(prim, size, args, batched, params)`` has the signature of a batching rule
(``batch_rules``), gets at least one ``DiagonalBatch`` among ``args``, and returns the
result, or None where it cannot keep the structure (the dense batch is used instead).
This module imports nothing of xformad's primitives (core.py imports it).
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..tracing import concrete
from .batch_rules import shape_of


class DiagonalBatch:
    """Member k of the batch is ``d`` with all entries but the k-th (flat) zero."""

    __slots__ = ("d",)

    def __init__(self, d):
        self.d = d

    @property
    def size(self) -> int:
        return int(np.prod(shape_of(self.d), dtype=np.int64))

    @property
    def shape(self) -> tuple:
        return (self.size,) + shape_of(self.d)

    @property
    def dtype(self):
        return self.d.dtype

    def first_member(self):
        """Member 0, concrete (what vmap traces its member on), without the other n - 1."""
        d = concrete(self.d)
        member = backends.active().xp.zeros(self.size, dtype=d.dtype)
        member[0] = np.reshape(d, (-1,))[0]
        return np.reshape(member, shape_of(d))

    def dense(self):
        """The batch as an array, batch axis first: ``eye(n) * d`` (traced where d is)."""
        n = self.size
        eye = backends.active().xp.eye(n, dtype=self.d.dtype)
        return np.reshape(eye * np.reshape(self.d, (n,)), self.shape)


def dense(x):
    return x.dense() if type(x) is DiagonalBatch else x


def _member_shape(x) -> tuple:
    return shape_of(x.d)


def _fits(other, shape: tuple) -> bool:
    """An unbatched operand that broadcasts to ``shape`` without growing it."""
    other_shape = shape_of(other)
    if len(other_shape) > len(shape):
        return False
    return all(o in (1, s) for o, s in zip(other_shape[::-1], shape[::-1]))


def scaling(prim, size, args, batched, params):
    """``x * u`` and ``x / u`` (and ``safe_multiply``) with ``x`` diagonal and ``u`` shared
    by all members: each member's one entry scaled, so the batch stays diagonal. Two
    diagonal factors (``x * x``) multiply entry by entry. ``u / x`` is not diagonal."""
    a, b = args
    if type(a) is DiagonalBatch:
        if type(b) is DiagonalBatch and prim.name != "divide":
            if _member_shape(a) == _member_shape(b):
                return DiagonalBatch(prim.bind(a.d, b.d, **params))
            return None
        if not batched[1] and _fits(b, _member_shape(a)):
            return DiagonalBatch(prim.bind(a.d, b, **params))
        return None
    if prim.name != "divide" and not batched[0] and _fits(a, _member_shape(b)):
        return DiagonalBatch(prim.bind(a, b.d, **params))
    return None


def entrywise(prim, size, args, batched, params):
    """A linear map of each entry on its own (negative, conjugate, real part): zeros stay
    zeros, so the batch stays diagonal."""
    return DiagonalBatch(prim.bind(args[0].d, **params))


def summed(prim, size, args, batched, params):
    """``x ± y``, both diagonal with one member shape: entry by entry. A shared or dense
    term fills the zeros in, so it is not diagonal."""
    a, b = args
    if type(a) is DiagonalBatch and type(b) is DiagonalBatch and _member_shape(a) == _member_shape(b):
        return DiagonalBatch(prim.bind(a.d, b.d, **params))
    return None


def reshaped(prim, size, args, batched, params):
    """A C-order reshape keeps every entry's flat position: still diagonal."""
    return DiagonalBatch(prim.bind(args[0].d, **params))


def total(prim, size, args, batched, params):
    """The sum over all of a member's axes is its one entry: the batch ``d`` itself."""
    x = args[0]
    ndim = len(_member_shape(x))
    axis = params["axis"]
    if axis is not None and sorted(np.atleast_1d(axis).tolist()) != list(range(ndim)):
        return None
    out = np.reshape(x.d, (size,))
    return np.reshape(out, (size,) + (1,) * ndim) if params["keepdims"] else out


def matmul(prim, size, args, batched, params):
    """A diagonal vector against a shared vector or matrix: member k's product is d_k times
    row (or column) k of the other operand, so the batch is the other operand scaled, n²
    work instead of the n³ of the dense product."""
    a, b = args
    if type(a) is DiagonalBatch and not batched[1] and len(_member_shape(a)) == 1:
        if len(shape_of(b)) == 1:  # d_k b_k
            return a.d * b
        if len(shape_of(b)) == 2:  # d_k b[k, :]
            return np.reshape(a.d, (size, 1)) * b
        return None
    if type(b) is DiagonalBatch and not batched[0] and len(_member_shape(b)) == 1:
        if len(shape_of(a)) == 1:  # a_k d_k
            return a * b.d
        if len(shape_of(a)) == 2:  # a[:, k] d_k
            return np.transpose(a * b.d)  # scaled in a's own layout, then a view
        return None
    return None
