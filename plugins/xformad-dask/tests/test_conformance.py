"""xformad's backend conformance check on the dask backend: every primitive gives numpy's
numbers (forward, reverse, second order) or a clear NoDaskKernel, never another number."""

from __future__ import annotations

import re

import dask
import dask.array as da
import numpy as np
from xformad_dask import NoDaskKernel

from xformad.testing import check_backend

# what dask.array lacks or refuses (see docs/dask.md); a primitive leaving this list is good
# news: add a test for it and take it out
REFUSED = {
    # linear algebra: dask.array.linalg has 2-d, square-chunked forms only, or none
    "det",
    "slogdet",
    "eigh",
    "eig",
    "pinv",
    "lstsq",
    "svd",
    "qr",
    "solve",
    "cholesky",
    "getitem",  # x[mask]: a result of unknown length
    "getitem_transpose",
    "scatter_add",  # integer-array indices need np.add.at
    # without derivatives: no dask function (sorting, gcd, lcm, heaviside), or a result of
    # unknown length (nonzero, unique)
    "argsort",
    "argpartition",
    "searchsorted",
    "gcd",
    "lcm",
    "heaviside",
    "nonzero",
    "unique_indices",
}


def to_dask(x):
    """Chunks of 2 along every axis, so each primitive meets more than one chunk."""
    x = np.asarray(x)
    return da.from_array(x, chunks=2 if x.ndim else ())


def to_numpy(x):
    return np.asarray(x.compute() if isinstance(x, da.Array) else x)


def test_conformance_on_dask():
    with dask.config.set(scheduler="synchronous"):
        refused = check_backend(to_dask, to_numpy, unsupported=(NoDaskKernel,))
    names = {re.search(r"primitive '([^']+)' has no dask kernel", row).group(1) for row in refused}
    assert names <= REFUSED, f"refused beyond the documented list: {sorted(names - REFUSED)}"
    assert "matmul" not in names and "sum" not in names


def test_convolve_of_a_dask_signal_with_a_numpy_filter():
    import xformad_dask

    import xformad

    x, k = np.arange(8.0), np.array([1.0, -2.0, 1.0])

    def f(x, k):
        return np.sum(np.convolve(x, k) ** 2)

    expected = xformad.grad(f)(x, k)
    with dask.config.set(scheduler="synchronous"):
        for filt in (k, da.from_array(k, chunks=3)):  # numpy, or dask but not differentiated
            got = xformad_dask.compute(xformad.grad(f)(da.from_array(x, chunks=4), filt))
            np.testing.assert_allclose(got, expected, rtol=1e-13)
