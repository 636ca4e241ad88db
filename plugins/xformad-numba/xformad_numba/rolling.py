"""Loop rolling, the analysis: which runs of a traced graph are one block repeated, and how
each block's operands relate to the other blocks'. Nothing here knows about numba.

A Python ``for`` loop is unrolled by the trace: its body's nodes appear once per trip, in
order, and so do the reverse sweep's adjoint blocks (backwards). A *loop* here is a run of
``trips`` consecutive blocks of ``period`` nodes that are the same node for node (same
primitive, parameters and operand types), where each operand of a block's node is, at every
trip, one of:

- ``intra``: a value computed earlier in the same block;
- ``carry``: a value the previous block computed (the first block reads an outside value,
  the carry's initial value): ``h = tanh(W h + x_t)``;
- ``invariant``: the same outside value at every trip (``W``, a constant);
- ``stacked``: the value of an earlier loop's trip ``a + b k`` (the reverse loop reading
  the forward loop's saved carries, ``b = -1``);
- ``literals``: a different constant per trip (stacked into one array).

Integer indices of ``getitem``/``getitem_transpose`` may vary affinely with the trip
(``xs[t]``). Anything else (an operand that differs per trip and none of these; a guard on
a value inside, which a Python branch per trip records) ends the loop before that trip.
The loops are found by comparing node signatures at distance ``period`` (one vectorised
comparison per candidate period), largest coverage first.
"""

from __future__ import annotations

import numpy as np

from xformad.ir import Graph, Literal, Var

MIN_TRIPS = 4  # fewer trips are not worth a loop
MAX_PERIOD = 512  # nodes per block considered
MAX_STACKED_CONSTANTS = 1 << 20  # elements of per-trip constants stacked into one array
_INDEXED = {"getitem", "getitem_transpose"}


class Loop:
    """``trips`` blocks of ``period`` nodes from ``graph.nodes[start]``; ``roles[j][i]``:
    operand ``i`` of the block's node ``j`` (see the module docstring); ``indices[j]``: the
    affine ``(a, b)`` of each integer in node ``j``'s index spec (or None)."""

    def __init__(self, start: int, period: int, trips: int):
        self.start, self.period, self.trips = start, period, trips
        self.roles: list = []
        self.indices: list = []
        self.nodes: list = []  # the first block's nodes: the body
        self.stacks: set = set()  # (j, o) whose value every trip is saved (read per trip later)
        self.extracted: list = []  # (var, k, j, o): one trip's value read outside

    def __repr__(self) -> str:
        names = [n.primitive.name for n in self.nodes]
        return f"Loop(start={self.start}, trips={self.trips}, body={names})"


def find_loops(graph: Graph, min_trips: int = MIN_TRIPS) -> list[Loop]:
    """The loops of ``graph`` (non-overlapping, in graph order), with what reads them
    outside filled in (``stacks``, ``extracted``)."""
    nodes = graph.nodes
    if len(nodes) < 2 * min_trips:
        return []
    guarded = {g.var for g in graph.guards}
    where = {}  # var -> (position of its node, output index)
    for pos, n in enumerate(nodes):
        for o, v in enumerate(n.outputs):
            where[v] = (pos, o)
    taken = np.zeros(len(nodes), bool)
    chosen = []
    for cover, period, start, trips in _candidates(_signatures(nodes), min_trips):
        if not taken[start : start + cover].any():
            taken[start : start + cover] = True
            chosen.append((start, period, trips))
    loops: list[Loop] = []
    owner = _Owners(len(nodes))
    # in graph order: a loop reading an earlier one's trips needs that one known
    for start, period, trips in sorted(chosen):
        for loop in _validated(nodes, start, period, trips, where, owner, guarded, min_trips):
            loops.append(loop)
            owner.add(loop)
    loops.sort(key=lambda lp: lp.start)
    _outside_reads(graph, loops, where, owner)
    return loops


# -- signatures and candidate runs -------------------------------------------------------
def _freeze(value, wildcard_ints: bool = False):
    kind = type(value)
    if kind in (tuple, list):
        if wildcard_ints and len(value) == 2 and value[0] == "i" and type(value[1]) is int:
            return ("i", "#")
        return tuple(_freeze(v, wildcard_ints) for v in value)
    if kind in (int, float, bool, str, complex) or value is None:
        return (kind, repr(value))
    if isinstance(value, np.dtype):
        return value
    if kind is np.ndarray:
        return ("array", id(value))
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return (kind, value)


def _atom_type(atom):
    if type(atom) is Var:
        return atom.shape, atom.dtype
    value = atom.value
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return (value.shape, value.dtype)
    return (type(value), ())


def _signatures(nodes: list) -> np.ndarray:
    table: dict = {}
    out = np.empty(len(nodes), np.int64)
    for pos, n in enumerate(nodes):
        params = n.params
        if params:
            indexed = n.primitive.name in _INDEXED
            params = tuple(sorted((k, _freeze(v, indexed)) for k, v in params.items()))
        outs = n.outputs
        key = (
            n.primitive,
            params or None,
            (outs[0].shape, outs[0].dtype) if len(outs) == 1 else tuple((v.shape, v.dtype) for v in outs),
            tuple(map(_atom_type, n.inputs)),
        )
        out[pos] = table.setdefault(key, len(table))
    return out


def _candidates(sig: np.ndarray, min_trips: int) -> list:
    """(covered nodes, period, start, trips) of each maximal periodic run, most covered
    first (the smaller period first among equals)."""
    found = []
    n = len(sig)
    for period in range(1, min(MAX_PERIOD, n // min_trips) + 1):
        same = sig[:-period] == sig[period:]
        if not same.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate(([0], same.view(np.int8), [0]))))
        starts, ends = edges[::2], edges[1::2]
        long = ends - starts >= period * (min_trips - 1)
        for a, b in zip(starts[long].tolist(), ends[long].tolist()):
            trips = (b - a + period) // period
            found.append((trips * period, period, a, trips))
    found.sort(key=lambda c: (-c[0], c[1], c[2]))
    return found


# -- validation: the roles of every operand ------------------------------------------
def _validated(nodes, start, period, trips, where, owner, guarded, min_trips):
    """The loops a candidate run really is: each trip that breaks the pattern ends the
    loop before it, and the rest of the run is tried again after it."""
    while trips >= min_trips:
        loop = Loop(start, period, trips)
        bad = _assign_roles(loop, nodes, where, owner, guarded)
        if bad is None:
            yield loop
            return
        if bad >= min_trips:
            loop = Loop(start, period, bad)
            if _assign_roles(loop, nodes, where, owner, guarded) is None:
                yield loop
        skip = bad + 1  # the breaking trip stays unrolled; the rest is tried again
        start, trips = start + skip * period, trips - skip


def _same_constant(a, b) -> bool:
    if type(a) is not Literal or type(b) is not Literal:
        return False
    x, y = a.value, b.value
    if x is y:
        return True
    if type(x) is not type(y):
        return False
    if type(x) in (int, float, bool):
        return repr(x) == repr(y)
    if type(x) is np.ndarray or isinstance(x, np.generic):
        return x.dtype == y.dtype and np.shape(x) == np.shape(y) and np.array_equal(x, y, equal_nan=True)
    return False


def _literal_stack(atoms: list):
    values = [a.value for a in atoms]
    first = values[0]
    if type(first) in (float, int, bool):
        if not all(type(v) is type(first) for v in values):
            return None
        dtype = {float: np.float64, int: np.int64, bool: np.bool_}[type(first)]
        if dtype is np.int64 and not all(abs(v) < 2**62 for v in values):
            return None
        return np.array(values, dtype)
    if type(first) is np.ndarray or isinstance(first, np.generic):
        if np.size(first) * len(values) > MAX_STACKED_CONSTANTS:
            return None  # a large constant per trip: stacking them would copy them all
        if not all(
            (type(v) is np.ndarray or isinstance(v, np.generic))
            and v.dtype == first.dtype
            and np.shape(v) == np.shape(first)
            for v in values
        ):
            return None
        return np.stack([np.asarray(v) for v in values])
    return None


def _assign_roles(loop: Loop, nodes, where, owner, guarded):
    """Fill ``loop.roles``/``indices``; None if every trip fits, else the first trip that
    does not."""
    start, period, trips = loop.start, loop.period, loop.trips
    if trips < 3:
        return 0
    block = lambda k, j: nodes[start + k * period + j]  # noqa: E731
    loop.nodes = [block(0, j) for j in range(period)]
    bad = trips  # the first trip that breaks the pattern

    def fail(k: int) -> None:
        nonlocal bad
        bad = min(bad, k)

    for k in range(trips):
        for j in range(period):
            node = block(k, j)
            if node.primitive.effectful or any(v in guarded for v in node.outputs):
                fail(k)
    for j in range(period):
        roles = []
        for i in range(len(loop.nodes[j].inputs)):
            atoms = [block(k, j).inputs[i] for k in range(trips)]
            role, broke = _role(atoms, start, period, j, where, owner, nodes)
            roles.append(role)
            if broke is not None:
                fail(broke)
        loop.roles.append(roles)
        loop.indices.append(_affine_indices(loop, j, block, fail))
    return None if bad == trips else bad


class _Owners:
    """Which loop covers each node position: an array of loop numbers (-1: none)."""

    def __init__(self, size: int):
        self.ids = np.full(size, -1, np.int64)
        self.loops: list = []

    def add(self, loop: Loop) -> None:
        self.ids[loop.start : loop.start + loop.period * loop.trips] = len(self.loops)
        self.loops.append(loop)

    def get(self, pos: int):
        number = self.ids[pos] if pos >= 0 else -1
        return self.loops[number] if number >= 0 else None


_NOWHERE = (-1, -1)


def _first_false(ok: np.ndarray):
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else None


def _role(atoms, start, period, j, where, owner, nodes):
    """(role, first trip that does not fit it or None). Vectorised over the trips: a
    loop of 4096 trips checks each operand in a few numpy operations."""
    trips = len(atoms)
    found = [where.get(a, _NOWHERE) if type(a) is Var else _NOWHERE for a in atoms]
    pos = np.fromiter((f[0] for f in found), np.int64, trips)
    outs = np.fromiter((f[1] for f in found), np.int64, trips)
    inside = (pos >= start) & (pos < start + period * trips)
    rel = pos - start
    offset = rel // period - np.arange(trips)
    local_j = rel % period
    if inside[1]:
        off, jj, o = int(offset[1]), int(local_j[1]), int(outs[1])
        if off not in (0, -1) or (off == 0 and jj >= j):
            return None, 1
        ok = inside & (offset == off) & (local_j == jj) & (outs == o)
        if off == 0:
            bad = _first_false(ok)
            return (("intra", jj, o), None) if bad is None else (None, bad)
        ok[0] = not inside[0]  # the first trip reads the carry's initial value, from outside
        bad = _first_false(ok)
        return (("carry", jj, o, atoms[0]), None) if bad is None else (None, bad)
    if inside[0]:
        return None, 0
    first = atoms[1]
    if all(a is first or _same_constant(a, first) for a in atoms):
        return ("invariant", first), None
    if all(type(a) is Literal for a in atoms):
        stacked = _literal_stack(atoms)
        if stacked is not None:
            return ("literals", stacked), None
        return None, 1
    # values of an earlier loop's trips a + b k
    number = np.where(pos >= 0, owner.ids[np.maximum(pos, 0)], -1)
    if number[1] < 0:
        return None, 1
    other = owner.loops[number[1]]
    rel = pos - other.start
    trip, jj_of = rel // other.period, rel % other.period
    jj, o = int(jj_of[1]), int(outs[1])
    b = int(trip[2] - trip[1]) if trips > 2 else 1
    a = int(trip[1]) - b
    ok = (number == number[1]) & (jj_of == jj) & (outs == o) & (trip == a + b * np.arange(trips))
    bad = _first_false(ok)
    return (("stacked", other, jj, o, a, b), None) if bad is None else (None, bad)


def _spec_ints(node) -> list:
    spec = node.params.get("spec")
    if spec is None:
        return []
    return [entry[1] for entry in spec if len(entry) == 2 and entry[0] == "i" and type(entry[1]) is int]


def _affine_indices(loop: Loop, j: int, block, fail):
    node = loop.nodes[j]
    if node.primitive.name not in _INDEXED:
        return None
    per_trip = [_spec_ints(block(k, j)) for k in range(loop.trips)]
    if not per_trip[0]:
        return None
    out = []
    for slot in range(len(per_trip[0])):
        b = per_trip[2][slot] - per_trip[1][slot]
        a = per_trip[1][slot] - b
        for k, ints in enumerate(per_trip):
            if ints[slot] != a + b * k:
                fail(k)
                break
        out.append((a, b))
    return out


# -- what reads a loop's values from outside it --------------------------------------------
def _outside_reads(graph: Graph, loops: list, where: dict, owner: dict) -> None:
    """Each loop's ``stacks`` (read per trip by a later loop) and ``extracted`` values (one
    trip's value read by a node outside any loop, a graph output, or a later loop as an
    invariant or a carry's initial value)."""
    wanted: dict = {}  # loop -> {var: (k, j, o)}

    def want(atom) -> None:
        if type(atom) is not Var or atom not in where:
            return
        pos, o = where[atom]
        loop = owner.get(pos)
        if loop is None:
            return
        rel = pos - loop.start
        wanted.setdefault(loop, {})[atom] = (rel // loop.period, rel % loop.period, o)

    for pos, n in enumerate(graph.nodes):
        loop = owner.get(pos)
        if loop is None:
            for a in n.inputs:
                want(a)
    for a in graph.outputs:
        want(a)
    for loop in loops:
        for roles in loop.roles:
            for role in roles:
                if role[0] == "invariant":
                    want(role[1])
                elif role[0] == "carry":
                    want(role[3])
                elif role[0] == "stacked":
                    role[1].stacks.add((role[2], role[3]))
    for loop, values in wanted.items():
        for var, (k, j, o) in values.items():
            loop.extracted.append((var, k, j, o))
            if k != loop.trips - 1:
                loop.stacks.add((j, o))
