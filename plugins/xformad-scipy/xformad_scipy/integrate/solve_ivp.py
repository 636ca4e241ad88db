"""``scipy.integrate.solve_ivp`` for traced arguments.

Differentiable: ``y0``, ``t_span`` (its start; the solution at ``t_eval`` does not depend
on where the solve stops), every point of ``t_eval``, and the traced entries of
``args=``, for every ``method`` (a name or an OdeSolver class). The result is an
``OdeResult`` like scipy's: ``t`` and ``y`` traced, ``nfev``/``njev``/``nlu`` those of the
solve that ran. Served for traced inputs only where the result is a function of them that
has a derivative: ``t_eval=`` given (without it the output times are the solver's own
steps, which move with the inputs), ``dense_output=False``, no ``events``.
"""

from __future__ import annotations

import numpy as np

from ..errors import IntegrateError
from .dynamics import ArgsLayout, Dynamics, checked, holds_traced, refuse_traced_options
from .primitives import solve_ivp_p
from .problem import Problem
from .solvers import IvpSolver, scipy_solvers

NAME = "scipy.integrate.solve_ivp"


def solve_ivp(
    fun,
    t_span,
    y0,
    method="RK45",
    t_eval=None,
    dense_output=False,
    events=None,
    vectorized=False,
    args=None,
    **options,
):
    refuse_traced_options(
        NAME, dict(options, method=method, vectorized=vectorized, dense_output=dense_output)
    )
    if not any(holds_traced(v) for v in (t_span, y0, t_eval, args)):
        return _plain(fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args, options)
    _refuse_unserved(t_eval, dense_output, events)
    y0 = np.asarray(y0)
    if np.iscomplexobj(y0):
        raise IntegrateError(
            f"{NAME}: a complex y0 is not served when differentiating; solve for its real and "
            "imaginary parts as a real system of twice the size."
        )
    t_start, t_end = t_span
    t_span = np.stack([np.asarray(t_start, dtype=np.float64), np.asarray(t_end, dtype=np.float64)])
    t_out = np.asarray(t_eval)
    if callable(options.get("jac")):
        options["jac"] = checked(options["jac"], NAME)
    layout = ArgsLayout(args, what=NAME)
    dynamics = Dynamics(fun, tfirst=True, layout=layout, vectorized=bool(vectorized), name=NAME)
    problem = Problem(dynamics, IvpSolver(method, options, bool(vectorized)))
    Y, counts = solve_ivp_p.bind(y0, t_span, t_out, *layout.inputs_of(args), problem=problem)
    return _result(np.array(t_out), Y.T, counts)


def _refuse_unserved(t_eval, dense_output, events) -> None:
    if t_eval is None:
        raise IntegrateError(
            f"{NAME}: without t_eval= the output times are the solver's own steps, which move "
            "with the inputs, so the solution there has no derivative. Pass t_eval= the times "
            "you need (t_eval=[t_span[1]] for the final state)."
        )
    if dense_output:
        raise IntegrateError(
            f"{NAME}: dense_output=True is not served when differentiating (the interpolant "
            "sol.sol has no derivative). Pass the times you need as t_eval=."
        )
    if events is not None:
        raise IntegrateError(
            f"{NAME}: events= is not served when differentiating (event times have no "
            "derivative here). Find the event time on plain values, then differentiate a solve "
            "with t_eval= up to it."
        )


def _result(t, y, counts):
    from scipy.integrate._ivp.ivp import MESSAGES, OdeResult  # scipy's own result type

    return OdeResult(
        t=t,
        y=y,
        sol=None,
        t_events=None,
        y_events=None,
        nfev=counts[0],
        njev=counts[1],
        nlu=counts[2],
        status=0,
        message=MESSAGES[0],
        success=True,
    )


def _plain(fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args, options):
    """Nothing traced is passed: scipy's own call, with the functions checked for traced
    closures (whose derivative scipy's solve would drop without a word)."""
    fun = checked(fun, NAME) if callable(fun) else fun
    if callable(options.get("jac")):
        options["jac"] = checked(options["jac"], NAME)
    if callable(events):
        events = checked(events, NAME)
    elif isinstance(events, (list, tuple)):
        events = [checked(e, NAME) if callable(e) else e for e in events]
    return scipy_solvers()[1](
        fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args, **options
    )
