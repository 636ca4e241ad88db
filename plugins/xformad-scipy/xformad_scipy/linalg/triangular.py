"""scipy.linalg.solve_triangular: x = op(T)^{-1} b, T the triangle of ``a`` scipy reads.

T is the lower (or upper) triangle of ``a``; with ``unit_diagonal`` its diagonal is taken
as ones and ``a``'s diagonal is not read. op is the identity (trans=0) or the transpose
(trans=1). The derivative is that of this function: entries scipy does not read get a
zero gradient. trans=2 ('C') is trans=1 of conj(a) (the same LAPACK arithmetic), so the
primitive itself only knows 0 and 1.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from .arguments import any_traced, as_array, as_matrix_rhs, refuse
from .scipy_calls import scipy_linalg
from .structure import mT, triangle


def _kernel(xp, a, b, trans, lower, unit_diagonal, check_finite):
    solve = scipy_linalg("solve_triangular")
    return solve(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=check_finite)


solve_triangular_p = Primitive("scipy.linalg.solve_triangular", _kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (solve_triangular_p,):
    _p.def_batch(batch_rules.looped)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, check_finite=True):
    """The primitive on a matrix right-hand side (b of shape (..., n, k))."""
    return solve_triangular_p.bind(
        a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=check_finite
    )


def _read(t, params):
    """The part of ``t`` the solve reads: its triangle, less the diagonal if unit."""
    return triangle(t, params["lower"], strict=params["unit_diagonal"])


def _op(m, params):
    return mT(m) if params["trans"] else m


def _jvp(tangents, x, a, b, **params):
    # dx = op(T)^{-1} (db - op(dT) x): one solve for both inputs' shares
    ta, tb = tangents
    rhs = tb
    if ta is not None:
        change = _op(_read(ta, params), params) @ x
        rhs = -change if rhs is None else rhs - change
    return solve_triangular_p.bind(a, rhs, **params)


def _vjp(ct, x, needed, a, b, **params):
    # ct_b = op(T)^{-T} ct (the other trans); ct_a = read(op^T(-ct_b x^T))
    ct_b = solve_triangular_p.bind(a, ct, **dict(params, trans=1 - params["trans"]))
    ct_a = None
    if needed[0]:
        outer = -(ct_b @ mT(x))
        ct_a = _read(_op(outer, params), params)
    return ct_a, ct_b if needed[1] else None


solve_triangular_p.def_jvp_joint(_jvp)
solve_triangular_p.def_vjp_joint(_vjp)

PRIMITIVES = [solve_triangular_p]


_TRANS = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}


def solve_triangular_handler(
    a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True
):
    if not any_traced(a, b):
        return NotImplemented
    if trans not in _TRANS:  # scipy computes something that depends on a's memory layout
        refuse("solve_triangular", f"trans={trans!r}", "use 0, 1, 2, 'N', 'T' or 'C'")
    a, b = as_array(a), as_array(b)
    code = _TRANS[trans]
    if code == 2:  # conjugate transpose: the transpose of conj(a) (conj is exact)
        code = 1
        if np.iscomplexobj(a):
            a = np.conj(a)
    b2, squeeze = as_matrix_rhs(b)
    x = solve_triangular(a, b2, code, bool(lower), bool(unit_diagonal), bool(check_finite))
    return x[..., 0] if squeeze else x


HANDLERS = {"solve_triangular": solve_triangular_handler}
