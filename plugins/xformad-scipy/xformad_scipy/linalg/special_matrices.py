"""scipy.linalg.toeplitz, circulant and hankel of traced values.

scipy builds each with ``as_strided`` over a concatenation of its arguments (a view a
traced value cannot offer), then copies it: every entry of the result is one entry of the
arguments. The handlers pick the same entries with an integer index array, so the values
are scipy's bit for bit (copies, no arithmetic) and the derivative is the gather's
(a scatter-add of the cotangent), exact to any order. scipy's batching (leading axes of
``c`` and ``r`` broadcast against each other) is kept, and so is its refusal of a batch of
size zero.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from xformad.extend import is_traced

PRIMITIVES: list = []  # gathers of xformad's own indexing: no primitive of their own


def _traced(*values) -> bool:
    return any(is_traced(v) or (isinstance(v, (list, tuple)) and _traced(*v)) for v in values)


def _grid(rows: int, cols: int) -> tuple:
    """Row and column numbers of a (rows, cols) matrix, as broadcasting index arrays."""
    return np.arange(rows)[:, None], np.arange(cols)[None, :]


def toeplitz(c, r=None):
    """``scipy.linalg.toeplitz(c, r)``: entry (i, j) is ``vals[len(c) - 1 - i + j]``, with
    ``vals = concatenate((c[::-1], r[1:]))`` (batched: the last axes)."""
    if not _traced(c, r):
        return NotImplemented
    c = np.atleast_1d(np.asarray(c))
    r = np.conjugate(c) if r is None else np.atleast_1d(np.asarray(r))
    batch = np.broadcast_shapes(c.shape[:-1], r.shape[:-1])
    if batch and math.prod(batch) == 0:
        raise ValueError("`_toeplitz` does not support zero-size batches.")  # scipy's words
    c = np.broadcast_to(c, batch + c.shape[-1:])
    r = np.broadcast_to(r, batch + r.shape[-1:])
    n, m = c.shape[-1], r.shape[-1]
    vals = np.concatenate((c[..., ::-1], r[..., 1:]), axis=-1)
    i, j = _grid(n, m)
    return vals[..., n - 1 - i + j]


def circulant(c):
    """``scipy.linalg.circulant(c)``: entry (i, j) is ``c[(i - j) % len(c)]``, batched."""
    if not _traced(c):
        return NotImplemented
    c = np.atleast_1d(np.asarray(c))
    n = c.shape[-1]
    i, j = _grid(n, n)
    return c[..., (i - j) % max(n, 1)]


def hankel(c, r=None):
    """``scipy.linalg.hankel(c, r)``: entry (i, j) is ``concatenate((c, r[1:]))[i + j]``."""
    if not _traced(c, r):
        return NotImplemented
    c = np.asarray(c)
    r = np.zeros_like(c) if r is None else np.asarray(r)
    if c.ndim > 1 or r.ndim > 1:
        msg = (
            "Beginning in SciPy 1.19, multidimensional input will be treated as a "
            "batch, not `ravel`ed. To preserve the existing behavior and silence "
            "this warning, `ravel` arguments before passing them to `hankel`."
        )
        warnings.warn(msg, FutureWarning, stacklevel=3)  # the caller, past the wrapper
        c, r = np.ravel(c), np.ravel(r)
    if c.ndim == 0 or r.ndim == 0:
        raise TypeError("len() of unsized object")  # scipy's own error (it takes len(c))
    vals = np.concatenate((c, r[1:]))
    i, j = _grid(c.shape[0], r.shape[0])
    return vals[i + j]


HANDLERS = {"toeplitz": toeplitz, "circulant": circulant, "hankel": hankel}
