"""One ODE solve as the primitives see it: a right-hand side and a solver.

It is the primitives' one parameter (``problem=``). The adjoint and sensitivity systems of
a problem are problems too, made once per problem and set of differentiated inputs and
kept on it, so a compiled program re-running a solve reuses their compiled Jacobian
products.
"""

from __future__ import annotations


class Problem:
    __slots__ = ("dynamics", "solver", "_derived")

    def __init__(self, dynamics, solver):
        self.dynamics = dynamics
        self.solver = solver
        self._derived: dict = {}

    def __repr__(self) -> str:
        return f"<{self.solver!r} of {self.dynamics!r}>"

    def derived(self, key, make):
        """The problem ``make()`` builds, made once per ``key``."""
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = make()
        return found
