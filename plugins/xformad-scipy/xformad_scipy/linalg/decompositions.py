"""scipy.linalg.svd, qr, pinv and eig: scipy's own values, numpy.linalg's derivatives.

numpy.linalg has the same decompositions, and xformad differentiates them
(``xformad/primitives/linalg.py``: Townsend's SVD and QR rules, Golub and Pereyra's for
pinv, the eigenvalue-gap rules for eig, each written with numpy calls so they differentiate
again). scipy's results are not always numpy's bits (scipy's pinv cuts at
``atol + rtol * max(s)`` and multiplies differently, its qr(mode='r') keeps the zero rows
of a tall R, its eig gives a complex ``w`` always), so each function here is a primitive
whose kernel is scipy's own function, called with the caller's options (values, dtypes,
shapes and scipy's errors are scipy's, to the last bit), and whose derivative rules are
numpy.linalg's, applied to scipy's outputs (``xformad.extend.linalg_rules``).

Served: ``svd`` (every option; with ``full_matrices=True`` on a non-square matrix the
completed singular vectors have no derivative, as in np.linalg.svd), ``qr`` of a real
matrix with m >= n, ``mode='economic'``, ``'r'`` and ``'full'`` (the latter for a square
matrix), ``pinv`` of a real matrix (``atol``/``rtol`` constants), ``eig`` (``right`` either
way). Refused with LinalgError naming the option: qr's ``pivoting=True``, ``mode='raw'``,
a wide matrix, a complete Q of a tall one; pinv's ``return_rank=True`` and traced
tolerances; eig's ``b=``, ``left=True``, ``homogeneous_eigvals=True``; complex qr/pinv.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules, is_traced
from xformad.extend import linalg_rules as numpy_rules  # numpy.linalg's rules

from .arguments import any_traced, as_array, refuse, require_real
from .scipy_calls import scipy_linalg


# --- svd --------------------------------------------------------------------------------------
def _svd_kernel(xp, a, full_matrices, compute_uv, lapack_driver, check_finite):
    out = scipy_linalg("svd")(
        a,
        full_matrices=full_matrices,
        compute_uv=compute_uv,
        check_finite=check_finite,
        lapack_driver=lapack_driver,
    )
    return tuple(out) if compute_uv else (out,)


svd_p = Primitive("scipy.linalg.svd", _svd_kernel, multiple_results=True)
svd_p.def_jvp_joint(
    lambda tangents, ans, a, full_matrices, compute_uv, **_: numpy_rules.svd_jvp(
        tangents, ans, a, full_matrices, compute_uv
    )
)
svd_p.def_vjp_joint(
    lambda ct, ans, needed, a, full_matrices, compute_uv, **_: numpy_rules.svd_vjp(
        ct, ans, needed, a, full_matrices, compute_uv
    )
)


def svd_handler(
    a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True, lapack_driver="gesdd"
):
    if not any_traced(a):
        return NotImplemented
    out = svd_p.bind(
        as_array(a),
        full_matrices=bool(full_matrices),
        compute_uv=bool(compute_uv),
        lapack_driver=lapack_driver,
        check_finite=bool(check_finite),
    )
    return tuple(out) if compute_uv else out[0]


# --- qr ---------------------------------------------------------------------------------------
def _qr_kernel(xp, a, mode, lwork, check_finite):
    return tuple(scipy_linalg("qr")(a, mode=mode, lwork=lwork, check_finite=check_finite))


qr_p = Primitive("scipy.linalg.qr", _qr_kernel, multiple_results=True)  # (Q, R) or (R,)


def _reduced(a, mode, lwork, check_finite):
    """(Q, R) reduced (scipy's economic mode): the factors the rules of mode='r' need."""
    return qr_p.bind(a, mode="economic", lwork=lwork, check_finite=check_finite)


def _qr_jvp(tangents, ans, a, mode, lwork, check_finite):
    if mode != "r":
        return numpy_rules.qr_jvp(tangents, ans, a)
    _, dr = numpy_rules.qr_jvp(tangents, _reduced(a, mode, lwork, check_finite), a)
    m, n = a.shape[-2:]
    if m > n:  # scipy's R keeps the m - n zero rows of the full factorisation
        dr = np.concatenate([dr, np.zeros(dr.shape[:-2] + (m - n, n), dtype=dr.dtype)], axis=-2)
    return (dr,)


def _qr_vjp(ct, ans, needed, a, mode, lwork, check_finite):
    if mode != "r":
        return numpy_rules.qr_vjp(ct, ans, needed, a)
    n = a.shape[-1]
    ct_r = ct[0][..., :n, :]  # the zero rows' cotangent reaches nothing
    return numpy_rules.qr_vjp((None, ct_r), _reduced(a, mode, lwork, check_finite), needed, a)


qr_p.def_jvp_joint(_qr_jvp)
qr_p.def_vjp_joint(_qr_vjp)


def qr_handler(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    if not any_traced(a):
        return NotImplemented
    if pivoting:
        refuse(
            "qr",
            "pivoting=True",
            "the column permutation is piecewise constant; call qr without pivoting (on "
            "a[:, perm], perm from a constant call) or use mode='economic'",
        )
    if mode not in ("full", "economic", "r"):
        refuse("qr", f"mode={mode!r}", "use mode='economic', 'full' (square a) or 'r'")
    a = as_array(a)
    require_real("qr", a, why="its derivative rules are real-only; split real and imaginary parts")
    m, n = np.shape(a)[-2:]
    if m < n:
        refuse(
            "qr",
            f"a wide matrix (shape {np.shape(a)})",
            "factor the leading square block: q, r = qr(a[:, :m]), and the rest of R is q.T @ a[:, m:]",
        )
    if mode == "full" and m > n:
        refuse(
            "qr",
            "mode='full' on a tall matrix",
            "its extra columns of Q are not unique, so they have no derivative: use mode='economic' (or 'r')",
        )
    out = qr_p.bind(a, mode=mode, lwork=lwork, check_finite=bool(check_finite))
    return tuple(out)  # (Q, R), or (R,) for mode='r', as scipy


# --- pinv -------------------------------------------------------------------------------------
def _pinv_kernel(xp, a, atol, rtol, check_finite):
    return scipy_linalg("pinv")(a, atol=atol, rtol=rtol, check_finite=check_finite)


pinv_p = Primitive("scipy.linalg.pinv", _pinv_kernel)
pinv_p.def_jvp(lambda t, ans, a, **_: numpy_rules.pinv_jvp(t, ans, a, None, False))
pinv_p.def_vjp(lambda ct, ans, a, **_: numpy_rules.pinv_vjp(ct, ans, a, None, False))


def pinv_handler(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    if is_traced(atol) or is_traced(rtol):
        refuse(
            "pinv",
            "a traced atol or rtol",
            "they are thresholds without a derivative: pass constants",
        )
    if not any_traced(a):
        return NotImplemented
    if return_rank:
        refuse("pinv", "return_rank=True", "compute the rank separately, with constant arguments")
    a = as_array(a)
    require_real("pinv", a, why="its derivative rules are real-only; split real and imaginary parts")
    return pinv_p.bind(a, atol=atol, rtol=rtol, check_finite=bool(check_finite))


# --- eig --------------------------------------------------------------------------------------
def _eig_kernel(xp, a, vectors, check_finite):
    """scipy's eig, with the eigenvectors made complex (the same bits in the real part) so
    that numpy.linalg's rules apply; the handler takes the real part back where scipy's
    were real."""
    out = scipy_linalg("eig")(a, right=vectors, check_finite=check_finite)
    if not vectors:
        return (out,)
    w, v = out
    return w, v.astype(np.result_type(v.dtype, np.complex64), copy=False)


eig_p = Primitive("scipy.linalg.eig", _eig_kernel, multiple_results=True)
eig_p.def_jvp_joint(lambda tangents, ans, a, vectors, **_: numpy_rules.eig_jvp(tangents, ans, a, vectors))
eig_p.def_vjp_joint(lambda ct, ans, needed, a, vectors, **_: numpy_rules.eig_vjp(ct, ans, needed, a, vectors))


def eig_handler(
    a,
    b=None,
    left=False,
    right=True,
    overwrite_a=False,
    overwrite_b=False,
    check_finite=True,
    homogeneous_eigvals=False,
):
    if not any_traced(a, b):
        return NotImplemented
    if b is not None:
        refuse(
            "eig",
            "the generalized problem (b=)",
            "for an invertible b, call eig(scipy.linalg.solve(b, a))",
        )
    if left:
        refuse("eig", "left=True", "the left eigenvectors are the right ones of a.T: call eig(a.T)")
    if homogeneous_eigvals:
        refuse("eig", "homogeneous_eigvals=True", "use the eigenvalues w themselves")
    a = as_array(a)
    out = eig_p.bind(a, vectors=bool(right), check_finite=bool(check_finite))
    if not right:
        return out[0]
    w, v = out
    # scipy gives a real matrix with only real eigenvalues real eigenvectors (a guard)
    if not np.iscomplexobj(a) and bool(np.all(np.imag(w) == 0)):
        v = np.real(v)
    return w, v


PRIMITIVES = [svd_p, qr_p, pinv_p, eig_p]
for _p in PRIMITIVES:  # vmap: scipy's kernel takes one problem at a time
    _p.def_batch(batch_rules.looped)

HANDLERS = {"svd": svd_handler, "qr": qr_handler, "pinv": pinv_handler, "eig": eig_handler}
