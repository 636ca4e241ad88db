"""Linear-algebra primitives: solve, det, slogdet, cholesky, eigh, svd, eig, qr, pinv and
lstsq.

Each acts on the last two axes, with leading batch axes, as ``numpy.linalg`` does; the
rest of ``numpy.linalg`` (inv, norms, matrix_power, ...) is lowered onto these in
``numpy_api/linalg.py``. The rules follow Giles (2008), "Collected matrix derivative
results", in the structure JAX uses, and are written in numpy calls so they differentiate
again. Conventions (docs/linalg.md):

- a VJP is the transpose of the JVP under the pairing Re sum(u * v), with no conjugation
  (JAX and autograd's convention); solve, det, slogdet, eigh, svd and eig take complex
  input; cholesky, qr and pinv are real-only.
- cholesky and eigh read one triangle of the matrix, as LAPACK does; their derivatives are
  those of that function: the unread triangle has a zero derivative, each read
  off-diagonal entry counts for itself and its mirror (``hermitian_from_triangle``).
- complex eigen/singular vectors carry an arbitrary phase: eigh and svd differentiate in
  the gauge diag(V^H dV) = 0 and refuse (reverse mode) a loss that depends on the phase;
  eig follows LAPACK's normalisation (unit norm, largest component real), so its vectors'
  derivative is that of numpy's own, except for the erratic sign LAPACK gives the complex
  eigenvectors of a real matrix (a loss depending on it is refused as a phase-dependent one).
- eigenvector and singular-vector derivatives divide by eigenvalue / singular-value gaps,
  so they are undefined for repeated values; value-only uses (eigvalsh, svdvals, norms)
  stay finite there. eig refuses repeated eigenvalues (``UndefinedDerivativeError``).
"""

from __future__ import annotations

import numpy as np

from ..errors import UndefinedDerivativeError, UnsupportedOperation
from ..tracing import concrete, refuse_if
from . import batch_rules
from .core import Primitive
from .reductions import others_product
from .rules import device_constant, safe_mul


# --- helpers, all batched over leading axes --------------------------------------------
def _mT(x):
    return np.swapaxes(x, -1, -2)


def _conj(x):
    return np.conjugate(x) if np.iscomplexobj(x) else x


def _real(x):
    return np.real(x) if np.iscomplexobj(x) else x


def _mH(x):
    """The conjugate transpose (the transpose of a real matrix)."""
    return _conj(_mT(x))


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


def _sqrt_eps(x) -> float:
    return float(np.sqrt(np.finfo(x.dtype).eps))


def _real_only(x, name: str) -> None:
    if np.iscomplexobj(x):
        raise UnsupportedOperation(
            name,
            "its derivative is implemented for real matrices only; split a complex problem "
            "into real and imaginary parts, or use solve/inv/det, which accept complex input",
        )


# --- one triangle read as a Hermitian matrix (LAPACK's symmetric routines) ---------------
def _strict_triangle(like, lower: bool):
    tri = np.tri(like.shape[-1], like.shape[-1], -1)
    return _constant(tri if lower else tri.T, like)


def hermitian_from_triangle(a, lower: bool = True):
    """The Hermitian matrix numpy's eigh, eigvalsh and cholesky read from ``a``: its lower
    (or upper) triangle, that triangle's conjugate mirror, and the real part of the diagonal
    (LAPACK ignores the rest)."""
    strict = a * _strict_triangle(a, lower)
    return strict + _mH(strict) + _real(a) * _eye(a)


def _triangle_cotangent(g, lower: bool):
    """The transpose of ``hermitian_from_triangle``: a read off-diagonal entry collects
    the cotangent of its own place and of its mirror, the unread triangle none."""
    return (g + _mH(g)) * _strict_triangle(g, lower) + _real(g) * _eye(g)


# --- checks: a derivative that does not exist raises instead of returning a number -------
# (bool() of a traced condition records a guard: a compiled derivative re-traces, and
# raises, when an input reaches the case)
def _refuse_phase_dependence(
    phase_rate, scale, vectors: str, why: str = "which numpy leaves arbitrary"
) -> None:
    """``phase_rate``: the loss's rate of change as each complex vector turns by a phase.
    A loss that depends on a phase numpy does not fix has no derivative."""
    tol = _sqrt_eps(phase_rate) * (np.max(np.abs(scale)) + np.finfo(phase_rate.dtype).tiny)
    if bool(np.any(np.abs(phase_rate) > tol)):
        raise UndefinedDerivativeError(
            f"the loss depends on the phases of {vectors}, {why}, so its derivative is "
            "undefined. Use quantities that do not change when a vector is multiplied by "
            "exp(i phi): |v|**2, projectors v v^H, products u_i vh_i of matching singular "
            "vectors (see docs/linalg.md)"
        )


def _refuse_repeated_eigenvalues(w) -> None:
    """eig's derivatives divide by eigenvalue gaps (and by V, singular for a defective
    matrix): eigenvalues closer than sqrt(eps) * max|w| are refused."""
    scale = np.max(np.abs(w), axis=-1, keepdims=True)
    tol = np.expand_dims(_sqrt_eps(scale) * scale, -1)
    gaps = np.abs(np.expand_dims(w, -1) - np.expand_dims(w, -2))
    gaps = gaps + _eye(gaps) * (tol + 1)  # a value is not its own neighbour
    if bool(np.any(gaps <= tol)):
        raise UndefinedDerivativeError(
            "np.linalg.eig/eigvals have no derivative at a matrix with repeated eigenvalues "
            "(they are not differentiable one by one, and the eigenvectors not at all). For "
            "a symmetric (Hermitian) matrix use np.linalg.eigh/eigvalsh; for the sum of the "
            "eigenvalues use np.trace"
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
# det is a polynomial: d det = tr(adj(a) da) everywhere, singular matrices included. For up
# to 3x3, adj(a) is written as the products of entries it is (exact at every point and to
# every order); larger matrices use det(a) a^{-T} where a is well conditioned and the SVD's
# form where it is nearly singular (there det(a) a^{-T} loses every digit, and a solve may
# raise).
_CYCLE = (np.array([1, 2, 0]), np.array([2, 0, 1]))  # i + 1 and i + 2, modulo 3
_SINGULAR_RATIO = 1e-8  # |det| against Hadamard's bound, the product of the row norms


def _cofactors(a):
    """adj(a)^T of 1x1, 2x2 and 3x3 matrices (stacks too) from products of entries."""
    n = a.shape[-1]
    if n == 1:
        return np.ones_like(a)
    if n == 2:  # [[d, -c], [-b, a]]
        rows, cols = (
            device_constant(np.array([[1, 1], [0, 0]]), a),
            device_constant(np.array([[1, 0], [1, 0]]), a),
        )
        return a[..., rows, cols] * device_constant(np.array([[1.0, -1.0], [-1.0, 1.0]]), a)
    r1, r2 = (device_constant(c, a) for c in _CYCLE)

    def entries(r, c):
        return a[..., r[:, None], c[None, :]]

    # C_ij = a[i+1, j+1] a[i+2, j+2] - a[i+1, j+2] a[i+2, j+1]: the signs come with the cycle
    return entries(r1, r1) * entries(r2, r2) - entries(r1, r2) * entries(r2, r1)


def _adjugate_t_from_svd(a):
    """adj(a)^T of real matrices, singular ones too: with a = U diag(s) V^T it is
    det(U) det(V) U diag(c) V^T, c_i the product of the other singular values."""
    _real_only(a, "np.linalg.det's derivative at a (nearly) singular matrix")
    u, s, vh = svd_p.bind(a, full_matrices=False)
    sign = det_p.bind(u) * det_p.bind(vh)
    return _as_matrix_scale(sign) * ((u * np.expand_dims(others_product(s, -1), -2)) @ vh)


def _adjugate_t(a, ans):
    """adj(a)^T, or None where det(a) a^{-T} serves every member of the stack."""
    if a.shape[-1] <= 3:
        return _cofactors(a)
    bound = np.prod(np.sqrt(np.sum(np.abs(a) ** 2, axis=-1)), axis=-1)
    singular = np.abs(ans) <= _SINGULAR_RATIO * bound
    if not bool(np.any(singular)):
        return None
    held = _as_matrix_scale(singular)
    invertible = np.where(held, _eye(a), a)  # the singular members' solve is not used
    return np.where(held, _adjugate_t_from_svd(a), _as_matrix_scale(ans) * _inverse_transpose(invertible))


def _det_jvp(t, ans, a):
    adj_t = _adjugate_t(a, ans)
    if adj_t is not None:
        return np.sum(adj_t * t, axis=(-2, -1))
    return ans * _trace(_solve(a, t))


def _det_vjp(ct, ans, a):
    adj_t = _adjugate_t(a, ans)
    if adj_t is not None:
        return _as_matrix_scale(ct) * adj_t
    return _as_matrix_scale(ct * ans) * _inverse_transpose(a)


det_p = Primitive("det", lambda xp, a: xp.linalg.det(a))
det_p.def_jvp(_det_jvp)
det_p.def_vjp(_det_vjp)


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


# --- cholesky: a = L L^T, L lower (upper: a = U^T U, read from the upper triangle) ------
def _cholesky_kernel(xp, a, upper):
    if not upper:
        return xp.linalg.cholesky(a)
    try:
        return xp.linalg.cholesky(a, upper=True)
    except TypeError:  # numpy 1.x and cupy have no upper=: U = L^H of a^H
        return xp.conj(xp.swapaxes(xp.linalg.cholesky(xp.conj(xp.swapaxes(a, -1, -2))), -1, -2))


cholesky_p = Primitive("cholesky", _cholesky_kernel)


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    n = x.shape[-1]
    return x * _constant(np.tri(n) - 0.5 * np.eye(n), x)


def _cholesky_jvp(t, ans, a, upper):
    _real_only(a, "np.linalg.cholesky")
    low = _mT(ans) if upper else ans
    x = _solve(low, hermitian_from_triangle(t, lower=not upper))  # L^{-1} dA
    x = _solve(low, _mT(x))  # L^{-1} dA L^{-T} (dA symmetric)
    d_low = low @ _phi(x)
    return _mT(d_low) if upper else d_low


def _cholesky_vjp(ct, ans, a, upper):
    _real_only(a, "np.linalg.cholesky")
    low_t = ans if upper else _mT(ans)
    ct_low = _mT(ct) if upper else ct
    s = _solve(low_t, _phi(low_t @ ct_low))  # L^{-T} P
    s = _solve(low_t, _mT(s))  # L^{-T} P^T L^{-1}: its symmetric part is the gradient
    return _triangle_cotangent(s, lower=not upper)


cholesky_p.def_jvp(_cholesky_jvp)
cholesky_p.def_vjp(_cholesky_vjp)


# --- eigh: a = V diag(w) V^H, w ascending (vectors=False: eigvalsh) ------------------------
def _eigh_kernel(xp, a, UPLO, vectors=True):
    if not vectors:
        return (xp.linalg.eigvalsh(a, UPLO=UPLO),)
    w, v = xp.linalg.eigh(a, UPLO=UPLO)
    return w, v


eigh_p = Primitive("eigh", _eigh_kernel, multiple_results=True)


def _eigh_factors(ans, a, UPLO, vectors):
    """(w, V): the outputs, or for eigvalsh the eigenvectors its rules need (one eigh)."""
    return ans if vectors else eigh_p.bind(a, UPLO=UPLO)


def _ties(w):
    """(exact, near) masks of the pairs of ``w`` (ascending values, last axis): equal, and
    closer than sqrt(eps) * max|w| (a value is not its own neighbour)."""
    scale = np.max(np.abs(w), axis=-1, keepdims=True)
    tol = np.expand_dims(_sqrt_eps(scale) * scale, -1)
    gaps = np.abs(np.expand_dims(w, -1) - np.expand_dims(w, -2))
    gaps = gaps + _eye(gaps) * (tol + 1)
    return gaps == 0, gaps <= tol


_TIED_EIGENVECTORS = UndefinedDerivativeError(
    "np.linalg.eigh: the derivative needs eigenvectors of repeated eigenvalues, which "
    "have no derivative there (any rotation within their eigenspace is as good): the "
    "loss uses the eigenvectors, or this is a second derivative of a function of the "
    "eigenvalues (np.linalg.eigvalsh's own derivative uses its eigenvectors). At exactly "
    "equal eigenvalues (a zero, identity or diagonal matrix) even a smooth quantity such as "
    "v @ np.diag(g(w)) @ v.T is 0/0 in its eigenvector terms. Differentiate the eigenvalues "
    "once, write the quantity from the matrix itself (a @ a, np.trace(a @ a) for the sum of "
    "squared eigenvalues, a projector from the matrix), or evaluate at a matrix whose "
    "eigenvalues differ"
)


def _refuse_ties(values, coupling, error, zero_too: bool = False) -> None:
    """Vector derivatives divide by the gaps between ``values``. Where two are equal the
    division is 0/0 whatever the (co)tangent: a coupling that is zero at this point
    (v diag(w) v^T at a = 0) still has a derivative the gap's limit multiplies, which no
    rule can see, so any exact tie is refused. Where they are only closer than
    sqrt(eps) * max|w| and the (co)tangent couples their vectors, the result would be
    rounding noise magnified 1e8 times: refused too. ``zero_too``: an exactly zero value
    is refused as well (a non-square svd's terms divide by s)."""
    exact, near = _ties(values)
    bad = exact | (near & (coupling != 0))
    if zero_too:
        bad = bad | np.expand_dims(values == 0, -1)
    refuse_if(np.any(bad), error)


def _refuse_tied_eigenvectors(w, coupling) -> None:
    _refuse_ties(w, coupling, _TIED_EIGENVECTORS)


def _eigh_jvp(tangents, ans, a, UPLO, vectors=True):
    w, v = _eigh_factors(ans, a, UPLO, vectors)
    vdv = _mH(v) @ hermitian_from_triangle(tangents[0], lower=UPLO == "L") @ v
    dw = _real(_diag_part(vdv))
    if not vectors:
        return (dw,)
    _refuse_tied_eigenvectors(w, vdv)
    return dw, v @ (_gap_inverse(w) * vdv)  # gauge: diag(V^H dV) = 0


def _eigh_vjp(ct, ans, needed, a, UPLO, vectors=True):
    w, v = _eigh_factors(ans, a, UPLO, vectors)
    ct_w, ct_v = ct if vectors else (ct[0], None)
    inner = None
    if ct_w is not None:
        inner = _diag_matrix(_real(ct_w))
    if ct_v is not None:  # only the eigenvectors see the gaps: eigvalsh stays finite
        vt_ct = _mT(v) @ ct_v
        if np.iscomplexobj(vt_ct):
            _refuse_phase_dependence(np.imag(_diag_part(vt_ct)), vt_ct, "the eigenvectors of a complex eigh")
        _refuse_tied_eigenvectors(w, vt_ct)
        gaps = safe_mul(vt_ct, _gap_inverse(w))
        inner = gaps if inner is None else inner + gaps
    return (_triangle_cotangent(_conj(v) @ inner @ _mT(v), lower=UPLO == "L"),)


eigh_p.def_jvp_joint(_eigh_jvp)
eigh_p.def_vjp_joint(_eigh_vjp)


# --- svd: a = U diag(s) Vh (Townsend 2016, "Differentiating the SVD"; complex as JAX) ----
def _svd_kernel(xp, a, full_matrices, compute_uv=True):
    if not compute_uv:
        return (xp.linalg.svd(a, compute_uv=False),)
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


svd_p = Primitive("svd", _svd_kernel, multiple_results=True)


def _svd_gaps(s):
    """F[..., i, j] = 1 / (s[j]^2 - s[i]^2) off the diagonal, 0 on it."""
    row = np.expand_dims(s, -2)
    col = np.expand_dims(s, -1)
    eye = _eye(s)
    return 1 / ((row + col) * (row - col) + eye) - eye


_TIED_SINGULAR_VECTORS = UndefinedDerivativeError(
    "np.linalg.svd: the derivative needs singular vectors of repeated (or, for a non-square "
    "matrix, zero) singular values, which have no derivative there (any rotation within "
    "their singular subspace is as good). At exactly equal singular values (a zero, "
    "identity or diagonal matrix) even a smooth quantity such as u @ np.diag(s) @ vh is 0/0 "
    "in its singular-vector terms. Use the singular values alone (np.linalg.svd(a, "
    "compute_uv=False), np.linalg.norm(a, 2 or 'nuc')), write the quantity from the matrix "
    "itself, or evaluate at a matrix whose singular values differ"
)


def _svd_factors(ans, a, compute_uv):
    """(U, s, Vh, extra): the reduced factors, and whether the SVD was computed with
    full_matrices=True on a non-square matrix (U or Vh then carry completed vectors).
    For svd(compute_uv=False) the factors its rules need (one more SVD)."""
    if not compute_uv:
        ans = svd_p.bind(a, full_matrices=False)
    u, s, vh = ans
    k = s.shape[-1]
    if u.shape[-1] == k and vh.shape[-2] == k:
        return u, s, vh, False
    return u[..., :, :k], s, vh[..., :k, :], True


def _svd_jvp(tangents, ans, a, full_matrices, compute_uv=True):
    t = tangents[0]
    u, s, vh, extra = _svd_factors(ans, a, compute_uv)
    v = _mH(vh)
    dm = _mH(u) @ t @ v
    ds = _real(_diag_part(dm))
    if not compute_uv:
        return (ds,)
    m, n = a.shape[-2:]
    _refuse_ties(s, dm, _TIED_SINGULAR_VECTORS, zero_too=m != n)  # s_j^2 - s_i^2, and s
    gaps = _svd_gaps(s)
    s_row = np.expand_dims(s, -2)  # multiplies column j by s[j]
    dms = dm * s_row
    sdm = _mT(s_row) * dm
    du = u @ (gaps * (dms + _mH(dms)))
    dv = v @ (gaps * (sdm + _mH(sdm)))
    if np.iscomplexobj(dm):  # gauge diag(V^H dV) = 0: U takes the phase Im diag(dM) / s
        du = du + u * (1j * np.expand_dims(np.imag(_diag_part(dm)), -2) / s_row)
    if m > n:
        dav = t @ v
        du = du + (dav - u @ (_mH(u) @ dav)) / s_row
    if n > m:
        datu = _mH(t) @ u
        dv = dv + (datu - v @ (_mH(v) @ datu)) / s_row
    dvh = _mH(dv)
    if extra:  # completed singular vectors are not unique: their tangent is undefined
        du = _pad_nan(du, ans[0].shape, -1)
        dvh = _pad_nan(dvh, ans[2].shape, -2)
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


def _svd_vjp(ct, ans, needed, a, full_matrices, compute_uv=True):
    u, s, vh, _ = _svd_factors(ans, a, compute_uv)
    ct_u, ct_s, ct_vh = ct if compute_uv else (None, ct[0], None)
    k = s.shape[-1]
    ct_u, ct_vh = _leading(ct_u, k, -1), _leading(ct_vh, k, -2)
    m, n = a.shape[-2:]
    s_row = np.expand_dims(s, -2)
    gaps = _svd_gaps(s)
    inner = None

    def add(term):
        nonlocal inner
        inner = term if inner is None else inner + term

    if ct_s is not None:
        add(_diag_matrix(_real(ct_s)))
    phase_rate = None  # Im diag(U^T ct_U) + Im diag(V^T ct_V): zero for a phase-free loss
    scale = []
    couplings = []  # U^T ct_U, V^T ct_V: what the vector terms divide by the gaps
    if ct_u is not None:
        ut_ct = _mT(u) @ ct_u
        couplings.append(ut_ct)
        y = safe_mul(ut_ct, gaps)
        add((y + _mH(y)) * s_row)
        if np.iscomplexobj(ut_ct):
            phase_rate = np.imag(_diag_part(ut_ct))
            scale.append(np.max(np.abs(ut_ct)))
            add(_diag_matrix(1j * phase_rate / s))
    if ct_vh is not None:
        ct_v = _mH(ct_vh)
        vt_ct = _conj(vh) @ ct_v
        couplings.append(vt_ct)
        z = safe_mul(vt_ct, gaps)
        add(_mT(s_row) * (z + _mH(z)))
        if np.iscomplexobj(vt_ct):
            rate = np.imag(_diag_part(vt_ct))
            scale.append(np.max(np.abs(vt_ct)))
            phase_rate = rate if phase_rate is None else phase_rate + rate
    if phase_rate is not None:
        _refuse_phase_dependence(phase_rate, sum(scale), "the singular vectors of a complex svd")
    if couplings:
        one_sided = (ct_u is not None and m > n) or (ct_vh is not None and n > m)
        _refuse_ties(s, sum(couplings), _TIED_SINGULAR_VECTORS, zero_too=one_sided)
    u_c, vh_c = _conj(u), _conj(vh)
    ct_a = u_c @ inner @ vh_c
    if ct_u is not None and m > n:
        scaled = ct_u / s_row
        ct_a = ct_a + (scaled - u_c @ (_mT(u) @ scaled)) @ vh_c
    if ct_vh is not None and n > m:
        scaled = ct_vh / _mT(s_row)
        ct_a = ct_a + u_c @ (scaled - (scaled @ _mT(vh)) @ vh_c)
    return (ct_a,)


svd_p.def_jvp_joint(_svd_jvp)
svd_p.def_vjp_joint(_svd_vjp)


# --- eig: a V = V diag(w), complex w and V (vectors=False: eigvals) -------------------------
def _eig_kernel(xp, a, vectors=True):
    """numpy's eig/eigvals, always complex (numpy_api/linalg.py gives real input with real
    eigenvalues numpy's real arrays back)."""
    dtype = np.result_type(a.dtype, np.complex64)
    if not vectors:
        return (xp.linalg.eigvals(a).astype(dtype, copy=False),)
    w, v = xp.linalg.eig(a)
    return w.astype(dtype, copy=False), v.astype(dtype, copy=False)


eig_p = Primitive("eig", _eig_kernel, multiple_results=True)


def _eig_factors(ans, a, vectors):
    """(w, V): the outputs, or for eigvals its eigenvalues and eig's eigenvectors."""
    w = ans[0]
    if vectors:
        v = ans[1]
    else:
        w_eig, v = eig_p.bind(a)
        # eigvals and eig order the eigenvalues alike; check, since V must match w
        scale = np.max(np.abs(w), axis=-1, keepdims=True)
        if bool(np.any(np.abs(w_eig - w) > _sqrt_eps(scale) * scale)):
            raise UndefinedDerivativeError(
                "np.linalg.eigvals and np.linalg.eig returned the eigenvalues in different "
                "orders here; differentiate np.linalg.eig(a).eigenvalues instead"
            )
    _refuse_repeated_eigenvalues(w)
    return w, v


def _largest_real_component(v):
    """The one-hot mask of the component LAPACK made real in each eigenvector: the largest
    in modulus (the first exactly real one among the near-largest, where moduli tie)."""
    modulus = np.real(v * np.conjugate(v))
    near_largest = modulus >= (1 - _sqrt_eps(modulus)) * np.max(modulus, axis=-2, keepdims=True)
    candidates = near_largest & (np.imag(v) == 0)
    if not bool(np.all(np.any(candidates, axis=-2))):
        raise UndefinedDerivativeError(
            "np.linalg.eig returned eigenvectors whose largest component is not real: that "
            "is not LAPACK's normalisation, the one whose derivative xformad computes. "
            "Differentiate only the eigenvalues (np.linalg.eigvals)"
        )
    first = np.argmax(candidates, axis=-2)  # the first True of each column
    rows = device_constant(np.arange(v.shape[-2]).reshape(-1, 1), v)
    return np.expand_dims(first, -2) == rows


def _eig_vector_tangent(dv, v):
    """Project a tangent of the eigenvectors onto LAPACK's normalisation: unit 2-norm
    (Re v^H dv = 0) and the largest component kept real (its tangent real too)."""
    dv = dv - v * np.real(np.sum(np.conjugate(v) * dv, axis=-2, keepdims=True))
    pick = _largest_real_component(v)
    pivot = np.sum(np.real(v) * pick, axis=-2, keepdims=True)
    turn = np.sum(np.imag(dv) * pick, axis=-2, keepdims=True) / pivot
    return dv - 1j * turn * v


def _eig_vector_cotangent(ct, v):
    """The transpose of ``_eig_vector_tangent``."""
    pick = _largest_real_component(v)
    pivot = np.sum(np.real(v) * pick, axis=-2, keepdims=True)
    turn = np.imag(np.sum(v * ct, axis=-2, keepdims=True)) / pivot
    ct = ct - pick * (1j * turn)
    return ct - np.conjugate(v) * np.real(np.sum(v * ct, axis=-2, keepdims=True))


def _refuse_sign_dependence(ct_v, w, v) -> None:
    """For a real matrix, LAPACK makes the largest component of a complex eigenvalue's
    vector real with a sign that flips under perturbations as small as 1e-12: a loss of
    those vectors must not depend on it. (Its phase dependence is what can be measured.)"""
    rate = np.imag(np.sum(v * ct_v, axis=-2))
    paired = np.imag(w) != 0
    _refuse_phase_dependence(
        rate * paired,
        ct_v,
        "the eigenvectors np.linalg.eig gives a real matrix's complex eigenvalues",
        "whose sign LAPACK sets erratically (it can flip under a perturbation of 1e-12)",
    )


def _eig_jvp(tangents, ans, a, vectors=True):
    w, v = _eig_factors(ans, a, vectors)
    p = _solve(v, tangents[0] @ v)  # V^{-1} dA V
    dw = _diag_part(p)
    if not vectors:
        return (dw,)
    return dw, _eig_vector_tangent(v @ (_gap_inverse(w) * p), v)


def _eig_vjp(ct, ans, needed, a, vectors=True):
    w, v = _eig_factors(ans, a, vectors)
    ct_w, ct_v = ct if vectors else (ct[0], None)
    inner = None
    if ct_w is not None:
        inner = _diag_matrix(ct_w)
    if ct_v is not None:
        if not np.iscomplexobj(a):
            _refuse_sign_dependence(ct_v, w, v)
        vt_ct = _mT(v) @ _eig_vector_cotangent(ct_v, v)
        _refuse_tied_eigenvectors(w, vt_ct)
        gaps = safe_mul(vt_ct, _gap_inverse(w))
        inner = gaps if inner is None else inner + gaps
    return (_solve(_mT(v), inner @ _mT(v)),)  # V^{-T} inner V^T


eig_p.def_jvp_joint(_eig_jvp)
eig_p.def_vjp_joint(_eig_vjp)


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


# --- lstsq: numpy's own solution (LAPACK gelsd), differentiated as pinv(a) @ b -----------
def _lstsq_kernel(xp, a, b, rcond):
    """numpy's lstsq of ``a`` (m, n) and ``b`` (m, k): the solution, the residuals (zeros
    where numpy returns none, so the shape is fixed: the numpy layer drops them) and the
    singular values, all as numpy computes them. A stack (vmap) is solved one by one."""
    if a.ndim > 2 or b.ndim > 2:
        lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = xp.broadcast_to(a, lead + a.shape[-2:])
        b = xp.broadcast_to(b, lead + b.shape[-2:])
        parts = [_lstsq_kernel(xp, a[i], b[i], rcond) for i in np.ndindex(lead)]
        return tuple(xp.reshape(xp.stack([p[j] for p in parts]), lead + parts[0][j].shape) for j in range(3))
    x, residuals, _, s = xp.linalg.lstsq(a, b, rcond=rcond)
    if residuals.shape[-1:] != b.shape[-1:]:
        residuals = xp.zeros(b.shape[-1:], dtype=s.dtype)
    return x, residuals, s


lstsq_p = Primitive("lstsq", _lstsq_kernel, multiple_results=True)


def _lstsq_parts(a, b, x, rcond):
    """What the rules share: P = pinv(a) (the solution is P b) and the residual b - a x."""
    _real_only(a, "np.linalg.lstsq")
    return pinv_p.bind(a, rcond=rcond, hermitian=False), b - a @ x


def _lstsq_jvp(tangents, ans, a, b, rcond):
    """x = P b with pinv's derivative (Golub & Pereyra) for dP; the residuals sum |b - a x|^2
    per column; the singular values move by diag(U^T dA V)."""
    ta, tb = tangents
    x = ans[0]
    p, r = _lstsq_parts(a, b, x, rcond)
    dx = dr = ds = None
    if ta is not None:
        tat = _mT(ta)
        w = _mT(p) @ x
        # dP b = -P dA x + P P^T dA^T r + (I - P A) dA^T P^T x, with r = b - A x
        dx = -(p @ (ta @ x)) + p @ (_mT(p) @ (tat @ r)) + (tat @ w - p @ (a @ (tat @ w)))
        dr = -(ta @ x)
        u, _, vh = svd_p.bind(a, full_matrices=False)
        ds = np.sum(u * (ta @ _mT(vh)), axis=-2)
    if tb is not None:
        dxb = p @ tb
        dx = dxb if dx is None else dx + dxb
        dr = tb if dr is None else dr + tb
    dr = dr - a @ dx  # the change of r = b - a x
    dres = 2 * np.sum(r * dr, axis=-2)
    return dx, dres, ds


def _lstsq_vjp(ct, ans, needed, a, b, rcond):
    ct_x, ct_res, ct_s = ct
    x = ans[0]
    p, r = _lstsq_parts(a, b, x, rcond)
    ct_a = ct_b = None

    def acc(u, v):
        return v if u is None else u + v

    if ct_res is not None:  # res = sum(r * r, axis=-2), r = b - a x
        ct_r = 2 * r * np.expand_dims(ct_res, -2)
        ct_b = ct_r
        ct_a = -(ct_r @ _mT(x))
        ct_x = acc(ct_x, -(_mT(a) @ ct_r))
    if ct_x is not None:  # x = P b
        ct_b = acc(ct_b, _mT(p) @ ct_x)
        if needed[0]:
            ct_a = acc(ct_a, _pinv_vjp(ct_x @ _mT(b), p, a, rcond, False))
    if ct_s is not None and needed[0]:
        u, _, vh = svd_p.bind(a, full_matrices=False)
        ct_a = acc(ct_a, (u * np.expand_dims(ct_s, -2)) @ vh)
    return ct_a, ct_b


lstsq_p.def_jvp_joint(_lstsq_jvp)
lstsq_p.def_vjp_joint(_lstsq_vjp)


# vmap: numpy.linalg works on stacks of matrices, so the batch is one more stack axis
solve_p.def_batch(batch_rules.stacked(2, 2))
lstsq_p.def_batch(batch_rules.stacked(2, 2))
for _p in (det_p, slogdet_p, cholesky_p, eigh_p, svd_p, eig_p, qr_p, pinv_p):
    _p.def_batch(batch_rules.stacked(2))
