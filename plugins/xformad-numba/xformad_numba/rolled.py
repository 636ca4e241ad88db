"""The graph rewrite of loop rolling: each loop ``rolling.find_loops`` found, whose block
every node of has a numba form, replaced by one node applying its compiled loop.

The node takes the place of the loop's last node and binds the loop's stacks (new Vars of
shape ``(K, ...)``, read by later loops) and the original Vars of the trips read outside
(so their readers are unchanged). The loop is compiled while the graph is rewritten, by one
run on zeros of the right types: a block numba cannot type stays unrolled, never a failure
at the first real call.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np

from xformad.extend import Primitive
from xformad.ir import Graph, Node, Var

from .compiler import compiled
from .rolled_source import loop_source
from .rolling import find_loops

# what a rolled loop's call costs (the runner and numba's dispatch: measured 4.5 µs), and
# what a trip's node costs in emitted numpy code: a Python float operation or an array call
CALL_US, SCALAR_NODE_US, ARRAY_NODE_US = 4.5, 0.1, 1.0


def saves(loop) -> float:
    """The estimated microseconds a call saves by rolling ``loop`` (negative: it loses)."""
    per_trip = sum(
        SCALAR_NODE_US if all(v.shape == () for v in n.outputs) else ARRAY_NODE_US for n in loop.nodes
    )
    return per_trip * loop.trips - CALL_US


def roll(graph: Graph, min_saving_us: float = 2 * CALL_US) -> Graph:
    """``graph`` with its loops rolled (the graph itself when there is none): those whose
    rolling saves at least ``min_saving_us`` per call by ``saves``' estimate."""
    loops = find_loops(graph)
    if not loops:
        return graph
    built = _build(loops, graph.nodes, {loop for loop in loops if saves(loop) < min_saving_us})
    if not built:
        return graph
    replaced: dict = {}  # position of a loop's last node -> its node; other members -> None
    for loop, node in built.items():
        end = loop.start + loop.period * loop.trips
        for pos in range(loop.start, end):
            replaced[pos] = None
        replaced[end - 1] = node
    out = Graph()
    out.inputs, out.outputs, out.guards = list(graph.inputs), list(graph.outputs), list(graph.guards)
    out.in_tree, out.out_tree = graph.in_tree, graph.out_tree
    for pos, n in enumerate(graph.nodes):
        if pos not in replaced:
            out.nodes.append(n)
        elif replaced[pos] is not None:
            out.nodes.append(replaced[pos])
    return out


def _build(loops: list, nodes: list, skipped: set) -> dict:
    """loop -> its rolled node, for the loops that roll. A loop that does not (a node
    without a numba form, a block numba cannot type) keeps its nodes, which read the
    trips of earlier loops one by one: those loops then output these trips too, and a
    loop reading the stacks of one left unrolled is unrolled as well; repeated until
    nothing changes. ``skipped``: loops not worth rolling."""
    failed = set(skipped)
    for loop in skipped:
        _read_trip_by_trip(loop, nodes)
    built: dict = {}
    stack_vars: dict = {}  # (loop, j, o) -> the Var of that value's stack
    changed = True
    while changed:
        changed = False
        for loop in loops:
            for j, o in loop.stacks:
                if (loop, j, o) not in stack_vars:
                    v = loop.nodes[j].outputs[o]
                    stack_vars[loop, j, o] = Var((loop.trips, *v.shape), v.dtype)
        for loop in loops:
            if loop in failed:
                continue
            reads = {role[1] for roles in loop.roles for role in roles if role[0] == "stacked"}
            key = (len(loop.extracted), len(loop.stacks))
            if reads & failed:
                node = None
            elif loop in built and built[loop][0] == key:
                continue
            else:
                node = _rolled_node(loop, stack_vars)
            if node is None:
                failed.add(loop)
                built.pop(loop, None)
                _read_trip_by_trip(loop, nodes)
                changed = True
            else:
                built[loop] = (key, node)
    return {loop: node for loop, (_, node) in built.items()}


def _read_trip_by_trip(loop, nodes: list) -> None:
    """``loop`` stays unrolled: the earlier loops whose stacks it read output each trip's
    value it reads instead."""
    for roles in loop.roles:
        for role in roles:
            if role[0] != "stacked":
                continue
            _, other, jj, o, a, b = role
            have = {var for var, _, _, _ in other.extracted}
            for k in range(loop.trips):
                trip = a + b * k
                var = nodes[other.start + trip * other.period + jj].outputs[o]
                if var not in have:
                    have.add(var)
                    other.extracted.append((var, trip, jj, o))
                    if trip != other.trips - 1:
                        other.stacks.add((jj, o))


def _rolled_node(loop, stack_vars: dict) -> Node | None:
    made = loop_source(loop, stack_vars)
    if made is None:
        return None
    source, params, stacked, finals = made
    kernel = compiled(source)
    outputs = [stack_vars[loop, j, o] for j, o in stacked] + [var for var, _, _, _ in loop.extracted]
    run = _runner(kernel, loop, params, stacked, finals)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numba's performance hints on non-contiguous dots
            run(np, *(_zeros_like(atom) for kind, atom in params.slots if kind == "atom"))
    except Exception:  # numba cannot type this block: it stays unrolled
        return None
    name = f"rolled_loop_{hashlib.sha256(source.encode()).hexdigest()[:8]}"
    prim = Primitive(name, run, multiple_results=True, differentiable=False)
    prim.doc = source
    inputs = [atom for kind, atom in params.slots if kind == "atom"]
    return Node(prim, inputs, {}, outputs, origin=loop.nodes[-1].origin)


def _zeros_like(atom):
    """A stand-in of ``atom``'s type for the compiling run."""
    if type(atom) is Var:
        return np.zeros(atom.shape, atom.dtype) if atom.shape != () else atom.dtype.type(0)
    return atom.value


def _runner(kernel, loop, params, stacked: list, finals: list):
    """The rolled primitive's kernel ``run(xp, *inputs)``: scalars as Python numbers, arrays
    C-contiguous of their traced dtype (the types the compiling run used, so a call never
    meets a typing error), the constants appended in their places; the stacks and the trips' values
    read outside unpacked in the node's output order."""
    trips = loop.trips
    layout = []  # per parameter: index into the node's inputs, or ("const", value)
    count = 0
    for kind, value in params.slots:
        if kind == "atom":
            layout.append(count)
            count += 1
        else:
            layout.append(("const", value))
    converters = []  # per input: each call's value as the type the loop was compiled for
    for kind, atom in params.slots:
        if kind == "atom":
            shape = atom.shape if type(atom) is Var else np.shape(atom.value)
            dtype = atom.dtype if type(atom) is Var else np.asarray(atom.value).dtype
            if shape == ():
                converters.append({"b": bool, "i": int, "u": int}.get(dtype.kind, float))
            else:
                converters.append(lambda a, dtype=dtype: np.ascontiguousarray(a, dtype))
    position = {key: i for i, key in enumerate(stacked)}
    final_at = {key: len(stacked) + i for i, key in enumerate(finals)}
    pick = []  # per extracted value: (result index, trip or None, scalar dtype or None)
    for var, k, j, o in loop.extracted:
        scalar = var.dtype.type if var.shape == () else None
        if (j, o) in position:
            pick.append((position[j, o], k, scalar))
        else:
            pick.append((final_at[j, o], None, scalar))

    def run(xp, *args):
        values = [convert(a) for convert, a in zip(converters, args)]
        full = [values[slot] if type(slot) is int else slot[1] for slot in layout]
        results = kernel(trips, *full)
        outs = list(results[: len(stacked)])
        for index, k, scalar in pick:
            value = results[index] if k is None else results[index][k]
            if scalar is not None:
                outs.append(scalar(value))
            else:
                outs.append(np.array(value, copy=True))
        return tuple(outs)

    return run
