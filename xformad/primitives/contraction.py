"""Contractions: matmul (numpy semantics, batched, 1-D cases) and einsum (explicit form;
the numpy front end turns implicit, ellipsis and sublist forms into it)."""

from __future__ import annotations

import numpy as np

from . import batch_rules, diagonal
from .core import Primitive

matmul_p = Primitive("matmul", lambda xp, a, b: xp.matmul(a, b))


# (indexing with None and .mT, not np.expand_dims and np.swapaxes: those are Python
# functions, several times the cost of the product itself for an RNN's vectors)
def _mT(x):
    try:
        return x.mT
    except AttributeError:  # an array type without it (dask's): the same axes swapped
        return np.swapaxes(x, -1, -2)


def _matmul_vjp_a(ct, ans, a, b):
    if b.ndim == 1:
        if a.ndim == 1:
            return ct * b
        return ct[..., None] * b  # (..., m, 1) * (k,)
    if a.ndim == 1:
        if b.ndim == 2 and ct.ndim == 1:
            return np.matmul(b, ct)  # one product, not an expand, a product and an index
        return np.matmul(b, ct[..., None])[..., 0]  # (..., k)
    return np.matmul(ct, _mT(b))


def _matmul_vjp_b(ct, ans, a, b):
    if a.ndim == 1:
        if b.ndim == 1:
            return ct * a
        return a[:, None] * ct[..., None, :]  # (k, 1) * (..., 1, n)
    if b.ndim == 1:
        if a.ndim == 2 and ct.ndim == 1:
            return np.matmul(ct, a)  # (m,) @ (m, k): the RNN's h = tanh(W h + x) backwards
        return np.matmul(ct[..., None, :], a)[..., 0, :]  # (..., 1, m) @ (..., m, k): (..., k)
    return np.matmul(_mT(a), ct)


matmul_p.def_jvp(lambda t, ans, a, b: np.matmul(t, b), lambda t, ans, a, b: np.matmul(a, t))
matmul_p.def_vjp(_matmul_vjp_a, _matmul_vjp_b)
matmul_p.def_emit(lambda args, params, text: f"{args[0]} @ {args[1]}")
matmul_p.def_notation("{0} @ {1}", forward=("{d} @ {b}", "{a} @ {d}"), reverse=("{d} @ {b}ᵀ", "{a}ᵀ @ {d}"))


def _einsum_kernel(xp, *ops, subscripts, optimize=False, **options):
    """numpy's einsum itself; ``optimize`` a bool, a strategy name, or a path as a tuple
    (a hashable parameter), ``options`` its dtype/order/casting when given."""
    if isinstance(optimize, tuple):
        optimize = list(optimize)
    return xp.einsum(subscripts, *ops, optimize=optimize, **options)


einsum_p = Primitive("einsum", _einsum_kernel)


def _einsum_jvp(tangents, ans, *ops, **params):
    # linear in each operand: the same contraction (and path) with one operand replaced
    total = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        args = ops[:i] + (t,) + ops[i + 1 :]
        term = einsum_p.bind(*args, **params)
        total = term if total is None else total + term
    return total


def _fresh_letters(used: str):
    import string

    return (c for c in string.ascii_letters if c not in used)


def _einsum_vjp(ct, ans, needed, *ops, subscripts, **params):
    ins, out = subscripts.split("->")
    ins = ins.split(",")
    result = []
    for i, need in enumerate(needed):
        if not need:
            result.append(None)
            continue
        target = ins[i]
        others = [s for j, s in enumerate(ins) if j != i]
        other_ops = [o for j, o in enumerate(ops) if j != i]
        unique = "".join(dict.fromkeys(target))
        available = set(out) | set("".join(others))
        present = "".join(c for c in unique if c in available)
        # another contraction: a path given for the primal does not fit it
        g = einsum_p.bind(
            ct, *other_ops, subscripts=f"{','.join([out] + others)}->{present}", optimize=len(ops) > 2
        )
        shape = np.shape(ops[i])
        sizes = {c: shape[target.index(c)] for c in unique}
        broadcast = tuple(k for k, c in enumerate(present) if sizes[c] == 1 and np.shape(g)[k] != 1)
        if broadcast:  # a size-1 axis numpy broadcast against the others ('...' of (1, n) and (m, n))
            g = np.sum(g, axis=broadcast, keepdims=True)
        if present != unique:  # letters only in this operand were summed: broadcast back
            g = np.reshape(g, tuple(sizes[c] if c in present else 1 for c in unique))
            g = np.broadcast_to(g, tuple(sizes[c] for c in unique))
        if unique != target:  # repeated letters (a diagonal): embed with identity matrices
            fresh = _fresh_letters(subscripts)
            seen = set()
            full = []
            deltas = []
            for c in target:
                if c in seen:
                    f = next(fresh)
                    full.append(f)
                    deltas.append(c + f)
                else:
                    seen.add(c)
                    full.append(c)
            eyes = [np.eye(sizes[d[0]], dtype=ct.dtype) for d in deltas]
            g = einsum_p.bind(g, *eyes, subscripts=f"{','.join([unique] + deltas)}->{''.join(full)}")
        result.append(g)
    return tuple(result)


einsum_p.def_jvp_joint(_einsum_jvp)
einsum_p.def_vjp_joint(_einsum_vjp)

matmul_p.def_batch(batch_rules.matmul)
matmul_p.def_diagonal(diagonal.matmul)
einsum_p.def_batch(batch_rules.einsum)
