"""scipy.linalg.lu_factor and lu_solve.

lu_factor(a) = (lu, piv): LAPACK's row swaps ``piv`` (row i was swapped with row piv[i],
in order) take ``a`` to ``a[perm] = L U``, L unit lower (lu's strict lower triangle) and
U upper (lu's upper triangle). With the pivots fixed (they change only where two
candidate pivots tie), dL and dU come from L^{-1} P dA U^{-1} split into its strict lower
and upper parts. lu_solve reads L and U out of ``lu`` and applies the same swaps. ``piv``
is an integer array: it has no derivative, and rules read it at run time (a compiled
program stays right when the pivots change).
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from ..errors import LinalgError
from .arguments import any_traced, as_array, as_matrix_rhs
from .scipy_calls import scipy_linalg
from .structure import identity_like, mT, triangle
from .triangular import solve_triangular


# --- the row permutation piv stands for --------------------------------------------------
def _permutation(piv):
    """perm with a[perm] = the rows of a after LAPACK's swaps (batched over piv's axes)."""
    piv = np.asarray(piv)
    perm = np.broadcast_to(np.arange(piv.shape[-1]), piv.shape).copy()
    for i in range(piv.shape[-1]):
        target = piv[..., i : i + 1]
        here = perm[..., i : i + 1].copy()
        perm[..., i : i + 1] = np.take_along_axis(perm, target, axis=-1)
        np.put_along_axis(perm, target, here, axis=-1)
    return perm


def _permute_kernel(xp, x, piv, inverse):
    perm = _permutation(piv)
    if inverse:
        perm = np.argsort(perm, axis=-1)
    batch = np.broadcast_shapes(x.shape[:-2], perm.shape[:-1])
    x = np.broadcast_to(x, batch + x.shape[-2:])
    index = np.broadcast_to(perm, batch + perm.shape[-1:])[..., None]
    return np.take_along_axis(x, index, axis=-2)


# permute_rows(x, piv, inverse=False) = x[perm] (P x); inverse=True: x[perm^{-1}] (P^T x)
permute_rows_p = Primitive("scipy.linalg.lu_permute_rows", _permute_kernel)
permute_rows_p.def_jvp(lambda t, ans, x, piv, inverse: permute_rows_p.bind(t, piv, inverse=inverse), None)
permute_rows_p.def_vjp(
    lambda ct, ans, x, piv, inverse: permute_rows_p.bind(ct, piv, inverse=not inverse), None
)


def _permute(x, piv, inverse=False):
    return permute_rows_p.bind(x, piv, inverse=inverse)


def _factors(lu):
    """(L, U) read out of lu: L unit lower, U upper."""
    return triangle(lu, lower=True, strict=True) + identity_like(lu), triangle(lu, lower=False)


# --- lu_factor ------------------------------------------------------------------------------
def _lu_factor_kernel(xp, a, check_finite):
    lu, piv = scipy_linalg("lu_factor")(a, check_finite=check_finite)
    return lu, piv


lu_factor_p = Primitive("scipy.linalg.lu_factor", _lu_factor_kernel, multiple_results=True)


def _lu_factor_jvp(tangents, ans, a, check_finite):
    lu, piv = ans
    low, up = _factors(lu)
    y = solve_triangular(lu, _permute(tangents[0], piv), lower=True, unit_diagonal=True)  # L^{-1} P dA
    x = mT(solve_triangular(lu, mT(y), trans=1))  # L^{-1} P dA U^{-1}
    d_lu = low @ triangle(x, lower=True, strict=True) + triangle(x, lower=False) @ up
    return d_lu, None


def _lu_factor_vjp(ct, ans, needed, a, check_finite):
    lu, piv = ans
    ct_lu = ct[0]
    if ct_lu is None:
        return (None,)
    low, up = _factors(lu)
    ct_x = triangle(mT(low) @ ct_lu, lower=True, strict=True) + triangle(ct_lu @ mT(up), lower=False)
    z = solve_triangular(lu, ct_x, trans=1, lower=True, unit_diagonal=True)  # L^{-T} ct_X
    w = mT(solve_triangular(lu, mT(z)))  # L^{-T} ct_X U^{-T}
    return (_permute(w, piv, inverse=True),)


lu_factor_p.def_jvp_joint(_lu_factor_jvp)
lu_factor_p.def_vjp_joint(_lu_factor_vjp)


def lu_factor_handler(a, overwrite_a=False, check_finite=True):
    if not any_traced(a):
        return NotImplemented
    a = as_array(a)
    shape = np.shape(a)
    if len(shape) == 2 and shape[0] != shape[1]:
        raise LinalgError(
            f"scipy.linalg.lu_factor: the derivative is served for square matrices only (got "
            f"shape {shape}); use scipy.linalg.qr or np.linalg.svd for a rectangular matrix"
        )
    lu, piv = lu_factor_p.bind(a, check_finite=bool(check_finite))
    return lu, piv


# --- lu_solve: a x = b (trans=0) or a^T x = b (trans=1), a[perm] = L U -------------------
def _lu_solve_kernel(xp, lu, piv, b, trans, check_finite):
    return scipy_linalg("lu_solve")((lu, piv), b, trans=trans, check_finite=check_finite)


lu_solve_p = Primitive("scipy.linalg.lu_solve", _lu_solve_kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (permute_rows_p, lu_factor_p, lu_solve_p):
    _p.def_batch(batch_rules.looped)


def _lu_solve_jvp(tangents, x, lu, piv, b, trans, check_finite):
    t_lu, _, tb = tangents
    rhs = tb
    if t_lu is not None:
        low, up = _factors(lu)
        d_low, d_up = triangle(t_lu, lower=True, strict=True), triangle(t_lu, lower=False)
        if trans == 0:  # d(a) x = P^T (dL U + L dU) x
            change = _permute(d_low @ (up @ x) + low @ (d_up @ x), piv, inverse=True)
        else:  # d(a)^T x = (U^T dL^T + dU^T L^T) P x
            px = _permute(x, piv)
            change = mT(up) @ (mT(d_low) @ px) + mT(d_up) @ (mT(low) @ px)
        rhs = -change if rhs is None else rhs - change
    return lu_solve_p.bind(lu, piv, rhs, trans=trans, check_finite=check_finite)


def _lu_solve_vjp(ct, x, needed, lu, piv, b, trans, check_finite):
    ct_b = lu_solve_p.bind(lu, piv, ct, trans=1 - trans, check_finite=check_finite)
    ct_lu = None
    if needed[0]:
        ct_a = -(ct_b @ mT(x)) if trans == 0 else -(x @ mT(ct_b))
        ct_n = _permute(ct_a, piv)  # the cotangent of L U = a[perm]
        low, up = _factors(lu)
        ct_lu = triangle(ct_n @ mT(up), lower=True, strict=True) + triangle(mT(low) @ ct_n, lower=False)
    return ct_lu, None, ct_b if needed[2] else None


lu_solve_p.def_jvp_joint(_lu_solve_jvp)
lu_solve_p.def_vjp_joint(_lu_solve_vjp)


def lu_solve_handler(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    if not any_traced(lu_and_piv, b):
        return NotImplemented
    lu, piv = lu_and_piv
    lu, b = as_array(lu), as_array(b)
    if trans not in (0, 1, 2):  # scipy's getrs takes these integers only (and raises too)
        raise ValueError(f"scipy.linalg.lu_solve: trans must be 0, 1 or 2, not {trans!r}")
    code = int(trans)
    if code == 2:  # a^H x = b is conj(a)^T x = b, and conj(a)[perm] = conj(L) conj(U)
        code = 1
        if np.iscomplexobj(lu):
            lu = np.conj(lu)
    b2, squeeze = as_matrix_rhs(b)
    x = lu_solve_p.bind(lu, piv, b2, trans=code, check_finite=bool(check_finite))
    return x[..., 0] if squeeze else x


PRIMITIVES = [permute_rows_p, lu_factor_p, lu_solve_p]
HANDLERS = {"lu_factor": lu_factor_handler, "lu_solve": lu_solve_handler}
