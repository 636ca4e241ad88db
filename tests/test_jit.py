"""jit: one trace per input signature, guards and specialisations, purity, composition
(the environment guards and value-dependent shapes are tested in test_jit_stale.py)."""

from __future__ import annotations

import logging
import tracemalloc
import warnings

import numpy as np
import pytest

import xformad
from tests.programs import emitted_source_params, load_programs
from xformad.compile import ImpureFunctionError, RetraceWarning
from xformad.compile.signature import SignatureError
from xformad.tree import tree_flatten


def bitwise(a, b) -> bool:
    la, ta = tree_flatten(a)
    lb, tb = tree_flatten(b)
    if ta != tb:
        return False
    for x, y in zip(la, lb):
        if type(x) is not type(y):
            return False
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
            return False
    return True


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_jit_grad_traces_once_and_matches_grad_bit_for_bit():
    g = xformad.grad(seed, argnums=(0, 1))
    jg = xformad.jit(g)
    for k in range(6):
        assert bitwise(jg(2.0 + k, 5.0), g(2.0 + k, 5.0))
    info = jg.cache_info()
    assert (info.signatures, info.specializations, info.compiles) == (1, 1, 1)
    assert info.hits == 5
    assert "1 input signature(s), 1 specialisation(s)" in str(info)


def test_a_new_shape_or_dtype_is_a_new_signature():
    jf = xformad.jit(lambda x: np.sum(np.tanh(x)))
    for x in (np.ones(3), np.ones(3), np.ones(4), np.ones(3, np.float32), 1.0):
        assert bitwise(jf(x), np.sum(np.tanh(x)) if not isinstance(x, float) else np.tanh(np.float64(x)))
    assert jf.cache_info().signatures == 4


def logistic(x, n):
    for _ in range(n):
        x = 4 * x * (1 - x)
    return x


def test_static_argnums_key_the_cache_by_value():
    jg = xformad.jit(xformad.grad(logistic), static_argnums=1)
    for n in (3, 5, 3, 5):
        assert bitwise(jg(0.3, n), xformad.grad(logistic)(0.3, n))
    assert jg.cache_info().signatures == 2
    with pytest.raises(SignatureError, match="static but unhashable"):
        jg(0.3, [1, 2])


def branchy(x):
    if np.sum(x) > 0:
        return np.sum(x**2)
    return np.sum(np.sin(x))


def test_another_branch_retraces_and_adds_a_specialisation():
    jg = xformad.jit(xformad.grad(branchy))
    for s in (1, 1, -1, -1, 1, -1, 1):
        x = s * np.arange(1.0, 4.0)
        assert bitwise(jg(x), xformad.grad(branchy)(x))
    info = jg.cache_info()
    assert info.signatures == 1 and info.specializations == 2 and info.compiles == 2
    assert "guard bool(" in info.last_retrace_reason and "failed" in info.last_retrace_reason


def test_past_the_bound_it_runs_eagerly_with_one_warning():
    jg = xformad.jit(xformad.grad(logistic), max_specializations=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(6):
            assert bitwise(jg(0.3, n), xformad.grad(logistic)(0.3, n))
        jg(0.3, 5)
    retrace = [w for w in caught if issubclass(w.category, RetraceWarning)]
    assert len(retrace) == 1
    assert "static_argnums" in str(retrace[0].message)
    info = jg.cache_info()
    assert info.specializations == 3 and info.eager_calls == 4


def test_random_numbers_from_a_generator_in_the_closure_are_refused():
    legacy = np.random.RandomState(0)  # its methods are compiled code xformad cannot reach

    def noisy(x):
        return np.sum(x * legacy.normal(size=x.shape))

    jf = xformad.jit(noisy)
    # the draw advances the generator while f is traced: refused at once
    with pytest.raises(ImpureFunctionError, match="draws random numbers"):
        jf(np.ones(3))
    with pytest.raises(ImpureFunctionError):  # never a stale cached result afterwards
        jf(np.ones(3))


def test_random_numbers_inside_f_fall_back_to_eager_when_asked():
    rng = np.random.RandomState(0)  # (a Generator's draws would be program nodes)

    def noisy(x):
        return np.sum(x * rng.normal(size=x.shape))

    jf = xformad.jit(noisy, on_impure="eager")
    with pytest.warns(RetraceWarning, match="not pure"):
        first = jf(np.ones(3))  # the generator advanced while f was traced
    second = jf(np.ones(3))
    third = jf(np.ones(3))
    assert len({float(first), float(second), float(third)}) == 3  # fresh draws, none stale
    assert jf.cache_info().mode == "eager"


WEIGHTS = np.ones(3)


def weighted(x):
    return np.sum(WEIGHTS * np.sin(x))


def test_a_rebound_global_array_is_detected():
    # detected before the cached call: it re-traces (never a stale result), and says why
    global WEIGHTS
    jg = xformad.jit(xformad.grad(weighted))
    x = np.linspace(0, 1, 3)
    jg(x)
    WEIGHTS = np.full(3, 2.0)
    try:
        assert bitwise(jg(x), xformad.grad(weighted)(x))
        assert bitwise(jg(x), 2.0 * np.cos(x))
        assert jg.cache_info().last_retrace_reason == "global WEIGHTS was rebound"
    finally:
        WEIGHTS = np.ones(3)


def test_equal_constants_rebuilt_each_call_are_not_impurities():
    def f(x):
        return np.sum(np.eye(3) @ x * np.arange(3.0))

    jf = xformad.jit(xformad.grad(f))
    for _ in range(4):
        assert bitwise(jf(np.ones(3)), xformad.grad(f)(np.ones(3)))
    assert jf.cache_info().hits == 3


def test_compiles_are_logged(caplog, monkeypatch):
    monkeypatch.setenv("XFORMAD_LOG_COMPILES", "1")
    jf = xformad.jit(branchy)
    with caplog.at_level(logging.WARNING, logger="xformad.jit"):
        jf(np.ones(2))
        jf(-np.ones(2))
    messages = [r.getMessage() for r in caplog.records if r.name == "xformad.jit"]
    assert len(messages) == 2
    assert "first call" in messages[0] and "guard" in messages[1]
    monkeypatch.setenv("XFORMAD_LOG_COMPILES", "0")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="xformad.jit"):
        jf(np.ones(5))
    assert not caplog.records


def test_grad_of_jit_traces_through():
    jf = xformad.jit(seed)
    g = xformad.grad(jf, argnums=(0, 1))
    assert bitwise(g(2.0, 5.0), xformad.grad(seed, argnums=(0, 1))(2.0, 5.0))
    assert bitwise(xformad.jit(g)(2.0, 5.0), xformad.grad(seed, argnums=(0, 1))(2.0, 5.0))


def test_jit_of_hessian_jacrev_and_value_and_grad():
    def f(x):
        return np.sum(np.sin(x) ** 2 * x[::-1])

    x = np.linspace(0.1, 1.0, 4)
    for t in (xformad.hessian(f), xformad.jacrev(lambda x: np.tanh(x) * x), xformad.value_and_grad(f)):
        jt = xformad.jit(t)
        for _ in range(4):
            assert bitwise(jt(x), t(x))


def test_pytrees_in_and_out():
    def loss(params, x):
        return np.sum((params["w"] @ x + params["b"]) ** 2)

    params = {"w": np.ones((2, 3)), "b": np.zeros(2)}
    x = np.arange(3.0)
    jg = xformad.jit(xformad.value_and_grad(loss))
    for _ in range(4):
        assert bitwise(jg(params, x), xformad.value_and_grad(loss)(params, x))


def test_non_array_arguments_must_be_static():
    jf = xformad.jit(lambda x, mode: x * 2 if mode == "double" else x)
    with pytest.raises(SignatureError, match="static_argnums"):
        jf(np.ones(2), "double")
    jf = xformad.jit(lambda x, mode: x * 2 if mode == "double" else x, static_argnums=1)
    assert bitwise(jf(np.ones(2), "double"), np.full(2, 2.0))


def test_bad_options_say_what_to_do():
    with pytest.raises(xformad.XformadError, match="on_impure must be 'error' or 'eager'"):
        xformad.jit(seed, on_impure="ignore")


def test_integer_labels_guard_the_compiled_program():
    """numpy is handed the labels' value (np.eye(3)[labels]); the program guards on it, so
    other labels re-trace (a specialisation of their own) and the first ones hit again."""

    def nll(w, labels):
        one_hot = np.eye(3)[labels]
        return -np.sum(one_hot * np.log(np.exp(w) / np.sum(np.exp(w), axis=1, keepdims=True)))

    w = np.arange(6.0).reshape(2, 3) / 10
    jg = xformad.jit(xformad.grad(nll))
    for labels in ([0, 2], [0, 2], [1, 1], [1, 1], [0, 2]):
        labels = np.array(labels)
        assert bitwise(jg(w, labels), xformad.grad(nll)(w, labels))
    info = jg.cache_info()
    assert (info.compiles, info.specializations, info.hits) == (2, 2, 3)


def test_decorator_form():
    @xformad.jit(static_argnums=1)
    def power(x, n):
        return x**n

    assert bitwise(power(np.arange(3.0), 3), np.arange(3.0) ** 3)


def test_compiled_reverse_mode_peak_memory_is_not_above_eager():
    def f(x):
        return np.sum(np.tanh(x) * np.exp(-(x**2)) + np.sin(x) ** 2)

    x = np.linspace(-2, 2, 200_000)
    g = xformad.grad(f)
    jg = xformad.jit(g)
    jg(x)

    def peak(fn):
        tracemalloc.start()
        fn(x)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    eager, compiled = peak(g), peak(jg)
    assert compiled <= eager, (compiled, eager)


def test_on_a_device_backend_cached_calls_move_nothing_to_the_host():
    from tests import fake_device

    backend = fake_device.install()
    try:

        def f(x):
            return np.sum(np.tanh(x) ** 2 * x)

        x = fake_device.to_device(np.linspace(0, 1, 5))
        g = xformad.grad(f)
        jg = xformad.jit(g)
        want = fake_device.to_host(g(x))
        for _ in range(3):
            jg(x)
        backend.transfers.reset()
        got = jg(x)
        assert type(got) is type(x)
        assert backend.transfers.total() == 0 and backend.transfers.adopted == 0
        assert np.array_equal(fake_device.to_host(got), want)
    finally:
        fake_device.uninstall()


def test_scalars_on_a_device_backend_come_back_as_the_traced_call_returns_them():
    from tests import fake_device

    backend = fake_device.install()
    try:
        g = xformad.grad(seed, argnums=(0, 1), backend=backend.name)
        jg = xformad.jit(g, backend=backend.name)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback to eager
            for _ in range(4):
                assert bitwise(jg(2.0, 5.0), g(2.0, 5.0))
        assert "x1 = xp.asarray(x1)" in jg.__xformad_jit__._cache[(float, float)][0].source
    finally:
        fake_device.uninstall()


@pytest.mark.parametrize("program", emitted_source_params(load_programs()))
def test_jit_grad_of_every_program(program):
    args = program.make_args(np.random.default_rng(0))
    g = xformad.grad(program.fn, argnums=program.argnums)
    jg = xformad.jit(g)
    want = tree_flatten(g(*args))[0]
    first = tree_flatten(jg(*args))[0]
    for _ in range(3):  # the compiled program, after the tracing call
        got = tree_flatten(jg(*args))[0]
        for a, b, c in zip(got, first, want):
            assert bitwise(a, b)  # the compiled program computes what the trace did
            assert bitwise(a, c)  # which is what grad computes
    assert jg.cache_info().hits == 3
    # other inputs of the same shapes: eager's numbers (a failed guard retraces, never stale)
    other = program.make_args(np.random.default_rng(1))
    for a, b in zip(tree_flatten(jg(*other))[0], tree_flatten(g(*other))[0]):
        assert bitwise(a, b)


def _segment(x):
    for _ in range(6):
        x = np.sin(x) * 1.01
    return x


def _chain(segment):
    def f(x):
        for _ in range(6):
            x = segment(x)
        return np.sum(x)

    return f


def test_checkpoint_recomputes_instead_of_storing():
    plain, checkpointed = _chain(_segment), _chain(xformad.checkpoint(_segment))
    x = np.linspace(0, 1, 100_000)
    assert bitwise(xformad.grad(checkpointed)(x), xformad.grad(plain)(x))
    t = np.ones_like(x)
    assert bitwise(xformad.jvp(checkpointed, (x,), (t,)), xformad.jvp(plain, (x,), (t,)))
    jg = xformad.jit(xformad.grad(checkpointed))
    for _ in range(4):
        assert bitwise(jg(x), xformad.grad(plain)(x))

    def peak(fn):
        tracemalloc.start()
        fn(x)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    # 36 stored intermediates against 6 boundaries plus one segment's 12
    assert peak(xformad.grad(checkpointed)) < 0.5 * peak(xformad.grad(plain))


def test_checkpoint_needs_an_array_result():
    pair = xformad.checkpoint(lambda x: (x, x))
    with pytest.raises(xformad.XformadError, match="must return one array"):
        xformad.grad(lambda x: np.sum(pair(x)[0]))(np.ones(2))


def test_a_function_named_like_a_kernel_does_not_shadow_it():
    # the generated function and the kernels share a namespace: a user function called
    # "einsum" or "power" must not replace the kernel of the same name
    def einsum(a, b):
        return np.einsum("ij,jk->ik", a, b) ** 2

    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    assert bitwise(xformad.jit(einsum)(a, b), einsum(a, b))
    assert bitwise(
        xformad.jit(xformad.grad(lambda a: einsum(a, b).sum()))(a),
        xformad.grad(lambda a: einsum(a, b).sum())(a),
    )


def test_a_result_computed_from_an_array_made_inside_compiles():
    """numpy hands the subclass of an array made inside the function (xformad's Buffer)
    on to what is computed from it (np.all(..., out=view) * s): the traced result is an
    ndarray as the emitted program's is, so the program is verified and used, not refused
    with a RetraceWarning and run eagerly ever after."""

    def f(x):
        return np.all(x > 0, out=(x > 5)[0, ...]) * np.sum(x)

    x = np.array([0.3, -0.7, 1.1])
    g = xformad.jit(xformad.grad(f), compile_after=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in (x, x + 1.0, x):
            got = g(v)
            assert type(got) is np.ndarray
            np.testing.assert_array_equal(got, xformad.grad(f)(v))
    assert g.cache_info().specializations == 1


def test_jit_says_to_pass_an_array_keyword_positionally():
    with pytest.raises(xformad.XformadError, match="pass the array positionally"):
        xformad.jit(lambda x, w: np.sum(x * w))(np.ones(2), w=np.ones(2))


def _flat_write(x, s):
    y = x * 1.0
    y.flat[::3] = s
    return np.sum(y**2)


@pytest.mark.parametrize(
    ("fn", "argnums", "args"),
    [
        (lambda x, y: x * y, 1, (1.7, np.array(0.3))),  # a 0-d array argument beside a float
        (lambda x, y: x * y, 0, (np.array(1.7), 0.3)),
        (_flat_write, (0, 1), (np.arange(4.0).reshape(2, 2), 0.7)),  # a float written into an array
        (lambda x, y: np.sum(x) * y, (0, 1), (np.ones(2), np.float64(0.5))),
    ],
)
def test_jit_of_grad_returns_the_types_grad_returns(fn, argnums, args):
    g = xformad.grad(fn, argnums=argnums)
    eager = tree_flatten(g(*args))[0]
    for compile_after in (0, 1):
        jg = xformad.jit(g, compile_after=compile_after)
        for _ in range(3):
            got = tree_flatten(jg(*args))[0]
            assert [type(v) for v in got] == [type(v) for v in eager]
            assert all(bitwise(a, b) for a, b in zip(got, eager))
