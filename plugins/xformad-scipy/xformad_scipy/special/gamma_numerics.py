"""First and second derivatives of the regularized lower incomplete gamma function
P(a, x) = gammainc(a, x) with respect to its parameter a, for which no closed form exists.

The method is Cephes' (scipy's own kernel for P and Q = 1 - P), differentiated term by term:

- for x <= 1 or x <= a, the power series (DLMF 8.7.1)
      P = exp(a log x - x - gammaln(a + 1)) * sum_n t_n,   t_0 = 1,  t_n = t_{n-1} x / (a + n);
  d/da log t_n = -sum_{k<=n} 1/(a + k) and d^2/da^2 log t_n = sum_{k<=n} 1/(a + k)^2, so the
  derivative sums run beside the value's. Every term is positive: no cancellation.
- otherwise Legendre's continued fraction for Q (DLMF 8.9.2), evaluated by its forward
  recurrence p_k / q_k; the recurrence is polynomial in a, so its a-derivatives obey
  recurrences of their own (the same as XLA's igamma_grad_a, extended to second order).
  Q is then small and computed directly, so dP/da = -dQ/da keeps its relative accuracy.

Each loop runs until every element's value and derivatives have stopped changing at
double precision (relative 1e-15), vectorised over the elements still running. An element
that has not converged after MAX_TERMS raises SpecialFunctionError instead of returning an
inaccurate number. Checked against mpmath's derivatives (tests/test_special_incomplete.py).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecialFunctionError

TOLERANCE = 1e-15
MAX_TERMS = 20000


def gammainc_a_derivatives(a, x):
    """(dP/da, d^2P/da^2) of P(a, x) = scipy.special.gammainc(a, x), in float64.

    NaN outside the interior of the domain (a <= 0, x < 0, NaN); 0 at x = 0 and x = inf,
    where P is constant in a."""
    import scipy.special as sp

    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    first = np.full(a.shape, np.nan)
    second = np.full(a.shape, np.nan)
    inside = (a > 0) & (x >= 0)
    constant = inside & ((x == 0) | (x == np.inf))
    first[constant] = second[constant] = 0.0
    by_fraction = inside & ~constant & (x > 1) & (x > a)
    by_series = inside & ~constant & ~by_fraction

    if by_series.any():
        aa, xx = a[by_series], x[by_series]
        s0, s1, s2 = _series_sums(aa, xx)
        log_prefactor = aa * np.log(xx) - xx - sp.gammaln(aa + 1)
        d1 = np.log(xx) - sp.digamma(aa + 1)
        d2 = -sp.polygamma(1, aa + 1)
        first[by_series], second[by_series] = _scale(log_prefactor, d1, d2, s0, s1, s2)
    if by_fraction.any():
        aa, xx = a[by_fraction], x[by_fraction]
        f0, f1, f2 = _continued_fraction(aa, xx)
        log_prefactor = aa * np.log(xx) - xx - sp.gammaln(aa)
        d1 = np.log(xx) - sp.digamma(aa)
        d2 = -sp.polygamma(1, aa)
        q1, q2 = _scale(log_prefactor, d1, d2, f0, f1, f2)
        first[by_fraction], second[by_fraction] = -q1, -q2
    return first, second


def _scale(log_prefactor, d1, d2, s0, s1, s2):
    """First and second derivatives of exp(L) * S from those of L (d1, d2) and of S."""
    value = np.exp(log_prefactor + np.log(s0))
    g = d1 + s1 / s0  # d/da log(exp(L) S)
    h = d2 + s2 / s0 - (s1 / s0) ** 2  # d^2/da^2 log(exp(L) S)
    return value * g, value * (g * g + h)


def _series_sums(a, x):
    """sum t_n and its first two a-derivatives, t_n = prod_{k<=n} x / (a + k)."""
    term = np.ones_like(a)
    h1 = np.zeros_like(a)  # sum 1/(a+k): minus d/da log t_n
    h2 = np.zeros_like(a)  # sum 1/(a+k)^2: d^2/da^2 log t_n
    s0, s1, s2 = term.copy(), np.zeros_like(a), np.zeros_like(a)
    running = np.ones(a.shape, dtype=bool)
    for n in range(1, MAX_TERMS + 1):
        inv = 1.0 / (a + n)
        term = term * x * inv
        h1 = h1 + inv
        h2 = h2 + inv * inv
        t0, t1, t2 = term, -term * h1, term * (h1 * h1 + h2)
        s0 = np.where(running, s0 + t0, s0)
        s1 = np.where(running, s1 + t1, s1)
        s2 = np.where(running, s2 + t2, s2)
        running &= (t0 > TOLERANCE * s0) | (np.abs(t1) > TOLERANCE * np.abs(s1)) | (t2 > TOLERANCE * s2)
        if not running.any():
            return s0, s1, s2
    _not_converged("gammainc", a[running], x[running])


def _continued_fraction(a, x):
    """Cephes igamc's continued fraction F (Q = x^a e^-x F / Gamma(a)) and its first two
    a-derivatives, from the recurrences of the convergents p/q and of their derivatives."""
    y = 1.0 - a
    z = x + y + 1.0
    # convergents k-2 and k-1 and their a-derivatives (dz/da = -1, d(y c)/da = -c)
    p2, q2, p1, q1 = np.ones_like(a), x.copy(), x + 1.0, z * x
    dp2, dq2, dp1, dq1 = np.zeros_like(a), np.zeros_like(a), np.zeros_like(a), -x
    ddp2, ddq2, ddp1, ddq1 = (np.zeros_like(a) for _ in range(4))
    r0 = p1 / q1
    r1 = (dp1 - r0 * dq1) / q1
    r2 = (ddp1 - 2 * r1 * dq1 - r0 * ddq1) / q1
    running = np.ones(a.shape, dtype=bool)
    big = 2.0**500  # rescaling keeps the convergents finite; the ratios are unchanged
    for c in range(1, MAX_TERMS + 1):
        y = y + 1.0
        z = z + 2.0
        yc = y * c
        p = p1 * z - p2 * yc
        q = q1 * z - q2 * yc
        dp = dp1 * z - p1 - dp2 * yc + p2 * c
        dq = dq1 * z - q1 - dq2 * yc + q2 * c
        ddp = ddp1 * z - 2 * dp1 - ddp2 * yc + 2 * dp2 * c
        ddq = ddq1 * z - 2 * dq1 - ddq2 * yc + 2 * dq2 * c
        with np.errstate(divide="ignore", invalid="ignore"):
            n0 = p / q
            n1 = (dp - n0 * dq) / q
            n2 = (ddp - 2 * n1 * dq - n0 * ddq) / q
        update = running & (q != 0)
        change = (
            (np.abs(n0 - r0) > TOLERANCE * np.abs(n0))
            | (np.abs(n1 - r1) > TOLERANCE * (np.abs(n1) + np.abs(n0)))
            | (np.abs(n2 - r2) > TOLERANCE * (np.abs(n2) + np.abs(n1) + np.abs(n0)))
        )
        r0, r1, r2 = (np.where(update, new, old) for new, old in ((n0, r0), (n1, r1), (n2, r2)))
        running &= ~update | change
        p2, q2, p1, q1 = p1, q1, p, q
        dp2, dq2, dp1, dq1 = dp1, dq1, dp, dq
        ddp2, ddq2, ddp1, ddq1 = ddp1, ddq1, ddp, ddq
        huge = np.abs(p) > big
        if huge.any():
            scale = np.where(huge, 1.0 / big, 1.0)
            p2, q2, p1, q1 = p2 * scale, q2 * scale, p1 * scale, q1 * scale
            dp2, dq2, dp1, dq1 = dp2 * scale, dq2 * scale, dp1 * scale, dq1 * scale
            ddp2, ddq2, ddp1, ddq1 = ddp2 * scale, ddq2 * scale, ddp1 * scale, ddq1 * scale
        if not running.any():
            return r0, r1, r2
    _not_converged("gammainc", a[running], x[running])


def _not_converged(name, *params):
    points = ", ".join(f"{float(p[0])!r}" for p in params)
    raise SpecialFunctionError(
        f"the parameter derivative of scipy.special.{name} did not converge within {MAX_TERMS} "
        f"terms (first such point: {points}); the series needs about sqrt(74 a) terms near "
        "x = a, so this happens for parameters of a few million and more: differentiate "
        "with respect to the last argument only there."
    )
