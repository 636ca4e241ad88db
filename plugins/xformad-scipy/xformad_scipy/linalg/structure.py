"""Which entries of a matrix scipy reads, as linear maps on (traced) arrays.

LAPACK reads one triangle of a symmetric or triangular matrix and ignores the other, so
the function scipy computes does not depend on the ignored entries: its derivative there
is zero. Each helper here is one such linear map, written with ``np.where`` against a
boolean mask (never ``x * mask``: an ignored entry may be inf or NaN), together with its
transpose (what a VJP rule applies to a cotangent). All act on the last two axes and
broadcast over leading batch axes.
"""

from __future__ import annotations

import numpy as np


def mT(x):
    """The transpose of the last two axes (no conjugation: VJPs are plain transposes)."""
    return np.swapaxes(x, -1, -2)


def band_mask(n: int, below: int, above: int) -> np.ndarray:
    """True where ``-below <= j - i <= above`` (the diagonal is below = above = 0)."""
    offset = np.arange(n)[None, :] - np.arange(n)[:, None]
    return (offset >= -below) & (offset <= above)


def triangle_mask(n: int, lower: bool, strict: bool = False) -> np.ndarray:
    """The lower (or upper) triangle, with (or, ``strict``, without) the diagonal."""
    k = -1 if strict else 0
    return np.tri(n, n, k, dtype=bool) if lower else np.tri(n, n, k, dtype=bool).T


def keep(x, mask):
    """``x`` where ``mask`` holds, 0 elsewhere (its own transpose)."""
    return np.where(mask, x, 0)


def triangle(x, lower: bool, strict: bool = False):
    return keep(x, triangle_mask(x.shape[-1], lower, strict))


def symmetric_from_triangle(x, lower: bool):
    """The symmetric matrix LAPACK sees when it reads only one triangle of ``x``."""
    return triangle(x, lower) + mT(triangle(x, lower, strict=True))


def symmetric_from_triangle_transpose(ct, lower: bool):
    """The transpose of ``symmetric_from_triangle``: each read entry collects the
    cotangents of the two places it fills."""
    return triangle(ct, lower) + triangle(mT(ct), lower, strict=True)


def identity_like(x):
    """The identity matrix of ``x``'s last axis and dtype."""
    return np.eye(x.shape[-1], dtype=x.dtype)


def as_matrix_scale(c):
    """A per-matrix value (batch shape) reshaped to multiply (batch, n, n) matrices."""
    return np.reshape(c, np.shape(c) + (1, 1))
