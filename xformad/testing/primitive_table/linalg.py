"""Spec rows for the linear-algebra primitives (solve, det, slogdet, cholesky, eigh, svd,
qr, pinv, lstsq). Each function keeps its input well conditioned (a shifted or symmetrised
matrix) and its output free of the sign freedom of eigen/singular vectors."""

from __future__ import annotations

import numpy as np

from .case import Case


def _mT(x):
    return np.swapaxes(x, -1, -2)


def _shifted(a, by=5.0):
    return a + by * np.eye(a.shape[-1])


def _spd(x):
    return x @ _mT(x) + 3.0 * np.eye(x.shape[-1])


def _eigh_function(x):
    """V sin(W) V^T: uses eigenvectors, yet is unchanged when one flips sign."""
    w, v = np.linalg.eigh(x + _mT(x))
    return (v * np.sin(w)[..., None, :]) @ _mT(v)


def _svd_factors(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return np.concatenate(
        [np.ravel(u * u), np.ravel(vh * vh), np.ravel(s), np.ravel((u * s[..., None, :]) @ vh)]
    )


def _qr_factors(x):
    q, r = np.linalg.qr(x)
    return np.concatenate([np.ravel(q), np.ravel(r)])


def _slogdet_both(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign * np.exp(logabsdet)


def _separated(x):
    """Eigenvalues kept apart (eig's derivatives divide by their gaps)."""
    return x + np.diag(3.0 * np.arange(x.shape[-1]))


def _eig_factors(x):
    w, v = np.linalg.eig(_separated(x))
    return np.concatenate([np.ravel(np.real(w)), np.ravel(np.imag(w)), np.ravel(np.abs(v) ** 2)])


def _lstsq_all(a, b):
    """Solution, residuals (a tall full-rank a has them) and singular values together."""
    x, residuals, _, s = np.linalg.lstsq(a + 3.0 * np.eye(*a.shape), b, rcond=None)
    return np.concatenate([np.ravel(x), np.ravel(residuals), np.ravel(s)])


MATRIX_SHAPES = [((3, 3),), ((2, 3, 3),)]
RECT_SHAPES = [((3, 3),), ((4, 3),), ((3, 4),), ((2, 4, 3),)]
C128 = np.complex128

CASES: list[Case] = [
    Case(
        "solve",
        lambda a, b: np.linalg.solve(_shifted(a), b),
        [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((2, 3, 3), (3, 2)), ((2, 3, 3), (3,))],
    ),
    Case("solve", lambda a, b: np.linalg.solve(_shifted(a), b), [((3, 3), (3, 2))], dtype=C128),
    Case("solve", lambda a: np.linalg.inv(_shifted(a)), MATRIX_SHAPES),
    Case("det", np.linalg.det, MATRIX_SHAPES),
    Case("det", np.linalg.det, [((3, 3),)], dtype=C128),
    Case("slogdet", lambda a: np.linalg.slogdet(a)[1], MATRIX_SHAPES),
    Case("slogdet", _slogdet_both, MATRIX_SHAPES, dtype=C128),
    Case("cholesky", lambda x: np.linalg.cholesky(_spd(x)), MATRIX_SHAPES),
    Case("eigh", lambda x: np.linalg.eigvalsh(x + _mT(x)), MATRIX_SHAPES),
    Case("eigh", _eigh_function, MATRIX_SHAPES),
    Case("eig", _eig_factors, MATRIX_SHAPES),
    Case("eig", lambda x: np.linalg.eigvals(_separated(x)), MATRIX_SHAPES, dtype=C128),
    Case("svd", _svd_factors, RECT_SHAPES),
    Case("svd", lambda x: np.linalg.svd(x, compute_uv=False), RECT_SHAPES),
    Case("qr", _qr_factors, RECT_SHAPES),
    Case("pinv", np.linalg.pinv, RECT_SHAPES),
    Case("lstsq", _lstsq_all, [((4, 3), (4,)), ((4, 3), (4, 2)), ((3, 4), (3,)), ((3, 3), (3, 2))]),
]
