"""scipy.stats, served for traced values (docs/stats.md).

The distributions' methods are Python functions (they start with ``np.asarray``), so each
is intercepted on its class (``interceptions`` lists them): a traced call of a served
method returns scipy's own value with the derivatives of a numpy composite of the same
function (``exact``; the composites: ``models``, ``student_t``, ``normal_tail``,
``poisson``, ``multivariate_normal``, ``dirichlet``), and the methods not served raise
StatsError saying what to write instead (``refusals``).
"""

from __future__ import annotations

from . import exact, poisson
from .coverage import COVERAGE
from .interceptions import all_interceptions

__all__ = ["COVERAGE", "register_interceptions", "register_primitives"]

PRIMITIVES = exact.PRIMITIVES + poisson.PRIMITIVES


def register_primitives(registry) -> None:
    """Register the family's primitives (scipy's value, the derivative carrier, counts)."""
    for primitive in PRIMITIVES:
        registry.add_primitive(primitive)


def register_interceptions(registry) -> None:
    """Stand in for the served distributions' methods while a trace is open."""
    for owner, method, handler in all_interceptions():
        registry.intercept(owner, method, handler, always=True)  # class attributes: kept
