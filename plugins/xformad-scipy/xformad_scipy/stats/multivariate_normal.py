"""scipy.stats.multivariate_normal: logpdf and pdf, differentiable in x, mean and cov;
entropy, differentiable in cov.

Values are scipy's (``exact.py``); the derivatives are those of the Cholesky forms

    logpdf = -1/2 (d log 2 pi + log det C + |L^-1 (x - mean)|^2),  C = L L^T,
    entropy = 1/2 (d (1 + log 2 pi) + log det C).

scipy factorizes cov with ``eigh(cov, lower=True)``: it reads the lower triangle only, and
so does ``np.linalg.cholesky``. The derivative with respect to cov is therefore that of
scipy's function of the lower triangle: zero above the diagonal, each element below it
carrying both halves of the symmetric gradient. For the symmetric gradient of the
textbook formula, take ``(g + g.T) / 2``; both give the same derivative along symmetric
directions.

A singular cov has a density on a subspace only: with ``allow_singular=True`` and a cov
that is not traced, logpdf and pdf are served as scipy computes them (the pseudo-determinant
and the pseudo-inverse's quadratic form), differentiable in x and mean; a traced singular
cov (and entropy's, which scipy always allows) raises StatsError, since the rank would
change under the derivative's perturbation; with ``allow_singular=False`` scipy's own error
is raised.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import StatsError
from .arguments import as_arrays, as_float, has_traced, squeeze
from .exact import scipy_value, with_derivative

LOG_2PI = math.log(2 * math.pi)
SERVED = "logpdf, pdf, entropy"


def parameters(mean, cov):
    """(dim, mean, cov) as scipy's ``_process_parameters_psd`` makes them (scipy itself has
    checked them already, in the value computed first)."""
    cov = as_float(cov)
    if mean is None:
        dim = 1 if cov.ndim < 2 else cov.shape[0]
        mean = np.zeros(dim)
    mean = as_float(mean)
    dim = mean.size
    if dim == 1:
        mean, cov = np.reshape(mean, (1,)), np.reshape(cov, (1, 1))
    if cov.ndim == 0:
        cov = cov * np.eye(dim)
    elif cov.ndim == 1:
        cov = np.diag(cov)
    return dim, mean, cov


def points(x, dim: int):
    """x with its last axis the components, as scipy's ``_process_quantiles``."""
    x = as_float(x)
    if x.ndim == 0:
        return np.reshape(x, (1,))
    if x.ndim == 1:
        return np.reshape(x, (-1, 1)) if dim == 1 else np.reshape(x, (1, -1))
    return x


def log_density(x, mean, cov):
    dim, mean, cov = parameters(mean, cov)
    dev = points(x, dim) - mean
    chol = np.linalg.cholesky(cov)
    white = np.linalg.solve(chol, np.reshape(dev, (-1, dim)).T)  # L^-1 (x - mean), one column per point
    maha = np.reshape(np.sum(white * white, axis=0), dev.shape[:-1])
    return squeeze(-0.5 * (dim * LOG_2PI + _log_det(chol) + maha))


def differential_entropy(mean, cov):
    dim, _, cov = parameters(mean, cov)
    return 0.5 * (dim * (LOG_2PI + 1) + _log_det(np.linalg.cholesky(cov)))


def _log_det(chol):
    return 2.0 * np.sum(np.log(np.diagonal(chol)))


def _cutoff(spectrum):
    """scipy's eigenvalue cutoff for a singular cov (``_eigvalsh_to_eps``, double)."""
    return 1e6 * np.finfo(np.float64).eps * np.max(np.abs(spectrum))


def singular_log_density(x, mean, cov):
    """logpdf on the subspace a singular (untraced) cov spans, as scipy's ``_PSD``: the
    pseudo-determinant and the pseudo-inverse's quadratic form, for x and mean traced."""
    dim, mean, cov = parameters(mean, cov)
    spectrum, vectors = np.linalg.eigh(cov)
    kept = spectrum > _cutoff(spectrum)
    whiten = vectors * np.where(kept, 1 / np.sqrt(np.where(kept, spectrum, 1.0)), 0.0)
    log_pdet = float(np.sum(np.log(spectrum[kept])))
    dev = points(x, dim) - mean
    maha = np.sum((dev @ whiten) ** 2, axis=-1)
    return squeeze(-0.5 * (int(np.sum(kept)) * LOG_2PI + log_pdet + maha))


def is_singular(cov) -> bool:
    spectrum = np.linalg.eigvalsh(cov)
    return bool(np.any(spectrum <= _cutoff(spectrum)))  # a guard under jit


def refuse_singular(cov, call: str) -> None:
    """StatsError where scipy would treat cov as singular (its own eigenvalue cutoff)."""
    if is_singular(cov):  # a guard: a compiled program re-traces when it changes
        raise StatsError(
            f"{call}: cov is singular, and a distribution on a subspace "
            "(allow_singular=True) is not served for traced arguments. Pass a positive "
            "definite cov, or add a small multiple of the identity to it."
        )


def refuse_covariance_object(cov, call: str) -> None:
    from scipy.stats import Covariance

    if isinstance(cov, Covariance):
        raise StatsError(
            f"{call}: cov given as a {type(cov).__name__} is not served for "
            "traced arguments; pass the covariance matrix as an array."
        )


def _given(call: str, mean, cov) -> dict:
    """The parameters the call was given, as arrays, by scipy's keyword (no mean: omitted)."""
    refuse_covariance_object(cov, call)
    given = {"mean": mean, "cov": cov} if mean is not None else {"cov": cov}
    return dict(zip(given, as_arrays(call, *given.values())))


def method_value(method: str, x, mean, cov, allow_singular):
    """logpdf or pdf: scipy's value, the Cholesky form's derivatives."""
    call = f"scipy.stats.multivariate_normal.{method}"
    given = _given(call, mean, cov)
    (x,) = as_arrays(call, x)
    keywords = tuple(given)
    value = scipy_value(call, x, *given.values(), keywords=keywords, allow_singular=bool(allow_singular))
    cov_matrix = parameters(given.get("mean"), given["cov"])[2]
    if allow_singular and not has_traced(cov_matrix) and is_singular(cov_matrix):
        # a constant singular cov: the density on its subspace, differentiable in x, mean
        stand_in = singular_log_density(x, given.get("mean"), given["cov"])
        return with_derivative(call, value, stand_in if method == "logpdf" else np.exp(stand_in))
    if allow_singular:
        refuse_singular(cov_matrix, call)
    stand_in = log_density(x, given.get("mean"), given["cov"])
    return with_derivative(call, value, stand_in if method == "logpdf" else np.exp(stand_in))


def entropy_value(mean, cov):
    """entropy: scipy's value (which allows a singular cov), the Cholesky form's derivative."""
    call = "scipy.stats.multivariate_normal.entropy"
    given = _given(call, mean, cov)
    value = scipy_value(call, *given.values(), keywords=tuple(given))
    refuse_singular(parameters(given.get("mean"), given["cov"])[2], call)
    return with_derivative(call, value, differential_entropy(given.get("mean"), given["cov"]))


# --- the interception handlers -----------------------------------------------------------
def logpdf(dist, x, mean=None, cov=1, allow_singular=False):
    if not has_traced(x, mean, cov):
        return NotImplemented
    return method_value("logpdf", x, mean, cov, allow_singular)


def pdf(dist, x, mean=None, cov=1, allow_singular=False):
    if not has_traced(x, mean, cov):
        return NotImplemented
    return method_value("pdf", x, mean, cov, allow_singular)


def entropy(dist, mean=None, cov=1):
    if not has_traced(mean, cov):
        return NotImplemented
    return entropy_value(mean, cov)
