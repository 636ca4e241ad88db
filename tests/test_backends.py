"""The same derivative programs on a device backend as on numpy: every primitive's row of
the spec table, forward, reverse and second order, must give numpy's numbers.

Device backends here: the fake device of tests/fake_device.py (always; it raises where cupy
would on a host array mixed with device arrays, so a rule or lowering that builds a numpy
constant and mixes it in is caught on any CPU) and cupy (marked gpu, skipped without one).
"""

from __future__ import annotations

import numpy as np
import pytest

import xformad
import xformad.backends as backends
from xformad.testing import check_backend
from xformad.testing.conformance import (
    check_case,
    check_nondifferentiable,
    conformance_cases,
    nondifferentiable_cases,
)
from xformad.tree import tree_flatten, tree_map

from . import fake_device
from .programs import load_programs


@pytest.fixture(params=["fakedevice", pytest.param("cupy", marks=pytest.mark.gpu)])
def device(request):
    """(backend, upload, download) for a device backend; cupy skips where unusable."""
    if request.param == "fakedevice":
        backend = fake_device.install()
        yield backend, fake_device.to_device, fake_device.to_host
        fake_device.uninstall()
        return
    ok, reason = backends.available_backends()["cupy"].availability()
    if not ok:
        pytest.skip(reason)
    import cupy

    yield backends.get_backend("cupy"), cupy.asarray, cupy.asnumpy


@pytest.mark.parametrize("case,shapes", [pytest.param(c, s, id=i) for c, s, i in conformance_cases()])
def test_primitive_derivatives_match_numpy(device, case, shapes, rng):
    """The conformance check a third-party backend runs (xformad.testing.check_backend),
    row by row."""
    backend, up, down = device
    check_case(case, shapes, up, down, rng)


@pytest.mark.parametrize("name", sorted(nondifferentiable_cases()))
def test_nondifferentiable_primitives_run_on_device(device, name, rng):
    backend, up, down = device
    check_nondifferentiable(nondifferentiable_cases()[name], up, down, rng)


def test_the_whole_conformance_check_passes_on_the_fake_device():
    fake_device.install()
    try:
        check_backend(fake_device.to_device, fake_device.to_host)
    finally:
        fake_device.uninstall()


def test_results_stay_on_the_device_and_keep_float32(device, rng):
    backend, up, down = device
    x = up(rng.standard_normal(4).astype(np.float32))

    def f(x):
        return np.sum(np.tanh(x) * np.exp(-(x**2)) + np.sin(x) ** 2)

    value, g = xformad.value_and_grad(f)(x)
    assert backend.owns(g) and backend.owns(value)
    assert g.dtype == np.float32 and value.dtype == np.float32
    want = xformad.grad(f)(down(x))
    np.testing.assert_allclose(down(g), want, rtol=1e-6)


def test_jacobians_and_hessian_on_device(device, rng):
    backend, up, down = device
    x = rng.standard_normal(3)

    def f(x):
        return np.sin(x) * np.sum(x**2)

    for transform in (xformad.jacfwd, xformad.jacrev):
        np.testing.assert_allclose(down(transform(f)(up(x))), transform(f)(x), rtol=1e-12)

    def scalar(x):
        return np.sum(np.exp(x) * x[::-1])

    np.testing.assert_allclose(down(xformad.hessian(scalar)(up(x))), xformad.hessian(scalar)(x), rtol=1e-12)
    got = xformad.hvp(scalar, (up(x),), (up(np.ones(3)),))
    np.testing.assert_allclose(down(got), xformad.hvp(scalar, (x,), (np.ones(3),)), rtol=1e-12)


def test_pytree_inputs_on_device(device, rng):
    backend, up, down = device
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    data = rng.standard_normal((5, 3))

    def loss(p, data):
        return np.mean(np.tanh(data @ p["w"] + p["b"]) ** 2)

    got = xformad.grad(loss)(tree_map(up, params), up(data))
    want = xformad.grad(loss)(params, data)
    for key in params:
        assert backend.owns(got[key])
        np.testing.assert_allclose(down(got[key]), want[key], rtol=1e-12)


PROGRAMS = load_programs()


def _upload_tree(tree, up):
    return tree_map(lambda v: up(v) if isinstance(v, np.ndarray) else v, tree)


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_programs_on_device_match_numpy(device, program):
    backend, up, down = device
    args = program.make_args(np.random.default_rng(0))
    want_value, want = xformad.value_and_grad(program.fn, argnums=program.argnums)(*args)
    # the differentiated arguments on the device; data stays host (a program that mixes
    # host constants with device data outside xformad fails in plain cupy too)
    nums = (program.argnums,) if isinstance(program.argnums, int) else tuple(program.argnums)
    dargs = tuple(_upload_tree(a, up) if i in nums else a for i, a in enumerate(args))
    value, got = xformad.value_and_grad(program.fn, argnums=program.argnums)(*dargs)

    def host(x):
        return down(x) if backend.owns(x) else x

    np.testing.assert_allclose(host(value), want_value, rtol=1e-10)
    got_leaves, want_leaves = tree_flatten(got)[0], tree_flatten(want)[0]
    for g, w in zip(got_leaves, want_leaves):
        np.testing.assert_allclose(host(g), w, rtol=1e-9, atol=1e-12)
