"""scipy.linalg.eigh(a): S = V diag(w) V^T, S the symmetric matrix of a's triangle.

LAPACK reads one triangle of ``a`` (the lower one by default), so the derivative is that
of the function of this triangle: the other triangle gets a zero gradient. With
dS = V^T (tangent of S) V: dw = diag(dS), dV = V (F o dS), F[i, j] = 1 / (w[j] - w[i]) off
the diagonal. Eigenvector derivatives divide by eigenvalue gaps: at a repeated eigenvalue
(where the eigenvectors are not functions of ``a``) they raise UndefinedDerivativeError, as
np.linalg.eigh's; eigenvalues alone (``eigvals_only=True``) stay finite there. The kernel
is scipy's (values and eigenvector signs are scipy's). Real symmetric matrices only.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules, linalg_rules, safe_mul

from .arguments import any_traced, as_array, refuse, require_real
from .scipy_calls import scipy_linalg
from .structure import identity_like, mT, symmetric_from_triangle, symmetric_from_triangle_transpose


def _eigh_kernel(xp, a, lower, driver, check_finite):
    w, v = scipy_linalg("eigh")(a, lower=lower, driver=driver, check_finite=check_finite)
    return w, v


def _eigvalsh_kernel(xp, a, lower, driver, check_finite):
    eigh = scipy_linalg("eigh")
    return eigh(a, lower=lower, eigvals_only=True, driver=driver, check_finite=check_finite)


eigh_p = Primitive("scipy.linalg.eigh", _eigh_kernel, multiple_results=True)
eigvalsh_p = Primitive("scipy.linalg.eigh_eigvals_only", _eigvalsh_kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (eigh_p, eigvalsh_p):
    _p.def_batch(batch_rules.looped)


def _gap_inverse(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    eye = np.eye(w.shape[-1], dtype=w.dtype)
    return 1 / (w[..., None, :] - w[..., :, None] + eye) - eye


def _projected(t, v, lower):
    """V^T dS V for the tangent t of a."""
    return mT(v) @ symmetric_from_triangle(t, lower) @ v


def _eigh_jvp(tangents, ans, a, lower, driver, check_finite):
    w, v = ans
    k = _projected(tangents[0], v, lower)
    linalg_rules.refuse_tied_eigenvectors(w, k)
    return np.diagonal(k, axis1=-2, axis2=-1), v @ (_gap_inverse(w) * k)


def _eigh_vjp(ct, ans, needed, a, lower, driver, check_finite):
    w, v = ans
    ct_w, ct_v = ct
    inner = None
    if ct_w is not None:
        inner = ct_w[..., None] * identity_like(v)
    if ct_v is not None:
        coupling = mT(v) @ ct_v
        linalg_rules.refuse_tied_eigenvectors(w, coupling)  # 0/0 at equal eigenvalues
        gaps = safe_mul(coupling, _gap_inverse(w))
        inner = gaps if inner is None else inner + gaps
    return (symmetric_from_triangle_transpose(v @ inner @ mT(v), lower),)


eigh_p.def_jvp_joint(_eigh_jvp)
eigh_p.def_vjp_joint(_eigh_vjp)


def _eigenvectors(a, params):
    return eigh_p.bind(a, **params)[1]


def _eigvalsh_jvp(t, w, a, **params):
    v = _eigenvectors(a, params)
    return np.diagonal(_projected(t, v, params["lower"]), axis1=-2, axis2=-1)


def _eigvalsh_vjp(ct, w, a, **params):
    v = _eigenvectors(a, params)
    return symmetric_from_triangle_transpose((v * ct[..., None, :]) @ mT(v), params["lower"])


eigvalsh_p.def_jvp(_eigvalsh_jvp)
eigvalsh_p.def_vjp(_eigvalsh_vjp)


def eigh_handler(
    a,
    b=None,
    *,
    lower=True,
    eigvals_only=False,
    overwrite_a=False,
    overwrite_b=False,
    type=1,
    check_finite=True,
    subset_by_index=None,
    subset_by_value=None,
    driver=None,
):
    if not any_traced(a, b):
        return NotImplemented
    if b is not None:
        refuse(
            "eigh",
            "the generalized problem (b=)",
            "solve it as eigh(L^{-1} a L^{-T}) with L = cholesky(b, lower=True)",
        )
    if subset_by_index is not None or subset_by_value is not None:
        refuse(
            "eigh",
            "subset_by_index= / subset_by_value=",
            "compute all eigenpairs and index the result (w[lo:hi + 1], v[:, lo:hi + 1])",
        )
    a = as_array(a)
    require_real(
        "eigh",
        a,
        why="a complex Hermitian matrix has no holomorphic eigendecomposition; use a real symmetric one",
    )
    params = dict(lower=bool(lower), driver=driver, check_finite=bool(check_finite))
    if eigvals_only:
        return eigvalsh_p.bind(a, **params)
    w, v = eigh_p.bind(a, **params)
    return w, v


PRIMITIVES = [eigh_p, eigvalsh_p]
HANDLERS = {"eigh": eigh_handler}
