"""Linear-algebra primitives: solve, det, slogdet, cholesky, eigh, svd, qr and pinv.

Each acts on the last two axes, with leading batch axes, as ``numpy.linalg`` does; the
rest of ``numpy.linalg`` (inv, lstsq, norms, matrix_power, ...) is lowered onto these in
``numpy_api/linalg.py``. The rules follow Giles (2008), "Collected matrix derivative
results", in the structure JAX uses, and are written in numpy calls so they differentiate
again. Conventions (docs/linalg_fft.md):

- solve, det, slogdet are complex-capable; a VJP is the transpose of the JVP, with no
  conjugation (JAX and autograd's convention).
- cholesky and eigh read one triangle of a symmetric matrix; their derivatives are taken
  with respect to a symmetric input (the tangent and the cotangent are symmetrised), as in
  JAX, autograd and PyTorch. cholesky, eigh, svd, qr and pinv are real-only.
- eigenvector and singular-vector derivatives divide by eigenvalue / singular-value gaps,
  so they are undefined for repeated values; value-only uses (eigvalsh, svdvals, norms)
  stay finite there.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperation
from ..tracing import concrete
from .core import Primitive
from .rules import device_constant, safe_mul


# --- helpers, all batched over leading axes --------------------------------------------
def _mT(x):
    return np.swapaxes(x, -1, -2)


def _sym(x):
    return (x + _mT(x)) / 2


def _constant(value, like):
    """A numpy constant of ``like``'s dtype, placed beside it (on the device if it is)."""
    return device_constant(value.astype(like.dtype), like)


def _eye(like):
    """The identity matching the last axis of ``like``."""
    return _constant(np.eye(like.shape[-1]), like)


def _diag_part(x):
    return np.sum(x * _eye(x), axis=-1)


def _diag_matrix(v):
    return np.expand_dims(v, -1) * _eye(v)


def _trace(x):
    return np.sum(_diag_part(x), axis=-1)


def _as_matrix_scale(c):
    """A per-matrix scalar (shape batch) reshaped to broadcast against (batch, n, n)."""
    return np.reshape(c, np.shape(c) + (1, 1))


def _strictly_lower(x):
    n = x.shape[-1]
    return x * _constant(np.tri(n, n, -1), x)


def _gap_inverse(w):
    """F[..., i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (inf for repeated w)."""
    eye = _eye(w)
    return 1 / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye) - eye


def _real_only(x, name: str) -> None:
    if np.iscomplexobj(x):
        raise UnsupportedOperation(
            name,
            "its derivative is implemented for real matrices only; split a complex problem "
            "into real and imaginary parts, or use solve/inv/det, which accept complex input",
        )


# --- solve: x = a^{-1} b, b of shape (..., n, k) -----------------------------------------
def _solve_kernel(xp, a, b):
    # equal batch axes up front: cupy, like numpy 1.x, reads a b of one axis fewer than a
    # as a stack of vectors; numpy 2 broadcasts, with the same result
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if a.shape[:-2] != batch:
        a = xp.broadcast_to(a, batch + a.shape[-2:])
    if b.shape[:-2] != batch:
        b = xp.broadcast_to(b, batch + b.shape[-2:])
    return xp.linalg.solve(a, b)


solve_p = Primitive("solve", _solve_kernel)


def _solve(a, b):
    return solve_p.bind(a, b)


def _solve_jvp(tangents, ans, a, b):
    ta, tb = tangents
    if ta is None:
        return _solve(a, tb)
    rhs = -(ta @ ans) if tb is None else tb - ta @ ans
    return _solve(a, rhs)


def _solve_vjp(ct, ans, needed, a, b):
    ct_b = _solve(_mT(a), ct)
    ct_a = -(ct_b @ _mT(ans)) if needed[0] else None
    return ct_a, ct_b if needed[1] else None


solve_p.def_jvp_joint(_solve_jvp)
solve_p.def_vjp_joint(_solve_vjp)


def _inverse_transpose(a):
    """a^{-T}, by one solve against the identity."""
    return _solve(_mT(a), _eye(a))


# --- det and slogdet: d log det a = tr(a^{-1} da) ----------------------------------------
det_p = Primitive("det", lambda xp, a: xp.linalg.det(a))
det_p.def_jvp(lambda t, ans, a: ans * _trace(_solve(a, t)))
det_p.def_vjp(lambda ct, ans, a: _as_matrix_scale(ct * ans) * _inverse_transpose(a))


def _slogdet_kernel(xp, a):
    sign, logabsdet = xp.linalg.slogdet(a)
    return sign, logabsdet


slogdet_p = Primitive("slogdet", _slogdet_kernel, multiple_results=True)


def _slogdet_jvp(tangents, ans, a):
    sign = ans[0]
    g = _trace(_solve(a, tangents[0]))
    if np.iscomplexobj(g):  # the phase turns by Im g, the modulus grows by Re g
        return sign * np.imag(g) * 1j, np.real(g)  # (numpy scalars first: 1j * x is a Python complex)
    return None, g  # a real sign is piecewise constant


def _slogdet_vjp(ct, ans, needed, a):
    ct_sign, ct_logabsdet = ct
    sign = ans[0]
    weight = ct_logabsdet
    if ct_sign is not None and np.iscomplexobj(sign):
        # transpose of t -> sign * i * Im(g(t)): Re(u * sign * i) paired with -i g
        phase = np.real(ct_sign * sign * 1j) * -1j
        weight = phase if weight is None else weight + phase
    if weight is None:
        return (None,)
    return (_as_matrix_scale(weight) * _inverse_transpose(a),)


slogdet_p.def_jvp_joint(_slogdet_jvp)
slogdet_p.def_vjp_joint(_slogdet_vjp)


# --- cholesky: a = L L^T, L lower ---------------------------------------------------------
cholesky_p = Primitive("cholesky", lambda xp, a: xp.linalg.cholesky(a))


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    n = x.shape[-1]
    return x * _constant(np.tri(n) - 0.5 * np.eye(n), x)


def _cholesky_jvp(t, ans, a):
    _real_only(a, "np.linalg.cholesky")
    low = ans
    x = _solve(low, _sym(t))  # L^{-1} dA
    x = _solve(low, _mT(x))  # L^{-1} dA L^{-T} (dA symmetric)
    return low @ _phi(x)


def _cholesky_vjp(ct, ans, a):
    _real_only(a, "np.linalg.cholesky")
    low_t = _mT(ans)
    s = _solve(low_t, _phi(low_t @ ct))  # L^{-T} P
    s = _solve(low_t, _mT(s))  # L^{-T} P^T L^{-1}: the transpose of what we want, then sym
    return _sym(s)


cholesky_p.def_jvp(_cholesky_jvp)
cholesky_p.def_vjp(_cholesky_vjp)


# --- eigh: a = V diag(w) V^T, w ascending -------------------------------------------------
def _eigh_kernel(xp, a, UPLO):
    w, v = xp.linalg.eigh(a, UPLO=UPLO)
    return w, v


eigh_p = Primitive("eigh", _eigh_kernel, multiple_results=True)


def _eigh_jvp(tangents, ans, a, UPLO):
    _real_only(a, "np.linalg.eigh")
    w, v = ans
    vdav = _mT(v) @ _sym(tangents[0]) @ v
    return _diag_part(vdav), v @ (_gap_inverse(w) * vdav)


def _eigh_vjp(ct, ans, needed, a, UPLO):
    _real_only(a, "np.linalg.eigh")
    w, v = ans
    ct_w, ct_v = ct
    inner = None
    if ct_w is not None:
        inner = _diag_matrix(ct_w)
    if ct_v is not None:  # only the eigenvectors see the gaps: eigvalsh stays finite
        gaps = safe_mul(_mT(v) @ ct_v, _gap_inverse(w))
        inner = gaps if inner is None else inner + gaps
    return (_sym(v @ inner @ _mT(v)),)


eigh_p.def_jvp_joint(_eigh_jvp)
eigh_p.def_vjp_joint(_eigh_vjp)


# --- svd: a = U diag(s) Vh (Townsend 2016, "Differentiating the SVD") ---------------------
def _svd_kernel(xp, a, full_matrices):
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


svd_p = Primitive("svd", _svd_kernel, multiple_results=True)


def _svd_gaps(s):
    """F[..., i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal, 0 on it."""
    row = np.expand_dims(s, -2)
    col = np.expand_dims(s, -1)
    eye = _eye(s)
    return 1 / ((row + col) * (row - col) + eye) - eye


def _reduced(u, s, vh):
    """(U, Vh, extra): the reduced factors, and whether the SVD was computed with
    full_matrices=True on a non-square matrix (U or Vh then carry completed vectors)."""
    k = s.shape[-1]
    if u.shape[-1] == k and vh.shape[-2] == k:
        return u, vh, False
    return u[..., :, :k], vh[..., :k, :], True


def _svd_jvp(tangents, ans, a, full_matrices):
    _real_only(a, "np.linalg.svd")
    t = tangents[0]
    u_full, s, vh_full = ans
    u, vh, extra = _reduced(u_full, s, vh_full)
    v = _mT(vh)
    ds_mat = _mT(u) @ t @ v
    ds = _diag_part(ds_mat)
    gaps = _svd_gaps(s)
    s_row = np.expand_dims(s, -2)  # multiplies column j by s[j]
    dss = ds_mat * s_row
    sds = _mT(s_row) * ds_mat
    du = u @ (gaps * (dss + _mT(dss)))
    dv = v @ (gaps * (sds + _mT(sds)))
    m, n = a.shape[-2:]
    if m > n:
        dav = t @ v
        du = du + (dav - u @ (_mT(u) @ dav)) / s_row
    if n > m:
        datu = _mT(t) @ u
        dv = dv + (datu - v @ (_mT(v) @ datu)) / s_row
    dvh = _mT(dv)
    if extra:  # completed singular vectors are not unique: their tangent is undefined
        du = _pad_nan(du, u_full.shape, -1)
        dvh = _pad_nan(dvh, vh_full.shape, -2)
    return du, ds, dvh


def _pad_nan(x, shape, axis):
    if x.shape == tuple(shape):
        return x
    pad = list(shape)
    pad[axis] = shape[axis] - x.shape[axis]
    return np.concatenate([x, _constant(np.full(tuple(pad), np.nan), x)], axis=axis)


def _leading(ct, k: int, axis: int):
    """The cotangent of the reduced factor; one reaching completed vectors is an error."""
    if ct is None or ct.shape[axis] == k:
        return ct
    index = [slice(None)] * ct.ndim
    index[axis] = slice(k, None)
    if np.any(concrete(ct[tuple(index)]) != 0):
        raise UnsupportedOperation(
            "np.linalg.svd",
            "with full_matrices=True on a non-square matrix the completed singular vectors "
            "are not unique, so they have no derivative; call np.linalg.svd(a, "
            "full_matrices=False) or use only the singular values",
        )
    index[axis] = slice(0, k)
    return ct[tuple(index)]


def _svd_vjp(ct, ans, needed, a, full_matrices):
    _real_only(a, "np.linalg.svd")
    ct_u, ct_s, ct_vh = ct
    u_full, s, vh_full = ans
    u, vh, _ = _reduced(u_full, s, vh_full)
    k = s.shape[-1]
    ct_u, ct_vh = _leading(ct_u, k, -1), _leading(ct_vh, k, -2)
    v = _mT(vh)
    m, n = a.shape[-2:]
    s_row = np.expand_dims(s, -2)
    inner = None

    def add(term):
        nonlocal inner
        inner = term if inner is None else inner + term

    if ct_s is not None:
        add(_diag_matrix(ct_s))
    if ct_u is not None:
        y = safe_mul(_mT(u) @ ct_u, _svd_gaps(s))
        add((y + _mT(y)) * s_row)
    if ct_vh is not None:
        ct_v = _mT(ct_vh)
        z = safe_mul(_mT(v) @ ct_v, _svd_gaps(s))
        add(_mT(s_row) * (z + _mT(z)))
    ct_a = u @ inner @ vh
    if ct_u is not None and m > n:
        ct_a = ct_a + ((ct_u - u @ (_mT(u) @ ct_u)) / s_row) @ vh
    if ct_vh is not None and n > m:
        ct_a = ct_a + u @ _mT((ct_v - v @ (_mT(v) @ ct_v)) / s_row)
    return (ct_a,)


svd_p.def_jvp_joint(_svd_jvp)
svd_p.def_vjp_joint(_svd_vjp)


# --- qr (reduced, m >= n): a = Q R (Townsend, "Differentiating the QR decomposition") ----
def _qr_kernel(xp, a):
    q, r = xp.linalg.qr(a, mode="reduced")
    return q, r


qr_p = Primitive("qr", _qr_kernel, multiple_results=True)


def _check_tall(a) -> None:
    _real_only(a, "np.linalg.qr")
    m, n = a.shape[-2:]
    if m < n:  # the numpy layer splits wide matrices, so only a direct bind lands here
        raise UnsupportedOperation("qr primitive on a wide matrix", "bind it on a[..., :, :m]")


def _qr_jvp(tangents, ans, a):
    _check_tall(a)
    q, r = ans
    c = _mT(_solve(_mT(r), _mT(tangents[0])))  # dA R^{-1}
    b = _mT(q) @ c
    low = _strictly_lower(b)
    d = low - _mT(low)  # skew-symmetric
    return q @ (d - b) + c, (b - d) @ r


def _qr_vjp(ct, ans, needed, a):
    _check_tall(a)
    q, r = ans
    ct_q, ct_r = ct
    ct_b = ct_d = ct_c = None

    def acc(x, y):
        return y if x is None else x + y

    if ct_r is not None:
        x = ct_r @ _mT(r)
        ct_b, ct_d = x, -x
    if ct_q is not None:
        y = _mT(q) @ ct_q
        ct_d = acc(ct_d, y)
        ct_b = acc(ct_b, -y)
        ct_c = ct_q
    ct_b = acc(ct_b, _strictly_lower(ct_d - _mT(ct_d)))
    ct_c = acc(ct_c, q @ ct_b)
    return (_mT(_solve(r, _mT(ct_c))),)  # ct_c R^{-T}


qr_p.def_jvp_joint(_qr_jvp)
qr_p.def_vjp_joint(_qr_vjp)


# --- pinv (Golub & Pereyra 1973): exact wherever the rank is locally constant -----------
def _pinv_kernel(xp, a, rcond, hermitian):
    if hermitian:
        return xp.linalg.pinv(a, rcond=rcond, hermitian=True)
    return xp.linalg.pinv(a, rcond=rcond)


pinv_p = Primitive("pinv", _pinv_kernel)


def _pinv_jvp(t, ans, a, rcond, hermitian):
    _real_only(a, "np.linalg.pinv")
    p = ans
    tt = _mT(t)
    left = p @ _mT(p) @ (tt - (tt @ a) @ p)  # P P^T dA^T (I - A P)
    right = (tt - p @ (a @ tt)) @ _mT(p) @ p  # (I - P A) dA^T P^T P
    return -(p @ t @ p) + left + right


def _pinv_vjp(ct, ans, a, rcond, hermitian):
    _real_only(a, "np.linalg.pinv")
    p = ans
    pt = _mT(p)
    ctt = _mT(ct)
    x2 = ctt @ p @ pt
    x3 = pt @ p @ ctt
    return -(pt @ ct @ pt) + (x2 - a @ (p @ x2)) + (x3 - (x3 @ p) @ a)


pinv_p.def_jvp(_pinv_jvp)
pinv_p.def_vjp(_pinv_vjp)
