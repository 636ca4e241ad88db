"""scipy.linalg.cholesky, cho_factor and cho_solve.

scipy's potrf reads one triangle of ``a`` (the upper one unless ``lower``): the factor is
that of S, the symmetric matrix the triangle describes, and the derivative is taken as
the function of that triangle (the other triangle gets a zero gradient), not of a
symmetrised input. Real matrices only (the complex case is Hermitian, not holomorphic).

``cho_factor`` returns scipy's ``c`` exactly: the factor in the triangle read, and in the
other triangle ``a``'s own entries, left there by LAPACK (scipy calls them unspecified;
they are what scipy returns today), so they pass ``a``'s gradient straight through.
``cho_solve`` reads only the factor's triangle of ``c``.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from .arguments import any_traced, as_array, as_matrix_rhs, require_real
from .scipy_calls import scipy_linalg
from .structure import mT, symmetric_from_triangle, symmetric_from_triangle_transpose, triangle
from .triangular import solve_triangular


# --- cholesky: S = L L^T, returned as L (lower) or U = L^T ----------------------------
def _cholesky_kernel(xp, a, lower, check_finite):
    return scipy_linalg("cholesky")(a, lower=lower, check_finite=check_finite)


cholesky_p = Primitive("scipy.linalg.cholesky", _cholesky_kernel)


def _solve_with_l(factor, z, lower, transpose=False):
    """L^{-1} z (or L^{-T} z) from scipy's factor, whichever triangle it is in."""
    trans = int(transpose) if lower else 1 - int(transpose)
    return solve_triangular(factor, z, trans=trans, lower=lower)


def _halved_lower(x):
    """Phi: the lower triangle of x with its diagonal halved."""
    n = x.shape[-1]
    return x * (np.tri(n) - 0.5 * np.eye(n)).astype(x.dtype)


def _cholesky_jvp(t, factor, a, lower, check_finite):
    # dL = L Phi(L^{-1} dS L^{-T}) (Murray 2016), dS the symmetric tangent of the triangle
    low = factor if lower else mT(factor)
    ds = symmetric_from_triangle(t, lower)
    y = _solve_with_l(factor, ds, lower)  # L^{-1} dS
    x = _solve_with_l(factor, mT(y), lower)  # L^{-1} dS L^{-T}
    d_low = low @ _halved_lower(x)
    return d_low if lower else mT(d_low)


def _cholesky_vjp(ct, factor, a, lower, check_finite):
    # the transpose of the JVP: ct_S = L^{-T} Phi(L^T ct_L) L^{-1}, then onto the triangle
    low = factor if lower else mT(factor)
    ct_low = ct if lower else mT(ct)
    p = _halved_lower(mT(low) @ ct_low)
    s = _solve_with_l(factor, p, lower, transpose=True)  # L^{-T} P
    ct_s = mT(_solve_with_l(factor, mT(s), lower, transpose=True))  # L^{-T} P L^{-1}
    return symmetric_from_triangle_transpose(ct_s, lower)


cholesky_p.def_jvp(_cholesky_jvp)
cholesky_p.def_vjp(_cholesky_vjp)


def cholesky_handler(a, lower=False, overwrite_a=False, check_finite=True):
    if not any_traced(a):
        return NotImplemented
    a = as_array(a)
    require_real("cholesky", a)
    return cholesky_p.bind(a, lower=bool(lower), check_finite=bool(check_finite))


def cho_factor_handler(a, lower=False, overwrite_a=False, check_finite=True):
    if not any_traced(a):
        return NotImplemented
    a = as_array(a)
    require_real("cho_factor", a)
    lower = bool(lower)
    factor = cholesky_p.bind(a, lower=lower, check_finite=bool(check_finite))
    # the other triangle holds a's entries, as LAPACK leaves them in scipy's c
    return factor + triangle(a, not lower, strict=True), lower


# --- cho_solve: x = S^{-1} b with S = L L^T (lower) or U^T U, from c's triangle -------
def _cho_solve_kernel(xp, c, b, lower, check_finite):
    return scipy_linalg("cho_solve")((c, lower), b, check_finite=check_finite)


cho_solve_p = Primitive("scipy.linalg.cho_solve", _cho_solve_kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (cholesky_p, cho_solve_p):
    _p.def_batch(batch_rules.looped)


def _s_times(dc, c, x, lower):
    """dS x, where S = L L^T is built from c's triangle and dS is its change along dc."""
    d_low, low = triangle(dc, lower), triangle(c, lower)
    if not lower:  # S = U^T U: the same with L = U^T
        d_low, low = mT(d_low), mT(low)
    return d_low @ (mT(low) @ x) + low @ (mT(d_low) @ x)


def _cho_solve_jvp(tangents, x, c, b, **params):
    tc, tb = tangents
    rhs = tb
    if tc is not None:
        change = _s_times(tc, c, x, params["lower"])
        rhs = -change if rhs is None else rhs - change
    return cho_solve_p.bind(c, rhs, **params)


def _cho_solve_vjp(ct, x, needed, c, b, **params):
    lower = params["lower"]
    ct_b = cho_solve_p.bind(c, ct, **params)  # S is symmetric: S^{-T} = S^{-1}
    ct_c = None
    if needed[0]:
        outer = ct_b @ mT(x)
        both = outer + mT(outer)
        factor = triangle(c, lower)
        # <C, dL L^T + L dL^T> = <(C + C^T) L, dL>; for U: <U (C + C^T), dU>
        ct_c = -triangle(both @ factor if lower else factor @ both, lower)
    return ct_c, ct_b if needed[1] else None


cho_solve_p.def_jvp_joint(_cho_solve_jvp)
cho_solve_p.def_vjp_joint(_cho_solve_vjp)


def cho_solve_handler(c_and_lower, b, overwrite_b=False, check_finite=True):
    if not any_traced(c_and_lower, b):
        return NotImplemented
    c, lower = c_and_lower
    c, b = as_array(c), as_array(b)
    require_real("cho_solve", c, b)
    b2, squeeze = as_matrix_rhs(b)
    x = cho_solve_p.bind(c, b2, lower=bool(lower), check_finite=bool(check_finite))
    return x[..., 0] if squeeze else x


PRIMITIVES = [cholesky_p, cho_solve_p]
HANDLERS = {
    "cholesky": cholesky_handler,
    "cho_factor": cho_factor_handler,
    "cho_solve": cho_solve_handler,
}
