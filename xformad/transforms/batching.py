"""The batching interpreter: a graph traced on one batch member, evaluated on the batch.

``vmap`` traces the function on one member (so shape-dependent Python code sees the
shapes it would see unbatched), then runs the recorded graph once more, on the batch:
each node whose inputs are all unbatched is applied as it is (``bind``), each other node
through its primitive's batching rule (``Primitive.def_batch``), with the batch axis
first. Primitives are applied through ``bind``, so an enclosing trace (grad, jit, another
vmap) records the batched computation, which is how vmap composes with every transform.

The traced member took Python's branches for everyone: each guard the trace recorded (an
``if`` on a traced value, an ``int()``, an integer array handed to numpy) is checked
against every member, and a member that would have gone another way raises
``BatchedControlFlowError``. The check is itself a ``bool()`` of traced values, so an
enclosing jit guards on it too.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import BatchedControlFlowError, BatchingError, BatchingFallbackWarning
from ..ir import Graph, Var
from ..primitives import batch_rules
from ..primitives.diagonal import DiagonalBatch, dense
from ..tracing import Tracer, fresh_error


def evaluate(graph: Graph, inputs: list, batched: list, size: int) -> dict:
    """var -> (value, batched) for every var of ``graph`` still needed by its outputs, the
    inputs given as values with the batch axis first where ``batched``."""
    guards = _guards_by_var(graph)
    last = graph.last_uses()
    env: dict = {}
    for var, value, b in zip(graph.inputs, inputs, batched):
        env[var] = (value, b)
        if var in guards:
            _check_guards(guards[var], value, b, size)
    for i, node in enumerate(graph.nodes):
        prim = node.primitive
        vals, flags = [], []
        for atom in node.inputs:
            if type(atom) is Var:
                value, b = env[atom]
            else:
                value, b = atom.value, False
            vals.append(value)
            flags.append(b)
        flag = any(flags)
        if node.origin is not None:  # a derivative rule's node: its singular factors are masked,
            with np.errstate(divide="ignore", invalid="ignore"):  # as in the sweep that recorded it
                out = _apply_rule(node, vals, flags, size) if flag else prim.bind(*vals, **node.params)
        else:
            out = _apply_rule(node, vals, flags, size) if flag else prim.bind(*vals, **node.params)
        outs = out if prim.multiple_results else (out,)
        for var, value in zip(node.outputs, outs):
            if flag:
                if type(value) is batch_rules.Ragged:
                    if var in last:  # read later, or an output: it would need a ragged batch
                        value.refuse()
                    continue
                _check_result(node, var, value, size)
            env[var] = (value, flag)
            if var in guards:
                _check_guards(guards[var], value, flag, size)
        for atom in node.inputs:  # free what no later node reads
            if type(atom) is Var and last.get(atom) == i:
                env.pop(atom, None)
    return env


def _apply_rule(node, vals, flags, size):
    prim = node.primitive
    if DiagonalBatch in map(type, vals):  # a Jacobian's unit seeds, kept symbolic where possible
        out = prim.diagonal(prim, size, vals, flags, node.params) if prim.diagonal is not None else None
        if out is not None:
            return out
        vals = [dense(v) for v in vals]
    rule = prim.batch
    if rule is None:
        if prim.effectful:
            raise BatchingError(
                f"vmap cannot batch the primitive {prim.name}: it has an effect beyond its value "
                "and no batching rule. Call it outside vmap and pass its result in."
            )
        warnings.warn(
            f"vmap: the primitive {prim.name} has no batching rule (Primitive.def_batch), so it "
            "runs once per batch member, in a Python loop: exact, but slower.",
            BatchingFallbackWarning,
            stacklevel=5,
        )
        rule = batch_rules.looped
    return rule(prim, size, vals, flags, node.params)


def _check_result(node, var, value, size) -> None:
    """A rule's result must be the member's result with the batch axis in front: anything
    else is a bug in that rule, refused rather than passed on as a wrong batch."""
    shape = batch_rules.shape_of(value)
    if shape != (size,) + tuple(var.shape):
        raise BatchingError(
            f"vmap: the batching rule of {node.primitive.name} returned shape {shape}, but a "
            f"batch of {size} members of shape {tuple(var.shape)} was expected. This is a bug in "
            "that rule; please report it."
        )


def _guards_by_var(graph: Graph) -> dict:
    guards: dict = {}
    for guard in graph.guards:
        guards.setdefault(guard.var, []).append(guard)
    return guards


def _check_guards(guards: list, value, batched: bool, size: int) -> None:
    if not batched and type(value) is not Tracer:
        return  # the very value the member was traced with: its guards hold
    value = dense(value)
    for guard in guards:
        if not bool(_holds(guard, value, batched, size)):  # a traced bool(): guarded outside too
            if guard.refusal is not None:  # a member reaches a derivative that does not exist
                raise fresh_error(guard.refusal)
            raise BatchedControlFlowError(_control_flow_message(guard))


def _holds(guard, value, batched: bool, size: int):
    """Whether every member's value takes the traced branch, as a (maybe traced) bool."""
    if guard.kind == "array":
        expected = guard.expected
        return (
            np.all(value == expected)
            if np.shape(value)[1 if batched else 0 :] == np.shape(expected)
            else False
        )
    flat = np.reshape(value, (size,)) if batched else value  # bool() and int() take size-1 values
    if guard.kind == "bool":
        return np.all(flat.astype(bool) == guard.expected)
    return np.all(flat == guard.expected)


def _control_flow_message(guard) -> str:
    what = {
        "bool": "a Python branch (if/while/and/or) on a batched value",
        "int": "int() or an index taken from a batched integer value",
        "array": (
            "a batched value Python code looked at (an integer array handed to plain numpy, "
            ".item(), a formatted string)"
        ),
    }.get(guard.kind, "a concretised batched value")
    return (
        f"vmap: {what} differs between batch members, so one traced path cannot serve them "
        "all. Compute both branches and select per element with np.where(cond, a, b) "
        "(np.minimum/np.maximum/np.clip for clamps). A plain array indexed by a batched "
        "integer one is not traced: write np.eye(n)[labels] as (labels[..., None] == "
        "np.arange(n)), and table[k] as np.sum(np.where(k[..., None] == np.arange(len(table)), "
        "table, 0), axis=-1); traced arrays may be indexed by batched ones (x[k]). Or loop "
        "over the members in Python."
    )
