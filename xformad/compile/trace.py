"""Tracing a function for compiling: every leaf of a non-static argument becomes a graph
input (as ``make_graph`` does). Integer and boolean leaves handed to plain numpy
(``np.eye(n)[labels]``) give numpy their value under a guard (``Tracer.__array__``); where
a conversion still fails, they are retried as constants and ``jit`` keys its cache on
their values."""

from __future__ import annotations

import numpy as np

from .. import backends
from ..errors import TracerConversionError
from ..ir import Literal
from ..numpy_api.draws import recording
from ..tracing import Tracer
from ..transforms.call import to_caller, trace_call, value_of
from ..tree import tree_flatten, tree_unflatten
from .scalars import ZERO_D_ARRAY_INPUTS


def is_constant_leaf(x) -> bool:
    """Integer and boolean leaves (labels, indices, masks), traced as constants when a
    program indexes a plain array with them (``np.eye(n)[labels]``), which no tracer can."""
    kind = np.dtype(getattr(x, "dtype", type(x))).kind if not isinstance(x, (bool, int)) else "i"
    return kind not in "fc"


class TracedProgram:
    """A function traced for compiling: its graph, the leaves that are its inputs, the
    caller-typed results of this call and their structure."""

    def __init__(self, graph, backend, input_leaves, results, out_tree, closes_over_tracer):
        self.graph = graph
        self.backend = backend
        self.input_leaves = input_leaves
        self.results = results
        self.out_tree = out_tree
        self.closes_over_tracer = closes_over_tracer
        self.draws: list = []  # random draws recorded as nodes (numpy_api/draws.py)
        self.written: tuple | None = None  # (argument number, how) f changed in place


def trace_for_compile(fn, args, kwargs, static=frozenset(), backend=None, *, constants=None) -> TracedProgram:
    """Trace ``fn`` with every leaf of a non-static argument as a graph input, except the
    leaves ``constants(leaf)`` marks, which stay constants of the graph."""
    args = list(args)
    dynamic = [i for i in range(len(args)) if i not in static]
    trees = [tree_flatten(args[i]) for i in dynamic]
    leaves = [x for sub, _ in trees for x in sub]
    keep = [constants is not None and constants(x) for x in leaves]
    inputs = [x for x, k in zip(leaves, keep) if not k]

    passed: list = []  # (argument number, what fn was given: its leaves, their vars, structure)

    def flat_fn(*xs):
        it = iter(xs)
        full = iter([x if k else next(it) for x, k in zip(leaves, keep)])
        call_args = list(args)
        for i, (sub, treedef) in zip(dynamic, trees):
            given = [next(full) for _ in sub]
            call_args[i] = tree_unflatten(treedef, given)
            passed.append((i, call_args[i], given, [getattr(x, "_var", None) for x in given], treedef))
        return fn(*call_args, **kwargs)

    be = backends.resolve(backend, inputs)
    with recording() as draws:  # draws from generators that outlive the call: nodes
        call = trace_call(flat_fn, inputs, {}, tuple(range(len(inputs))), be, check_float=False)
    graph = call.trace.graph
    for var, leaf in zip(graph.inputs, inputs):
        if type(leaf) is np.ndarray and leaf.ndim == 0:
            ZERO_D_ARRAY_INPUTS.add(var)
    out_leaves, out_tree = tree_flatten(call.out)
    graph.outputs = [
        x._var if type(x) is Tracer and x._trace is call.trace else Literal(x) for x in out_leaves
    ]
    graph.out_tree = out_tree
    ref = inputs[0] if inputs else None
    # the types the function returned, as an eager call returns them (not re-typed by the
    # first input's: jit(grad(f)) of a float and a 0-d array returns what grad(f) does); a
    # device holds no scalars: there the first input's type says what the caller gets
    scalars = getattr(be, "device", False)
    results = [to_caller(value_of(x, call.trace), ref, be, scalars=scalars) for x in out_leaves]
    # an output the graph holds as a constant (a gradient that does not depend on the
    # inputs, an array made inside): the caller gets its own copy, as on every later call,
    # so writing into it cannot change what the cached program returns
    results = [
        r.copy() if type(atom) is Literal and (isinstance(r, np.ndarray) or be.owns(r)) else r
        for atom, r in zip(graph.outputs, results)
    ]
    closes = any(type(r) is Tracer for r in results) or any(type(a.value) is Tracer for a in graph.literals())
    traced = TracedProgram(graph, be, inputs, results, out_tree, closes)
    traced.draws = draws
    traced.written = _written_argument(passed)
    return traced


def _written_argument(passed: list) -> tuple | None:
    """Which argument fn changed in place (``w -= g``, ``y[0] = 1``, ``log.append(v)``)
    and how, or None. A cached program computes on its inputs' values and would not
    make the change, which numpy (and an eager call) makes in the caller's objects."""
    for n, value, given, given_vars, treedef in passed:
        now, structure = tree_flatten(value)
        if structure != treedef or any(a is not b for a, b in zip(now, given)):
            return n, "an element was added, removed or replaced"
        for t, var in zip(now, given_vars):
            if type(t) is Tracer and t._var is not var:
                return n, "an array written in place: x[i] = v, x -= v, out=x"
    return None


def trace_with_fallback(fn, args, kwargs, static=frozenset(), backend=None) -> tuple[TracedProgram, bool]:
    """``trace_for_compile``, retried with integer/boolean leaves as constants when the
    function cannot take them traced; returns ``(traced, constants_used)``."""
    try:
        return trace_for_compile(fn, args, kwargs, static, backend), False
    except TracerConversionError:
        return trace_for_compile(fn, args, kwargs, static, backend, constants=is_constant_leaf), True
