"""The solve primitives: ``scipy.integrate.odeint`` and ``scipy.integrate.solve_ivp``.

Inputs ``(y0, t_span, t_out, *inputs)``, parameter ``problem``; the output is the state
at each of ``t_out``, shape (len(t_out), n), and for solve_ivp also the counts
``[nfev, njev, nlu]`` (a node output, so a compiled program reports its own run's).
The kernel is scipy's solver on plain arrays; a JIT-compiled program holds the solve as
one node calling it. Reverse mode is the adjoint method (adjoint.py), forward mode the
sensitivity equations (sensitivity.py), both solving with the same primitive.
"""

from __future__ import annotations

from xformad.extend import Primitive, batch_rules

from .adjoint import adjoint_vjp
from .anchoring import run_anchored
from .sensitivity import sensitivity_jvp


def _run(problem, y0, t_span, t_out, inputs):
    if problem.dynamics.derived:  # an adjoint or sensitivity system: checked on arrival
        return run_anchored(problem, y0, t_span, t_out, inputs)
    return problem.solver.run(problem.dynamics, y0, t_span, t_out, inputs, augmented=False)


def _odeint_kernel(xp, y0, t_span, t_out, *inputs, problem):
    return _run(problem, y0, t_span, t_out, inputs)[0]


def _solve_ivp_kernel(xp, y0, t_span, t_out, *inputs, problem):
    return _run(problem, y0, t_span, t_out, inputs)


odeint_p = Primitive("scipy.integrate.odeint", _odeint_kernel)
solve_ivp_p = Primitive("scipy.integrate.solve_ivp", _solve_ivp_kernel, multiple_results=True)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (odeint_p, solve_ivp_p):
    _p.def_batch(batch_rules.looped)
PRIMITIVES = (odeint_p, solve_ivp_p)


def solve(problem, y0, t_span, t_out, inputs):
    """The states at ``t_out`` (plain or traced), by the primitive of the problem's solver."""
    if problem.solver.kind == "odeint":
        return odeint_p.bind(y0, t_span, t_out, *inputs, problem=problem)
    return solve_ivp_p.bind(y0, t_span, t_out, *inputs, problem=problem)[0]


@odeint_p.def_vjp_joint
def _odeint_vjp(ct, ans, needed, *args, problem):
    return adjoint_vjp(solve, ct, ans, needed, *args, problem=problem)


@odeint_p.def_jvp_joint
def _odeint_jvp(tangents, ans, *args, problem):
    return sensitivity_jvp(solve, tangents, ans, *args, problem=problem)


@solve_ivp_p.def_vjp_joint
def _solve_ivp_vjp(ct, ans, needed, *args, problem):
    return adjoint_vjp(solve, ct[0], ans[0], needed, *args, problem=problem)  # counts: none


@solve_ivp_p.def_jvp_joint
def _solve_ivp_jvp(tangents, ans, *args, problem):
    return (sensitivity_jvp(solve, tangents, ans[0], *args, problem=problem), None)
