"""Emitted source: readable, runnable, and computing what the traced program computes."""

from __future__ import annotations

import re

import numpy as np
import pytest

import xformad
from tests.programs import emitted_source_params, load_programs
from xformad.compile.codegen import emit
from xformad.scheduler import Plan
from xformad.tree import tree_flatten

PROGRAMS = load_programs()


def bitwise(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def same_values(a, b) -> bool:
    """Equal values, dtypes and shapes (NaN equal to NaN; 0.0 equal to -0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


@pytest.mark.parametrize("program", emitted_source_params(PROGRAMS))
def test_source_of_every_program_runs_to_the_gradient(program):
    args = program.make_args(np.random.default_rng(0))
    g = xformad.grad(program.fn, argnums=program.argnums)
    src = xformad.source(g, *args)
    assert "# Grad of:" in src
    compiled = src.compile()(*src.input_leaves)
    # bit for bit what the scheduler computes from the same graph...
    graph = src.graph
    plan = Plan(graph, xformad.backends.get_backend("numpy")).run(src.input_leaves)
    for got, want in zip(compiled, plan):
        assert bitwise(got, want)
    # ... and what grad computes eagerly
    expected = tree_flatten(g(*args))[0]
    assert len(compiled) == len(expected)
    for got, want in zip(compiled, expected):
        assert bitwise(got, want)


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


SEED_SOURCE = """\
def grad_seed(x1, x2):
    # inputs: x1 = v-1:f64[], x2 = v0:f64[]
    # Grad of: v4 = xp.sin(x2)
    v6 = xp.cos(x2)
    v7 = -1.0 * v6
    # Grad of: v2 = x1 * x2
    v8 = v7 + x1
    # Grad of: v1 = xp.log(x1)
    v9 = 1 / x1 if x1 else xp.divide(1, x1)
    v10 = x2 + v9
    return (v10, v8)
"""


def test_seed_source_is_the_readable_derivative_program():
    src = xformad.source(xformad.grad(seed, argnums=(0, 1)), 2.0, 5.0)
    assert src == SEED_SOURCE
    d1, d2 = src.compile()(2.0, 5.0)
    e1, e2 = xformad.grad(seed, argnums=(0, 1))(2.0, 5.0)
    assert bitwise(d1, e1) and bitwise(d2, e2)


def test_python_float_division_by_zero_gives_numpys_inf():
    def f(x, y):
        return x / y

    g = xformad.grad(f, argnums=(0, 1))
    src = xformad.source(g, 1.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = src.compile()(1.0, 0.0)
        want = g(1.0, 0.0)
    for a, b in zip(got, want):
        assert same_values(a, b)
    assert np.isinf(got[0])


def logistic(x, n):
    for _ in range(n):
        x = 4 * x * (1 - x)
    return x


def test_logistic_map_is_plain_float_arithmetic_and_linear_in_n():
    sizes = {}
    for n in (4, 8, 16):
        src = xformad.source(xformad.grad(logistic), 0.3, n, static_argnums=1)
        body = src.split("\n", 3)[3]
        assert "xp." not in body  # operators on Python floats only
        sizes[n] = len(src.graph.nodes)
        assert bitwise(src.compile()(0.3)[0], xformad.grad(logistic)(0.3, n))
    assert sizes[16] - sizes[8] == 2 * (sizes[8] - sizes[4])


def test_float32_promotion_is_kept_with_a_float64_scalar():
    def f(x, s):
        return np.sum(x * s)

    x = np.linspace(0, 1, 5, dtype=np.float32)
    g = xformad.grad(f, argnums=(0, 1))
    src = xformad.source(g, x, 2.0)
    got = src.compile()(x, 2.0)
    want = g(x, 2.0)
    for a, b in zip(got, want):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        assert same_values(a, b)


def test_constants_are_referenced_not_printed():
    weights = np.arange(6.0).reshape(2, 3)

    def f(x):
        return np.sum(np.tanh(weights @ x))

    src = xformad.source(xformad.grad(f), np.ones(3))
    names = [k for k, v in src.namespace.items() if v is weights]
    assert names and names[0] in src
    assert "0., 1." not in src and "array(" not in src


def test_arrays_are_deleted_after_their_last_use():
    def f(x):
        return np.sum(np.exp(np.sin(x)) * x)

    src = xformad.source(xformad.grad(f), np.ones(4))
    assert "del " in src
    # nothing is deleted before it is last read
    code = [line.strip() for line in src.splitlines() if not line.strip().startswith("#")]
    for i, line in enumerate(code):
        if line.startswith("del "):
            for name in line[4:].split(", "):
                later = "\n".join(code[i + 1 :])
                assert not re.search(rf"\b{name}\b", later)


def test_guards_become_checks_in_the_source():
    def f(x):
        if np.sum(x) > 0:
            return np.sum(x**2)
        return np.sum(np.sin(x))

    src = xformad.source(xformad.grad(f), np.ones(3))
    assert "raise GuardFailed(0)" in src
    fn = src.compile()
    assert bitwise(fn(np.ones(3))[0], xformad.grad(f)(np.ones(3)))
    with pytest.raises(xformad.errors.GuardFailed):
        fn(-np.ones(3))


def test_hessian_and_jacobian_programs_emit_and_match():
    def f(x):
        return np.sum(np.sin(x) ** 2 * x[::-1])

    x = np.linspace(0.1, 1.0, 3)
    for transform in (xformad.hessian, xformad.jacrev, xformad.jacfwd):
        t = transform(f) if transform is xformad.hessian else transform(lambda x: np.sin(x) * x)
        src = xformad.source(t, x)
        assert same_values(src.compile()(x)[0], t(x))


def test_emit_without_python_floats_keeps_numpy_scalars():
    graph = xformad.make_graph(xformad.grad(seed, argnums=(0, 1)))(2.0, 5.0)
    src = emit(graph, name="strict", python_floats=False)
    assert "x1 = xp.asarray(x1)" in src
    for got, want in zip(src.compile()(2.0, 5.0), xformad.grad(seed, argnums=(0, 1))(2.0, 5.0)):
        assert bitwise(got, want) and type(got) is type(want)


def test_integer_labels_indexing_plain_arrays_are_guarded_inputs():
    """numpy is handed the labels' value (np.eye(3)[labels]): the program takes them as an
    input and guards on that value, so other labels fail the guard instead of a stale result."""
    from xformad.errors import GuardFailed

    def nll(w, labels):
        one_hot = np.eye(3)[labels]
        return -np.sum(one_hot * np.log(np.exp(w) / np.sum(np.exp(w), axis=1, keepdims=True)))

    w = np.arange(6.0).reshape(2, 3) / 10
    labels = np.array([0, 2])
    src = xformad.source(xformad.grad(nll), w, labels)
    assert len(src.input_leaves) == 2 and "raise GuardFailed" in src
    assert same_values(src.compile()(w, labels)[0], xformad.grad(nll)(w, labels))
    with pytest.raises(GuardFailed):
        src.compile()(w, np.array([1, 1]))


def test_scalar_safe_multiply_matches_its_kernel_bit_for_bit():
    from xformad.primitives.safe_multiply import masked_product, safe_multiply_p

    graph = xformad.make_graph(lambda c, d: safe_multiply_p.bind(c, d) + 0.0)(1.0, 2.0)
    src = emit(graph)
    assert " if " in src and "safe_multiply" not in src  # a Python expression on floats
    fn = src.compile()
    inf, nan = float("inf"), float("nan")
    with np.errstate(invalid="ignore"):
        for c, d in [(0.0, inf), (-0.0, 2.0), (0.0, -2.0), (nan, 1.0), (1.0, inf), (0.0, nan), (2.0, 3.0)]:
            want = masked_product(np, np.float64(c), np.float64(d)) + 0.0
            assert bitwise(fn(c, d)[0], want), (c, d)


def test_source_of_a_jitted_function_shows_what_it_compiles():
    jitted = xformad.jit(xformad.grad(seed, argnums=(0, 1)))
    assert xformad.source(jitted, 2.0, 5.0) == SEED_SOURCE
