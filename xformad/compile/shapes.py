"""Shape guards: outputs whose shape depends on the input values, not only their shapes.

A traced program is specialised to the shapes it saw. Most shapes follow from the input
shapes, which key the cache; a few primitives' do not (``np.nonzero``, ``np.unique``,
``x[mask]``: they mark themselves with ``Primitive.value_dependent_shape``). Each output
of such a node gets a guard ``shape(v) == traced shape``, checked right after the node by
the emitted program (``codegen``) and by ``scheduler.Plan``: a call whose mask selects
another number of elements raises ``GuardFailed`` there, before any later line could
compute with a constant of the old shape, and ``jit`` re-traces. The guarded nodes stay
in the program even where nothing else reads them (``len(x[x > 0])`` is a Python int at
trace time: only the guard still depends on the node).
"""

from __future__ import annotations

from ..ir import Graph, Guard, Node


def value_dependent(node: Node) -> bool:
    """Whether ``node``'s output shapes depend on its input values."""
    flag = getattr(node.primitive, "value_dependent_shape", False)
    if callable(flag):
        return bool(flag(node))
    return bool(flag)


def shape_guards(graph: Graph) -> list[Guard]:
    """One ``shape`` guard per output of each value-dependent node of ``graph``."""
    return [
        Guard(v, "shape", tuple(v.shape))
        for node in graph.nodes
        if value_dependent(node)
        for v in node.outputs
    ]


def with_shape_guards(graph: Graph) -> Graph:
    """``graph`` itself when it has no value-dependent node, else a shallow copy whose
    guards are the recorded ones followed by the shape guards (``graph`` is not changed;
    guards already present are not added twice)."""
    extra = shape_guards(graph)
    if not extra:
        return graph
    have = {(id(g.var), g.kind) for g in graph.guards if g.kind == "shape"}
    extra = [g for g in extra if (id(g.var), "shape") not in have]
    if not extra:
        return graph
    g = Graph()
    g.inputs, g.nodes, g.outputs = list(graph.inputs), list(graph.nodes), list(graph.outputs)
    g.guards = list(graph.guards) + extra
    g.in_tree, g.out_tree = graph.in_tree, graph.out_tree
    return g
