"""Spec rows for the index-producing primitives of xformad/primitives/manipulation.py.

None has a derivative: each row checks the value against numpy and that a function built
on it gets exactly the derivative of its other parts (tests/test_primitives.py).
"""

from __future__ import annotations

import numpy as np

CASES: list = []

NONDIFF_CASES = {
    "nonzero": lambda x: np.flatnonzero(x > -10.0),
    "searchsorted": lambda x: np.searchsorted(np.array([-1.0, 0.0, 1.0]), x),
    "argpartition": lambda x: np.argpartition(x, 2),
    "unique_indices": lambda x: np.unique(np.round(x), return_inverse=True)[1],
}
