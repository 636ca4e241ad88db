"""The graph rewrite: each region replaced by one node applying its compiled loop.

The fused node is an ordinary IR node of a primitive made for it (its kernel runs the
loop), placed where the region's last node was; codegen writes it as a call like any
other kernel (``r3, r5 = fused_loop_1a2b(xp, x1, c0)``), and frees its inputs after it.
Values only the region read are never materialised: they are locals of the loop.
"""

from __future__ import annotations

import hashlib

import numpy as np

from xformad.extend import Primitive
from xformad.ir import Graph, Node, Var

from . import scalar_ops
from .compiler import compiled
from .loop_source import is_array, loop_source, output_order
from .regions import Region, boundary, find_regions


def fuse(graph: Graph, min_size: int) -> Graph:
    """``graph`` with its regions fused (the graph itself when there is none)."""
    regions = find_regions(graph, min_size)
    if not regions:
        return graph
    position = {id(n): i for i, n in enumerate(graph.nodes)}
    replaced: dict = {}  # id(last node of a region) -> fused node; other members -> None
    for region in regions:
        region.nodes.sort(key=lambda n: position[id(n)])
        if not _convex(region, graph, position):
            continue
        inputs, outputs = boundary(region, graph, position)
        if not outputs:
            continue
        fused = _fused_node(region, inputs, outputs)
        for n in region.nodes:
            replaced[id(n)] = None
        replaced[id(region.nodes[-1])] = fused
    out = Graph()
    out.inputs, out.outputs, out.guards = list(graph.inputs), list(graph.outputs), list(graph.guards)
    out.in_tree, out.out_tree = graph.in_tree, graph.out_tree
    for n in graph.nodes:
        if id(n) not in replaced:
            out.nodes.append(n)
        elif replaced[id(n)] is not None:
            out.nodes.append(replaced[id(n)])
    return out


def _convex(region: Region, graph: Graph, position: dict) -> bool:
    """Whether the region can be one node at its last member's place: no node outside it,
    between its members, computes from a value of the region something a later member
    reads (the fused node would read that result before it is computed: a stale value)."""
    members = {id(n) for n in region.nodes}
    first, last = position[id(region.nodes[0])], position[id(region.nodes[-1])]
    inside: set = set()  # the region's values so far
    derived: set = set()  # what outside nodes in between computed from them
    for n in graph.nodes[first : last + 1]:
        vars_read = [a for a in n.inputs if type(a) is Var]
        if id(n) in members:
            if any(a in derived for a in vars_read):
                return False
            inside.update(n.outputs)
        elif any(a in inside or a in derived for a in vars_read):
            derived.update(n.outputs)
    return True


def _fused_node(region: Region, inputs: list, outputs: list) -> Node:
    ordered = output_order(region, outputs)
    source = loop_source(region, inputs, ordered)
    kernel = compiled(source)
    checked = any(n.primitive.name in scalar_ops.RANGE_CHECKED for n in region.nodes)
    exact = (lambda: compiled(loop_source(region, inputs, ordered, fast=False))) if checked else None
    arrays = [is_array(a, region.shape) for a in inputs]
    scalar_types = [
        bool if (a.dtype if type(a) is Var else np.asarray(a.value).dtype) == np.bool_ else float
        for a in inputs
    ]
    run = _runner(kernel, exact, region.shape, arrays, scalar_types, ordered)
    name = f"fused_loop_{hashlib.sha256(source.encode()).hexdigest()[:8]}"
    prim = Primitive(name, run, multiple_results=len(ordered) > 1, differentiable=False)
    prim.doc = source
    return Node(prim, list(inputs), {}, ordered, origin=region.nodes[-1].origin)


def _runner(kernel, exact, shape: tuple, arrays: list, scalar_types: list, outputs: list):
    """The fused primitive's kernel ``run(xp, *inputs)``: output arrays allocated here,
    inputs flattened (a view where contiguous), scalars as Python numbers, sums returned
    as float64 scalars. ``exact``: where the fast kernel can flag a sin or cos argument
    out of its range, makes the libm kernel that then reruns the loop."""
    n = int(np.prod(shape))
    dtypes = [v.dtype for v in outputs if v.shape != ()]
    single = len(outputs) == 1
    slow = []  # the libm kernel, compiled the first time it is needed

    def run(xp, *args):
        outs = [np.empty(shape, d) for d in dtypes]
        flat = [a.reshape(-1) if is_arr else kind(a) for a, is_arr, kind in zip(args, arrays, scalar_types)]
        views = [o.reshape(-1) for o in outs]
        sums = kernel(n, *views, *flat)
        if exact is not None:
            *sums, out_of_range = sums
            if out_of_range:
                if not slow:
                    slow.append(exact())
                sums = slow[0](n, *views, *flat)
        outs += [np.float64(s) for s in sums]
        return outs[0] if single else tuple(outs)

    return run
