"""scipy.integrate, served for traced values: ``odeint`` and ``solve_ivp``.

The solve is one primitive whose kernel is scipy's solver (same values as scipy); reverse
mode is the adjoint method and forward mode the sensitivity equations, both solved by the
same scipy solver with the same tolerances (see docs/integrate.md).

- ``dynamics.py``: the user's right-hand side and its ``args=``
- ``linearize.py``: its Jacobian products, from xformad itself
- ``solvers.py``: scipy's two solvers as the kernels call them
- ``problem.py``: the primitives' parameter (right-hand side + solver)
- ``primitives.py``: the primitives and their rules
- ``adjoint.py``, ``sensitivity.py``: reverse and forward mode
- ``odeint.py``, ``solve_ivp.py``: the interceptions of scipy's two functions
"""

from __future__ import annotations

from .odeint import odeint
from .primitives import PRIMITIVES
from .solve_ivp import solve_ivp

COVERAGE = [
    (
        "scipy.integrate.odeint",
        "y0, t, args",
        "adjoint method (reverse) and sensitivity equations (forward) solved by odeint itself; "
        "tfirst, Dfun, tolerances and step options served; full_output=1 raises",
    ),
    (
        "scipy.integrate.solve_ivp",
        "y0, t_span[0], t_eval, args",
        "every method; needs t_eval=; dense_output=True and events= raise; "
        "t_span[1] has derivative 0 (the solution at t_eval does not depend on it)",
    ),
]


def register_primitives(registry) -> None:
    """Register the two solve primitives."""
    for primitive in PRIMITIVES:
        registry.add_primitive(primitive)


def register_interceptions(registry) -> None:
    """odeint and solve_ivp are Python functions: intercept them while tracing."""
    registry.intercept("scipy.integrate", "odeint", odeint)
    registry.intercept("scipy.integrate", "solve_ivp", solve_ivp)
