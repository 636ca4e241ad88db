"""Products with the Jacobian of a right-hand side, from xformad itself.

The adjoint ODE needs ``a^T df/dy`` and ``a^T df/dp``, the sensitivity ODE ``df/dy s +
df/dp dp``, at every step of the solver, for a user function written in plain numpy. The
plugin imports xformad's public ``vjp``/``jvp`` for them (rather than asking for
hand-written Jacobians): the user's code is differentiated as any other numpy code, to any
order, and the products cost a small multiple of one evaluation of ``f``.

A solver calls the right-hand side thousands of times on plain arrays, and tracing ``f``
afresh each time costs ~0.2 ms, so the product is compiled once with ``xformad.jit``
(~25 us a call after). On traced values (a derivative of a derivative being recorded) it
is traced directly, so the outer transform sees through it.
"""

from __future__ import annotations

import xformad
from xformad.extend import XformadError, is_traced


def _replace(inputs, positions, values) -> list:
    out = list(inputs)
    for k, v in zip(positions, values):
        out[k] = v
    return out


def _vjp(dynamics, wrt, t, y, a, *inputs):
    """(f, a^T df/dy, a^T df/dp for p in wrt) at (y, t)."""

    def f(y, *params):
        return dynamics.rhs(y, t, _replace(inputs, wrt, params))

    out, back = xformad.vjp(f, y, *[inputs[k] for k in wrt])
    return (out, *back(a))


def _jvp(dynamics, active, t, y, s, *inputs_and_tangents):
    """(f, df/dy s + sum_p df/dp dp for p in active) at (y, t)."""
    inputs = inputs_and_tangents[: len(inputs_and_tangents) - len(active)]
    tangents = inputs_and_tangents[len(inputs) :]

    def f(y, *params):
        return dynamics.rhs(y, t, _replace(inputs, active, params))

    return xformad.jvp(f, (y, *[inputs[k] for k in active]), (s, *tangents))


class AugmentedDynamics:
    """What the adjoint and sensitivity systems share: the solver calls ``rhs(z, t,
    inputs)`` with t first and every input passed through as given."""

    tfirst = True
    vectorized = False
    derived = True

    def solver_fn(self):
        return self._call

    def solver_args(self, inputs) -> tuple:
        return tuple(inputs)

    def _call(self, t, z, *inputs):
        return self.rhs(z, t, inputs)


class Linearization:
    """``vjp``/``jvp`` of one dynamics with respect to y and the inputs at ``positions``."""

    __slots__ = ("dynamics", "positions", "_product", "_compiled", "_eager")

    def __init__(self, dynamics, positions, product):
        self.dynamics = dynamics
        self.positions = tuple(positions)
        self._product = product  # _vjp or _jvp
        self._compiled = None
        self._eager = False  # set when f cannot be compiled (impure, say): trace each call

    def _bound(self):
        product, dynamics, positions = self._product, self.dynamics, self.positions

        def product_at(t, y, v, *inputs):
            return product(dynamics, positions, t, y, v, *inputs)

        return product_at

    def __call__(self, t, y, v, *inputs):
        args = (self.dynamics, self.positions, t, y, v, *inputs)
        if self._eager or any(is_traced(x) for x in (t, y, v, *inputs)):
            return self._product(*args)
        if self._compiled is None:
            self._compiled = xformad.jit(self._bound(), compile_after=0)  # called thousands of times
        try:
            return self._compiled(t, y, v, *inputs)
        except XformadError:
            # jit refused f (it changes its environment, say): the plain product tells
            # the real error, if any, and is used from now on
            self._eager = True
            return self._product(*args)


def vjp_of(dynamics, wrt) -> Linearization:
    return Linearization(dynamics, wrt, _vjp)


def jvp_of(dynamics, active) -> Linearization:
    return Linearization(dynamics, active, _jvp)
