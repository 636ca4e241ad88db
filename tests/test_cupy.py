"""The cupy backend: on a GPU (tests marked gpu, skipped with the reason elsewhere), and
the parts of it that a CPU can check: the fused adjoint kernels' expressions and the GPU
benchmark's own logic (run with numpy standing in for cupy)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import xformad
import xformad.backends as backends
from xformad.backends.fused import FUSED_UNARY_VJPS, evaluate_on_host, fused_rule
from xformad.errors import DeviceMismatchError
from xformad.primitives import elementwise
from xformad.tracing import new_trace

from . import fake_device
from .fake_device import DeviceArray

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cupy():
    ok, reason = backends.available_backends()["cupy"].availability()
    if not ok:
        pytest.skip(reason)
    import cupy

    backend = backends.get_backend("cupy")
    backend.transfers.reset()
    return cupy


def _primitive(name):
    return next(p for p in vars(elementwise).values() if getattr(p, "name", None) == name)


# -- CPU: the fused kernels compute what the generic rules compute ------------------------
@pytest.mark.parametrize("name", sorted(FUSED_UNARY_VJPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_expression_equals_the_generic_rule(name, dtype, rng):
    prim = _primitive(name)
    x = rng.uniform(-2, 2, 50).astype(dtype)
    ct = rng.standard_normal(50).astype(dtype)
    ans = getattr(np, name)(x)
    want = prim.vjp_rules[0](ct, ans, x)
    got = evaluate_on_host(name, ct, ans, x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)


def test_fused_rule_runs_the_kernel_only_on_concrete_arrays_of_one_real_dtype(rng):
    calls = []

    def kernel(ct, y):
        calls.append((ct.dtype, y.dtype))
        return evaluate_on_host("tanh", ct, y, None)

    generic = _primitive("tanh").vjp_rules[0]
    rule = fused_rule(kernel, ("ct", "y"), generic, np.ndarray)
    x = rng.standard_normal(4)
    y = np.tanh(x)
    np.testing.assert_allclose(rule(np.ones(4), y, x), 1 - y * y)
    assert len(calls) == 1
    rule(np.ones(4, np.float32), y, x)  # mixed dtypes: the generic rule
    rule(np.ones(4, np.complex128), y.astype(complex), x)  # complex: the generic rule
    with new_trace() as trace:  # a tracer (derivative of a derivative): the generic rule
        t = trace.new_input(np.ones(4))
        out = rule(t, y, x)
    assert type(out).__name__ == "Tracer"
    assert len(calls) == 1


def test_the_reverse_sweep_uses_a_device_backends_fused_rules(rng):
    backend = fake_device.install()
    try:
        calls = []

        def kernel(ct, y):
            calls.append(type(ct).__name__)
            return evaluate_on_host("tanh", ct, y, None)

        generic = _primitive("tanh").vjp_rules[0]
        backend.vjp_overrides = {"tanh": (fused_rule(kernel, ("ct", "y"), generic, DeviceArray),)}
        x = rng.standard_normal(5)
        g = xformad.grad(lambda x: np.sum(np.tanh(x) * x))(fake_device.to_device(x))
        assert calls == ["DeviceArray"]
        np.testing.assert_allclose(fake_device.to_host(g), np.tanh(x) + x * (1 - np.tanh(x) ** 2))

        # second order: the inner sweep runs on tracers (generic rule), the outer on arrays
        def inner(x):
            return np.sum(xformad.grad(lambda x: np.sum(np.tanh(x) ** 2))(x))

        h = xformad.grad(inner)(fake_device.to_device(x))
        np.testing.assert_allclose(fake_device.to_host(h), xformad.grad(inner)(x), rtol=1e-12)
    finally:
        fake_device.uninstall()


# -- CPU: the GPU benchmark's logic, with numpy in cupy's place ----------------------------
def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_gpu", ROOT / "benchmarks" / "bench_gpu.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_gpu", module)
    spec.loader.exec_module(module)
    return module


def test_bench_gpu_hand_written_gradients_are_right(rng):
    bench = _load_bench()
    params, x, onehot = bench.mlp_problem((5, 4, 3, 2, 6), rng)
    params = [p.astype(np.float64) for p in params]
    x, onehot = x.astype(np.float64), onehot.astype(np.float64)
    want = xformad.grad(bench.mlp_loss)(params, x, onehot)
    for g, w in zip(bench.mlp_hand(np, params, x, onehot), want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    z = rng.uniform(-2, 2, 7)
    np.testing.assert_allclose(bench.elementwise_hand(np, z), xformad.grad(bench.elementwise_loss)(z))


def test_bench_gpu_flags_a_wrong_contender():
    bench = _load_bench()
    reference = [np.ones(3)]
    ready, skipped = bench.prepare(
        {"right": lambda: lambda: np.ones(3), "wrong": lambda: lambda: np.full(3, 1.1)},
        reference,
        np.asarray,
        1e-6,
    )
    assert list(ready) == ["right"] and skipped["wrong"].startswith("WRONG")
    assert "wrong" in bench.MISMATCHES
    bench.MISMATCHES.clear()


def test_bench_gpu_runs_on_cpu_quick(tmp_path, capsys):
    bench = _load_bench()
    assert (
        bench.main(["--device", "cpu", "--quick", "--repeats", "1", "--json", str(tmp_path / "r.json")]) == 0
    )
    out = capsys.readouterr().out
    assert "MLP 64-48-48-10" in out and "xformad eager (numpy)" in out and "hand-written numpy" in out
    assert (tmp_path / "r.json").read_text().startswith("{")


# -- GPU ------------------------------------------------------------------------------------
@pytest.mark.gpu
def test_cupy_in_cupy_out_float32_without_host_transfers(cupy, rng):
    backend = backends.get_backend("cupy")
    w = cupy.asarray(rng.standard_normal((8, 4)).astype(np.float32))
    x = cupy.asarray(rng.standard_normal((16, 8)).astype(np.float32))

    def loss(w, x):
        return np.mean(np.tanh(x @ w) ** 2)

    start = backend.transfers.total()
    for _ in range(5):
        g = xformad.grad(loss)(w, x)
        w = w - 0.1 * g
    assert isinstance(g, cupy.ndarray) and g.dtype == np.float32
    assert backend.transfers.total() == start and backend.transfers.adopted == 0
    want = xformad.grad(loss)(cupy.asnumpy(w), cupy.asnumpy(x))
    np.testing.assert_allclose(cupy.asnumpy(xformad.grad(loss)(w, x)), want, rtol=1e-4, atol=1e-6)


@pytest.mark.gpu
def test_numpy_in_numpy_out_on_cupy(cupy, rng):
    x = rng.standard_normal(6)
    g = xformad.grad(lambda x: np.sum(np.sin(x) * x), backend="cupy")(x)
    assert type(g) is np.ndarray
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), rtol=1e-12)


@pytest.mark.gpu
def test_auto_picks_cupy(cupy):
    assert backends.resolve("auto", []).name == "cupy"


@pytest.mark.gpu
def test_cupy_array_on_numpy_backend_is_a_clear_error(cupy):
    with pytest.raises(DeviceMismatchError, match="backend='cupy'"):
        xformad.grad(lambda x: np.sum(x**2), backend="numpy")(cupy.ones(3))


@pytest.mark.gpu
def test_closure_constants_go_to_the_gpu_once_per_call(cupy, rng):
    backend = backends.get_backend("cupy")
    weights = rng.standard_normal(5)

    def f(x):
        return np.sum(np.sin(x * weights) * weights)

    x = cupy.asarray(rng.standard_normal(5))
    g = xformad.grad(f)(x)
    assert backend.transfers.adopted == 1
    host = cupy.asnumpy(x)
    np.testing.assert_allclose(cupy.asnumpy(g), np.cos(host * weights) * weights**2, rtol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(FUSED_UNARY_VJPS))
def test_fused_kernels_match_the_generic_rules_on_the_gpu(cupy, name, rng):
    backend = backends.get_backend("cupy")
    (rule,) = backend.vjp_overrides[name]
    for dtype in (np.float32, np.float64):
        x = cupy.asarray(rng.uniform(-2, 2, 1000).astype(dtype))
        ct = cupy.asarray(rng.standard_normal(1000).astype(dtype))
        ans = getattr(cupy, name)(x)
        got = rule(ct, ans, x)
        assert isinstance(got, cupy.ndarray) and got.dtype == dtype
        want = evaluate_on_host(name, cupy.asnumpy(ct), cupy.asnumpy(ans), cupy.asnumpy(x))
        np.testing.assert_allclose(cupy.asnumpy(got), want, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.gpu
def test_mlp_gradient_on_the_gpu_matches_numpy(cupy, rng):
    sizes = [32, 64, 64, 10]
    params = [rng.standard_normal((m, n)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((128, 32))
    labels = rng.integers(0, 10, 128)

    def loss(params, x, labels):
        h = x
        for w in params[:-1]:
            h = np.tanh(h @ w)
        logits = h @ params[-1]
        logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
        return -np.mean(logp[np.arange(len(labels)), labels])

    want = xformad.grad(loss)(params, x, labels)
    got = xformad.grad(loss)([cupy.asarray(w) for w in params], cupy.asarray(x), cupy.asarray(labels))
    for g, w in zip(got, want):
        assert isinstance(g, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(g), w, rtol=1e-10, atol=1e-12)
    hv = xformad.hvp(
        lambda w0: loss([w0] + params[1:], x, labels), (cupy.asarray(params[0]),), (cupy.ones((32, 64)),)
    )
    want_hv = xformad.hvp(lambda w0: loss([w0] + params[1:], x, labels), (params[0],), (np.ones((32, 64)),))
    np.testing.assert_allclose(cupy.asnumpy(hv), want_hv, rtol=1e-9, atol=1e-12)
