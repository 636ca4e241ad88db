"""Forward mode: a forward sweep over a traced graph, applying JVP rules."""

from __future__ import annotations

import numpy as np

from ..tracing import Trace
from .fit import fit_to


def forward(trace: Trace, in_tangents: dict) -> dict:
    """Push tangents from input vars through the graph; returns var -> tangent."""
    tangents = dict(in_tangents)
    with np.errstate(divide="ignore", invalid="ignore"):  # singular rules are masked
        _sweep(trace.graph.nodes, trace.env, tangents)
    return tangents


def _sweep(nodes, env, tangents) -> None:
    for node in nodes:
        prim = node.primitive
        if not prim.differentiable:
            continue
        ts = [tangents.get(a) for a in node.inputs]
        if all(t is None for t in ts):
            continue
        vals = [env[a] if a in env else a.value for a in node.inputs]
        outs = node.outputs
        ans = tuple(env[v] for v in outs) if prim.multiple_results else env[outs[0]]
        if prim.jvp_joint is not None:
            result = prim.jvp_joint(ts, ans, *vals, **node.params)
        else:
            result = None
            for rule, t in zip(prim.jvp_rules, ts):
                if t is None or rule is None:
                    continue
                term = rule(t, ans, *vals, **node.params)
                if term is not None:
                    result = term if result is None else result + term
        if prim.multiple_results:
            for v, t in zip(outs, result):
                _store(tangents, v, t)
        else:
            _store(tangents, outs[0], result)


def _store(tangents: dict, var, t) -> None:
    if t is not None and var.dtype.kind in "fc":
        tangents[var] = fit_to(t, var.shape, var.dtype)
