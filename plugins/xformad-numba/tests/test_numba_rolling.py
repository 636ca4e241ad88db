"""Loop rolling under ``jit(backend="numba")``: a Python loop's unrolled trace emitted once
as a compiled loop, forwards and backwards, with results checked against the numpy backend
(eager) and central finite differences, and the cases that must not be rolled wrongly:
per-iteration branches, early exits, a body that differs on one trip."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numba_agreement import agree

import xformad
from xformad.compile import RetraceWarning
from xformad.compile.codegen import simplify
from xformad.compile.shapes import with_shape_guards


def _jitted(f, *args, argnums=0):
    """(jit(grad f) on numba, its result, eager grad's result, the emitted source)."""
    g = xformad.grad(f, argnums=argnums)
    jg = xformad.jit(g, backend="numba", compile_after=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetraceWarning)  # a fallback to eager: a failure
        got = jg(*args)
    (entries,) = jg._cache.values()
    return jg, got, g(*args), entries[0].source


def _central_difference(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def logistic(x, n):
    for _ in range(n):
        x = 4 * x * (1 - x)
    return x


def rnn(w, xs):
    h = np.zeros(w.shape[0])
    for x_t in xs:
        h = np.tanh(w @ h + x_t)
    return np.sum(h**2)


def test_logistic_map_rolls_into_loops_bit_for_bit(roll_everything):
    # 12 steps: the map is chaotic, and finite differences meaningless past ~20
    jg, got, want, source = _jitted(lambda x: logistic(x, 12), 0.3)
    assert source.count("rolled_loop") == 2  # the forward loop and the reverse loop
    assert got == want  # the same IEEE operations in the same order as numpy's scalars
    assert got == pytest.approx(_central_difference(lambda x: logistic(float(x), 12), 0.3), rel=1e-4)
    assert jg(0.31) == xformad.grad(lambda x: logistic(x, 12))(0.31)  # new input, same program


def test_emitted_program_is_the_same_size_for_any_trip_count(roll_everything):
    sizes = {}
    for n in (30, 300):
        _, got, want, source = _jitted(lambda x, n=n: logistic(x, n), 0.3)
        assert agree(got, want)
        sizes[n] = len(source.splitlines())
    assert sizes[30] == sizes[300]


def test_rnn_gradient_rolls_forward_and_backward(roll_everything, rng):
    w = rng.normal(scale=0.3, size=(5, 5))
    xs = rng.normal(size=(12, 5))
    jg, got, want, source = _jitted(rnn, w, xs)
    assert source.count("rolled_loop") == 2
    assert agree(got, want)
    fd = _central_difference(lambda w_: rnn(w_, xs), w)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
    w2 = rng.normal(scale=0.3, size=(5, 5))
    assert agree(jg(w2, xs), xformad.grad(rnn)(w2, xs))


def test_rnn_gradient_with_respect_to_the_inputs_scatters_per_trip(roll_everything, rng):
    w = rng.normal(scale=0.3, size=(4, 4))
    xs = rng.normal(size=(10, 4))
    _, got, want, source = _jitted(rnn, w, xs, argnums=(0, 1))
    assert "rolled_loop" in source
    assert agree(got, want)
    fd = _central_difference(lambda xs_: rnn(w, xs_), xs)
    np.testing.assert_allclose(got[1], fd, rtol=1e-6, atol=1e-8)


def test_same_compiled_loop_for_every_trip_count(roll_everything, rng):
    """The loop's source takes the trip count and index offsets as parameters."""
    w = rng.normal(scale=0.3, size=(4, 4))
    names = []
    for steps in (8, 24):
        xs = rng.normal(size=(steps, 4))
        _, got, want, source = _jitted(rnn, w, xs)
        assert agree(got, want)
        names.append(sorted(t for t in source.split() if t.startswith("rolled_loop")))
    assert names[0] == names[1]


def test_carried_pytree_and_reversed_indexing(roll_everything, rng):
    xs = rng.normal(size=(9, 3))

    def f(params):
        state = {"a": params[0], "b": params[1]}
        for t in range(len(xs)):
            x_t = xs[len(xs) - 1 - t]  # walked backwards: the index falls by one per trip
            state = {"a": state["b"] * x_t, "b": np.sin(state["a"]) + state["b"]}
        return np.sum(state["a"] * state["b"])

    p = rng.normal(size=(2, 3))
    _, got, want, source = _jitted(f, p)
    assert "rolled_loop" in source
    assert agree(got, want)
    np.testing.assert_allclose(got, _central_difference(f, p), rtol=1e-6, atol=1e-8)


def test_per_trip_constants(roll_everything):
    rates = [0.1 * (k + 1) for k in range(10)]  # a different Python float each trip

    def f(x):
        for r in rates:
            x = x * r + np.sin(x)
        return x

    _, got, want, source = _jitted(f, 0.7)
    assert "rolled_loop" in source
    assert got == want
    assert got == pytest.approx(_central_difference(lambda v: f(float(v)), 0.7), rel=1e-4)


def test_body_that_differs_on_one_trip_is_not_rolled_across_it(roll_everything):
    def f(x):
        for t in range(16):
            x = np.cos(x) * 0.9 if t == 7 else np.sin(x) * 1.1
        return x

    _, got, want, source = _jitted(f, 0.4)
    assert got == want
    assert got == pytest.approx(_central_difference(lambda v: f(float(v)), 0.4), rel=1e-4)


def test_per_iteration_branch_on_values_stays_guarded(roll_everything):
    """``if`` on a traced value records a guard per trip: those trips are not rolled, and
    an input taking other branches re-traces instead of reusing the program."""

    def f(x):
        for _ in range(12):
            x = x * x if x > 0.5 else x + 0.3
        return x

    jg, got, want, _ = _jitted(f, 0.6)
    assert got == want
    for x in (0.2, 0.45, 0.9):
        assert jg(x) == xformad.grad(f)(x)


def test_early_exit(roll_everything):
    def f(x):
        for _ in range(200):
            x = 0.5 * x + 0.1 * np.sin(x)
            if abs(x) < 1e-3:
                break
        return x

    jg, got, want, _ = _jitted(f, 2.0)
    assert got == want
    assert jg(0.5) == xformad.grad(f)(0.5)


def test_body_without_a_numba_form_stays_unrolled(roll_everything, rng):
    a = rng.normal(size=(3, 3)) + 3 * np.eye(3)

    def f(x):
        for _ in range(6):
            x = np.linalg.solve(a, np.tanh(x))
        return np.sum(x)

    x = rng.normal(size=3)
    _, got, want, source = _jitted(f, x)
    assert "rolled_loop" not in source
    assert agree(got, want)


def test_small_loops_stay_unrolled_by_default(numba_backend):
    """Rolling a few scalar trips costs more (the loop's call) than it saves."""
    _, got, want, source = _jitted(lambda x: logistic(x, 6), 0.3)
    assert "rolled_loop" not in source
    assert got == want
    _, got, want, source = _jitted(lambda x: logistic(x, 200), 0.3)
    assert "rolled_loop" in source


def test_loops_found_in_the_graph(numba_backend):
    from xformad_numba.rolling import find_loops

    graph = xformad.make_graph(xformad.grad(lambda x: logistic(x, 50)))(0.3)
    loops = find_loops(simplify(with_shape_guards(graph).prune()))
    assert [loop.period for loop in loops] == [3, 5]
    assert all(loop.trips >= 48 for loop in loops)
    roles = {role[0] for roles in loops[1].roles for role in roles}
    assert "stacked" in roles  # the reverse loop reads the forward loop's saved values


def test_branch_after_a_rolled_loop_retraces_when_it_flips(roll_everything):
    def f(x):
        for _ in range(30):
            x = 0.9 * x + 0.05 * np.tanh(x)
        return x * x if x > 0 else -x

    jg, got, want, source = _jitted(f, 0.8)
    assert "rolled_loop" in source
    assert got == want
    for x in (-0.8, 0.3, -2.0):
        assert agree(jg(x), xformad.grad(f)(x))


def test_nested_loops(roll_everything, rng):
    w = rng.normal(scale=0.4, size=(3, 3))

    def f(x):
        total = 0.0
        for _ in range(5):
            for _ in range(6):
                x = np.sin(w @ x) + 0.1 * x
            total = total + np.sum(x * x)
        return total

    x = rng.normal(size=3)
    _, got, want, source = _jitted(f, x)
    assert "rolled_loop" in source
    assert agree(got, want)
    np.testing.assert_allclose(got, _central_difference(f, x), rtol=1e-6, atol=1e-8)


def test_bool_arithmetic_is_not_rolled_as_numbers(roll_everything, rng):
    """numba's True + True is 2, numpy's is True: such a block keeps numpy's nodes."""

    def f(x):
        hits = np.zeros(x.shape, bool)
        for t in range(8):
            hits = hits + (x > 0.1 * t)
            x = x * 1.1
        return np.sum(np.where(hits, x, 0.0))

    x = rng.normal(size=5)
    _, got, want, _ = _jitted(f, x)
    assert agree(got, want)
