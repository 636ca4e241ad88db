"""numpy calls of the generated kernels, compiled once per installation rather than per process.

A kernel calling ``np.dot``, ``np.empty`` or ``np.copy`` itself makes numba compile those
implementations (and the allocation and layout helpers they use) into that kernel, in
every process: for the RNN's forward and reverse loops about 1.3 s of a first call (np.dot
alone 0.9 and 0.4 s). Called through these functions, which numba caches on disk
(``cache=True``), a new kernel links their cached machine code instead; a signature
(dimensions, layouts) not seen before compiles once and is cached too.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def dot(a, b):
    return np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))


@njit(cache=True, nogil=True)
def empty_float64(shape):
    return np.empty(shape, np.float64)


@njit(cache=True, nogil=True)
def empty_bool(shape):
    return np.empty(shape, np.bool_)


@njit(cache=True, nogil=True)
def copy(a):
    return np.copy(a)
