"""The scipy plugin's primitives under vmap, against a Python loop: its elementwise
functions (one shared rule), logsumexp (axes), and the kernels that go member by member."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xformad

scipy_special = pytest.importorskip("scipy.special")
scipy_linalg = pytest.importorskip("scipy.linalg")
scipy_signal = pytest.importorskip("scipy.signal")


def _loop(f, *args):
    return np.stack([f(*member) for member in zip(*args)])


def _check(f, *args, rtol=1e-10):
    with warnings.catch_warnings():
        warnings.simplefilter("error", xformad.BatchingFallbackWarning)
        got = xformad.vmap(f)(*args)
    np.testing.assert_allclose(got, _loop(f, *args), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: scipy_special.erf(x) * scipy_special.gammaln(x + 3.0),
        lambda x: scipy_special.i1(x) + scipy_special.j1(x) + scipy_special.polygamma(1, x + 3.0),
        lambda x: scipy_special.xlogy(x + 3.0, np.abs(x) + 1.0),
        lambda x: scipy_special.logsumexp(x, axis=-1),
        lambda x: scipy_special.logsumexp(x, b=np.abs(x)),
    ],
    ids=["erf-gammaln", "bessel-polygamma", "xlogy", "logsumexp-axis", "logsumexp-b"],
)
def test_special_functions(f, rng):
    xs = rng.uniform(-1, 1, size=(4, 2, 3))
    _check(f, xs)
    g = xformad.grad(lambda x: np.sum(f(x)))
    np.testing.assert_allclose(xformad.vmap(g)(xs), _loop(g, xs), rtol=1e-9)


def test_linalg_and_signal_go_member_by_member(rng):
    a = rng.normal(size=(3, 4, 4)) + 4 * np.eye(4)
    b = rng.normal(size=(3, 4))
    _check(lambda a, b: scipy_linalg.solve(a, b), a, b)
    _check(lambda a: scipy_linalg.expm(a * 0.1), a)
    _check(lambda x, k: scipy_signal.convolve(x, k), b, b[:, :2])
    g = xformad.grad(lambda a, b: np.sum(scipy_linalg.solve(a, b) ** 2), argnums=(0, 1))
    got = xformad.vmap(g)(a, b)
    for k in range(2):
        np.testing.assert_allclose(got[k], np.stack([g(a[i], b[i])[k] for i in range(3)]), rtol=1e-9)
