"""The two scipy solvers as the primitives run them, on plain arrays.

A solver object holds the user's options. ``run`` calls scipy with them (the user's solve
is scipy's own call, bit for bit) and returns the states at ``t_out`` and, for solve_ivp,
the counts [nfev, njev, nlu]; ``augmented(n, extra)`` is the solver for a system
that extends the state by ``extra`` entries (the adjoint and sensitivity ODEs): the same
method and tolerances, without the options that describe only the user's system (its
Jacobian, its band structure, a first step size).

Times: a solve starts at ``t_span[0]`` and returns the state at each of ``t_out``
(odeint's ``t`` with its first entry, solve_ivp's ``t_eval``).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import IntegrateError

# odeint and solve_ivp options kept for an augmented system (the rest describe f alone)
# (tcrit too: LSODA refuses a critical time behind the direction of a backward interval;
# the arrival check of anchoring.py guards those solves instead)
_ODEINT_KEPT = ("rtol", "atol", "hmax", "hmin", "mxstep", "mxordn", "mxords")
_IVP_KEPT = ("rtol", "atol", "max_step", "min_step")


def _extend_tolerance(tol, n: int, extra: int):
    """A per-component tolerance for a state grown by ``extra`` entries: the user's for the
    first n, their strictest for the new ones (scalars stay scalars)."""
    if tol is None or np.ndim(tol) == 0:
        return tol
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), (n,))
    return np.concatenate([tol, np.full(extra, tol.min())])


def scipy_solvers():
    """scipy's odeint and solve_ivp themselves (not the wrappers in place while tracing)."""
    import scipy.integrate

    from xformad.extend import original

    return original(scipy.integrate.odeint), original(scipy.integrate.solve_ivp)


def _strict_odeint(odeint, dynamics, y0, times, call):
    """odeint for an ODE of a derivative: its failure (which scipy only warns about) would
    give a wrong gradient, so it raises."""
    from scipy.integrate import ODEintWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ODEintWarning)
        try:
            return odeint(dynamics.solver_fn(), y0, times, **call)
        except ODEintWarning as failure:
            raise IntegrateError(
                f"odeint failed on {dynamics.label}: {failure} Raise mxstep=, loosen "
                "rtol=/atol=, or add output times to t (shorter backward intervals)."
            ) from None


class OdeintSolver:
    kind = "odeint"

    def __init__(self, options: dict):
        self.options = options

    def __repr__(self) -> str:
        return "odeint"

    def augmented(self, n: int, extra: int) -> OdeintSolver:
        kept = {k: v for k, v in self.options.items() if k in _ODEINT_KEPT}
        for k in ("rtol", "atol"):
            if k in kept:
                kept[k] = _extend_tolerance(kept[k], n, extra)
        return OdeintSolver(kept)

    def run(self, dynamics, y0, t_span, t_out, inputs, *, augmented: bool):
        odeint = scipy_solvers()[0]
        # odeint starts at its first time: the user's t has t_span[0] first, an interval
        # of the backward pass is (start, end) with the end alone in t_out
        prepend = not (np.size(t_out) and t_out[0] == t_span[0])
        times = np.concatenate([t_span[:1], t_out]) if prepend else t_out
        call = dict(args=dynamics.solver_args(inputs), tfirst=dynamics.tfirst, **self.options)
        if not augmented:  # the user's own solve: scipy's values and warnings, as scipy gives them
            ys = odeint(dynamics.solver_fn(), y0, times, **call)
        else:
            ys = _strict_odeint(odeint, dynamics, y0, times, call)
        return (ys[1:] if prepend else ys), None

    def tolerances(self):
        """(rtol, atol) in force (odeint's defaults where not given)."""
        default = 1.49012e-8
        rtol, atol = self.options.get("rtol"), self.options.get("atol")
        return (default if rtol is None else rtol), (default if atol is None else atol)


# evaluations of an augmented right-hand side one solve_ivp call may make (odeint has
# mxstep); a backward solve leaving the forward solution can otherwise step for minutes
IVP_WORK_BUDGET = 10_000


class WorkBudgetExceeded(IntegrateError):
    pass


def _budgeted(fn, budget: int, label: str):
    calls = [0]

    def call(*args):
        calls[0] += 1
        if calls[0] > budget:
            raise WorkBudgetExceeded(f"solve_ivp on {label} took over {budget} evaluations")
        return fn(*args)

    return call


class IvpSolver:
    kind = "solve_ivp"

    def __init__(self, method, options: dict, vectorized: bool = False):
        self.method = method
        self.options = options
        self.vectorized = vectorized

    def __repr__(self) -> str:
        return f"solve_ivp[{getattr(self.method, '__name__', self.method)}]"

    def augmented(self, n: int, extra: int) -> IvpSolver:
        kept = {k: v for k, v in self.options.items() if k in _IVP_KEPT}
        if "atol" in kept:
            kept["atol"] = _extend_tolerance(kept["atol"], n, extra)
        if "rtol" in kept:
            kept["rtol"] = _extend_tolerance(kept["rtol"], n, extra)
        return IvpSolver(self.method, kept)

    def run(self, dynamics, y0, t_span, t_out, inputs, *, augmented: bool):
        solve_ivp = scipy_solvers()[1]
        if augmented and t_span[0] == t_span[1]:  # scipy returns no points for an empty span
            return np.tile(np.asarray(y0, dtype=np.float64), (len(t_out), 1)), np.zeros(3, dtype=int)
        fn = dynamics.solver_fn()
        if augmented:  # solve_ivp has no step limit: a solve going astray stops here
            fn = _budgeted(fn, IVP_WORK_BUDGET, dynamics.label)
        sol = solve_ivp(
            fn,
            (float(t_span[0]), float(t_span[1])),
            y0,
            method=self.method,
            t_eval=t_out,
            vectorized=self.vectorized,
            args=dynamics.solver_args(inputs),
            **self.options,
        )
        if sol.status != 0:  # no events are served: only a failure gets here
            raise IntegrateError(
                f"solve_ivp failed on {dynamics.label}: {sol.message} Its partial solution has no "
                "derivative; loosen rtol=/atol=, change method=, or add output times to t_eval "
                "(shorter backward intervals)."
            )
        if len(sol.t) != len(t_out):  # an empty t_span: scipy returns no points at all
            raise IntegrateError(
                f"solve_ivp returned {len(sol.t)} points for {len(t_out)} in t_eval (t_span is "
                "empty?); differentiating needs the solution at every point of t_eval."
            )
        return sol.y.T, np.array([sol.nfev, sol.njev, sol.nlu])

    def tolerances(self):
        """(rtol, atol) in force (solve_ivp's defaults where not given)."""
        return self.options.get("rtol", 1e-3), self.options.get("atol", 1e-6)
