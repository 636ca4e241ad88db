"""log Phi(z), the log of the standard normal cdf, with derivatives accurate in the far
lower tail.

scipy.special.log_ndtr's derivative, phi(z) / Phi(z) = exp(-z^2/2 - log_ndtr(z)) /
sqrt(2 pi), subtracts two numbers of size z^2/2: for z below about -1e6 it loses all its
digits (and the second derivative sooner). Below TAIL this uses the asymptotic expansion

    log Phi(z) = -z^2/2 - log(-z) - log(2 pi)/2 + log(1 + sum_n (-1)^n (2n-1)!! / z^(2n)),

whose derivative -z - 1/z + ... has no cancellation; at z <= TAIL the terms left out are
below 1e-17 relatively. (The value returned to the user is scipy's; this is the composite
that is differentiated, see exact.py.)
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as sc

TAIL = -40.0
TERMS = 8
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _asymptotic(z):
    inv_z2 = 1.0 / (z * z)
    series, term = 1.0, 1.0
    for n in range(1, TERMS + 1):
        term = -term * (2 * n - 1) * inv_z2
        series = series + term
    return -(z * z) / 2 - np.log(-z) - LOG_SQRT_2PI + np.log(series)


def log_ndtr(z):
    far = z < TAIL
    return np.where(far, _asymptotic(np.where(far, z, TAIL)), sc.log_ndtr(np.where(far, 0.0, z)))
