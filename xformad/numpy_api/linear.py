"""Products: dot, tensordot, outer, inner, vdot, einsum, kron-free basics."""

from __future__ import annotations

import math
import operator
import string

import numpy as np

from ..primitives.contraction import einsum_p
from .dispatch import implements
from .util import as_operand, ndim_of, shape_of, standins


@implements(np.dot)
def dot(a, b, out=None):
    """numpy's dot: BLAS on vectors and matrices (the same products matmul makes), and for
    a higher-dimensional operand one dot product of a row of ``a`` and a column of ``b`` per
    element, as numpy's generic loop computes it (``_dot_per_element``)."""
    a, b = as_operand(a), as_operand(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return np.multiply(a, b)
    if na <= 2 and nb <= 2:
        return np.matmul(a, b)
    return _dot_per_element(a, b)


def _dot_per_element(a, b):
    """``np.dot(a, b)`` for ``a`` or ``b`` of more than two dimensions: numpy computes each
    element with its dtype's dot function (BLAS's ``ddot`` for float64) on one row of ``a``
    and one column of ``b``. A matmul of a (1, n) row by an (n, 1) column calls that same
    function, so here every element is such a product, broadcast over all the pairs."""
    n = shape_of(a)[-1]
    columns = np.moveaxis(b, -2, -1) if ndim_of(b) >= 2 else b  # (..., k, n) or (n,)
    lead_a, lead_b = shape_of(a)[:-1], shape_of(columns)[:-1]
    rows = np.reshape(a, lead_a + (1,) * len(lead_b) + (1, n))
    product = np.matmul(rows, np.expand_dims(columns, -1))  # (*lead_a, *lead_b, 1, 1)
    return np.reshape(product, lead_a + lead_b)


def _axes_list(axes):
    try:
        return list(axes)
    except TypeError:
        return [axes]


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    """numpy's own algorithm: the summed axes moved last in ``a`` and first in ``b``, both
    reshaped into matrices, one matrix product (numpy's dot of two matrices), reshaped."""
    a, b = as_operand(a), as_operand(b)
    try:
        iter(axes)
    except Exception:
        axes_a, axes_b = list(range(-axes, 0)), list(range(axes))
    else:
        axes_a, axes_b = axes
    axes_a, axes_b = _axes_list(axes_a), _axes_list(axes_b)
    if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
        raise ValueError("duplicate axes are not allowed in tensordot")
    as_, bs = shape_of(a), shape_of(b)
    nda, ndb = len(as_), len(bs)
    if len(axes_a) != len(axes_b) or any(as_[i] != bs[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError("shape-mismatch for sum")
    axes_a = [int(i) + nda if i < 0 else int(i) for i in axes_a]
    axes_b = [int(j) + ndb if j < 0 else int(j) for j in axes_b]
    notin_a = [k for k in range(nda) if k not in axes_a]
    notin_b = [k for k in range(ndb) if k not in axes_b]
    summed = math.prod(as_[i] for i in axes_a)
    at = np.reshape(np.transpose(a, notin_a + axes_a), (math.prod(as_[i] for i in notin_a), summed))
    bt = np.reshape(np.transpose(b, axes_b + notin_b), (summed, math.prod(bs[j] for j in notin_b)))
    return np.reshape(np.matmul(at, bt), tuple(as_[i] for i in notin_a) + tuple(bs[j] for j in notin_b))


@implements(np.outer)
def outer(a, b, out=None):
    return np.multiply(np.reshape(a, (-1, 1)), np.reshape(b, (1, -1)))


@implements(np.inner)
def inner(a, b):
    """numpy's inner: ``dot(a, b)`` with the last two axes of ``b`` swapped."""
    a, b = as_operand(a), as_operand(b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return np.multiply(a, b)
    if shape_of(a)[-1] != shape_of(b)[-1]:
        raise ValueError(
            f"shapes {shape_of(a)} and {shape_of(b)} not aligned: {shape_of(a)[-1]} "
            f"(dim {ndim_of(a) - 1}) != {shape_of(b)[-1]} (dim {ndim_of(b) - 1})"
        )
    return dot(a, np.swapaxes(b, -1, -2) if ndim_of(b) >= 2 else b)


@implements(np.vdot)
def vdot(a, b):
    """One dot product of the flattened arrays, ``a`` conjugated (BLAS's dot, as numpy)."""
    a, b = np.ravel(as_operand(a)), np.ravel(as_operand(b))
    if np.iscomplexobj(a):
        a = np.conjugate(a)
    return np.matmul(a, b)


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


@implements(np.einsum_path)
def einsum_path(*operands, optimize="greedy", einsum_call=False):
    """The contraction order depends on the shapes alone: numpy's, from stand-ins."""
    return np.einsum_path(*standins(operands), optimize=optimize, einsum_call=einsum_call)
