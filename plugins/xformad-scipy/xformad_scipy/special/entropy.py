"""Entropy terms: ``entr(x) = -x log x`` and ``rel_entr(x, y) = x log(x / y)``.

scipy extends both past their domains: entr is 0 at x = 0 and -inf for x < 0; rel_entr is
0 for x = 0 <= y and +inf where x < 0, y < 0, or x > 0 = y.
The derivative in x at x = y = 0 is NaN: the function jumps to +inf there. The values are scipy's own
(the kernels are scipy's). The derivatives are the formulas' where the function is finite,
their one-sided limits at the boundary (entr'(0) = +inf, d/dx rel_entr(0, y) = -inf,
d/dy rel_entr(0, y) = 0), and NaN where the function is infinite (it has no derivative
there; a where() that does not take that branch still gets 0, see safe_mul).
"""

from __future__ import annotations

import numpy as np

from .table import binary, unary


def _finite_only(derivative, ans):
    """``derivative`` where the function is finite, NaN where scipy's value is infinite."""
    return np.where(np.isinf(ans), np.nan, derivative)


def _log(x):
    """log x for x >= 0 (-inf at 0); negative x, where the value is replaced by NaN anyway,
    are kept away from the log so that it warns of nothing."""
    return np.log(np.where(x >= 0, x, 1.0))


def _log_ratio(x, y):
    """log(x / y) without overflow in the quotient."""
    return _log(x) - _log(y)


def _minus_x_over_y(x, y):
    """-x / y, 0 where x and y are both 0 (rel_entr(0, 0) = 0); at x = 0 beside a nonzero y
    the quotient itself, so its derivative in x (-1 / y) is kept."""
    both = (x == 0) & (y == 0)
    return np.where(both, 0.0, -x / np.where(both, 1.0, y))


# d/dx (-x log x) = -(log x + 1): +inf at 0, the one-sided limit
entr_p = unary("entr", lambda ans, x: _finite_only(-(_log(x) + 1), ans), safe=True)
rel_entr_p = binary(
    "rel_entr",
    lambda ans, x, y: _finite_only(_log_ratio(x, y) + 1, ans),
    lambda ans, x, y: _finite_only(_minus_x_over_y(x, y), ans),
)
