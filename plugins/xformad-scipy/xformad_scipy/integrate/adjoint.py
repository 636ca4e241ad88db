"""Reverse mode of a solve: the adjoint method.

For y' = f(y, t, p), y(t0) = y0 and outputs Y_i = y(t_i) with cotangents g_i, the adjoint
a(t) solves a' = -(df/dy)^T a backwards from a(t_last) = g_last, jumping by g_i at each
earlier output time, and

    dL/dy0  = a(t0)
    dL/dp   = integral from t0 to t_last of (df/dp)^T a dt
    dL/dt_i = g_i . f(Y_i, t_i)              (moving an output time)
    dL/dt0  = -a(t0) . f(y0, t0)             (moving the start)

The state is solved backwards alongside (y, a and the accumulator p_bar form one ODE, the
adjoint dynamics below), one interval between consecutive output times at a time,
restarted at each interval from the forward solution Y_i and checked on arrival against
Y_(i-1) (anchoring.py: where it drifted, as a stiff system solved backwards does, the
interval is halved). Memory is the outputs and one augmented state, whatever the number
of solver steps.

Each interval is a solve of the same primitive (``solve``), so the rule is differentiable
again: its own derivatives are the adjoint and sensitivity systems of the adjoint system.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import is_traced

from .linearize import AugmentedDynamics, vjp_of
from .problem import Problem


class AdjointDynamics(AugmentedDynamics):
    """d/dt [y, a, p_bar] = [f, -(df/dy)^T a, -(df/dp)^T a] for the inputs ``wrt``.

    Its inputs are the parent's, then the forward solution at the interval's end (the
    anchor: the state solved backwards must arrive there; anchoring.py checks it)."""

    label = "the adjoint ODE"

    def __init__(self, parent: Problem, n: int, wrt: tuple):
        self.parent = parent
        self.n = n
        self.product = vjp_of(parent.dynamics, wrt)
        # a drifting interval can be halved where the forward solution at its midpoint
        # is a forward solve of the user's own system (anchoring.py)
        self.can_halve = not parent.dynamics.derived

    def __repr__(self) -> str:
        return f"adjoint of {self.parent.dynamics!r}"

    def uses_input(self, k: int, count: int) -> bool:
        return k != count - 1  # the anchor only checks the solve

    def anchor(self, state, inputs):
        return state[: self.n], inputs[-1]

    def rhs(self, z, t, inputs):
        n = self.n
        f, a_jac_y, *a_jac_p = self.product(t, z[:n], z[n : 2 * n], *inputs[:-1])
        return np.concatenate([f, -a_jac_y] + [-np.ravel(g) for g in a_jac_p])


def adjoint_problem(problem: Problem, n: int, wrt: tuple, sizes: tuple) -> Problem:
    def make():
        return Problem(AdjointDynamics(problem, n, wrt), problem.solver.augmented(n, n + sum(sizes)))

    return problem.derived(("adjoint", n, wrt, sizes), make)


def adjoint_vjp(solve, ct, ans, needed, y0, t_span, t_out, *inputs, problem):
    """Cotangents of (y0, t_span, t_out, *inputs) for the output cotangent ``ct``."""
    results: list = [None] * (3 + len(inputs))
    if ct is None:
        return results
    g, Y = ct, ans
    N, n = np.shape(Y)
    dynamics = problem.dynamics
    count = len(inputs)
    wrt = tuple(k for k, need in enumerate(needed[3:]) if need and dynamics.uses_input(k, count))
    sizes = tuple(int(np.size(inputs[k])) for k in wrt)
    augmented = adjoint_problem(problem, n, wrt, sizes)
    y_start = np.reshape(y0, (n,))
    # plain values (a first derivative): intervals with nothing to carry are skipped;
    # traced ones (a derivative being recorded) always solve, with no branch on values
    traced = any(is_traced(v) for v in (g, Y, y0, t_span, t_out, *inputs))

    a = g[N - 1]
    p_bar = np.zeros(sum(sizes))
    for i in range(N - 1, -1, -1):
        start, end = t_out[i], (t_out[i - 1] if i > 0 else t_span[0])
        # with a = 0 the adjoint stays 0 and p_bar constant (the ODE is linear in a)
        if traced or (start != end and np.any(a)):
            z = np.concatenate([Y[i], a, p_bar])
            anchor = Y[i - 1] if i > 0 else y_start
            z_end = solve(augmented, z, np.stack([start, end]), np.reshape(end, (1,)), [*inputs, anchor])[0]
            a, p_bar = z_end[n : 2 * n], z_end[2 * n :]
        if i > 0:
            a = a + g[i - 1]

    if needed[0]:
        results[0] = np.reshape(a, np.shape(y0))
    if needed[2]:
        f_out = np.stack([dynamics.rhs(Y[i], t_out[i], inputs) for i in range(N)])
        results[2] = np.sum(g * f_out, axis=1)
    if needed[1]:
        moved = -np.sum(a * dynamics.rhs(y_start, t_span[0], inputs))
        results[1] = np.stack([moved, 0.0 * moved])  # the end of t_span moves no output
    offset = 0
    for k, size in zip(wrt, sizes):
        results[3 + k] = np.reshape(p_bar[offset : offset + size], np.shape(inputs[k]))
        offset += size
    return results
