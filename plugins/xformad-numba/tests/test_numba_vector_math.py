"""vector_math's polynomial exp, expm1, tanh, sin, cos against numpy's: within a few ulps
on wide ranges, the same special values, and sin/cos beyond their reduction's range
handed to libm by the loop that flags them."""

from __future__ import annotations

import numpy as np
import pytest
from numba_agreement import agree

import xformad

NAMES = ["exp", "expm1", "tanh", "sin", "cos"]
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.79, 710.0, -745.13, -745.2, -800.0]
SPECIAL += [20.0, 19.99, -20.01, 1e-310, -1e-300, 40.0, -40.0, 99_999.0, -99_999.0]


@pytest.fixture(scope="module")
def loops():
    numba = pytest.importorskip("numba")
    njit = numba.njit
    from xformad_numba import vector_math

    def loop(fn):
        @njit(error_model="numpy")
        def run(x, out):
            for i in range(x.size):
                out[i] = fn(x[i])

        return run

    return {name: loop(getattr(vector_math, name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_within_a_few_ulps_of_numpy(name, loops):
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.normal(size=20_000) * 3, rng.uniform(-9e4, 9e4, 5000), np.logspace(-300, 2.8, 500)]
    )
    x = np.concatenate([x, -x, SPECIAL])
    got = np.empty_like(x)
    loops[name](x, got)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x)
    finite = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), finite)
    assert np.array_equal(got[~finite], want[~finite], equal_nan=True)
    rel = np.abs(got[finite] - want[finite]) / np.maximum(np.abs(want[finite]), np.finfo(float).tiny)
    assert rel.max() < 8 * np.finfo(float).eps


def test_sin_cos_beyond_the_reduction_run_on_libm(fuse_everything):
    def f(x):
        return np.sum(np.sin(x) * np.cos(x) + x)

    x = np.linspace(0, 10, 4000)
    x[7] = 3e7  # out of the fast reduction's range: the loop reruns with libm
    g = xformad.grad(f)
    jg = xformad.jit(g, backend="numba", compile_after=0)
    jg(x)
    assert agree(jg(x), g(x))
    x[7] = 3.0
    assert agree(jg(x), g(x))
