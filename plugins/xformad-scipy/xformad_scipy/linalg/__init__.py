"""scipy.linalg on traced values (docs/linalg.md).

scipy's linear algebra functions are Python functions (they start with ``np.asarray``), so
each served one is intercepted: its handler binds a primitive whose kernel is scipy's own
function (so the values are scipy's, to the last bit) and whose derivative rules are
written with these primitives again (so they differentiate to any order). Each module
serves one group of functions:

- ``triangular``: solve_triangular (the building block of the factorisation rules)
- ``cholesky``: cholesky, cho_factor, cho_solve
- ``lu``: lu_factor, lu_solve
- ``solve``: solve, inv, det (with scipy's ``assume_a`` structures)
- ``matrix_functions``: expm, sqrtm, logm (Fréchet derivatives by the block-triangular trick)
- ``sylvester``: solve_sylvester
- ``banded``: solve_banded
- ``eigh``: eigh
- ``decompositions``: svd, qr, pinv, eig (scipy's values, numpy.linalg's derivative rules)
- ``special_matrices``: toeplitz, circulant, hankel (gathers of the arguments' entries)

``block_diag`` needs nothing: scipy's own code runs on traced values as it is.
The public functions no module serves are intercepted too (``xformad_scipy/unserved.py``):
scipy's code runs, and where it fails on traced values the error names the function.
Shared helpers: ``structure`` (which entries scipy reads, as linear maps), ``arguments``
(what handlers accept and refuse), ``scipy_calls`` (how kernels call scipy), ``coverage``
(the served-functions table).
"""

from __future__ import annotations

from . import (
    banded,
    cholesky,
    decompositions,
    eigh,
    lu,
    matrix_functions,
    solve,
    special_matrices,
    sylvester,
    triangular,
)
from .coverage import COVERAGE

_MODULES = (
    triangular,
    cholesky,
    lu,
    solve,
    matrix_functions,
    sylvester,
    banded,
    eigh,
    decompositions,
    special_matrices,
)

__all__ = ["COVERAGE", "register_interceptions", "register_primitives"]


def register_primitives(registry) -> None:
    """Register the scipy.linalg primitives."""
    for module in _MODULES:
        for primitive in module.PRIMITIVES:
            registry.add_primitive(primitive)


def register_interceptions(registry) -> None:
    """Stand in for the served scipy.linalg functions while a trace is open."""
    import scipy.linalg

    for module in _MODULES:
        for name, handler in module.HANDLERS.items():
            registry.intercept(scipy.linalg, name, handler)
