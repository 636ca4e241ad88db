"""Batching rules of the indexing primitives (gather, assignment, scatter-add, the gather's
transpose), declared on them in indexing.py.

Basic indices (slices, integers, newaxis, ellipsis) take one more full slice in front for
the batch axis. With index arrays, the batch takes one more index array in front,
``arange(size)`` shaped to broadcast against them, so that member i reads and writes only
its own part of the batch; numpy then puts the advanced axes first, which a member's own
index does too unless its advanced entries are adjacent and not first: there the advanced
axes are moved back behind the member's leading slices. Boolean index arrays select as many
elements as they hold True values; those nodes go one member at a time (``looped``).
"""

from __future__ import annotations

import numpy as np

from .batch_rules import everywhere, looped, shape_of, with_rank
from .rules import device_constant

_ALL = ("s", None, None, None)


def _layout(x_shape: tuple, spec: tuple, array_shapes: list):
    """How a member's index lays out its result: (its shape, the number of result axes
    before the advanced block, the advanced block's rank, whether that block stays in
    place). With no index arrays there is no block and integers drop their axis."""
    advanced = bool(array_shapes)
    block = np.broadcast_shapes(*array_shapes) if advanced else ()
    consumed = sum(1 for e in spec if e[0] in "sia")
    dims: list = []
    positions = [k for k, e in enumerate(spec) if advanced and e[0] in "ia"]
    adjacent = not positions or positions[-1] - positions[0] + 1 == len(positions)
    d = 0
    before = None
    for entry in spec:
        tag = entry[0]
        if tag == "n":
            dims.append(1)
        elif tag == "e":
            for _ in range(len(x_shape) - consumed):
                dims.append(x_shape[d])
                d += 1
        elif tag == "s":
            dims.append(len(range(*slice(*entry[1:]).indices(x_shape[d]))))
            d += 1
        else:  # an integer or an index array: one axis of x
            if advanced and before is None:
                before = len(dims)
            d += 1
    dims.extend(x_shape[d:])
    if not advanced:
        return tuple(dims), 0, 0, True
    if not adjacent:
        before = 0
    return tuple(dims[:before]) + tuple(block) + tuple(dims[before:]), before, len(block), adjacent


def _has_masks(arrays) -> bool:
    return any(np.dtype(a.dtype).kind == "b" for a in arrays)


def _batch_index(size, arrays, batched, like):
    """The index arrays of the batch: ``arange(size)`` first (placed where ``like`` lives),
    shaped to broadcast against the members' arrays, each batched one aligned with the
    others."""
    ranks = [len(shape_of(a)) - (1 if b else 0) for a, b in zip(arrays, batched)]
    rank = max(ranks)
    arrays = [with_rank(a, rank) if b else a for a, b in zip(arrays, batched)]
    members = device_constant(np.arange(size).reshape((size,) + (1,) * rank), like)
    return arrays + [members]


def _member_shapes(arrays, batched) -> list:
    return [shape_of(a)[1:] if b else shape_of(a) for a, b in zip(arrays, batched)]


def _blocks_first(out, before: int, rank: int):
    """``out`` laid out as (batch, advanced block, leading member axes, rest) moved to
    (batch, leading member axes, advanced block, rest): a member's own layout."""
    if before == 0 or rank == 0:
        return out
    n = len(shape_of(out))
    perm = (0,) + tuple(range(1 + rank, 1 + rank + before)) + tuple(range(1, 1 + rank))
    return np.transpose(out, perm + tuple(range(1 + rank + before, n)))


def _member_to_batch(v, v_batched: bool, size: int, target: tuple, before: int, rank: int):
    """A value assigned to a member's target ``target`` as the batch's target expects it:
    (batch, target) for basic indices, the advanced block first for index arrays."""
    shape = shape_of(v)
    member = shape[1:] if v_batched else shape
    extra = len(member) - len(target)
    if extra > 0:  # numpy's assignment drops a value's leading length-1 axes (a[:] = row[None])
        v = np.reshape(v, (shape[:1] if v_batched else ()) + member[extra:])
    if v_batched:
        v = with_rank(v, len(target))
    v = np.broadcast_to(v, (size,) + target)
    if before == 0 or rank == 0:
        return v
    n = len(target) + 1
    perm = (0,) + tuple(range(1 + before, 1 + before + rank)) + tuple(range(1, 1 + before))
    return np.transpose(v, perm + tuple(range(1 + before + rank, n)))


def batch_getitem(prim, size, args, batched, params):
    x, arrays = args[0], list(args[1:])
    spec = params["spec"]
    if not batched[0]:
        x = everywhere(x, size)
    if not arrays:
        return prim.bind(x, spec=(_ALL,) + spec)
    if _has_masks(arrays):
        return looped(prim, size, args, batched, params)
    shapes = _member_shapes(arrays, batched[1:])
    _, before, rank, _ = _layout(shape_of(x)[1:], spec, shapes)
    index = _batch_index(size, arrays, batched[1:], x)
    out = prim.bind(x, *index, spec=(("a", len(arrays)),) + spec)
    return _blocks_first(out, before, rank)


def writing(kind: str):
    """The rule of ``x[idx] = v`` (``kind`` "set") and ``x[idx] += v`` ("add"), whose
    arguments are (x, v, *index arrays), and of the gather's transpose ("transpose": (ct,
    *index arrays) placed into zeros of the parameter ``shape``)."""

    def rule(prim, size, args, batched, params):
        spec = params["spec"]
        if kind == "transpose":
            base, value, arrays = None, args[0], list(args[1:])
            base_shape, value_batched, array_batched = params["shape"], batched[0], batched[1:]
        else:
            base, value, arrays = args[0], args[1], list(args[2:])
            base_shape, value_batched, array_batched = (
                shape_of(base)[1 if batched[0] else 0 :],
                batched[1],
                batched[2:],
            )
            if not batched[0]:
                base = everywhere(base, size)
        if _has_masks(arrays):
            return looped(prim, size, args, batched, params)
        target, before, rank, _ = _layout(tuple(base_shape), spec, _member_shapes(arrays, array_batched))
        value = _member_to_batch(value, value_batched, size, target, before, rank)
        if arrays:
            index, spec = _batch_index(size, arrays, array_batched, value), (("a", len(arrays)),) + spec
        else:
            index, spec = [], (_ALL,) + spec
        if kind == "transpose":
            return prim.bind(value, *index, spec=spec, shape=(size,) + tuple(base_shape))
        return prim.bind(base, value, *index, spec=spec)

    return rule
