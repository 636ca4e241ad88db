"""Running a Graph on a backend: topological order, each buffer freed after its last use,
constants placed on the device once per compiled program, guards checked as they come
(the recorded ones, and the traced shapes of value-dependent results: x[mask], np.nonzero)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backends
from .compile.shapes import shape_guards
from .errors import GuardFailed, XformadError
from .ir import Graph, Var


def check_guard(kind: str, value: Any, expected: Any) -> bool:
    if kind == "bool":
        return bool(value) == expected
    if kind == "shape":  # a value-dependent result (x[mask], np.nonzero): see compile/shapes.py
        return tuple(value.shape) == expected
    if kind == "array":  # a value Python code looked at (Tracer.observed)
        return np.shape(value) == expected.shape and np.asarray(value).tobytes() == expected.tobytes()
    return int(value) == expected


class Plan:
    """A graph prepared for repeated runs on one backend: liveness and placed constants."""

    def __init__(self, graph: Graph, backend):
        self.graph = graph
        self.backend = backend
        last = graph.last_uses()
        self.frees = [[] for _ in graph.nodes]
        for var, i in last.items():
            if i < len(graph.nodes):
                self.frees[i].append(var)
        self.guards_at: dict = {}
        for guard in graph.guards + shape_guards(graph):
            self.guards_at.setdefault(guard.var, []).append(guard)
        self.constants = {}  # id(Literal) -> value on the device
        for node in graph.nodes:
            for a in node.inputs:
                if not isinstance(a, Var):
                    self.constants[id(a)] = _place(a.value, backend)

    def run(self, inputs: Sequence, *, check_guards: bool = True) -> list:
        graph = self.graph
        if len(inputs) != len(graph.inputs):
            raise XformadError(f"the graph takes {len(graph.inputs)} inputs, got {len(inputs)}")
        env: dict = {}
        for var, x in zip(graph.inputs, inputs):
            env[var] = _place(x, self.backend)
        if check_guards:
            self._check(graph.inputs, env)
        constants = self.constants
        with backends.using(self.backend):
            for node, frees in zip(graph.nodes, self.frees):
                args = [env[a] if isinstance(a, Var) else constants[id(a)] for a in node.inputs]
                out = node.primitive.impl(*args, **node.params)
                if node.primitive.multiple_results:
                    for v, o in zip(node.outputs, out):
                        env[v] = o
                else:
                    env[node.outputs[0]] = out
                if check_guards and self.guards_at:
                    self._check(node.outputs, env)
                for v in frees:
                    env.pop(v, None)
        return [env[a] if isinstance(a, Var) else a.value for a in graph.outputs]

    def _check(self, produced, env) -> None:
        for var in produced:
            for guard in self.guards_at.get(var, ()):
                if not check_guard(guard.kind, env[var], guard.expected):
                    if guard.kind == "shape":
                        raise GuardFailed(
                            f"guard shape(...) == {guard.expected!r} failed: a value-dependent "
                            f"result (x[mask], np.nonzero, np.unique) has shape {tuple(env[var].shape)} "
                            "for these inputs"
                        )
                    raise GuardFailed(
                        f"guard {guard.kind}(...) == {guard.expected!r} failed: the inputs take "
                        "another branch of the program's Python control flow"
                    )


def _place(value: Any, backend) -> Any:
    """``value`` on ``backend``: host arrays are copied to a device backend (counted there)."""
    if not backend.device or backend.owns(value) or not hasattr(value, "shape"):
        return value
    return backend.to_device(value)


def run(graph: Graph, inputs: Sequence, backend: str | None = None) -> list:
    """Evaluate ``graph`` on ``inputs`` (a list of arrays, one per graph input)."""
    be = backends.resolve(backend, list(inputs))
    return Plan(graph, be).run(inputs)
