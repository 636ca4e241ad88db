"""Random draws under tracing (xformad/numpy_api/draws.py): reparameterised draws with traced
parameters give numpy's own numbers, and under jit the draws are program nodes, so
jit(grad(f)) gives eager's numbers call after call from the same generator."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.compile import ImpureFunctionError
from xformad.testing import check_grads

P = np.array([0.3, -0.2, 0.1, -0.5])


def _legacy_elbo(p):
    np.random.seed(0)
    z = np.random.normal(loc=p[:2], scale=np.exp(p[2:]), size=(50, 2))
    u = np.random.uniform(p[0], p[0] + 2.0, size=10)
    w = np.random.lognormal(p[1], 0.5, size=3) + np.random.exponential(np.exp(p[3]), size=3)
    return np.mean(-np.sum(z**2, axis=1)) + np.sum(p[2:]) + np.sum(u) + np.sum(w)


def _generator_elbo(p):
    rng = np.random.default_rng(1)
    z = rng.normal(p[0], np.exp(p[1]), size=100)
    u = rng.uniform(low=p[2], high=2.0, size=5)
    e = rng.exponential(scale=np.exp(p[3]), size=4)
    return np.mean(z**2) + np.sum(u) + np.sum(np.log1p(e))


@pytest.mark.parametrize("f", [_legacy_elbo, _generator_elbo], ids=["np.random", "default_rng"])
def test_reparameterised_draws_are_numpys_numbers(f):
    value, _ = xformad.value_and_grad(f)(P)
    assert value == f(P)  # the same draws, the same formula, to the last bit
    check_grads(f, (P,), modes=("fwd", "rev"), order=2)


def _bbvi(p):
    eps = np.random.randn(20, 2)  # numpy's global generator, not reseeded
    z = p[:2] + np.exp(p[2:]) * eps
    return np.mean(np.sum(z**2, axis=1)) - np.sum(p[2:])


def test_jit_draws_afresh_from_the_same_generator_each_call():
    grad, jitted = xformad.grad(_bbvi), xformad.jit(xformad.grad(_bbvi))
    np.random.seed(5)
    eager = [grad(P) for _ in range(4)]
    np.random.seed(5)
    compiled = [jitted(P) for _ in range(4)]
    for a, b in zip(eager, compiled):
        np.testing.assert_array_equal(a, b)
    assert jitted.cache_info().hits == 3  # compiled once: the draws are program nodes
    assert "random_draw" in xformad.source(jitted, P)


def test_jit_of_a_function_that_reseeds_inside():
    jitted = xformad.jit(xformad.grad(_legacy_elbo))
    for _ in range(3):
        np.testing.assert_array_equal(jitted(P), xformad.grad(_legacy_elbo)(P))
    assert jitted.cache_info().hits == 2
    np.random.seed(0)
    _legacy_elbo(P)
    after_eager = np.random.get_state()[2]
    jitted(P)
    assert np.random.get_state()[2] == after_eager  # the global state ends as eager's does


def test_jit_with_a_generator_seeded_inside():
    jitted = xformad.jit(xformad.grad(_generator_elbo))
    for _ in range(3):
        np.testing.assert_array_equal(jitted(P), xformad.grad(_generator_elbo)(P))


def test_a_generator_made_outside_refuses_traced_parameters_clearly():
    rng = np.random.default_rng(0)
    with pytest.raises(xformad.TracerConversionError, match="standard_normal"):
        xformad.grad(lambda p: np.sum(rng.normal(p[0], 1.0, size=3)))(P)


def test_a_generator_made_outside_is_still_refused_by_jit():
    rng = np.random.default_rng(0)
    with pytest.raises(ImpureFunctionError, match="draws random numbers"):
        xformad.jit(lambda p: np.sum(p * rng.normal(size=4)))(P)


def test_draws_with_constant_parameters_are_plain_arrays_when_eager():
    kinds = []

    def f(p):
        kinds.append(type(np.random.normal(size=2)))
        return np.sum(p)

    xformad.grad(f)(P)
    assert kinds == [np.ndarray]
