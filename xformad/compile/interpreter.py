"""The interpreted tier: a graph as a flat plan of (kernel, argument slots) run by one loop.

Emitting source and ``compile()`` cost 20-80 µs per node, more than a large program's
first calls can win back; a plan costs 3-12 µs per node to build (benchmarks/RESULTS.md,
issue 18) and nothing to compile.
Each step calls the very kernel the trace called (``Primitive.kernel_for``), on the values
the trace's operands had (literals by reference, inputs converted as ``trace_call`` does),
so the results are the trace's bit for bit by construction. Values live in a list of slots
(``env``); an array is dropped after its last read, as the emitted code deletes it, so the
plan holds no more memory than the eager sweep. Guards are checked right after the step
producing their value (``GuardFailed(k)``, k indexing ``graph.guards`` as in emitted code).

The loop costs more per step than straight-line code, and scalar programs lose the
Python-float arithmetic and the merged subexpressions of emitted code (lsq's gradient: 16 ms
a call planned, 1 ms emitted): ``jit`` graduates a signature whose calls are hot to emitted
code (``tiering.py``), reusing the graph (no re-trace).
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from ..errors import GuardFailed
from ..ir import Graph, Var
from ..transforms.call import as_input_value
from .shapes import with_shape_guards


def _guard_failed(kind: str, value, expected) -> bool:
    """The emitted tests of ``codegen._guard_lines``, as Python."""
    if kind == "bool":
        return bool(value) != expected
    if kind == "shape":
        return value.shape != tuple(expected)
    if kind == "array":
        return np.shape(value) != expected.shape or np.asarray(value).tobytes() != expected.tobytes()
    return int(value) != int(expected)


class Interpreted:
    """``graph`` prepared as a plan; calling it with the input leaves returns the tuple of
    its outputs (raw values: ``jit`` makes them the caller's types). ``graph``: the graph
    whose ``guards`` the ``GuardFailed`` indices refer to."""

    def __init__(self, graph: Graph, backend):
        self.graph = graph = with_shape_guards(graph)  # x[mask]: the traced shape is checked
        self.backend = backend
        inputs = graph.inputs
        slot = {v: i for i, v in enumerate(inputs)}
        template: list = [None] * len(inputs)  # the slots: inputs, then values and literals
        self.inputs = len(inputs)
        guards_at: dict = {}
        for k, g in enumerate(graph.guards):
            guards_at.setdefault(g.var, []).append((k, g.kind, g.expected))
        self.input_guards = [(slot[v], guards_at[v]) for v in inputs if v in guards_at]
        # One backward pass: a node is kept if something later reads, returns or guards
        # its value, or it has an effect (as ``Graph.prune``); the first read of a value
        # met going backwards is its last, where an array is dropped (the caller's inputs
        # are not ours to drop).
        seen = {a for a in graph.outputs if type(a) is Var}
        seen.update(guards_at)
        keep = set(inputs)
        kernels: dict = {}  # primitive -> its kernel on this backend, with no parameters
        steps = []
        for node in reversed(graph.nodes):
            outs = node.outputs
            prim = node.primitive
            single = len(outs) == 1
            if not (prim.effectful or (outs[0] in seen if single else any(v in seen for v in outs))):
                continue
            out_slots = []
            for v in outs:
                k = slot.get(v)
                if k is None:
                    k = slot[v] = len(template)
                    template.append(None)
                out_slots.append(k)
            # outputs nothing reads (of a multi-output or effectful node) die at once
            dead = (
                [slot[v] for v in outs if v not in seen and v.shape != ()]
                if not single or prim.effectful
                else []
            )
            args = []
            for a in node.inputs:
                if type(a) is Var:
                    k = slot.get(a)
                    if k is None:
                        k = slot[a] = len(template)
                        template.append(None)
                    if a not in seen:
                        seen.add(a)
                        if a.shape != () and a not in keep:
                            dead.append(k)
                    args.append(k)
                else:
                    args.append(len(template))
                    template.append(a.value)  # held by reference, as the trace held it
            kernel = kernels.get(prim)
            if kernel is None:
                kernel = kernels[prim] = prim.kernel_for(backend)
            fn = functools.partial(kernel, **node.params) if node.params else kernel
            n = len(args)
            # operands fetched by a C itemgetter: one value, or a tuple of them
            get = operator.itemgetter(*args) if n else _nothing
            checks = [(slot[v], guards_at[v]) for v in outs if v in guards_at] if guards_at else []
            if single and not dead and not checks and not prim.multiple_results:
                steps.append((fn, get, n == 1, out_slots[0], None))
            else:
                more = (tuple(out_slots), prim.multiple_results, checks, tuple(dead))
                steps.append((fn, get, n == 1, None, more))
        steps.reverse()
        self.steps = steps
        self.xp = backend.xp
        self.template = template
        self.outputs = [(True, slot[a]) if type(a) is Var else (False, a.value) for a in graph.outputs]
        self.nodes = len(steps)

    def __call__(self, *leaves):
        if len(leaves) != self.inputs:
            raise TypeError(f"the plan takes {self.inputs} inputs, got {len(leaves)}")
        env = self.template.copy()
        backend = self.backend
        for i, leaf in enumerate(leaves):  # as the trace took them: 2.0 -> np.float64(2.0), ...
            env[i] = as_input_value(leaf, "input", backend, check_float=False)
        for s, guards in self.input_guards:
            _check(env[s], guards)
        xp = self.xp
        for fn, get, one, out, more in self.steps:
            value = fn(xp, get(env)) if one else fn(xp, *get(env))
            if more is None:
                env[out] = value
                continue
            outs, multiple, checks, dead = more
            if multiple:
                for s, v in zip(outs, value):
                    env[s] = v
            else:
                env[outs[0]] = value
            for s, guards in checks:
                _check(env[s], guards)
            for s in dead:
                env[s] = None
        # a constant returned is a fresh array per call, as the eager path returns
        return tuple(
            env[v] if is_var else (v.copy() if isinstance(v, np.ndarray) else v) for is_var, v in self.outputs
        )


def _nothing(env) -> tuple:
    return ()


def _check(value, guards) -> None:
    for k, kind, expected in guards:
        if _guard_failed(kind, value, expected):
            raise GuardFailed(k)
