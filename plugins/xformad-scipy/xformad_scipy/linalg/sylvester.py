"""scipy.linalg.solve_sylvester: X with A X + X B = Q (Bartels-Stewart, scipy's kernel).

Differentiating A X + X B = Q gives another Sylvester equation with the same A and B:
A dX + dX B = dQ - dA X - X dB. Its transpose is the equation of A^T and B^T, so
the cotangent of Q is solve_sylvester(A^T, B^T, ct), and those of A and B follow from it.
"""

from __future__ import annotations

from xformad.extend import Primitive, batch_rules

from .arguments import any_traced, as_array
from .scipy_calls import scipy_linalg
from .structure import mT


def _kernel(xp, a, b, q):
    return scipy_linalg("solve_sylvester")(a, b, q)


solve_sylvester_p = Primitive("scipy.linalg.solve_sylvester", _kernel)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (solve_sylvester_p,):
    _p.def_batch(batch_rules.looped)


def _jvp(tangents, x, a, b, q):
    ta, tb, tq = tangents
    rhs = tq
    for change in (None if ta is None else ta @ x, None if tb is None else x @ tb):
        if change is not None:
            rhs = -change if rhs is None else rhs - change
    return solve_sylvester_p.bind(a, b, rhs)


def _vjp(ct, x, needed, a, b, q):
    ct_q = solve_sylvester_p.bind(mT(a), mT(b), ct)
    ct_a = -(ct_q @ mT(x)) if needed[0] else None
    ct_b = -(mT(x) @ ct_q) if needed[1] else None
    return ct_a, ct_b, ct_q if needed[2] else None


solve_sylvester_p.def_jvp_joint(_jvp)
solve_sylvester_p.def_vjp_joint(_vjp)


def solve_sylvester_handler(a, b, q):
    if not any_traced(a, b, q):
        return NotImplemented
    return solve_sylvester_p.bind(as_array(a), as_array(b), as_array(q))


PRIMITIVES = [solve_sylvester_p]
HANDLERS = {"solve_sylvester": solve_sylvester_handler}
