"""vmap's arguments and results: in_axes/out_axes (JAX's semantics), the member trace,
and the batched evaluation of what it recorded (``batching.evaluate``).

``in_axes`` is an int, None, or a tuple (a list) with one entry per positional argument,
each a pytree prefix of that argument; negative axes count from the end; keyword
arguments are mapped over their leading axis, as in JAX. Python numbers (and other
non-array values) given ``None`` are passed to the function as they are, so code such as
``range(n)`` sees a plain int.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import backends
from ..buffers import resolve_tree
from ..errors import BatchingError
from ..primitives.diagonal import DiagonalBatch, dense
from ..tracing import Tracer, concrete, new_trace
from ..tree import tree_flatten, tree_unflatten
from .batching import evaluate
from .call import _served, _stand_ins, call_user, to_caller

_ARRAY_SCALARS = (float, complex)


def batched_call(f: Callable, in_axes, out_axes, axis_size, args: tuple, kwargs: dict):
    """``f(*args, **kwargs)`` for every batch member at once (``xformad.vmap``'s call)."""
    leaves, treedef = tree_flatten((tuple(args), kwargs))
    axes = _leaf_axes(in_axes, args, kwargs)
    backend = backends.resolve(None, leaves)
    size = _batch_size(leaves, axes, axis_size)
    with backends.using(backend):
        member, batch, traced = [], [], []
        for leaf, axis in zip(leaves, axes):
            m, b, t = _split_leaf(leaf, axis)
            member.append(m)
            batch.append(b)
            traced.append(t)
        graph, trace, out_leaves, out_tree = _trace_member(f, treedef, member, traced)
        try:
            inputs = [b for b, t in zip(batch, traced) if t]
            flags = [a is not None for a, t in zip(axes, traced) if t]
            env = evaluate(graph, inputs, flags, size)
            results = []
            for leaf in out_leaves:
                if type(leaf) is Tracer and leaf._trace is trace:
                    results.append(env[leaf._var])
                else:
                    results.append((leaf, False))
        finally:
            trace.release()
        # results in the array type of the batched arguments (numpy in, numpy out)
        ref = next(
            (leaf for leaf, a in zip(leaves, axes) if a is not None and type(leaf) is not Tracer), None
        )
        placed = []
        for (value, b), axis in zip(results, _out_axes(out_axes, out_tree, len(out_leaves))):
            placed.append(to_caller(_place_out(value, b, axis, size), ref, backend))
    return tree_unflatten(out_tree, placed)


def _leaf_axes(in_axes, args: tuple, kwargs: dict) -> list:
    """One axis (or None) per leaf of ``(args, kwargs)``, in tree_flatten's order."""
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple):
        if len(in_axes) != len(args):
            raise BatchingError(
                f"vmap: in_axes has {len(in_axes)} entries but the function was called with "
                f"{len(args)} positional arguments; give one entry (an int, None or a pytree "
                "of them) per positional argument."
            )
        axes = []
        for n, (spec, arg) in enumerate(zip(in_axes, args)):
            axes.extend(_prefix_axes(spec, arg, f"in_axes[{n}]"))
    else:
        axes = _prefix_axes(in_axes, tuple(args), "in_axes")
    axes.extend(_prefix_axes(0, kwargs, "keyword arguments"))
    return axes


def _prefix_axes(spec, tree, where: str) -> list:
    """``spec`` (an int, None, or a container matching the top of ``tree``) per leaf."""
    if spec is None or isinstance(spec, (int, np.integer)):
        if isinstance(spec, bool):
            raise BatchingError(f"vmap: {where} is {spec!r}; an axis is an int or None.")
        return [None if spec is None else int(spec)] * len(tree_flatten(tree)[0])
    if isinstance(spec, dict) and isinstance(tree, dict):
        if set(spec) != set(tree):
            keys = sorted(spec, key=repr), sorted(tree, key=repr)
            raise BatchingError(f"vmap: {where} has keys {keys[0]} but the argument has {keys[1]}.")
        keys = tuple(sorted(tree, key=repr)) if type(tree) is not dict else tuple(tree)
        return [a for k in keys for a in _prefix_axes(spec[k], tree[k], f"{where}[{k!r}]")]
    if isinstance(spec, (tuple, list)) and isinstance(tree, (tuple, list)) and len(spec) == len(tree):
        return [a for k, (s, t) in enumerate(zip(spec, tree)) for a in _prefix_axes(s, t, f"{where}[{k}]")]
    raise BatchingError(
        f"vmap: {where} is {spec!r}, which is not an int, None, or a pytree prefix of the "
        f"argument's structure ({type(tree).__name__})."
    )


def _ndim(leaf) -> int:
    return len(getattr(leaf, "shape", np.shape(leaf)))


def _batch_size(leaves: list, axes: list, axis_size) -> int:
    sizes = set()
    for leaf, axis in zip(leaves, axes):
        if axis is None:
            continue
        ndim = _ndim(leaf)
        if not -ndim <= axis < ndim:
            raise BatchingError(
                f"vmap: in_axes asks for axis {axis} of an argument with {ndim} axes (shape "
                f"{np.shape(concrete(leaf))}); give None for arguments without a batch axis."
            )
        sizes.add(int(np.shape(concrete(leaf))[axis]) if not isinstance(leaf, Tracer) else leaf.shape[axis])
    if axis_size is not None:
        if not isinstance(axis_size, (int, np.integer)) or axis_size < 0:
            raise BatchingError(f"vmap: axis_size must be a count n >= 0, not {axis_size!r}.")
        sizes.add(int(axis_size))
    if not sizes:
        raise BatchingError("vmap: no argument has a batch axis (all in_axes are None); pass axis_size=n.")
    if len(sizes) > 1:
        raise BatchingError(
            f"vmap: the batched arguments (and axis_size) disagree on the batch size: {sorted(sizes)}."
        )
    size = sizes.pop()
    if size == 0:
        raise BatchingError(
            "vmap over an empty batch: xformad traces the function on one member, and there is none."
        )
    return size


def _split_leaf(leaf, axis):
    """(what the traced member sees, the batch value with its axis first, traced?)."""
    if type(leaf) is DiagonalBatch:  # jacrev's and jacfwd's seeds: member 0 is e_0 d_0
        if axis != 0:
            raise BatchingError("vmap: a DiagonalBatch is batched along axis 0 only.")
        return leaf.first_member(), leaf, True
    if axis is None:
        # arrays are inputs of the member's trace (so the function may write a traced value
        # into its copy of one, as unbatched); an outer transform's value is seen by value
        if type(leaf) is Tracer or isinstance(leaf, (np.ndarray, np.generic)) or _on_device(leaf):
            return concrete(leaf), leaf, True
        return leaf, leaf, False
    if isinstance(leaf, (list, tuple)) or type(leaf) in _ARRAY_SCALARS or isinstance(leaf, int):
        leaf = np.asarray(leaf)
    axis = axis % _ndim(leaf)
    batch = leaf if axis == 0 else np.moveaxis(leaf, axis, 0)
    base = concrete(leaf)
    member = base[(slice(None),) * axis + (0,)]
    return member, batch, True


def _on_device(leaf) -> bool:
    backend = backends.active()
    return backend.device and backend.owns(leaf)


def _trace_member(f, treedef, member: list, traced: list):
    """f run once on tracers of one member's values: (graph, trace, output leaves, tree)."""
    with new_trace() as trace:
        leaves = [trace.new_input(_as_value(m)) if t else m for m, t in zip(member, traced)]
        args, kwargs = tree_unflatten(treedef, leaves)
        args, kwargs, restore = _stand_ins(f, list(args), kwargs)
        try:
            out = resolve_tree(call_user(_served(f), args, kwargs))
        finally:
            restore()
    out_leaves, out_tree = tree_flatten(out)
    graph = trace.graph
    graph.outputs = [leaf._var for leaf in out_leaves if type(leaf) is Tracer and leaf._trace is trace]
    return graph.prune(), trace, out_leaves, out_tree  # dead code is not batched


def _as_value(m):
    if type(m) in _ARRAY_SCALARS:
        return np.asarray(m)[()]
    return m


def _out_axes(out_axes, out_tree, n: int) -> list:
    if out_axes is None or isinstance(out_axes, (int, np.integer)):
        return [out_axes] * n
    structure = tree_unflatten(out_tree, [0] * n)
    return _prefix_axes(out_axes, structure, "out_axes")


def _place_out(value, batched: bool, axis, size: int):
    value = dense(value)
    if axis is None:
        if batched:
            raise BatchingError(
                "vmap: out_axes is None for an output that differs between batch members; "
                "give it an axis (out_axes=0), or return only values common to all members there."
            )
        return value
    if not batched:
        value = np.broadcast_to(value, (size,) + tuple(getattr(value, "shape", np.shape(value))))
    ndim = _ndim(value)
    if not -ndim <= axis < ndim:
        raise BatchingError(f"vmap: out_axes asks for axis {axis} of an output with {ndim} axes.")
    axis %= ndim
    return value if axis == 0 else np.moveaxis(value, 0, axis)
