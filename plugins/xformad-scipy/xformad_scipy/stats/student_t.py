"""Student's t of the standardized variable z with df degrees of freedom, as composites.

scipy computes the cdf with ``scipy.special.stdtr``, which has no numpy composite. Here
its value is stdtr's own and its derivatives are those of the regularized incomplete beta
function form, whose derivatives in all three arguments scipy.special serves (closed form
in x, a numerical series in the parameters; ``exact.with_derivative`` joins the two):

    cdf(-|z|) = 1/2 I_{df/(df+z^2)}(df/2, 1/2) = 1/2 - 1/2 I_{z^2/(df+z^2)}(1/2, df/2),

the second form near the centre (df > 2 z^2, as in Boost's implementation), where the
first one's argument would be close to 1 and lose its relative accuracy. (stdtr's value
matters: the log methods divide by it, and the second form's value, a difference, would
cancel in the tails.) Both forms see z only through z^2, whose derivative vanishes at
z = 0 beside the infinite density of I at 0 and 1: there (|z| < TINY) the cubic Taylor
polynomial of the cdf is differentiated instead, exact to its third derivative. Beyond
|z| > HUGE (z^2 would overflow) the derivative is taken as 0 (the density there is below
1e-150 to the power df + 1). df = inf is the normal distribution, as in scipy.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as sc

from .exact import scipy_value, with_derivative

LOG_PI = math.log(math.pi)
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
TINY = 1e-100  # below it z^2 / df is under 1e-200: the Taylor polynomial is exact to rounding
HUGE = 1e150  # above it z^2 is near overflow


def _finite(df):
    """df where finite (1.0 elsewhere), and the mask of finite df."""
    finite = np.isfinite(df)
    return np.where(finite, df, 1.0), finite


def _log_density_at_zero(nu):
    return sc.gammaln((nu + 1) / 2) - sc.gammaln(nu / 2) - 0.5 * (np.log(nu) + LOG_PI)


def logpdf(z, df):
    nu, finite = _finite(df)
    student = _log_density_at_zero(nu) - (nu + 1) / 2 * np.log1p(z * z / nu)
    normal = -(z * z) / 2.0 - LOG_SQRT_2PI
    return np.where(finite, student, normal)


def _lower_tail(z, nu):
    """A composite of cdf(-|z|) by the incomplete beta form with the better argument."""
    z2 = z * z
    central = nu > 2 * z2
    near = sc.betainc(0.5, nu / 2, np.where(central, z2 / (nu + z2), 0.5))
    far = sc.betainc(nu / 2, 0.5, np.where(central, 0.5, nu / (nu + z2)))
    return np.where(central, 0.5 - 0.5 * near, 0.5 * far)


def _near_zero(z, nu):
    """cdf(z) = 1/2 + f(0) (z - (nu + 1) z^3 / (6 nu)) + O(z^5), f the density (for
    |z| < TINY its value is 1/2, as stdtr's)."""
    return 0.5 + np.exp(_log_density_at_zero(nu)) * (z - (nu + 1) * z**3 / (6 * nu))


def cdf(z, df):
    nu, finite = _finite(df)
    tiny, huge = np.abs(z) < TINY, np.abs(z) > HUGE
    away = np.where(tiny, 1.0, z)  # the tail forms never see z = 0
    composite = np.where(huge, 0.0, _lower_tail(np.where(huge, 1.0, away), nu))
    call = "scipy.special.stdtr"
    lower = with_derivative(call, scipy_value(call, nu, -np.abs(away)), composite)  # cdf(-|z|)
    student = np.where(z > 0, 1.0 - lower, lower)
    student = np.where(tiny, _near_zero(np.where(tiny, z, 0.0), nu), student)
    return np.where(finite, student, sc.ndtr(z))
