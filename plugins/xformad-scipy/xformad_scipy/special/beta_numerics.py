"""First and second derivatives of the regularized incomplete beta function
I_x(a, b) = betainc(a, b, x) with respect to its parameters a and b (no closed form exists).

The method is the hypergeometric series (DLMF 8.17.8)
    I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) * sum_n t_n,
    t_0 = 1,  t_n = t_{n-1} (a + b + n - 1) x / (a + n),
differentiated term by term: log t_n is a sum of logarithms of linear functions of a and b,
so its gradient and Hessian are running sums of 1/(a + b + k - 1) and 1/(a + k) (and their
squares), and the series' derivatives run beside its value. Where x > (a + 1)/(a + b + 2)
the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) is used instead, so the series' ratio stays
below 1 and the function summed is the smaller of I and 1 - I: the derivatives keep their
relative accuracy (they are those of 1 - I, negated). Every term of each sum has one sign:
no cancellation.

The loop runs until every element's sums have stopped changing at double precision,
vectorised; an element that has not converged after MAX_TERMS raises SpecialFunctionError.
Checked against mpmath's derivatives (tests/test_special_incomplete.py).
"""

from __future__ import annotations

import numpy as np

from .gamma_numerics import MAX_TERMS, TOLERANCE, _not_converged

# the partial derivatives served, in the order the kernel returns them
PARTIALS = ((1, 0), (0, 1), (2, 0), (1, 1), (0, 2))


def betainc_ab_derivatives(a, b, x) -> dict:
    """{(i, j): d^(i+j) I / da^i db^j} for the PARTIALS of I_x(a, b), in float64.

    NaN outside the interior of the domain (a <= 0, b <= 0, x outside [0, 1], NaN); 0 at
    x = 0 and x = 1, where I is constant in a and b."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    out = {ij: np.full(a.shape, np.nan) for ij in PARTIALS}
    inside = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    constant = inside & ((x == 0) | (x == 1))
    for ij in PARTIALS:
        out[ij][constant] = 0.0
    direct = inside & ~constant & (x <= (a + 1) / (a + b + 2))
    mirrored = inside & ~constant & ~direct
    if direct.any():
        parts = _derivatives(a[direct], b[direct], x[direct])
        for ij in PARTIALS:
            out[ij][direct] = parts[ij]
    if mirrored.any():
        # I_x(a, b) = 1 - I_{1-x}(b, a): the roles of a and b swap, and the sign flips
        parts = _derivatives(b[mirrored], a[mirrored], 1 - x[mirrored])
        for i, j in PARTIALS:
            out[(i, j)][mirrored] = -parts[(j, i)]
    return out


def _derivatives(a, b, x) -> dict:
    """The PARTIALS of I_x(a, b) = exp(L) * S where the series converges well."""
    import scipy.special as sp

    s, grad_s, hess_s = _series(a, b, x)
    log_prefactor = a * np.log(x) + b * np.log1p(-x) - np.log(a) - sp.betaln(a, b)
    psi_ab, psi1_ab = sp.digamma(a + b), sp.polygamma(1, a + b)
    # gradient and Hessian of log I = L + log S
    ga = np.log(x) - sp.digamma(a + 1) + psi_ab + grad_s[0] / s
    gb = np.log1p(-x) - sp.digamma(b) + psi_ab + grad_s[1] / s
    haa = -sp.polygamma(1, a + 1) + psi1_ab + hess_s[0] / s - (grad_s[0] / s) ** 2
    hab = psi1_ab + hess_s[1] / s - grad_s[0] * grad_s[1] / s**2
    hbb = -sp.polygamma(1, b) + psi1_ab + hess_s[2] / s - (grad_s[1] / s) ** 2
    value = np.exp(log_prefactor + np.log(s))
    return {
        (1, 0): value * ga,
        (0, 1): value * gb,
        (2, 0): value * (ga * ga + haa),
        (1, 1): value * (ga * gb + hab),
        (0, 2): value * (gb * gb + hbb),
    }


def _series(a, b, x):
    """sum t_n, its (a, b)-gradient and its Hessian (aa, ab, bb), by running sums."""
    term = np.ones_like(a)
    # gradient and Hessian of log t_n
    la, lb = np.zeros_like(a), np.zeros_like(a)
    laa, lab = np.zeros_like(a), np.zeros_like(a)
    s = term.copy()
    sa, sb, saa, sab, sbb = (np.zeros_like(a) for _ in range(5))
    # the sums of |terms|: a sum whose terms change sign (the Hessian's, for b < 1) has
    # converged when a term is negligible beside them, not beside the sum itself
    magnitudes = [np.ones_like(a)] + [np.zeros_like(a) for _ in range(5)]
    running = np.ones(a.shape, dtype=bool)
    for n in range(1, MAX_TERMS + 1):
        up = 1.0 / (a + b + n - 1)  # from the factor (a + b + n - 1)
        down = 1.0 / (a + n)  # from the factor 1 / (a + n)
        term = term * x * (a + b + n - 1) * down
        la, lb = la + up - down, lb + up
        laa, lab = laa - up * up + down * down, lab - up * up  # d2/db2 log t_n = d2/dadb
        new = (
            term,
            term * la,
            term * lb,
            term * (la * la + laa),
            term * (la * lb + lab),
            term * (lb * lb + lab),
        )
        sums = (s, sa, sb, saa, sab, sbb)
        s, sa, sb, saa, sab, sbb = (np.where(running, total + t, total) for total, t in zip(sums, new))
        still = np.zeros(a.shape, dtype=bool)
        for k, t in enumerate(new):
            magnitudes[k] = magnitudes[k] + np.abs(t)
            still |= np.abs(t) > TOLERANCE * magnitudes[k]
        running &= still
        if not running.any():
            return s, (sa, sb), (saa, sab, sbb)
    _not_converged("betainc", a[running], b[running], x[running])
