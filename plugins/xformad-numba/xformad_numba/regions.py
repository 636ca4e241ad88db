"""Which nodes of a graph fuse into one loop: maximal chains of elementwise nodes over one
shape (and sums of their values to a scalar), found in one pass in graph order.

A region stays *open* while nothing outside it has read one of its values; the fused node
then takes the place of the region's last node, which every outside reader follows, so
the rewritten graph keeps a topological order. A node joins (and merges) the open regions
whose values it reads; once an outside node reads a region's value, or a node reads one of
its sums (known only once the loop ends), the region is closed and later nodes start
another. Nothing here knows about numba: it is graph analysis on the table of
``scalar_ops``.
"""

from __future__ import annotations

import numpy as np

from xformad.ir import Graph, Literal, Node, Var

from . import scalar_ops

_F64, _BOOL = np.dtype(np.float64), np.dtype(np.bool_)
_BOOL_OUT = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}
_BOOL_OUT |= {"isnan", "isinf", "isfinite"}
_LOGICAL = {"logical_not", "logical_and", "logical_or"}
# outside arrays one loop may read: each stays alive until the loop runs, and each is a
# parameter numba types at every call
MAX_INPUTS = 8


class Region:
    """Nodes fused into one loop over ``shape``: elementwise ones and whole-array sums."""

    def __init__(self, shape: tuple):
        self.shape = shape
        self.nodes: list[Node] = []
        self.closed = False
        self.inputs: set = set()  # ids of the arrays it reads from outside

    def reads(self, node: Node, owner: dict) -> set:
        """The outside arrays of this region once ``node`` has joined it."""
        new = {
            id(a)
            for a in node.inputs
            if type(a) is Var and a.shape == self.shape and owner.get(a) is not self
        }
        return self.inputs | new

    def __repr__(self) -> str:
        return f"Region({self.shape}, {[n.primitive.name for n in self.nodes]})"


def _operand_ok(atom, shape: tuple, dtype) -> bool:
    """An operand a loop can read per element: an array of the loop's shape, or a scalar."""
    if type(atom) is Var:
        return atom.dtype == dtype and atom.shape in (shape, ())
    value = atom.value
    if type(value) in (bool, int, float):
        return (type(value) is bool) == (dtype == _BOOL) and (type(value) is not int or abs(value) < 2**53)
    kind = getattr(value, "dtype", None)
    return (
        kind == dtype
        and getattr(value, "shape", None) in (shape, ())
        and type(value) in (np.ndarray, np.float64)
    )


def elementwise_shape(node: Node, guarded: set) -> tuple | None:
    """The loop shape of a node the loop can compute, or None."""
    if not scalar_ops.served(node) or len(node.outputs) != 1 or node.primitive.multiple_results:
        return None
    out = node.outputs[0]
    if out in guarded or out.shape == () or not all(type(d) is int for d in out.shape):
        return None
    name = node.primitive.name
    if name == "where":
        wanted = [_BOOL, _F64, _F64]
        out_dtype = _F64
    elif name in _BOOL_OUT:
        wanted, out_dtype = [_F64] * len(node.inputs), _BOOL
    elif name in _LOGICAL:
        wanted, out_dtype = [_BOOL] * len(node.inputs), _BOOL
    else:
        wanted, out_dtype = [_F64] * len(node.inputs), _F64
    if out.dtype != out_dtype or not all(_operand_ok(a, out.shape, d) for a, d in zip(node.inputs, wanted)):
        return None
    return out.shape


def find_regions(graph: Graph, min_size: int) -> list[Region]:
    """The regions worth a loop, over at least ``min_size`` elements: two nodes or more,
    or one of the functions vector_math computes faster than numpy does."""
    guarded = {g.var for g in graph.guards}
    owner: dict = {}  # var -> region of the elementwise node producing it
    sum_owner: dict = {}  # scalar var -> region whose loop sums it
    regions: list[Region] = []
    for node in graph.nodes:
        reads = [a for a in node.inputs if type(a) is Var]
        for a in reads:  # a sum is known only after its loop: the region ends there
            if a in sum_owner:
                sum_owner[a].closed = True
        shape = elementwise_shape(node, guarded)
        if shape is not None and int(np.prod(shape)) >= min_size:
            joined = _join(node, shape, reads, owner, regions)
            for a in reads:  # what another region computed is an input here: it ends it
                if a in owner and owner[a] is not joined:
                    owner[a].closed = True
            continue
        x = node.inputs[0] if node.inputs else None
        if scalar_ops.is_reduction(node) and type(x) is Var and x in owner and not owner[x].closed:
            owner[x].nodes.append(node)
            sum_owner[node.outputs[0]] = owner[x]
            continue
        for a in reads:
            if a in owner:
                owner[a].closed = True
    return [r for r in regions if len(r.nodes) >= 2 or _vectorised(r.nodes[0])]


def _vectorised(node: Node) -> bool:
    """One node alone is worth a loop where the loop's polynomial beats numpy's libm call."""
    return node.primitive.name in scalar_ops.VECTOR_FORMS


def _join(node: Node, shape: tuple, reads: list, owner: dict, regions: list) -> Region:
    """Add ``node`` to the open regions of its shape it reads from, merged into one."""
    targets = []
    for a in reads:
        r = owner.get(a)
        if r is not None and not r.closed and r.shape == shape and r not in targets:
            targets.append(r)
    if targets:
        merged = set().union(*(r.inputs for r in targets))
        inside = {id(v) for r in targets for n in r.nodes for v in n.outputs}
        merged |= {id(a) for a in reads if a.shape == shape and id(a) not in inside}
        if len(merged) > MAX_INPUTS:  # a long chain (a sum over time steps) keeps all its
            for r in targets:  # inputs alive until its loop runs: end it, start another
                r.closed = True
            targets = []
    if not targets:
        target = Region(shape)
        regions.append(target)
        target.inputs = target.reads(node, owner)
    else:
        target = targets[0]
        for other in targets[1:]:
            target.nodes.extend(other.nodes)
            for n in other.nodes:
                for v in n.outputs:
                    if owner.get(v) is other:
                        owner[v] = target
            regions.remove(other)
        target.inputs = merged
    target.nodes.append(node)
    owner[node.outputs[0]] = target
    return target


def boundary(region: Region, graph: Graph, position: dict) -> tuple[list, list]:
    """(inputs, outputs) of a region: the atoms it reads from outside (arrays and scalars,
    each once), and the values it computes that anything outside reads."""
    inside = {v for n in region.nodes for v in n.outputs}
    members = set(map(id, region.nodes))
    inputs, seen = [], set()
    for n in region.nodes:
        for a in n.inputs:
            if type(a) is Var and a in inside:
                continue
            if type(a) is Literal and type(a.value) in (bool, int, float):
                continue  # written into the loop's source
            key = id(a) if type(a) is Var else ("lit", id(a.value))
            if key not in seen:
                seen.add(key)
                inputs.append(a)
    read_outside = {a for a in graph.outputs if type(a) is Var} | {g.var for g in graph.guards}
    for n in graph.nodes:
        if id(n) not in members:
            read_outside.update(a for a in n.inputs if type(a) is Var and a in inside)
    outputs = [
        v for n in sorted(region.nodes, key=lambda n: position[id(n)]) for v in n.outputs if v in read_outside
    ]
    return inputs, outputs
