"""scipy.linalg.solve, inv and det, with scipy's ``assume_a`` structures.

For each structure scipy's LAPACK routine reads a part of ``a``: the matrix it solves with
is M = R(a), R the linear map ``READS`` names (all of ``a`` for 'gen'; one triangle, made
symmetric, for 'sym'/'pos'; the diagonal; three diagonals; a triangle). With
``assume_a=None`` scipy picks a solver by looking at the values, but every choice
computes a^{-1} b, so that is the function differentiated. ``transposed`` solves with M^T.
The kernels are scipy's own, so the values are scipy's; rules solve with the same
primitive. Hermitian structures ('her', 'pos') are served for real matrices only.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from .arguments import any_traced, as_array, as_matrix_rhs, require_real, square_matrix
from .scipy_calls import scipy_linalg
from .structure import (
    as_matrix_scale,
    band_mask,
    keep,
    mT,
    symmetric_from_triangle,
    symmetric_from_triangle_transpose,
    triangle,
)

# scipy's names of each structure -> what it reads
_KINDS = {
    None: "general",
    "general": "general",
    "gen": "general",
    "banded": "general",  # scipy finds the band from the values: the function is a^{-1} b
    "diagonal": "diagonal",
    "tridiagonal": "tridiagonal",
    "upper triangular": "upper",
    "lower triangular": "lower",
    "symmetric": "symmetric",
    "sym": "symmetric",
    "hermitian": "hermitian",
    "her": "hermitian",
    "positive definite": "hermitian",
    "pos": "hermitian",
}
_SYMMETRIC = ("symmetric", "hermitian")  # real hermitian = symmetric


def _read(t, kind, lower):
    """R(t): the matrix scipy solves with, for structure ``kind``."""
    n = t.shape[-1]
    if kind in _SYMMETRIC:
        return symmetric_from_triangle(t, lower)
    if kind == "diagonal":
        return keep(t, band_mask(n, 0, 0))
    if kind == "tridiagonal":
        return keep(t, band_mask(n, 1, 1))
    if kind in ("upper", "lower"):
        return triangle(t, kind == "lower")
    return t


def _read_transpose(ct, kind, lower):
    """The transpose of ``_read`` (masks are their own transposes)."""
    if kind in _SYMMETRIC:
        return symmetric_from_triangle_transpose(ct, lower)
    return _read(ct, kind, lower)


def _kind(function: str, assume_a, a) -> str:
    if assume_a not in _KINDS:
        raise ValueError(f"{assume_a} is not a recognized matrix structure")
    kind = _KINDS[assume_a]
    if kind == "hermitian":
        require_real(
            function,
            a,
            why=f"assume_a={assume_a!r} reads a Hermitian matrix, whose derivative is not "
            "holomorphic; use assume_a='gen' (or 'sym' for a complex symmetric matrix)",
        )
    return kind


# --- solve ------------------------------------------------------------------------------------
def _solve_kernel(xp, a, b, assume_a, lower, transposed, check_finite):
    solve = scipy_linalg("solve")
    return solve(a, b, assume_a=assume_a, lower=lower, transposed=transposed, check_finite=check_finite)


solve_p = Primitive("scipy.linalg.solve", _solve_kernel)


def _matrix(t, params):
    """M(t) = R(t), or R(t)^T when transposed."""
    m = _read(t, _KINDS[params["assume_a"]], params["lower"])
    return mT(m) if params["transposed"] else m


def _solve_jvp(tangents, x, a, b, **params):
    ta, tb = tangents
    rhs = tb
    if ta is not None:
        change = _matrix(ta, params) @ x
        rhs = -change if rhs is None else rhs - change
    return solve_p.bind(a, rhs, **params)


_TRANSPOSED_KIND = {"upper triangular": "lower triangular", "lower triangular": "upper triangular"}


def _solve_transposed(a, ct, params):
    """M^{-T} ct. Untransposed, M^T is the same structure read from a^T (a triangle turns
    into the other, a symmetric triangle too); scipy's transposed=True is real-only."""
    if params["transposed"]:
        return solve_p.bind(a, ct, **dict(params, transposed=False))
    assume_a = params["assume_a"]
    flipped = dict(params, assume_a=_TRANSPOSED_KIND.get(assume_a, assume_a), lower=not params["lower"])
    return solve_p.bind(mT(a), ct, **flipped)


def _solve_vjp(ct, x, needed, a, b, **params):
    ct_b = _solve_transposed(a, ct, params)
    ct_a = None
    if needed[0]:
        ct_m = -(ct_b @ mT(x))
        ct_r = mT(ct_m) if params["transposed"] else ct_m
        ct_a = _read_transpose(ct_r, _KINDS[params["assume_a"]], params["lower"])
    return ct_a, ct_b if needed[1] else None


solve_p.def_jvp_joint(_solve_jvp)
solve_p.def_vjp_joint(_solve_vjp)


def solve_handler(
    a,
    b,
    lower=False,
    overwrite_a=False,
    overwrite_b=False,
    check_finite=True,
    assume_a=None,
    transposed=False,
):
    if not any_traced(a, b):
        return NotImplemented
    a, b = as_array(a), as_array(b)
    _kind("solve", assume_a, a)
    if np.size(a) == 1:  # scipy divides by a 1x1 (or scalar) a, whatever b's first axis
        return _solve_by_scalar(a, b)
    b2, squeeze = as_matrix_rhs(b)
    x = solve_p.bind(
        a,
        b2,
        assume_a=assume_a,
        lower=bool(lower),
        transposed=bool(transposed),
        check_finite=bool(check_finite),
    )
    return x[..., 0] if squeeze else x


def _solve_by_scalar(a, b):
    a2 = np.reshape(a, (1,) * max(np.ndim(a), 2))
    if bool(np.all(a2 == 0)):
        raise np.linalg.LinAlgError("A singular matrix detected.")
    b2, squeeze = as_matrix_rhs(np.reshape(b, (1,)) if np.ndim(b) == 0 else b)
    x = b2 / a2
    return x[..., 0] if squeeze else x


# --- inv: X = M^{-1}, dX = -X dM X -------------------------------------------------------
def _inv_kernel(xp, a, assume_a, lower, check_finite):
    return scipy_linalg("inv")(a, assume_a=assume_a, lower=lower, check_finite=check_finite)


inv_p = Primitive("scipy.linalg.inv", _inv_kernel)


def _inv_jvp(t, inverse, a, assume_a, lower, check_finite):
    return -(inverse @ _read(t, _KINDS[assume_a], lower) @ inverse)


def _inv_vjp(ct, inverse, a, assume_a, lower, check_finite):
    ct_m = -(mT(inverse) @ ct @ mT(inverse))
    return _read_transpose(ct_m, _KINDS[assume_a], lower)


inv_p.def_jvp(_inv_jvp)
inv_p.def_vjp(_inv_vjp)

# inv knows fewer structure names than solve (scipy raises KeyError for the others)
_INV_STRUCTURES = (
    None,
    "general",
    "gen",
    "diagonal",
    "upper triangular",
    "lower triangular",
    "pos",
    "sym",
    "her",
)


def inv_handler(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    if not any_traced(a):
        return NotImplemented
    a = as_array(a)
    if assume_a not in _INV_STRUCTURES:
        raise KeyError(assume_a)
    _kind("inv", assume_a, a)
    square_matrix("inv", a)
    if assume_a == "diagonal":
        return _inv_diagonal(a)
    return inv_p.bind(a, assume_a=assume_a, lower=bool(lower), check_finite=bool(check_finite))


def _inv_diagonal(a):
    """scipy's inv(a, assume_a='diagonal') inverts the diagonal entries and returns the
    others unchanged (it does not zero them): that function, exactly."""
    on_diagonal = band_mask(a.shape[-1], 0, 0)
    return np.where(on_diagonal, 1 / np.where(on_diagonal, a, 1), a)


# --- det: d det = det tr(a^{-1} da) ----------------------------------------------------------
def _det_kernel(xp, a, check_finite):
    return scipy_linalg("det")(a, check_finite=check_finite)


det_p = Primitive("scipy.linalg.det", _det_kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (solve_p, inv_p, det_p):
    _p.def_batch(batch_rules.looped)


def _general_inverse(a):
    return inv_p.bind(a, assume_a="gen", lower=False, check_finite=True)


def _det_jvp(t, det, a, check_finite):
    return det * np.sum(mT(_general_inverse(a)) * t, axis=(-2, -1))


def _det_vjp(ct, det, a, check_finite):
    return as_matrix_scale(ct * det) * mT(_general_inverse(a))


det_p.def_jvp(_det_jvp)
det_p.def_vjp(_det_vjp)


def det_handler(a, overwrite_a=False, check_finite=True):
    if not any_traced(a):
        return NotImplemented
    a = as_array(a)
    square_matrix("det", a)
    return det_p.bind(a, check_finite=bool(check_finite))


PRIMITIVES = [solve_p, inv_p, det_p]
HANDLERS = {"solve": solve_handler, "inv": inv_handler, "det": det_handler}
