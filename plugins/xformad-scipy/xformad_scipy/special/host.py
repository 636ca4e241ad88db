"""Running a numpy-only numerical method as a kernel on any backend."""

from __future__ import annotations

import numpy as np


def on_host(xp, method, *args):
    """``method(*numpy arrays)`` for arguments of backend ``xp``, the result back on it.

    The parameter-derivative methods (series, continued fractions) are written for numpy
    (cupyx has no such kernels); on a device backend the arguments are copied to the host
    and the result back."""
    if xp is np:
        return method(*args)
    host = [xp.asnumpy(a) if hasattr(a, "__cuda_array_interface__") else a for a in args]
    return xp.asarray(method(*host))


def float_result(value, *args):
    """``value`` (float64) in the dtype scipy's ufunc gives for ``args``: float32 in stays
    float32 out; a 0-d result is a numpy scalar, as a ufunc returns it."""
    dtype = np.result_type(*args, 1.0)
    out = np.asarray(value, dtype=dtype if dtype.kind == "f" else np.float64)
    return out[()] if out.ndim == 0 else out
