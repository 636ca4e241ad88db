"""Checking the state solved backwards against the forward solution.

The adjoint ODE carries the state y backwards from Y_i to the previous output time, where
the forward solve already found Y_(i-1). Backwards, a dissipative (stiff) system is
unstable: y can leave the forward trajectory far beyond the tolerances, and the gradient
computed along it is then wrong. So every solve of a derived system compares its state
on arrival with the forward value it must equal (``dynamics.anchor``).

Where they disagree, a first derivative halves the interval: the forward value at the
midpoint comes from a forward solve of the user's system (stable), and each half is
solved backwards from its own forward value, until each arrives where it must (at most
``MAX_HALVINGS`` deep). Memory stays one state per level. A derivative of a derivative
(whose state is itself an adjoint state) raises instead, saying what to do.
"""

from __future__ import annotations

import numpy as np

from ..errors import IntegrateError

# arrival within this many tolerances of the forward value: an accurate backward solve
# lands within a few (global error over one interval); an unstable one misses by orders
DRIFT_LIMIT = 1e3
MAX_HALVINGS = 12


def drift(state, expected, solver) -> float:
    """The largest miss of ``state`` from ``expected``, in units of the solver's tolerance
    (a relative tolerance below 1e-12 counts as 1e-12: misses of rounding size pass)."""
    n = np.size(expected)
    # a per-component tolerance lists the anchored state first (solvers._extend_tolerance)
    rtol, atol = (np.asarray(tol, dtype=np.float64).ravel()[:n] for tol in solver.tolerances())
    rtol = np.maximum(rtol, 1e-12)
    scale = atol + rtol * np.maximum(np.abs(state), np.abs(expected))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        miss = np.max(np.abs(state - expected) / scale, initial=0.0)
    return float(miss) if np.isfinite(miss) else np.inf


def _attempt(problem, z, t_span, t_out, inputs):
    """(states, counts, miss in tolerances, failure message): a failed solve misses by inf."""
    try:
        Z, counts = problem.solver.run(problem.dynamics, z, t_span, t_out, inputs, augmented=True)
    except IntegrateError as failure:
        return None, None, np.inf, str(failure)
    anchor = problem.dynamics.anchor(Z[-1], inputs) if len(Z) else None
    miss = 0.0 if anchor is None else drift(*anchor, problem.solver)
    return Z, counts, miss, f"it arrived {miss:.3g} tolerances away"


def run_anchored(problem, z0, t_span, t_out, inputs):
    """A solve of a derived system (plain arrays), checked on arrival."""
    dynamics = problem.dynamics
    Z, counts, miss, why = _attempt(problem, z0, t_span, t_out, inputs)
    if Z is not None and miss <= DRIFT_LIMIT:
        return Z, counts
    halvable = getattr(dynamics, "can_halve", False) and len(t_out) == 1 and t_out[0] == t_span[1]
    if not halvable:
        raise IntegrateError(
            f"{dynamics.label} of a higher derivative did not follow the forward solution while "
            f"solving backwards, as stiff systems do ({why}): its result would be wrong. Add "
            "output times (more points in t / t_eval) between the observations, or tighten "
            "rtol=/atol=."
        )
    start, end = float(t_span[0]), float(t_span[1])
    _check_forward_solution(problem, z0, start, end, inputs)
    return _halves(problem, z0, start, end, list(inputs), 1)[None, :], counts


def _forward(problem, y, start: float, end: float, inputs):
    """The user's system solved forwards from y at ``start`` to ``end`` (its tolerances)."""
    dynamics = problem.dynamics
    solver = dynamics.parent.solver.augmented(dynamics.n, 0)  # f's own options dropped
    Y, _ = solver.run(
        dynamics.parent.dynamics, y, np.array([start, end]), np.array([end]), inputs, augmented=True
    )
    return Y[-1]


def _check_forward_solution(problem, z, start: float, end: float, inputs) -> None:
    """Halving needs forward solves from the anchor to reproduce the forward solution at
    the interval's start (they are stable where the backward solve is not); a failed
    forward solve (odeint warns 'Excess work done') does not."""
    n = problem.dynamics.n
    y_start = _forward(problem, inputs[-1], end, start, inputs[:-1])
    miss = drift(y_start, z[:n], problem.solver)
    if miss > DRIFT_LIMIT:
        raise IntegrateError(
            f"the gradient needs the forward solution between two output times, and solving the "
            f"ODE again there does not reproduce it (it arrives {miss:.3g} tolerances away): the "
            "forward solve was not accurate. If it warned (odeint: 'Excess work done'), raise "
            "mxstep=; else tighten rtol=/atol= or add output times."
        )


def _checked(problem, z, start: float, end: float, inputs: list, depth: int):
    """z solved from ``start`` back to ``end``, halved again if it drifts."""
    Z, _, miss, why = _attempt(problem, z, np.array([start, end]), np.array([end]), inputs)
    if Z is not None and miss <= DRIFT_LIMIT:
        return Z[-1]
    if depth == MAX_HALVINGS:
        raise IntegrateError(
            f"{problem.dynamics.label} did not follow the forward solution while solving "
            f"backwards ({why}) even over intervals {2**depth} times shorter than between the "
            "output times: its gradient would be wrong. Add output times, or tighten rtol=/atol=."
        )
    return _halves(problem, z, start, end, inputs, depth + 1)


def _halves(problem, z, start: float, end: float, inputs: list, depth: int):
    """z solved from ``start`` to the midpoint, restarted there on the forward solution
    (a forward solve of the user's system from the anchor at ``end``), then to ``end``."""
    n = problem.dynamics.n
    mid = 0.5 * (start + end)
    y_mid = _forward(problem, inputs[-1], end, mid, inputs[:-1])
    z_mid = _checked(problem, z, start, mid, inputs[:-1] + [y_mid], depth)
    z_mid = np.concatenate([y_mid, z_mid[n:]])
    return _checked(problem, z_mid, mid, end, inputs, depth)
