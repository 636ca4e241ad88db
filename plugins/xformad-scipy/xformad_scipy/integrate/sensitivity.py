"""Forward mode of a solve: the forward sensitivity equations.

For y' = f(y, t, p), y(t0) = y0, the tangent s = dy along tangents (dy0, dt0, dp, dt_i)
solves s' = (df/dy) s + (df/dp) dp with s(t0) = dy0 - f(y0, t0) dt0 (moving the start
shifts the solution back along f), and the output tangent at t_i is
s(t_i) + f(Y_i, t_i) dt_i. y and s are solved together, as one ODE, by the same solver
over the same times: one solve of the same primitive, so the rule is differentiable again.
"""

from __future__ import annotations

import numpy as np

from .linearize import AugmentedDynamics, jvp_of
from .problem import Problem


class SensitivityDynamics(AugmentedDynamics):
    """d/dt [y, s] = [f, (df/dy) s + (df/dp) dp] for the inputs ``active``; the tangents
    dp are the trailing inputs."""

    label = "the sensitivity ODE"

    def __init__(self, parent, n: int, active: tuple):
        self.parent = parent
        self.n = n
        self.active = active
        self.product = jvp_of(parent, active)

    def uses_input(self, k: int, count: int) -> bool:
        parent_count = count - len(self.active)
        return k >= parent_count or self.parent.uses_input(k, parent_count)

    def anchor(self, state, inputs):
        # y is the parent's state: checked as the parent's solve would be
        return self.parent.anchor(state[: self.n], inputs[: len(inputs) - len(self.active)])

    def __repr__(self) -> str:
        return f"sensitivity of {self.parent!r}"

    def rhs(self, z, t, inputs):
        n = self.n
        f, df = self.product(t, z[:n], z[n:], *inputs)
        return np.concatenate([f, df])


def sensitivity_problem(problem: Problem, n: int, active: tuple) -> Problem:
    def make():
        return Problem(SensitivityDynamics(problem.dynamics, n, active), problem.solver.augmented(n, n))

    return problem.derived(("sensitivity", n, active), make)


def sensitivity_jvp(solve, tangents, ans, y0, t_span, t_out, *inputs, problem):
    """The output tangent for tangents of (y0, t_span, t_out, *inputs) (None: zero)."""
    dy0, dt_span, dt_out, *d_inputs = tangents
    Y = ans
    N, n = np.shape(Y)
    dynamics = problem.dynamics
    count = len(inputs)
    active = tuple(k for k, d in enumerate(d_inputs) if d is not None and dynamics.uses_input(k, count))
    out = None
    if dy0 is not None or dt_span is not None or active:
        y_start = np.reshape(y0, (n,))
        s0 = np.reshape(dy0, (n,)) if dy0 is not None else np.zeros(n)
        if dt_span is not None:
            s0 = s0 - dynamics.rhs(y_start, t_span[0], inputs) * dt_span[0]
        sensitivity = sensitivity_problem(problem, n, active)
        extended = [*inputs, *[d_inputs[k] for k in active]]
        Z = solve(sensitivity, np.concatenate([y_start, s0]), t_span, t_out, extended)
        out = Z[:, n:]
    if dt_out is not None:
        f_out = np.stack([dynamics.rhs(Y[i], t_out[i], inputs) for i in range(N)])
        moved = f_out * np.reshape(dt_out, (N, 1))
        out = moved if out is None else out + moved
    return out
