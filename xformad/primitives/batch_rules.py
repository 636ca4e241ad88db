"""Batching rules shared by many primitives (``Primitive.def_batch``).

A rule ``rule(prim, size, args, batched, params)`` gets the arguments with the batch axis
first where ``batched[i]`` holds and as every member sees them elsewhere, and returns the
result with the batch axis (of length ``size``) first. Rules are written with numpy calls
and ``bind``, like the derivative rules: on arrays they compute the batch, on tracers they
record it, so a batched program differentiates, compiles and batches again.

This module imports nothing of xformad's primitives (core.py imports it), so its rules
reach the primitive they serve through ``prim``.
"""

from __future__ import annotations

import numpy as np

from ..errors import BatchingError


def shape_of(x) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def member_ndim(x, batched: bool) -> int:
    """The number of axes one member of ``x`` has."""
    return len(shape_of(x)) - (1 if batched else 0)


def with_rank(x, rank: int):
    """A batched ``x`` with length-1 axes inserted after the batch axis so that a member has
    ``rank`` axes: numpy's broadcasting, which aligns trailing axes, then pairs members'
    axes with members' axes and never a member's axis with the batch axis."""
    shape = shape_of(x)
    missing = rank - (len(shape) - 1)
    if missing <= 0:
        return x
    return np.reshape(x, shape[:1] + (1,) * missing + shape[1:])


def everywhere(x, size: int):
    """An unbatched value as a batch of ``size`` equal members (a broadcast view)."""
    return np.broadcast_to(x, (size,) + shape_of(x))


def all_batched(args, batched, size: int) -> list:
    return [a if b else everywhere(a, size) for a, b in zip(args, batched)]


def on_all_batched(prim, size, args, batched, params):
    """The primitive on every argument batched (shared ones broadcast along the batch): for
    primitives whose arguments share one shape."""
    return prim.bind(*all_batched(args, batched, size), **params)


def elementwise(prim, size, args, batched, params):
    """numpy broadcasting over all arguments (ufuncs, ``where``, casts): align each batched
    argument's member axes with the others' and apply the primitive once."""
    rank = max(member_ndim(a, b) for a, b in zip(args, batched))
    aligned = [with_rank(a, rank) if b else a for a, b in zip(args, batched)]
    out = prim.bind(*aligned, **params)
    if prim.multiple_results:  # (frexp-like) each result broadcasts as the inputs do
        return tuple(o if len(shape_of(o)) == rank + 1 else everywhere(o, size) for o in out)
    return out


def shifted_axes(*names: str, all_when_none: bool = False):
    """The rule of a primitive taking non-negative axes (an int or a tuple) in the
    parameters ``names``: the batch axis goes first, so each axis moves up by one.
    ``all_when_none``: None means every axis (reductions), which stays every member axis."""

    def rule(prim, size, args, batched, params):
        args = all_batched(args, batched, size)
        ndim = member_ndim(args[0], True)
        new = dict(params)
        for name in names:
            axis = params[name]
            if axis is None:
                if all_when_none:
                    new[name] = tuple(range(1, ndim + 1))
            elif isinstance(axis, tuple):
                new[name] = tuple(a + 1 for a in axis)
            else:
                new[name] = axis + 1
        return prim.bind(*args, **new)

    return rule


def stacked(*core_ranks: int):
    """The rule of a primitive that works on stacks (numpy.linalg's functions): argument
    i has ``core_ranks[i]`` trailing core axes and any leading ones broadcast. Members'
    leading axes are aligned (``with_rank``) so that the batch axis stays first."""

    def rule(prim, size, args, batched, params):
        loops = [member_ndim(a, b) - c for a, b, c in zip(args, batched, core_ranks)]
        lead = max(loops)
        aligned = [with_rank(a, lead + c) if b else a for a, b, c in zip(args, batched, core_ranks)]
        out = prim.bind(*aligned, **params)
        if prim.multiple_results:
            return tuple(out)
        return out

    return rule


def matmul(prim, size, args, batched, params):
    """numpy's matmul with its vector cases: a vector is a one-row matrix on the left and a
    one-column matrix on the right, dropped from the result afterwards, so that the batch
    axis is never read as a matrix axis. A batch against a shared matrix is one matrix
    product over all members' rows (one GEMM, not one small product per member)."""
    a, b = args
    na, nb = member_ndim(a, batched[0]), member_ndim(b, batched[1])
    if batched[0] and not batched[1] and nb == 2:
        return _rows_times(prim, a, b)
    if batched[1] and not batched[0] and na == 2:
        return _times_columns(prim, a, b, nb)
    if na == 1:
        a = np.expand_dims(a, -2)
    if nb == 1:
        b = np.expand_dims(b, -1)
    lead = max(na, nb, 2)
    if batched[0]:
        a = with_rank(a, lead)
    if batched[1]:
        b = with_rank(b, lead)
    out = prim.bind(a, b)
    if na == 1 and nb == 1:
        return out[..., 0, 0]
    if na == 1:
        return out[..., 0, :]
    if nb == 1:
        return out[..., 0]
    return out


def _rows_times(prim, a, b):
    """Members' rows (of any leading shape) times one shared matrix: all rows at once."""
    shape = shape_of(a)
    out = prim.bind(np.reshape(a, (-1, shape[-1])), b)
    return np.reshape(out, shape[:-1] + shape_of(b)[-1:])


def _times_columns(prim, a, b, nb: int):
    """One shared matrix times each member's vector or matrix: its columns side by side."""
    shape = shape_of(b)  # (size, n) or (size, ..., n, k)
    if nb == 1:
        return prim.bind(b, np.transpose(a))  # (size, n) @ a.T: the members' a @ v as rows
    if nb == 2 and shape[-1] == 1:
        out = prim.bind(np.reshape(b, shape[:1] + shape[1:2]), np.transpose(a))
        return np.reshape(out, out.shape + (1,))
    columns = np.reshape(np.transpose(b, (1, 0, 2)), (shape[1], -1))  # (n, size * k)
    out = prim.bind(a, columns)
    return np.transpose(np.reshape(out, (shape_of(a)[0], shape[0], shape[2])), (1, 0, 2))


def einsum(prim, size, args, batched, params):
    """One more index letter, on the batched operands and first in the result."""
    subscripts = params["subscripts"]
    letter = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in subscripts)
    ins, out = subscripts.split("->")
    ins = [letter + s if b else s for s, b in zip(ins.split(","), batched)]
    return prim.bind(*args, **{**params, "subscripts": f"{','.join(ins)}->{letter}{out}"})


def looped(prim, size, args, batched, params):
    """Once per member, the results stacked: exact for any primitive, but a Python loop.
    A result whose members differ in shape (``nonzero``, ``x[mask]``, ``np.unique``) cannot
    form one batch: it is a ``Ragged``, refused by vmap if anything reads it."""
    results = [prim.bind(*[a[i] if b else a for a, b in zip(args, batched)], **params) for i in range(size)]
    parts = list(zip(*results)) if prim.multiple_results else [results]
    out = []
    for part in parts:
        shapes = {shape_of(r) for r in part}
        out.append(np.stack(part) if len(shapes) == 1 else Ragged(prim.name, shapes))
    return tuple(out) if prim.multiple_results else out[0]


class Ragged:
    """A result whose batch members differ in shape: no batch can hold it."""

    __slots__ = ("message",)

    def __init__(self, name: str, shapes: set):
        self.message = (
            f"vmap: the primitive {name} gives batch members results of different shapes "
            f"{sorted(shapes)} (its output's shape depends on the values, as np.nonzero, x[mask] "
            "or np.unique do), so they cannot be stacked into one batch. Keep shapes fixed: "
            "np.where(mask, x, 0) instead of x[mask], np.sum(x, where=mask) instead of "
            "x[mask].sum()."
        )

    def refuse(self):
        raise BatchingError(self.message)


def unless_first_batched(rule):
    """``rule`` when the first argument is the same for all members, else ``looped``
    (``np.searchsorted`` broadcasts over its values but not over its sorted array)."""

    def choose(prim, size, args, batched, params):
        if batched[0]:
            return looped(prim, size, args, batched, params)
        return rule(prim, size, args, batched, params)

    return choose


def batched_values(prim, size, args, batched, params):
    """A primitive applied to values that broadcast (its first argument not batched):
    the batch axis of the others leads the result."""
    rank = max(member_ndim(a, b) for a, b in zip(args[1:], batched[1:]))
    aligned = [args[0]] + [with_rank(a, rank) if b else a for a, b in zip(args[1:], batched[1:])]
    return prim.bind(*aligned, **params)
