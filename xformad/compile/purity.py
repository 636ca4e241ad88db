"""Is a re-trace the same program? The cheap purity check behind ``jit``.

A cached program is only valid if running ``f`` afresh on inputs of the same signature
(and taking the same branches) would record the same graph with the same constants. Two
common violations break that: random numbers drawn inside ``f`` (a new constant each
call) and a global or closure array rebound between calls (a different constant object
with other values). ``jit`` re-traces on the first cached calls and compares with
``difference(old, new)``; constants are compared by identity first, then by value, since
an eager sub-expression on constants (``W.T``, ``np.eye(3)``) is a new object each call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Graph, Literal, Var, type_string


def _param_key(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_param_key(v) for v in value)
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    return value


def structure(graph: Graph) -> tuple:
    """Everything about ``graph`` but its constants' values: primitives, parameters,
    wiring, types, guards and outputs, with vars numbered in order of appearance."""
    ids: dict = {}
    for v in graph.inputs:
        ids[v] = len(ids)

    def ref(a) -> Any:
        if type(a) is Var:
            return ids.get(a, -1)
        return ("lit",)

    rows = []
    for node in graph.nodes:
        for v in node.outputs:
            ids[v] = len(ids)
        params = tuple((k, _param_key(v)) for k, v in node.params.items())
        outs = tuple((v.shape, v.dtype.str) for v in node.outputs)
        rows.append((node.primitive.name, params, tuple(ref(a) for a in node.inputs), outs))
    guards = tuple((ids.get(g.var, -1), g.kind, g.expected) for g in graph.guards)
    return (
        tuple((v.shape, v.dtype.str) for v in graph.inputs),
        tuple(rows),
        guards,
        tuple(ref(a) for a in graph.outputs),
    )


def constants(graph: Graph) -> list:
    """The constant operands in node order, then constant outputs."""
    lits = [a.value for n in graph.nodes for a in n.inputs if type(a) is Literal]
    lits += [a.value for a in graph.outputs if type(a) is Literal]
    return lits


def same_constant(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if hasattr(a, "shape") and hasattr(a, "dtype"):
        if tuple(a.shape) != tuple(b.shape) or a.dtype != b.dtype:
            return False
        equal_nan = a.dtype.kind in "fc"
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=equal_nan))
        except TypeError:  # device arrays: compare on their own module
            return bool((a == b).all())
    try:
        return bool(a == b) or (a != a and b != b)  # NaN constants are equal here
    except Exception:
        return False


def _describe(value: Any) -> str:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"a {type_string(tuple(value.shape), value.dtype)} array"
    return repr(value)


def difference(old: Graph, new: Graph) -> str | None:
    """None when ``new`` records the same program as ``old``, else what differs."""
    if structure(old) != structure(new):
        return "the re-traced program has different operations or control flow"
    for k, (a, b) in enumerate(zip(constants(old), constants(new))):
        if not same_constant(a, b):
            return f"constant #{k} changed between calls (was {_describe(a)}, now {_describe(b)})"
    return None
