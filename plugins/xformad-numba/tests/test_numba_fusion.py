"""Which nodes fuse, and what a fused program guarantees: one loop for a chain and its
sum, no temporaries, outside readers end a region, and a loop result that disagrees with
numpy is never returned."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from numba_agreement import agree

import xformad
from xformad.compile import RetraceWarning
from xformad.compile.trace import trace_for_compile

pytest.importorskip("numba")  # the loops need it; collected (and skipped) without
pytest.importorskip("xformad_numba")
from xformad_numba import fusion, regions  # noqa: E402


def w4(x):
    return np.sum(np.tanh(x) * np.exp(-(x**2)) + np.sin(x) ** 2)


def _graph(fn, *args):
    from xformad.compile.peephole import simplify

    return simplify(trace_for_compile(fn, args, {}).graph.prune())


def test_the_elementwise_gradient_is_one_loop(numba_backend):
    x = np.linspace(-2, 2, 20_000)
    src = xformad.source(xformad.grad(w4), x, backend="numba")
    assert src.count("fused_loop") == 1 and "xp." not in src.split("return")[0].split("fused_loop")[1]
    assert agree(src.compile()(x)[0], xformad.grad(w4)(x))


def test_value_and_gradient_share_one_loop_with_the_sum(numba_backend):
    x = np.linspace(-2, 2, 1000)
    g = xformad.value_and_grad(w4)
    found = regions.find_regions(_graph(g, x), min_size=1)
    assert len(found) == 1
    assert any(n.primitive.name == "reduce_sum" for n in found[0].nodes)
    assert agree(xformad.jit(g, backend="numba", compile_after=0)(x), g(x))


def test_an_outside_reader_ends_a_region(numba_backend):
    def f(w, x):
        h = np.tanh(x * 2.0 + 1.0)  # region 1, read by the matmul
        return np.sum(np.exp(h @ w) * 3.0)  # region 2 after it

    w, x = np.eye(30) * 0.5, np.linspace(0, 1, 900).reshape(30, 30)
    graph = _graph(f, w, x)
    found = regions.find_regions(graph, min_size=1)
    assert len(found) == 2
    fused = fusion.fuse(graph, min_size=1)
    assert len(fused.nodes) < len(graph.nodes)
    assert agree(xformad.jit(f, backend="numba", compile_after=0)(w, x), f(w, x))


def test_what_a_loop_cannot_read_is_not_fused(numba_backend):
    def f(x, row):
        a = np.sin(x) * 2.0  # (20, 20)
        b = a * row  # broadcast of a row: another shape, left to numpy
        c = np.cos(x.astype(np.float32)) * 2.0  # float32: left to numpy
        return np.sum(b) + np.sum(c)

    x, row = np.linspace(0, 1, 400).reshape(20, 20), np.linspace(1, 2, 20)
    for region in regions.find_regions(_graph(f, x, row), min_size=1):
        for node in region.nodes:
            assert all(v.dtype in (np.float64, np.bool_) for v in node.outputs)
            assert node.primitive.name != "multiply" or all(
                getattr(a, "shape", ()) in ((20, 20), ()) for a in node.inputs
            )
    assert agree(xformad.jit(f, backend="numba", compile_after=0)(x, row), f(x, row))


def test_small_arrays_stay_numpy_calls(numba_backend):
    x = np.linspace(-1, 1, 8)
    src = xformad.source(xformad.grad(w4), x, backend="numba")
    assert "fused_loop" not in src  # below min_size a loop call costs more than it saves
    assert agree(src.compile()(x)[0], xformad.grad(w4)(x))


def test_non_contiguous_inputs(fuse_everything):
    def f(x):
        return np.sum(np.tanh(x.T) * x.T + 1.0)

    x = np.linspace(-1, 1, 600).reshape(20, 30)
    g = xformad.grad(f)
    assert agree(xformad.jit(g, backend="numba", compile_after=0)(x), g(x))
    assert agree(xformad.jit(g, backend="numba", compile_after=0)(x[:, ::-1]), g(x[:, ::-1]))


def test_peak_memory_is_the_output_only(numba_backend):
    x = np.random.default_rng(0).normal(size=200_000)
    jg = xformad.jit(xformad.grad(w4), backend="numba", compile_after=0)
    jg(x)
    tracemalloc.start()
    jg(x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= 1.2 * x.nbytes  # the gradient itself; no temporaries


def test_a_loop_that_disagrees_with_numpy_is_never_returned(fuse_everything, monkeypatch):
    real = fusion._runner

    def off_by_a_little(*args):
        run = real(*args)
        return lambda xp, *a: _shift(run(xp, *a))

    monkeypatch.setattr(fusion, "_runner", off_by_a_little)
    x = np.linspace(-2, 2, 500)
    g = xformad.grad(w4)
    jg = xformad.jit(g, backend="numba", compile_after=0)
    for _ in range(2):  # each call: the check fails, the eager result is returned
        with pytest.warns(RetraceWarning, match="does not reproduce"):
            got = jg(x)
        assert agree(got, g(x)) and not agree(_shift(got), g(x))


def _shift(value):
    if isinstance(value, tuple):
        return tuple(_shift(v) for v in value)
    return value * (1 + 1e-9)


@pytest.mark.parametrize("exponent", [-3, -2, 3])
def test_integer_powers_at_zero_give_numpys_infinities(fuse_everything, exponent):
    # numba's integer power raises ZeroDivisionError at 0 for a negative exponent; numpy
    # promotes the exponent to float and gives inf
    x = np.linspace(0.0, 2.0, 9)
    f = lambda x: np.sum(np.abs(x) ** exponent)  # noqa: E731
    compiled = xformad.jit(xformad.value_and_grad(f), backend="numba", compile_after=0)
    compiled(x + 1.0)
    with np.errstate(all="ignore"):
        expected = xformad.value_and_grad(f)(x)
        got = compiled(x)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_a_region_an_outside_node_feeds_back_into_is_not_fused(fuse_everything):
    """copysign(x, x), then its [0, 0] element's adjoint (an outside node reading the
    region) feeds the rest of the region: fused at its last member's place, the loop read
    that node's result before it was computed (a stale slot)."""

    w = np.array([[-0.994, 0.039], [-0.354, 0.044]])

    def f(x):
        y = np.copysign(x, x)
        return np.sum(y[0, 0] * y * y * w)

    x = np.array([[-1.047, -1.443], [1.419, 0.861]])
    fast = xformad.jit(xformad.grad(f), backend="numba", compile_after=0)
    for scale in (1.0, 2.0, -0.5):
        assert agree(fast(x * scale), xformad.grad(f)(x * scale))
