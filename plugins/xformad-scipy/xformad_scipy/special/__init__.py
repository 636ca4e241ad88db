"""scipy.special: ufuncs served as primitives, Python-level functions intercepted.

One file per concern: ``table`` (the primitive table and its helpers), ``functions``
(error function, normal, logistic, gamma, x log y), ``bessel``, ``entropy``,
``incomplete`` (gammainc, gammaincc, betainc, with ``gamma_numerics``/``beta_numerics``
for the parameter derivatives), ``logsumexp`` (logsumexp, softmax, log_softmax),
``python_level`` (polygamma, multigammaln), ``zeta`` (Riemann and Hurwitz), ``coverage``
(what is served, for the docs).
"""

from __future__ import annotations

from . import bessel, entropy, functions, incomplete, logsumexp, python_level, zeta  # noqa: F401  (fill the table)
from .coverage import COVERAGE
from .table import PRIMITIVES, SERVES

__all__ = ["COVERAGE", "PRIMITIVES", "SERVES", "register_interceptions", "register_primitives"]


def register_primitives(registry) -> None:
    """Register every scipy.special primitive and the scipy ufuncs it serves."""
    import scipy.special

    for primitive in PRIMITIVES:
        registry.add_primitive(primitive)
    for name, primitive in SERVES.items():
        if name != "polygamma":  # a Python function, not a ufunc: intercepted below
            registry.register_callable(getattr(scipy.special, name), primitive)


def register_interceptions(registry) -> None:
    """The Python-level functions: swapped for handlers while a trace is open."""
    import scipy.special

    registry.intercept(scipy.special, "polygamma", python_level.polygamma_handler)
    registry.intercept(scipy.special, "multigammaln", python_level.multigammaln)
    registry.intercept(scipy.special, "zeta", zeta.zeta)
    registry.intercept(scipy.special, "logsumexp", logsumexp.logsumexp)
    registry.intercept(scipy.special, "softmax", logsumexp.softmax)
    registry.intercept(scipy.special, "log_softmax", logsumexp.log_softmax)
