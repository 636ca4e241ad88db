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


RNG = np.random.default_rng(11)  # a module global, as scripts keep their generator


def _global_rng_elbo(p):
    return np.mean(RNG.normal(p[0], np.exp(p[1]), size=30) ** 2) + np.sum(RNG.uniform(p[2], 2.0, size=3))


def _argument_rng_elbo(p, rng):
    return np.mean(rng.normal(loc=p[0], scale=np.exp(p[1]), size=30) ** 2)


def test_a_generator_made_outside_takes_traced_parameters():
    """A Generator the function is given, or names as a global or a closure variable, is
    stood in for while tracing by one over the same bit generator: numpy's numbers."""
    closure_rng = np.random.default_rng(5)

    def closure_elbo(p):
        return np.sum(closure_rng.exponential(np.exp(p[3]), size=4))

    for f, rng in ((_global_rng_elbo, RNG), (closure_elbo, closure_rng)):
        state = rng.bit_generator.state
        value = xformad.value_and_grad(f)(P)[0]
        rng.bit_generator.state = state
        assert value == f(P)  # the same draws from the same stream, to the last bit

        def replayed(p, f=f, rng=rng, state=state):  # the same draws on every evaluation
            rng.bit_generator.state = state
            return f(p)

        check_grads(replayed, (P,), modes=("fwd", "rev"), order=2)
    assert type(RNG) is np.random.Generator and type(closure_rng) is np.random.Generator
    # a Generator argument: the same numbers, and the derivative of the same formula
    rng = np.random.default_rng(2)
    state = rng.bit_generator.state
    value, g = xformad.value_and_grad(_argument_rng_elbo)(P, rng)
    rng.bit_generator.state = state
    assert value == _argument_rng_elbo(P, rng)
    rng.bit_generator.state = state
    z = rng.standard_normal(30)
    np.testing.assert_allclose(
        g, xformad.grad(lambda p: np.mean((p[0] + np.exp(p[1]) * z) ** 2))(P), rtol=1e-13
    )


def test_jit_draws_from_a_generator_made_outside():
    state = RNG.bit_generator.state
    eager = [xformad.grad(_global_rng_elbo)(P) for _ in range(3)]
    RNG.bit_generator.state = state
    jitted = xformad.jit(xformad.grad(_global_rng_elbo))
    for want in eager:
        np.testing.assert_array_equal(jitted(P), want)
    assert jitted.cache_info().hits == 2


def test_a_random_state_made_outside_is_still_refused_by_jit():
    legacy = np.random.RandomState(0)  # compiled methods xformad cannot stand in for
    with pytest.raises(ImpureFunctionError, match="draws random numbers"):
        xformad.jit(lambda p: np.sum(p * legacy.normal(size=4)))(P)


def test_draws_with_constant_parameters_are_plain_arrays_when_eager():
    kinds = []

    def f(p):
        kinds.append(type(np.random.normal(size=2)))
        return np.sum(p)

    xformad.grad(f)(P)
    assert kinds == [np.ndarray]


def test_a_draw_into_an_array_made_inside_is_read_fresh():
    """rng.standard_normal(out=noise) refills a preallocated buffer from numpy's C code:
    the next traced use reads the new numbers (it read the snapshot of the first use: an
    Ornstein-Uhlenbeck loop came out 4.64 where numpy gives 0.16)."""

    def ou(params, seed=3):
        theta, sigma = params
        rng = np.random.default_rng(seed)
        noise = np.empty(4)
        x = np.ones(4)
        for _ in range(20):
            rng.standard_normal(out=noise)
            x = x - theta * x * 0.05 + sigma * np.sqrt(0.05) * noise
        return np.sum(x**2)

    p = np.array([0.7, 0.3])
    value, g = xformad.value_and_grad(ou)(p)
    assert value == ou(p)
    fd = [(ou(p + e) - ou(p - e)) / 2e-6 for e in np.eye(2) * 1e-6]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    assert xformad.jit(ou)(p) == ou(p)


def test_a_draw_into_a_used_constant_or_a_traced_buffer_is_refused():
    buf = np.zeros(3)

    def into_constant(x):
        y = np.sum(buf * x)
        np.random.default_rng(0).standard_normal(out=buf)
        return y

    with pytest.raises(xformad.errors.ConstantWriteError, match="out="):
        xformad.grad(into_constant)(np.ones(3))

    def into_traced(x):
        a = np.zeros(3)
        a[0] = x[0]
        np.random.default_rng(0).standard_normal(out=a)
        return np.sum(a)

    with pytest.raises(xformad.UnsupportedOperation, match="out="):
        xformad.grad(into_traced)(np.ones(3))
