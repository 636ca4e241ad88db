"""Placement on a device backend, proved on the CPU with the fake device of fake_device.py:
device in -> device out with no host copy, numpy in -> numpy out, host constants copied
once, mixing devices is a clear error, "auto" and the cupy availability messages."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import xformad
import xformad.backends as backends
from xformad.backends.cupy_backend import CupyBackend
from xformad.errors import BackendUnavailable, DeviceMismatchError
from xformad.scheduler import Plan

from . import fake_device
from .fake_device import DeviceArray


@pytest.fixture
def fake():
    backend = fake_device.install()
    yield backend
    fake_device.uninstall()


def _loss(params, x, y):
    hidden = np.tanh(x @ params["w1"] + params["b1"])
    pred = hidden @ params["w2"]
    return np.mean((pred - y) ** 2)


def _problem(rng, dtype=np.float64):
    params = {
        "w1": rng.standard_normal((3, 8)).astype(dtype),
        "b1": np.zeros(8, dtype),
        "w2": rng.standard_normal(8).astype(dtype),
    }
    x = rng.standard_normal((16, 3)).astype(dtype)
    y = np.sin(x.sum(axis=1)).astype(dtype)
    return params, x, y


def test_the_fake_device_is_as_strict_as_cupy():
    d = fake_device.to_device(np.ones(3))
    with pytest.raises(TypeError, match="host numpy array"):
        d * np.ones(3)
    with pytest.raises(TypeError, match="implicit conversion"):
        np.asarray(d)
    assert type(np.sum(d)) is DeviceArray  # reductions give 0-d device arrays, as cupy


def test_device_loop_makes_no_host_transfer(fake, rng):
    params, x, y = _problem(rng)
    dparams = {k: fake_device.to_device(v) for k, v in params.items()}
    dx, dy = fake_device.to_device(x), fake_device.to_device(y)
    grad = xformad.value_and_grad(_loss)
    first = None
    for _ in range(20):
        loss, g = grad(dparams, dx, dy)
        first = loss if first is None else first
        dparams = {k: dparams[k] - 0.1 * g[k] for k in dparams}
    assert all(type(v) is DeviceArray for v in dparams.values()) and type(loss) is DeviceArray
    assert float(loss) < float(first)
    assert (fake.transfers.to_device, fake.transfers.to_host, fake.transfers.adopted) == (0, 0, 0)
    assert fake.xp.host_conversions == 0


def test_a_device_loop_matches_the_numpy_loop(fake, rng):
    params, x, y = _problem(rng)
    dparams = {k: fake_device.to_device(v) for k, v in params.items()}
    dx, dy = fake_device.to_device(x), fake_device.to_device(y)
    for _ in range(3):
        g = xformad.grad(_loss)(params, x, y)
        dg = xformad.grad(_loss)(dparams, dx, dy)
        params = {k: params[k] - 0.1 * g[k] for k in params}
        dparams = {k: dparams[k] - 0.1 * dg[k] for k in dparams}
    for k in params:
        np.testing.assert_allclose(fake_device.to_host(dparams[k]), params[k], rtol=1e-12)


def test_closure_constant_is_copied_once_per_call_not_per_node(fake, rng):
    weights = rng.standard_normal(4)

    def f(x):  # `weights` feeds three nodes
        return np.sum(x * weights) + np.sum(np.sin(x) * weights) + np.sum(weights * x**2)

    x = fake_device.to_device(rng.standard_normal(4))
    for calls in (1, 2, 3):
        g = xformad.grad(f)(x)
        assert fake.transfers.adopted == calls
    want = weights + np.cos(fake_device.to_host(x)) * weights + 2 * weights * fake_device.to_host(x)
    np.testing.assert_allclose(fake_device.to_host(g), want, rtol=1e-12)
    assert fake.transfers.to_host == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_in_numpy_out_on_a_device_backend(fake, rng, dtype):
    params, x, y = _problem(rng, dtype)
    value, g = xformad.value_and_grad(_loss, backend="fakedevice")(params, x, y)
    assert all(type(v) is np.ndarray and v.dtype == dtype for v in g.values())
    assert isinstance(value, np.ndarray | np.generic) and value.dtype == dtype
    want_value, want = xformad.value_and_grad(_loss)(params, x, y)
    for k in params:
        np.testing.assert_allclose(g[k], want[k], rtol=1e-5 if dtype == np.float32 else 1e-12)
    # each differentiated leaf goes over once; the value and each gradient leaf come back once
    assert fake.transfers.to_device == len(params)
    assert fake.transfers.to_host == 1 + len(params)


def test_device_in_device_out_keeps_float32(fake, rng):
    x = fake_device.to_device(rng.standard_normal(5).astype(np.float32))
    g = xformad.grad(lambda x: np.sum(np.tanh(x) ** 2))(x)
    assert type(g) is DeviceArray and g.dtype == np.float32
    y, t = xformad.jvp(lambda x: np.exp(x) * 2.0, (x,), (fake_device.to_device(np.ones(5, np.float32)),))
    assert type(y) is DeviceArray and y.dtype == np.float32 and t.dtype == np.float32


def test_python_float_in_gives_a_numpy_scalar_out(fake):
    g = xformad.grad(lambda x: x**3, backend="fakedevice")(2.0)
    assert isinstance(g, np.generic) and float(g) == 12.0


def test_a_device_array_on_the_numpy_backend_is_a_clear_error(fake):
    x = fake_device.to_device(np.ones(3))
    with pytest.raises(DeviceMismatchError) as info:
        xformad.grad(lambda x: np.sum(x**2), backend="numpy")(x)
    message = str(info.value)
    assert "fakedevice array" in message and "backend='fakedevice'" in message
    assert "cupy.asnumpy(x)" in message


def test_host_arrays_beside_device_arrays_are_adopted(fake, rng):
    x = fake_device.to_device(rng.standard_normal(3))
    y = rng.standard_normal(3)  # a host argument next to a device one: copied over
    g = xformad.grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(x, y)
    assert type(g[0]) is DeviceArray and type(g[1]) is np.ndarray
    np.testing.assert_allclose(g[1], fake_device.to_host(x))


def test_kernels_move_host_arguments_to_the_device(fake):
    from xformad.primitives.elementwise import add_p

    with backends.using(fake):
        out = add_p.impl(fake_device.to_device(np.ones(2)), np.arange(2.0))
    assert type(out) is DeviceArray
    np.testing.assert_array_equal(fake_device.to_host(out), [1.0, 2.0])
    assert fake.transfers.adopted == 1


def test_kernels_on_host_only_arguments_stay_on_the_host(fake):
    # a lowering's bookkeeping on numpy data (np.interp's knots, say) must not move to the
    # device: the lowering goes on to combine the result with other host arrays
    from xformad.primitives.elementwise import add_p

    with backends.using(fake):
        out = add_p.impl(np.ones(2), np.arange(2.0))
    assert type(out) is np.ndarray
    assert fake.transfers.adopted == 0


def test_plan_places_constants_once_per_program(fake, rng):
    weights = rng.standard_normal(4)
    graph = xformad.make_graph(lambda x: np.sum(np.sin(x * weights)))(np.ones(4))
    plan = Plan(graph, fake)
    placed = fake.transfers.to_device
    assert placed >= 1
    for _ in range(3):
        (out,) = plan.run([fake_device.to_device(np.full(4, 0.5))])
    assert fake.transfers.to_device == placed  # device inputs: nothing more copied
    assert type(out) is DeviceArray
    np.testing.assert_allclose(fake_device.to_host(out), np.sum(np.sin(0.5 * weights)))
    plan.run([np.full(4, 0.5)])  # a host input is copied once per run
    assert fake.transfers.to_device == placed + 1


def test_auto_picks_the_usable_backend_of_highest_priority(fake):
    cupy_ok = backends.available_backends()["cupy"].is_available()
    assert backends.resolve("auto", []).name == ("cupy" if cupy_ok else "fakedevice")


def test_auto_falls_back_to_numpy_without_a_device():
    if backends.available_backends()["cupy"].is_available():
        pytest.skip("cupy is usable here: auto picks it")
    assert backends.resolve("auto", []).name == "numpy"
    g = xformad.grad(lambda x: np.sum(x**2), backend="auto")(np.ones(2))
    assert type(g) is np.ndarray


def test_cupy_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy -> ImportError
    ok, reason = CupyBackend().availability()
    assert not ok
    assert "cupy is not installed" in reason
    assert "pip install xformad[cuda12]" in reason and "xformad[cuda13]" in reason


def _fake_cupy_module(get_device_count):
    cupy = types.ModuleType("cupy")
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    cupy.ndarray = type("ndarray", (), {})
    cupy.ElementwiseKernel = lambda *args: None
    return cupy


def test_cupy_without_a_driver_says_no_cuda_device(monkeypatch):
    def no_driver():
        raise RuntimeError("cudaErrorInsufficientDriver: CUDA driver version is insufficient")

    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy_module(no_driver))
    ok, reason = CupyBackend().availability()
    assert not ok and "no CUDA device is usable" in reason and "InsufficientDriver" in reason
    assert "nvidia-smi" in reason


def test_cupy_with_zero_devices_says_none_present(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy_module(lambda: 0))
    ok, reason = CupyBackend().availability()
    assert not ok and "no CUDA device is present" in reason


def test_asking_for_an_unusable_cupy_raises_backend_unavailable():
    cupy = backends.available_backends()["cupy"]
    if cupy.is_available():
        pytest.skip("cupy is usable here")
    with pytest.raises(BackendUnavailable, match=r"backend 'cupy' is not usable here: .*xformad\[cuda12\]"):
        xformad.grad(lambda x: x * x, backend="cupy")(1.0)


def test_cupy_kernel_overrides_compute_what_the_primitives_compute(rng):
    from xformad.backends.cupy_backend import CUPY_KERNELS
    from xformad.plugins import registry

    x = np.array([3.0, 1.0, 2.0, 1.0])
    a = rng.standard_normal((4, 4))
    sym = a @ a.T
    calls = {
        "argsort": [((x,), {"axis": -1, "stable": True})],
        "pinv": [((a,), {"rcond": 1e-15, "hermitian": False}), ((sym,), {"rcond": 1e-15, "hermitian": True})],
    }
    assert set(calls) == set(CUPY_KERNELS)
    for name, override in CUPY_KERNELS.items():
        prim = registry().primitives[name]  # the override's name is a registered primitive
        for args, params in calls[name]:
            np.testing.assert_allclose(
                override(np, *args, **params), prim.kernel(np, *args, **params), atol=1e-10
            )


def test_device_index_arrays_select_and_scatter(fake, rng):
    x = fake_device.to_device(rng.standard_normal((4, 3)))
    rows = fake_device.to_device(np.array([0, 2, 2]))  # integer indices living on the device

    def f(x):
        picked = x[rows, np.array([1, 0, 2])]
        return np.sum(picked**2)

    g = xformad.grad(f)(x)
    host_x = fake_device.to_host(x)
    want = np.zeros_like(host_x)
    np.add.at(want, ([0, 2, 2], [1, 0, 2]), 2 * host_x[[0, 2, 2], [1, 0, 2]])
    np.testing.assert_allclose(fake_device.to_host(g), want)


class _OtherDeviceArray(DeviceArray):
    __slots__ = ()


class _OtherDevice(fake_device.FakeDeviceBackend):
    name = "otherdevice"

    def owns(self, value) -> bool:
        return type(value) is _OtherDeviceArray


def test_arrays_of_two_devices_in_one_call_are_a_clear_error():
    fake_device.install(_OtherDevice())
    try:
        x = fake_device.to_device(np.ones(3))
        y = _OtherDeviceArray(np.ones(3))
        with pytest.raises(DeviceMismatchError, match="an input is a otherdevice array"):
            xformad.grad(lambda x, y: np.sum(x * y))(x, y)
    finally:
        fake_device.uninstall()
