"""How a numba result is compared with numpy's: the same pytree, types, dtypes and shapes,
the same non-finite entries, finite ones within 1e-12 of the largest magnitude."""

from __future__ import annotations

import numpy as np

from xformad.tree import tree_flatten

TOLERANCE = 1e-12


def agree(got, want) -> bool:
    la, ta = tree_flatten(got)
    lb, tb = tree_flatten(want)
    if ta != tb:
        return False
    for x, y in zip(la, lb):
        if type(x) is not type(y):
            return False
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype.kind not in "fc":
            if x.tobytes() != y.tobytes():
                return False
            continue
        finite = np.isfinite(y)
        if not np.array_equal(finite, np.isfinite(x)):
            return False
        if not np.array_equal(x[~finite], y[~finite], equal_nan=True):
            return False
        scale = float(np.max(np.abs(y[finite]), initial=0.0))
        if np.any(np.abs(x[finite] - y[finite]) > TOLERANCE * scale):
            return False
    return True
