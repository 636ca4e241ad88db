"""np.roots (the companion matrix's eigenvalues) and np.poly (a product of linear factors)
on traced values, as numpy computes them, so both differentiate."""

from __future__ import annotations

import numpy as np

from ..primitives.elementwise import stop_gradient_p
from ..primitives.rules import safe_mul
from .dispatch import implements
from .indexing import setitem
from .util import as_operand, is_tracer, shape_of


@implements(np.roots)
def roots(p):
    p = np.atleast_1d(as_operand(p))
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    nonzero = np.flatnonzero(p)  # which coefficients are zero: a guard under jit
    if shape_of(nonzero)[0] == 0:
        return np.array([])
    first, last = int(nonzero[0]), int(nonzero[-1])
    trailing_zeros = shape_of(p)[0] - last - 1  # roots at 0
    full = p[first:]
    p = p[first : last + 1]
    if p.dtype.kind not in "fc":
        p = p.astype(float)
    n = shape_of(p)[0]
    if n > 1:
        companion = setitem(np.diag(np.ones(n - 2, p.dtype), -1), (0, slice(None)), -p[1:] / p[0])
        found = np.linalg.eigvals(companion)
    else:
        found = np.array([])
    found = np.concatenate([found, np.zeros(trailing_zeros, found.dtype)])
    if trailing_zeros == 1 and is_tracer(full):
        found = found + _constant_term_slope(full, found)
    return found


def _constant_term_slope(p, found):
    """numpy strips a zero constant term and appends the root 0, so the roots do not read
    that coefficient; they do move with it (dr/dc = -1/p'(r), the implicit function
    theorem at a simple root): added as that slope times (c - c), which is 0 in value."""
    c = p[-1]
    moved = c - stop_gradient_p.bind(c)  # 0, with derivative 1 in c
    slope = -1 / np.polyval(np.polyder(p), found)
    return safe_mul(np.broadcast_to(moved, shape_of(found)).astype(found.dtype), slope)


@implements(np.poly)
def poly(seq_of_zeros):
    zeros = np.atleast_1d(as_operand(seq_of_zeros))
    shape = shape_of(zeros)
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        zeros = np.linalg.eigvals(zeros)
    elif len(shape) == 1:
        zeros = zeros.astype(np.mintypecode(zeros.dtype.char))
    else:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if shape_of(zeros)[0] == 0:
        return 1.0
    dtype = zeros.dtype
    coefficients = np.ones((1,), dtype=dtype)
    for k in range(shape_of(zeros)[0]):
        factor = np.stack([np.ones((), dtype), -zeros[k].astype(dtype)])
        coefficients = np.convolve(coefficients, factor, mode="full")
    if coefficients.dtype.kind == "c":  # conjugate pairs of roots: real coefficients
        as_complex = zeros.astype(complex)
        if np.all(np.sort(as_complex) == np.sort(np.conjugate(as_complex))):
            coefficients = np.real(coefficients).copy()
    return coefficients
