"""Reverse mode: a backward sweep over a traced graph, applying VJP rules.

On concrete values it computes numbers (the eager adjoint sweep); on tracers of an outer
trace the rules record nodes there, which is how derivatives of derivatives arise.
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..tracing import Trace
from .fit import fit


def backward(trace: Trace, out_cts: dict, *, free: bool = False) -> dict:
    """Propagate cotangents from output vars to every var; returns var -> cotangent.

    ``free`` drops each primal value as soon as the sweep has passed its producer, so
    the peak memory of a one-shot gradient falls as the sweep proceeds.
    """
    env = trace.env
    cts = dict(out_cts)
    backend = backends.active()
    with np.errstate(divide="ignore", invalid="ignore"):  # singular rules are masked
        _sweep(trace.graph.nodes, env, cts, backend, free)
    return cts


def _sweep(nodes, env, cts, backend, free) -> None:
    for node in reversed(nodes):
        prim = node.primitive
        outs = node.outputs
        if prim.multiple_results:
            ct = tuple(cts.pop(v, None) for v in outs)
            if all(c is None for c in ct):
                continue
            ans = tuple(env[v] for v in outs)
        else:
            ct = cts.pop(outs[0], None)
            if ct is None:
                continue
            ans = env[outs[0]]
        if prim.differentiable:
            _apply_vjp(node, prim, ct, ans, env, cts, backend)
        if free:
            for v in outs:
                env.pop(v, None)


def _apply_vjp(node, prim, ct, ans, env, cts, backend) -> None:
    inputs = node.inputs
    vals = [env[a] if a in env else a.value for a in inputs]
    needed = [hasattr(a, "dtype") and a.dtype.kind in "fc" for a in inputs]
    if prim.vjp_joint is not None:
        results = prim.vjp_joint(ct, ans, needed, *vals, **node.params)
    else:
        rules = prim.vjp_rules_for(backend)
        results = [
            rules[i](ct, ans, *vals, **node.params) if need and rules[i] is not None else None
            for i, need in enumerate(needed)
        ]
    for atom, need, c in zip(inputs, needed, results):
        if c is None or not need:
            continue
        c = fit(c, atom)
        previous = cts.get(atom)
        cts[atom] = c if previous is None else previous + c
