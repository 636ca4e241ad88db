"""A call's arguments and results: is anything traced, the arguments as arrays (float64,
as scipy computes), and results squeezed as scipy's multivariate methods squeeze them."""

from __future__ import annotations

import numpy as np

from xformad.extend import is_traced

from ..errors import StatsError


def has_traced(*values) -> bool:
    """Whether a value, or one inside a list, tuple or dict of them, is traced."""
    for value in values:
        if is_traced(value):
            return True
        if isinstance(value, (list, tuple)) and has_traced(*value):
            return True
        if isinstance(value, dict) and has_traced(*value.values()):
            return True
    return False


def as_arrays(call: str, *values) -> list:
    """Each value as an array (lists holding traced values too); complex ones refused."""
    arrays = [np.asarray(v) for v in values]
    for a in arrays:
        if a.dtype.kind == "c":
            raise StatsError(
                f"{call}: complex arguments are not served for traced values "
                "(the densities and distribution functions are real); pass real arrays."
            )
    return arrays


def as_float(value):
    """float64, as scipy computes (float32 and integer inputs give float64 results)."""
    return np.asarray(value, dtype=np.float64)


def squeeze(out):
    """scipy's ``_squeeze_output``: drop length-1 axes, a 0-d result as a scalar."""
    out = np.squeeze(out)
    return out[()] if out.ndim == 0 else out
