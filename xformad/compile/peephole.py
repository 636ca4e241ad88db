"""Peephole simplifications before emitting, each exact (results stay bit-identical):

- common subexpressions: a node applying the same primitive with the same parameters to
  the same operands as an earlier one is dropped and its result replaced by the earlier
  one's (reverse mode repeats ``transpose(W)`` and reshapes at every step of a loop);
- multiplication by a broadcast seed of ones (``ones * v`` where the reverse sweep
  broadcast the output's cotangent 1.0): ``1.0 * v`` is ``v`` exactly, for every float.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Graph, Guard, Literal, Node, Var


def _param_key(value: Any) -> Any:
    """A hashable stand-in for a node parameter (arrays by content)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_param_key(v) for v in value)
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    return value


def _broadcast_ones(value: Any) -> bool:
    """A read-only broadcast of the scalar 1 (never a user's writeable array)."""
    return (
        type(value) is np.ndarray
        and not value.flags.writeable
        and value.size > 0
        and all(s == 0 for s in value.strides)
        and value.dtype.kind in "fc"
        and value.flat[0] == 1
    )


def _times_ones(node: Node):
    """The operand ``node`` returns unchanged if it multiplies it by broadcast ones."""
    if node.primitive.name != "multiply" or len(node.inputs) != 2:
        return None
    out = node.outputs[0]
    for a, b in (node.inputs, node.inputs[::-1]):
        if (
            type(b) is Literal
            and type(a) is Var
            and a.shape == out.shape
            and a.dtype == out.dtype
            and _broadcast_ones(b.value)
            and np.result_type(a.dtype, b.value.dtype) == out.dtype
        ):
            return a
    return None


def _key(node: Node, subst: dict):
    refs = []
    for a in node.inputs:
        if type(a) is Var:
            refs.append(subst.get(a, a))
        else:
            refs.append(("lit", id(a.value)))
    try:
        params = tuple((k, _param_key(v)) for k, v in node.params.items())
        hash(params)
    except TypeError:
        return None
    return (node.primitive, params, tuple(refs))


def simplify(graph: Graph) -> Graph:
    """A copy of ``graph`` with common subexpressions and multiplications by ones gone."""
    subst: dict = {}
    seen: dict = {}
    nodes = []
    returned = {a for a in graph.outputs if type(a) is Var}
    for node in graph.nodes:
        inputs = [subst.get(a, a) if type(a) is Var else a for a in node.inputs]
        # (a returned product stays a fresh array, as the eager path returns)
        same = _times_ones(node) if node.outputs[0] not in returned else None
        if same is not None:
            subst[node.outputs[0]] = subst.get(same, same)
            continue
        if not node.primitive.multiple_results and not node.primitive.effectful:
            key = _key(node, subst)
            if key is not None:
                earlier = seen.get(key)
                if earlier is not None:
                    subst[node.outputs[0]] = earlier
                    continue
                seen[key] = node.outputs[0]
        if inputs != node.inputs:
            new = Node(node.primitive, inputs, node.params, node.outputs)
            new.origin = node.origin
            node = new
        nodes.append(node)
    g = Graph()
    g.inputs = list(graph.inputs)
    g.nodes = nodes
    g.outputs = [subst.get(a, a) if type(a) is Var else a for a in graph.outputs]
    g.guards = [Guard(subst.get(x.var, x.var), x.kind, x.expected, x.refusal) for x in graph.guards]
    g.in_tree, g.out_tree = graph.in_tree, graph.out_tree
    return g
