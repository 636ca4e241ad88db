"""The served continuous distributions, as functions of the standardized variable.

``z = (x - loc) / scale``; each entry gives scipy's ``_logpdf``, ``_cdf``, ``_sf``,
``_logcdf`` and ``_logsf`` of ``z`` and the shape parameters as numpy composites (the
derivatives of the served methods are these composites'; their values are scipy's own, see
``exact.py``). They are written for derivatives that stay finite wherever scipy's value is:
log-space densities, ``log_ndtr`` in the normal tails, the incomplete gamma and beta
functions of scipy.special (whose parameter derivatives that family serves), the
survival function computed directly rather than as ``1 - cdf``.

``location_scale.py`` calls them only on valid parameters and on points inside the
support (elsewhere the value is a constant and the derivative zero).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.special as sc

from . import student_t
from .normal_tail import log_ndtr

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
LOG_PI = math.log(math.pi)
LOG_HALF = math.log(0.5)


@dataclass(frozen=True)
class Continuous:
    """One distribution of the standardized variable z; shapes are scipy's, in order."""

    shapes: tuple  # the shape parameters' names (each must be > 0, scipy's default check)
    support: tuple  # (lower, upper) of z
    inside: float  # a point inside the support, put where z is outside (finite formulas)
    logpdf: Callable
    cdf: Callable
    sf: Callable
    logcdf: Callable | None = None  # default: log(cdf)
    logsf: Callable | None = None  # default: log(sf)
    open_lower: bool = False  # the density is 0 at the lower end (lognorm at 0)


# --- normal and its relatives -------------------------------------------------------------
def _norm_logpdf(z):
    return -(z * z) / 2.0 - LOG_SQRT_2PI


norm = Continuous(
    shapes=(),
    support=(-np.inf, np.inf),
    inside=0.0,
    logpdf=_norm_logpdf,
    cdf=lambda z: sc.ndtr(z),
    sf=lambda z: sc.ndtr(-z),
    logcdf=lambda z: log_ndtr(z),  # finite far in the lower tail, as scipy's (normal_tail.py)
    logsf=lambda z: log_ndtr(-z),
)


def _lognorm_logpdf(z, s):
    log_z = np.log(z)
    return -(log_z * log_z) / (2 * s * s) - np.log(s) - log_z - LOG_SQRT_2PI


lognorm = Continuous(
    shapes=("s",),
    support=(0.0, np.inf),
    inside=1.0,
    logpdf=_lognorm_logpdf,
    cdf=lambda z, s: sc.ndtr(np.log(z) / s),
    sf=lambda z, s: sc.ndtr(-np.log(z) / s),
    logcdf=lambda z, s: log_ndtr(np.log(z) / s),
    logsf=lambda z, s: log_ndtr(-np.log(z) / s),
    open_lower=True,
)

t = Continuous(
    shapes=("df",),
    support=(-np.inf, np.inf),
    inside=0.0,
    logpdf=student_t.logpdf,
    cdf=student_t.cdf,
    sf=lambda z, df: student_t.cdf(-z, df),
)


# --- gamma family -----------------------------------------------------------------------------
gamma = Continuous(
    shapes=("a",),
    support=(0.0, np.inf),
    inside=1.0,
    logpdf=lambda z, a: sc.xlogy(a - 1.0, z) - z - sc.gammaln(a),
    cdf=lambda z, a: sc.gammainc(a, z),
    sf=lambda z, a: sc.gammaincc(a, z),
)

chi2 = Continuous(
    shapes=("df",),
    support=(0.0, np.inf),
    inside=1.0,
    logpdf=lambda z, df: (
        sc.xlogy(df / 2.0 - 1, z) - z / 2.0 - sc.gammaln(df / 2.0) - (math.log(2) * df) / 2.0
    ),
    cdf=lambda z, df: sc.gammainc(df / 2.0, z / 2.0),
    sf=lambda z, df: sc.gammaincc(df / 2.0, z / 2.0),
)

expon = Continuous(
    shapes=(),
    support=(0.0, np.inf),
    inside=1.0,
    logpdf=lambda z: -z,
    cdf=lambda z: -np.expm1(-z),
    sf=lambda z: np.exp(-z),
    logsf=lambda z: -z,
)


# --- beta ---------------------------------------------------------------------------------------
beta = Continuous(
    shapes=("a", "b"),
    support=(0.0, 1.0),
    inside=0.5,
    logpdf=lambda z, a, b: sc.xlog1py(b - 1.0, -z) + sc.xlogy(a - 1.0, z) - sc.betaln(a, b),
    cdf=lambda z, a, b: sc.betainc(a, b, z),
    sf=lambda z, a, b: sc.betainc(b, a, 1.0 - z),  # I_{1-z}(b, a): no 1 - cdf cancellation
)


# --- Cauchy and Laplace ----------------------------------------------------------------------
def _cauchy_logpdf(z):
    # scipy's two forms: log1p(z**2) would overflow for |z| > 1e154
    small = np.abs(z) < 1
    near = np.where(small, z, 0.0)
    far = np.abs(np.where(small, 1.0, z))
    return np.where(
        small, -LOG_PI - np.log1p(near * near), -LOG_PI - (2 * np.log(far) + np.log1p((1 / far) ** 2))
    )


cauchy = Continuous(
    shapes=(),
    support=(-np.inf, np.inf),
    inside=0.0,
    logpdf=_cauchy_logpdf,
    cdf=lambda z: np.arctan2(1.0, -z) / np.pi,
    sf=lambda z: np.arctan2(1.0, z) / np.pi,
)


def _laplace_cdf(z):
    # each branch on its own half-line (where-substitution), so exp never overflows and the
    # derivative at 0 is the density there, 1/2 (|z| would give 0)
    positive = z > 0
    right = np.where(positive, z, 1.0)
    left = np.where(positive, -1.0, z)
    return np.where(positive, 1.0 - 0.5 * np.exp(-right), 0.5 * np.exp(left))


def _laplace_logcdf(z):
    positive = z > 0
    right = np.where(positive, z, 1.0)
    left = np.where(positive, -1.0, z)
    return np.where(positive, np.log1p(-0.5 * np.exp(-right)), LOG_HALF + left)


laplace = Continuous(
    shapes=(),
    support=(-np.inf, np.inf),
    inside=0.0,
    logpdf=lambda z: LOG_HALF - np.abs(z),
    cdf=_laplace_cdf,
    sf=lambda z: _laplace_cdf(-z),
    logcdf=_laplace_logcdf,
    logsf=lambda z: _laplace_logcdf(-z),
)


CONTINUOUS = {
    "norm": norm,
    "t": t,
    "gamma": gamma,
    "beta": beta,
    "chi2": chi2,
    "expon": expon,
    "lognorm": lognorm,
    "cauchy": cauchy,
    "laplace": laplace,
}
