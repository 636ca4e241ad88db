"""Which float64 scalars may live as Python floats in emitted code.

Arithmetic on Python floats costs a fraction of a numpy-scalar operation and gives the
same IEEE result for + - * /, which is what makes scalar derivative programs (the
logistic map, the seed function) run at hand-written speed. A Python float differs from a
numpy float64 only in numpy's promotion (it is a *weak* scalar: float32_array * 2.0 stays
float32) and in raising ZeroDivisionError, so a var may hold one only when every consumer
is promotion-neutral (all operands float64) and accepts a Python float; divisions of two
Python floats make the program fall back to a strict variant if they raise.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..ir import Graph, Var
from .lines import OPERATORS, UNARY_OPERATORS, inline_f64, is_ufunc_node, promotion_safe

# inputs traced from 0-d ndarrays: numpy computes ** (and the like) on them with its array
# loops, which round differently from Python's float arithmetic; they stay arrays
ZERO_D_ARRAY_INPUTS: weakref.WeakSet = weakref.WeakSet()


def _f64_scalar(v: Var) -> bool:
    return v.shape == () and v.dtype == np.float64


def _is_arith(node) -> bool:
    return node.primitive.name in OPERATORS or node.primitive.name in UNARY_OPERATORS


def scalar_safe_product(node, backend) -> bool:
    """``safe_multiply`` of float64 scalars, written ``c * d if c or d - d == 0 else 0.0``
    (its kernel: the product, or 0 where c == 0 and the product is not finite)."""
    return (
        node.primitive.name == "safe_multiply"
        and node.primitive.name not in backend.kernels
        and _f64_scalar(node.outputs[0])
        and all(_f64_scalar(a) if type(a) is Var else inline_f64(a.value) is not None for a in node.inputs)
    )


def _zero_scalar(atom) -> bool:
    if type(atom) is Var:
        return False
    value = atom.value
    return inline_f64(value) == 0.0 or (type(value) in (int, float) and value == 0)


def masked_factors(graph: Graph) -> tuple[dict, set]:
    """The scalar ``where(equal(c, 0), 0, d)`` nodes (safe_mul's mask: a zero cotangent
    stays zero beside an infinite factor), to be written ``d if c else 0.0``: exactly what
    numpy computes for float64 scalars (NaN is truthy, and -0.0 == 0 as in np.equal).
    Returns ``({where_node: (c, d)}, {equal nodes no longer needed})``."""
    producer = {v: n for n in graph.nodes for v in n.outputs}
    uses: dict = {}
    for node in graph.nodes:
        for a in node.inputs:
            if type(a) is Var:
                uses.setdefault(a, []).append(node)
    live_out = {a for a in graph.outputs if type(a) is Var} | {g.var for g in graph.guards}
    fused = {}
    for node in graph.nodes:
        if node.primitive.name != "where" or not _f64_scalar(node.outputs[0]):
            continue
        cond, zero, value = node.inputs
        test = producer.get(cond) if type(cond) is Var else None
        if test is None or test.primitive.name != "equal" or not _zero_scalar(zero):
            continue
        c, z = test.inputs
        if type(c) is not Var or not _f64_scalar(c) or not _zero_scalar(z):
            continue
        if type(value) is Var and not _f64_scalar(value):
            continue
        if type(value) is not Var and inline_f64(value.value) is None and type(value.value) is not float:
            continue
        fused[node] = (c, value)
    skipped = set()
    for node in graph.nodes:
        if node.primitive.name == "equal" and node.outputs[0] not in live_out:
            users = uses.get(node.outputs[0], [])
            if users and all(u in fused and u.inputs[0] is node.outputs[0] for u in users):
                skipped.add(node)
    return fused, skipped


class ScalarPlan:
    """Where Python floats live: ``floats`` (vars), ``masks`` (where nodes written as
    conditional expressions) and ``skipped`` (their equal tests, folded into them)."""

    def __init__(self, floats: set, masks: dict, skipped: set, products: frozenset = frozenset()):
        self.floats = floats
        self.masks = masks
        self.skipped = skipped
        self.products = products  # safe_multiply nodes written as Python expressions


def plan_scalars(graph: Graph, backend) -> ScalarPlan:
    """The float64 scalars that may be Python floats, and the masks written in Python."""
    masks, skipped = masked_factors(graph)
    products = frozenset(n for n in graph.nodes if scalar_safe_product(n, backend))
    while True:
        floats = _python_float_vars(graph, backend, masks, skipped, products)
        unfit = [w for w in masks if w.outputs[0] not in floats]
        if not unfit:
            return ScalarPlan(floats, masks, skipped, products)
        for w in unfit:  # its result goes where a Python float may not: numpy's where then
            del masks[w]
        skipped = {e for e in skipped if all(u in masks for u in _users(graph, e.outputs[0]))}


def _users(graph: Graph, var: Var) -> list:
    return [n for n in graph.nodes if any(a is var for a in n.inputs)]


def _python_float_vars(graph: Graph, backend, masks: dict, skipped: set, products: frozenset) -> set:
    consumers: dict = {}
    for node in graph.nodes:
        if node in skipped:
            continue
        for a in node.inputs:
            if type(a) is Var:
                consumers.setdefault(a, []).append(node)
    candidates = [v for v in graph.inputs if _f64_scalar(v) and v not in ZERO_D_ARRAY_INPUTS]
    candidates += [
        n.outputs[0]
        for n in graph.nodes
        if (_is_arith(n) or n in masks or n in products) and _f64_scalar(n.outputs[0])
    ]
    node_ok: dict = {}
    floats = set()
    for v in candidates:
        ok = True
        for node in consumers.get(v, ()):
            key = id(node)
            if key not in node_ok:
                node_ok[key] = (
                    node in masks
                    or node in products
                    or ((_is_arith(node) or is_ufunc_node(node, backend)) and promotion_safe(node))
                )
            ok = node_ok[key]
            if not ok:
                break
        if ok:
            floats.add(v)
    return floats


def python_float_vars(graph: Graph, backend) -> set:
    """The float64 scalar vars (inputs and arithmetic results) that may be Python floats."""
    return plan_scalars(graph, backend).floats


def maybe_python(atom, floats: set) -> bool:
    """True when the operand may be a Python float at run time (var in ``floats`` or an
    inlined float64 constant)."""
    if type(atom) is Var:
        return atom in floats
    value = atom.value
    return type(value) in (int, float) or inline_f64(value) is not None
