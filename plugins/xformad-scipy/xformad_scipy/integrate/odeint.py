"""``scipy.integrate.odeint`` for traced arguments.

Differentiable: ``y0``, ``t`` (every time point) and the traced entries of ``args=``.
The solve is scipy's own call (same function, same options: same numbers). Options that
only steer the solver (``Dfun``, ``ml``/``mu``, ``h0``, ``tcrit``, ...) are passed to the
forward solve; the adjoint and sensitivity solves use the same tolerances and step bounds.
"""

from __future__ import annotations

import numpy as np

from ..errors import IntegrateError
from .dynamics import ArgsLayout, Dynamics, checked, holds_traced, refuse_traced_options
from .primitives import odeint_p
from .problem import Problem
from .solvers import OdeintSolver

NAME = "scipy.integrate.odeint"


def odeint(
    func,
    y0,
    t,
    args=(),
    Dfun=None,
    col_deriv=0,
    full_output=0,
    ml=None,
    mu=None,
    rtol=None,
    atol=None,
    tcrit=None,
    h0=0.0,
    hmax=0.0,
    hmin=0.0,
    ixpr=0,
    mxstep=0,
    mxhnil=0,
    mxordn=12,
    mxords=5,
    printmessg=0,
    tfirst=False,
):
    options = dict(
        col_deriv=col_deriv,
        ml=ml,
        mu=mu,
        rtol=rtol,
        atol=atol,
        tcrit=tcrit,
        h0=h0,
        hmax=hmax,
        hmin=hmin,
        ixpr=ixpr,
        mxstep=mxstep,
        mxhnil=mxhnil,
        mxordn=mxordn,
        mxords=mxords,
        printmessg=printmessg,
    )
    refuse_traced_options(NAME, dict(options, Dfun=Dfun, full_output=full_output, tfirst=tfirst))
    if not (holds_traced(y0) or holds_traced(t) or holds_traced(args)):
        return _plain(func, y0, t, args, Dfun, full_output, tfirst, options)
    if full_output:
        raise IntegrateError(
            f"{NAME}: full_output=1 is not served when differentiating (its diagnostics have no "
            "derivative). Call it without full_output, and again on plain values for the diagnostics."
        )
    if not isinstance(args, tuple):
        raise IntegrateError(f"{NAME}: args= must be a tuple (scipy: 'Extra arguments must be in a tuple.').")
    y0 = np.asarray(y0)
    if np.iscomplexobj(y0):
        raise IntegrateError(f"{NAME}: odeint solves real systems; y0 is complex.")
    t = np.asarray(t)
    layout = ArgsLayout(args, what=NAME)
    dynamics = Dynamics(func, tfirst=bool(tfirst), layout=layout, name=NAME)
    if Dfun is not None:
        options["Dfun"] = checked(Dfun, NAME)
    problem = Problem(dynamics, OdeintSolver(options))
    t_span = t[np.array([0, -1])]  # odeint starts at t[0]
    return odeint_p.bind(y0, t_span, t, *layout.inputs_of(args), problem=problem)


def _plain(func, y0, t, args, Dfun, full_output, tfirst, options):
    """Nothing traced is passed: scipy's own call, with func and Dfun checked for traced
    closures (whose derivative scipy's solve would drop without a word)."""
    from .solvers import scipy_solvers

    func = checked(func, NAME) if callable(func) else func
    Dfun = checked(Dfun, NAME) if callable(Dfun) else Dfun
    return scipy_solvers()[0](func, y0, t, args, Dfun, full_output=full_output, tfirst=tfirst, **options)
