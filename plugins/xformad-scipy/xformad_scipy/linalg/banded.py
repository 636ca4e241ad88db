"""scipy.linalg.solve_banded((l, u), ab, b): A x = b, A stored by diagonals in ``ab``.

``ab[u + i - j, j] = A[i, j]`` for the l + u + 1 diagonals; the corners of ``ab`` that
name no entry of A are never read, so their gradient is zero. The kernel is scipy's
(gbsv, or gtsv for l = u = 1); the rules only need A as a dense matrix for products with
tangents (``dense``) and the band storage of A^T for the transposed solve.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from .arguments import any_traced, as_array, as_matrix_rhs
from .scipy_calls import scipy_linalg
from .structure import keep, mT


def _dense_indices(n: int, lower: int, upper: int):
    """For each (i, j) of A: the row of ab holding it, and whether there is one."""
    i, j = np.indices((n, n))
    row = upper + i - j
    inside = (row >= 0) & (row <= lower + upper)
    return np.where(inside, row, 0), j, inside


def dense(ab, lower: int, upper: int):
    """A from its band storage (zeros off the band)."""
    row, col, inside = _dense_indices(ab.shape[-1], lower, upper)
    return keep(ab[..., row, col], inside)


def band(m, lower: int, upper: int):
    """The band storage of the matrix m (the inverse of ``dense`` on the band)."""
    n = m.shape[-1]
    k, j = np.indices((lower + upper + 1, n))
    i = k - upper + j
    inside = (i >= 0) & (i < n)
    return keep(m[..., np.where(inside, i, 0), j], inside)


def _kernel(xp, ab, b, lower, upper, check_finite):
    return scipy_linalg("solve_banded")((lower, upper), ab, b, check_finite=check_finite)


solve_banded_p = Primitive("scipy.linalg.solve_banded", _kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (solve_banded_p,):
    _p.def_batch(batch_rules.looped)


def _jvp(tangents, x, ab, b, lower, upper, check_finite):
    t_ab, tb = tangents
    rhs = tb
    if t_ab is not None:
        change = dense(t_ab, lower, upper) @ x
        rhs = -change if rhs is None else rhs - change
    return solve_banded_p.bind(ab, rhs, lower=lower, upper=upper, check_finite=check_finite)


def _vjp(ct, x, needed, ab, b, lower, upper, check_finite):
    # A^T has the bands swapped: l' = u, u' = l
    ab_t = band(mT(dense(ab, lower, upper)), upper, lower)
    ct_b = solve_banded_p.bind(ab_t, ct, lower=upper, upper=lower, check_finite=check_finite)
    ct_ab = band(-(ct_b @ mT(x)), lower, upper) if needed[0] else None
    return ct_ab, ct_b if needed[1] else None


solve_banded_p.def_jvp_joint(_jvp)
solve_banded_p.def_vjp_joint(_vjp)


def solve_banded_handler(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    if not any_traced(ab, b):
        return NotImplemented
    lower, upper = (int(v) for v in l_and_u)
    ab, b = as_array(ab), as_array(b)
    b2, squeeze = as_matrix_rhs(b)
    x = solve_banded_p.bind(ab, b2, lower=lower, upper=upper, check_finite=bool(check_finite))
    return x[..., 0] if squeeze else x


PRIMITIVES = [solve_banded_p]
HANDLERS = {"solve_banded": solve_banded_handler}
