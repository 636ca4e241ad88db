"""Reverse mode: a backward sweep over a traced graph, applying VJP rules.

On concrete values it computes numbers (the eager adjoint sweep); on tracers of an outer
trace the rules record nodes there, which is how derivatives of derivatives arise.
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..ir import Var
from ..tracing import Trace, Tracer, provenance
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
    marking = provenance.trace is not None  # fixed for the sweep: rules restore it
    pop = cts.pop
    for node in reversed(nodes):
        prim = node.primitive
        outs = node.outputs
        if prim.multiple_results:
            ct = tuple(cts.pop(v, None) for v in outs)
            if all(c is None for c in ct):
                continue
            ans = tuple(env[v] for v in outs)
        else:
            ct = pop(outs[0], None)
            if ct is None:
                continue
            ans = env[outs[0]]
        if not prim.differentiable:
            pass
        elif not marking and type(ans) is not Tracer and prim.vjp_joint is None:
            _per_input_vjp(node, prim, ct, ans, env, cts, backend)  # eager: nothing to mark
        else:
            _apply_vjp_marked(node, prim, ct, ans, env, cts, backend)
        if free:
            for v in outs:
                env.pop(v, None)


def _apply_vjp_marked(node, prim, ct, ans, env, cts, backend) -> None:
    """_apply_vjp with the primal value recorded as the origin of the nodes its rules
    record (provenance for codegen's ``# Grad of:`` comments); free when not traced."""
    first = ans[0] if prim.multiple_results else ans
    if type(first) is not Tracer:
        if provenance.trace is None:
            _apply_vjp(node, prim, ct, ans, env, cts, backend)
            return
        first = None
    saved = provenance.trace
    target = first._trace if first is not None else None
    provenance.trace = target
    if target is not None:
        saved_stamp, target.stamp = target.stamp, first._var
    try:
        _apply_vjp(node, prim, ct, ans, env, cts, backend)
    finally:
        provenance.trace = saved
        if target is not None:
            target.stamp = saved_stamp


def _apply_vjp(node, prim, ct, ans, env, cts, backend) -> None:
    if prim.vjp_joint is None:
        _per_input_vjp(node, prim, ct, ans, env, cts, backend)
        return
    inputs = node.inputs
    vals = [env[a] if type(a) is Var else a.value for a in inputs]
    needed = [type(a) is Var and a.dtype.kind in "fc" for a in inputs]
    results = prim.vjp_joint(ct, ans, needed, *vals, **node.params)
    for atom, need, c in zip(inputs, needed, results):
        if need and c is not None:
            _accumulate(cts, atom, fit(c, atom))


def _per_input_vjp(node, prim, ct, ans, env, cts, backend) -> None:
    """Per-input VJP rules, each called only for an input that is a var of a floating dtype."""
    inputs = node.inputs
    params = node.params
    vals = [env[a] if type(a) is Var else a.value for a in inputs]
    rules = prim.vjp_rules if not backend.vjp_overrides else prim.vjp_rules_for(backend)
    for atom, rule in zip(inputs, rules):
        if rule is None or type(atom) is not Var:
            continue
        dtype = atom.dtype
        if dtype.kind not in "fc":
            continue
        c = rule(ct, ans, *vals, **params) if params else rule(ct, ans, *vals)
        if c is None:
            continue
        if type(c) is not np.float64 or atom.shape or dtype is not _FLOAT64:  # else it fits
            if not hasattr(c, "dtype") or c.shape != atom.shape or c.dtype != dtype:
                c = fit(c, atom)  # un-broadcast or cast only where needed
        previous = cts.get(atom)
        cts[atom] = c if previous is None else previous + c


_FLOAT64 = np.dtype(np.float64)


def _accumulate(cts: dict, atom, c) -> None:
    previous = cts.get(atom)
    cts[atom] = c if previous is None else previous + c
