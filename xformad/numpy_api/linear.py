"""Products: dot, tensordot, outer, inner, vdot, einsum, kron-free basics."""

from __future__ import annotations

import operator
import string

import numpy as np

from ..primitives.contraction import einsum_p
from .dispatch import implements
from .util import as_operand, ndim_of


@implements(np.dot)
def dot(a, b, out=None):
    a, b = as_operand(a), as_operand(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return np.multiply(a, b)
    if nb <= 2:
        return np.matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [nb - 2]))


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    a, b = as_operand(a), as_operand(b)
    na, nb = ndim_of(a), ndim_of(b)
    if isinstance(axes, (int, np.integer)):
        axes_a = list(range(na - axes, na))
        axes_b = list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [int(x) % na for x in np.atleast_1d(axes_a)]
        axes_b = [int(x) % nb for x in np.atleast_1d(axes_b)]
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(axes_a, axes_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in axes_a] + [c for j, c in enumerate(sb) if j not in axes_b]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


@implements(np.outer)
def outer(a, b, out=None):
    return np.multiply(np.reshape(a, (-1, 1)), np.reshape(b, (1, -1)))


@implements(np.inner)
def inner(a, b):
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return np.multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


@implements(np.vdot)
def vdot(a, b):
    return np.sum(np.conjugate(np.ravel(a)) * np.ravel(b))


def _explicit_subscripts(subscripts: str, operands) -> str:
    """'ij,jk' -> 'ij,jk->ik'; '...' expanded into letters not otherwise used."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:
        ins, out = subscripts, None
    terms = ins.split(",")
    unused = (c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in subscripts)
    ell_len = max(
        (ndim_of(op) - len(t.replace("...", "")) for t, op in zip(terms, operands) if "..." in t), default=0
    )
    ell = "".join(next(unused) for _ in range(ell_len))
    expanded = []
    for t, op in zip(terms, operands):
        if "..." in t:
            n = ndim_of(op) - len(t.replace("...", ""))
            t = t.replace("...", ell[ell_len - n :] if n else "")
        expanded.append(t)
    if out is None:
        counts = {}
        for c in "".join(expanded):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return ",".join(expanded) + "->" + out


# integer labels of the sublist form, as letters in the order numpy sorts them
_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _sublist_text(sublist) -> str:
    out = []
    for label in sublist:
        if label is Ellipsis:
            out.append("...")
            continue
        k = operator.index(label)
        if not 0 <= k < len(_SUBLIST_LETTERS):
            raise ValueError(f"subscript is not within the valid range [0, {len(_SUBLIST_LETTERS)})")
        out.append(_SUBLIST_LETTERS[k])
    return "".join(out)


def _from_sublists(args):
    """np.einsum(a, [0, 1], b, [1, 2], [0, 2]) -> ("AB,BC->AC", (a, b))."""
    pairs = len(args) // 2
    operands, sublists = args[0 : 2 * pairs : 2], args[1 : 2 * pairs : 2]
    subscripts = ",".join(_sublist_text(s) for s in sublists)
    if len(args) % 2:  # a trailing output sublist
        subscripts += "->" + _sublist_text(args[-1])
    return subscripts, tuple(operands)


def _optimize_param(optimize):
    """A path list (from np.einsum_path) as nested tuples: node parameters are hashable."""
    if isinstance(optimize, (list, tuple)):
        return tuple(tuple(p) if isinstance(p, (list, tuple)) else p for p in optimize)
    return optimize


@implements(np.einsum)
def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """Every form numpy takes (string, implicit output, '...', interleaved sublists) as
    one explicit contraction, computed by numpy's einsum with the caller's ``optimize``,
    ``dtype``, ``order`` and ``casting`` (``out=`` is served by dispatch)."""
    if isinstance(operands[0], str):
        subscripts, operands = operands[0], operands[1:]
    else:
        subscripts, operands = _from_sublists(operands)
    operands = tuple(as_operand(o) for o in operands)
    options = {"dtype": np.dtype(dtype)} if dtype is not None else {}
    if order != "K":
        options["order"] = order
    if casting != "safe":
        options["casting"] = casting
    return einsum_p.bind(
        *operands,
        subscripts=_explicit_subscripts(subscripts, operands),
        optimize=_optimize_param(optimize),
        **options,
    )
