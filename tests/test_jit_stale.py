"""jit never returns a stale or wrong number: the environment guards (what a function reads
besides its arguments), stateful and random functions, value-dependent shapes, the bounded
cache, and the documented limits (each shown as it is).

Every pattern runs through jit(f) and jit(grad(f)): several cached calls, a change, more
calls, each compared with numpy's own result (f called plainly) and with eager grad.
"""

from __future__ import annotations

import collections
import functools
import importlib
import os
import random
import sys
import time
import types
import warnings

import numpy as np
import pytest

import xformad
from xformad.compile import ImpureFunctionError, RetraceWarning, code_origin, sameness
from xformad.compile import environment as environment_module


def bitwise(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


class Both:
    """jit(f) and jit(grad(f)), called and compared with f and eager grad(f)."""

    def __init__(self, f, **options):
        self.f = f
        self.jf = xformad.jit(f, **options)
        self.jg = xformad.jit(xformad.grad(f), **options)

    def check(self, x, calls: int = 5) -> None:
        for _ in range(calls):
            got, want = self.jf(x), self.f(x)
            assert close(got, want), (got, want)
            got_g, want_g = self.jg(x), xformad.grad(self.f)(x)
            assert bitwise(got_g, want_g) or close(got_g, want_g), (got_g, want_g)

    def reasons(self) -> tuple:
        return self.jf.cache_info().last_retrace_reason, self.jg.cache_info().last_retrace_reason


X = np.linspace(0.1, 1.0, 4)

# -- module globals ---------------------------------------------------------------------------
G_ARRAY = np.arange(1.0, 5.0)
G_FLOAT = 2.0
G_STEPS = 3


def uses_global_array(x):
    return np.sum(np.sin(x) * G_ARRAY)


def uses_global_float(x):
    return np.sum(x**2) * G_FLOAT


def uses_global_loop_count(x):
    for _ in range(G_STEPS):
        x = np.sin(x)
    return np.sum(x)


def test_a_rebound_global_array_retraces():
    global G_ARRAY
    both = Both(uses_global_array)
    both.check(X)
    saved = G_ARRAY
    try:
        G_ARRAY = np.arange(4.0) ** 2
        both.check(X)
        assert both.reasons() == ("global G_ARRAY was rebound",) * 2
    finally:
        G_ARRAY = saved


def test_a_rebound_global_float_retraces():
    global G_FLOAT
    both = Both(uses_global_float)
    both.check(X)
    try:
        G_FLOAT = 3.5
        both.check(X)
        assert both.reasons() == ("global G_FLOAT was rebound",) * 2
        G_FLOAT = 3.5 + 0.0  # an equal value: nothing to re-trace
        both.check(X)
        assert both.jf.cache_info().compiles == 2
    finally:
        G_FLOAT = 2.0


def test_a_global_loop_count_retraces():
    global G_STEPS
    both = Both(uses_global_loop_count)
    both.check(X)
    try:
        G_STEPS = 5
        both.check(X)
        assert both.reasons() == ("global G_STEPS was rebound",) * 2
    finally:
        G_STEPS = 3


def test_a_global_array_written_in_place_retraces():
    both = Both(uses_global_array)
    both.check(X)
    saved = G_ARRAY.copy()
    try:
        G_ARRAY[:] = 2
        both.check(X)
        assert both.reasons() == ("global G_ARRAY was modified in place",) * 2
        G_ARRAY[1] = np.nan  # NaN compares bit for bit
        both.check(X)
        assert both.jf.cache_info().compiles == 3
    finally:
        G_ARRAY[:] = saved


# -- closures -----------------------------------------------------------------------------------
def test_closure_arrays_lists_and_dicts():
    W = np.ones(4)
    scales = [1.0, 2.0]
    table = {"a": 0.5, "b": np.full(4, 3.0)}

    def f(x):
        return np.sum(W * np.tanh(x)) * scales[-1] + np.sum(table["b"] * x) * table["a"]

    both = Both(f)
    both.check(X)
    W[:] = 2  # in place
    both.check(X)
    assert (
        both.reasons()
        == ("closure variable W of test_closure_arrays_lists_and_dicts.<locals>.f was modified in place",) * 2
    )
    scales.append(5.0)
    both.check(X)
    assert "closure variable scales" in both.reasons()[0]
    table["a"] = -1.0
    both.check(X)
    assert both.reasons()[1].startswith("closure variable table of") and "['a']" in both.reasons()[1]
    table["b"][0] = 9.0  # an array inside a dict, in place
    both.check(X)
    assert "['b'] was modified in place" in both.reasons()[0]


def test_a_rebound_closure_variable():
    def make():
        k = 2.0

        def f(x):
            return np.sum(np.sin(x)) * k

        def set_k(v):
            nonlocal k
            k = v

        return f, set_k

    f, set_k = make()
    both = Both(f)
    both.check(X)
    set_k(-4.0)
    both.check(X)
    assert both.reasons()[0].startswith("closure variable k of")


def test_grad_wrappers_are_followed_to_the_user_function():
    # grad(f) has __wrapped__ and closes over f: the walk goes through to f's globals
    jg = xformad.jit(xformad.value_and_grad(uses_global_float))
    for _ in range(3):
        jg(X)
    assert jg.cache_info().environment_reads >= 1
    jj = xformad.jit(xformad.jit(xformad.grad(uses_global_array)))  # and through Jitted
    jj(X)
    saved = G_ARRAY.copy()
    try:
        G_ARRAY[0] = 7.0
        assert bitwise(jj(X), xformad.grad(uses_global_array)(X))
    finally:
        G_ARRAY[:] = saved


def test_helpers_are_walked_recursively():
    def inner(x):
        return x * G_FLOAT

    def middle(x):
        return inner(np.sin(x))

    def f(x):
        return np.sum(middle(x))

    global G_FLOAT
    both = Both(f)
    both.check(X)
    try:
        G_FLOAT = -1.0
        both.check(X)
        assert both.reasons() == ("global G_FLOAT was rebound",) * 2
    finally:
        G_FLOAT = 2.0


def test_lambdas_and_comprehensions_are_read_too():
    def f(x):
        g = lambda y: y * G_FLOAT  # noqa: E731
        return np.sum(np.stack([g(x) for _ in range(2)]))

    global G_FLOAT
    both = Both(f)
    both.check(X)
    try:
        G_FLOAT = 10.0
        both.check(X)
    finally:
        G_FLOAT = 2.0


# -- objects ------------------------------------------------------------------------------------
class Model:
    def __init__(self):
        self.k = 2.0
        self.W = np.ones(4)
        self.layers = [np.eye(4)]

    def loss(self, x):
        return np.sum(np.tanh(self.layers[0] @ x * self.W) * self.k)


def test_attributes_of_self_in_a_bound_method():
    m = Model()
    both = Both(m.loss)
    both.check(X)
    m.k = 3.0
    both.check(X)
    assert both.reasons()[0] == "self (of Model.loss).k was rebound"
    m.W[2] = -1.0
    both.check(X)
    m.layers[0][0, 1] = 0.5
    both.check(X)
    m.extra = 1  # an attribute added
    both.check(X)
    assert "attributes" in both.reasons()[0]


class Config:
    scale = 1.5  # a class attribute


CONFIG = Config()
CONFIG.k = 3


def uses_config(x):
    for _ in range(CONFIG.k):
        x = np.cos(x)
    return np.sum(x) * CONFIG.scale


def test_a_global_config_objects_attributes():
    both = Both(uses_config)
    both.check(X)
    CONFIG.k = 4
    try:
        both.check(X)
        assert both.reasons() == ("global CONFIG.k was rebound",) * 2
        Config.scale = 0.25
        both.check(X)
        assert both.reasons()[0] == "Config.scale was rebound"
    finally:
        CONFIG.k = 3
        Config.scale = 1.5


def test_methods_of_user_classes_are_walked():
    class Layer:
        def __init__(self):
            self.w = np.full(4, 0.5)

        def __call__(self, x):
            return np.tanh(x * self.w) * G_FLOAT

    layer = Layer()

    def f(x):
        return np.sum(layer(x))

    both = Both(f)
    both.check(X)
    layer.w *= 2
    both.check(X)
    global G_FLOAT
    try:
        G_FLOAT = 5.0  # read by the method, not by f
        both.check(X)
        assert both.reasons()[0] == "global G_FLOAT was rebound"
    finally:
        G_FLOAT = 2.0


def test_default_arguments():
    def f(x, weights=[1.0, 2.0], power=2):  # noqa: B006 (the point of the test)
        return np.sum(x**power) * weights[-1]

    both = Both(f)
    both.check(X)
    f.__defaults__[0].append(4.0)  # the mutable default changed
    both.check(X)
    assert (
        both.reasons()[0]
        == "the default arguments of test_default_arguments.<locals>.f[0] was changed (length or type)"
    )
    f.__defaults__ = ([1.0], 3)  # defaults replaced
    both.check(X)
    assert "default arguments" in both.reasons()[1]


def test_functools_partial_arguments():
    def scaled(x, w):
        return np.sum(np.sin(x) * w)

    w = np.ones(4)
    p = functools.partial(scaled, w=w)
    jf = xformad.jit(p)
    for _ in range(3):
        assert close(jf(X), p(X))
    w[1] = 5.0
    assert close(jf(X), p(X))


def test_functions_passed_static_carry_their_environment():
    def apply(g, x):
        return np.sum(g(x))

    state = {"k": 2.0}

    def g(x):
        return np.sin(x) * state["k"]

    jf = xformad.jit(apply, static_argnums=0)
    for _ in range(3):
        assert close(jf(g, X), apply(g, X))
    state["k"] = 7.0
    assert close(jf(g, X), apply(g, X))
    assert jf.cache_info().last_retrace_reason.startswith("static argument 0")


# -- user modules --------------------------------------------------------------------------------
@pytest.fixture
def user_module(tmp_path, monkeypatch):
    name = "xformad_stale_cfg_module"
    (tmp_path / f"{name}.py").write_text("k = 3\nscale = 2.0\nW = __import__('numpy').ones(4)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    globals()["stale_cfg"] = module
    yield module
    globals().pop("stale_cfg", None)
    sys.modules.pop(name, None)


def uses_module_attributes(x):
    for _ in range(stale_cfg.k):  # noqa: F821 (set by the fixture)
        x = np.sin(x) * stale_cfg.scale  # noqa: F821
    return np.sum(x * stale_cfg.W)  # noqa: F821


def imports_inside(x):
    import xformad_stale_cfg_module as cfg
    from xformad_stale_cfg_module import scale

    return np.sum(np.sin(x) * cfg.W) * scale


def test_module_attributes_read_as_cfg_k(user_module):
    both = Both(uses_module_attributes)
    both.check(X)
    user_module.k = 5
    both.check(X)
    assert both.reasons() == ("global stale_cfg.k was rebound",) * 2
    user_module.scale = 0.5
    both.check(X)
    user_module.W[0] = 3.0
    both.check(X)
    assert both.reasons()[0] == "global stale_cfg.W was modified in place"


def test_modules_imported_inside_the_function(user_module):
    both = Both(imports_inside)
    both.check(X)
    user_module.scale = -3.0
    both.check(X)
    user_module.W[:] = 0.5
    both.check(X)


# -- stateful functions -----------------------------------------------------------------------
COUNTER = 0


def counts_its_calls(x):
    global COUNTER
    COUNTER += 1
    return np.sum(x) * COUNTER


def test_a_global_counter_is_impure():
    jf = xformad.jit(counts_its_calls)
    with pytest.raises(ImpureFunctionError, match="global COUNTER was rebound"):
        jf(X)
    with pytest.raises(ImpureFunctionError, match="not pure"):
        jf(X)  # and keeps refusing: never a stale result
    jg = xformad.jit(xformad.grad(counts_its_calls), on_impure="eager")
    with pytest.warns(RetraceWarning, match="not pure"):
        jg(X)
    before = COUNTER
    assert bitwise(jg(X), np.full(4, float(before + 1)))  # eager: counts on
    assert jg.cache_info().mode == "eager"


def test_appending_to_a_history_list_is_impure():
    history = []

    def f(x):
        history.append(1)
        return np.sum(x) * len(history)

    with pytest.raises(ImpureFunctionError, match="closure variable history"):
        xformad.jit(f)(X)
    with pytest.raises(ImpureFunctionError, match="closure variable history"):
        xformad.jit(xformad.grad(f))(X)


def test_setting_an_attribute_while_traced_is_impure():
    class Counter:
        def __init__(self):
            self.calls = 0

        def __call__(self, x):
            self.calls += 1
            return np.sum(x)

    with pytest.raises(ImpureFunctionError, match="calls was rebound"):
        xformad.jit(Counter())(X)


def test_a_cached_property_is_not_an_impurity():
    class Scaled:
        def __init__(self):
            self.w = np.arange(4.0)

        @functools.cached_property
        def total(self):
            return float(np.sum(self.w))

        def f(self, x):
            return np.sum(x) * self.total

    s = Scaled()
    both = Both(s.f)
    both.check(X)


def test_random_draws_while_tracing_are_impure():
    legacy = np.random.RandomState(0)
    # (np.random.* and Generators the function names are program nodes: tests/test_draws.py)
    cases = [
        lambda x: np.sum(x * legacy.uniform(size=4)),  # a RandomState
        lambda x: np.sum(x) * random.random(),  # Python's random module
    ]
    for f in cases:
        with pytest.raises(ImpureFunctionError, match="draws random numbers"):
            xformad.jit(f)(X)
        with pytest.raises(ImpureFunctionError, match="draws random numbers"):
            xformad.jit(xformad.grad(f))(X)
    jf = xformad.jit(cases[0], on_impure="eager")  # (the RandomState)
    with pytest.warns(RetraceWarning):
        values = {float(jf(X)) for _ in range(3)}
    assert len(values) == 3  # fresh draws, never a replayed one


def test_a_generator_used_outside_is_not_an_impurity():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=4)

    def f(x):
        return np.sum(x * noise)

    both = Both(f)
    both.check(X)
    rng.normal(size=3)  # drawing elsewhere changes nothing f reads
    both.check(X)
    assert both.jf.cache_info().compiles == 1


def test_check_purity_is_deprecated_and_ignored():
    with pytest.warns(DeprecationWarning, match="check_purity"):
        jf = xformad.jit(uses_global_float, check_purity=2)
    for _ in range(4):
        jf(X)
    assert jf.cache_info().compiles == 1 and jf.cache_info().hits == 3


def test_no_cached_call_retraces_unless_something_changed():
    both = Both(uses_config)
    both.check(X, calls=20)
    for jitted in (both.jf, both.jg):
        info = jitted.cache_info()
        assert (info.compiles, info.hits) == (1, 19)


# -- value-dependent shapes ---------------------------------------------------------------------
MASKS = [
    np.array([1.0, -2.0, 3.0, 4.0]),
    np.array([1.0, -2.0, 3.0, 4.0]),
    np.array([1.0, 2.0, 3.0, 4.0]),
    np.array([-1.0, -2.0, -3.0, 4.0]),
    np.array([1.0, -2.0, 3.0, 4.0]),
    np.array([-1.0, 2.0, -3.0, -4.0]),
]

SHAPE_PROGRAMS = {
    "mask": lambda x: np.mean(x[x > 0] ** 2),
    "mask_sum": lambda x: np.sum(np.sin(x[x > 0])),
    "nonzero": lambda x: np.sum(x[np.nonzero(x > 0)] ** 3),
    "argwhere": lambda x: np.sum(x[np.argwhere(x > 0)[:, 0]] * 2.0),
    "flatnonzero": lambda x: np.sum(np.take(x, np.flatnonzero(x < 0)) ** 2) + np.sum(x),
    "unique": lambda x: np.sum(np.unique(np.round(x)) * x[0]) + np.sum(x**2),
    "extract": lambda x: np.sum(np.extract(x > 0, x) ** 2),
    "compress": lambda x: np.sum(np.compress(x > 0, x) * np.arange(4.0)[: int(np.sum(x > 0))]),
    "len": lambda x: np.sum(x**2) * len(x[x > 0]),
    "len_of_nonzero": lambda x: np.sum(x) / (1 + len(np.nonzero(x > 0)[0])),
    "mask_of_where": lambda x: np.sum(np.where(x > 0, x, 0.0)[x > -3] ** 2),
    "unique_counts": lambda x: np.sum(
        (lambda c: c * x[: len(c)] ** 2)(np.unique(np.sign(x), return_counts=True)[1])
    ),
    "unique_slice": lambda x: np.sum(x[: len(np.unique(np.sign(x)))] ** 2),
}


def _setitem_zero(x):
    y = x.copy()
    y[x > 0] = 0.0
    return np.sum(y**2 * x)


def _setitem_values(x):
    y = np.zeros_like(x)
    y[x > 0] = x[x > 0] ** 2
    return np.sum(y * x)


def _in_a_loop(x):
    total = 0.0
    for k in range(3):
        sel = x[x > k - 2.5]
        total = total + np.sum(sel**2) / (1 + sel.shape[0])
    return total


SHAPE_PROGRAMS.update(setitem_zero=_setitem_zero, setitem_values=_setitem_values, in_a_loop=_in_a_loop)


@pytest.mark.parametrize("name", sorted(SHAPE_PROGRAMS))
def test_value_dependent_shapes_never_give_a_wrong_value(name):
    f = SHAPE_PROGRAMS[name]
    jf = xformad.jit(f)
    jg = xformad.jit(xformad.grad(f))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetraceWarning)  # never a fallback, never "impure"
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty selection
        for x in MASKS * 2:
            want = f(x)
            got = jf(x)
            assert bitwise(got, want) or (np.isnan(want) and np.isnan(got)), (name, x, got, want)
            assert bitwise(jg(x), xformad.grad(f)(x)), (name, x)
    for jitted in (jf, jg):
        info = jitted.cache_info()
        assert info.mode == "jit" and info.hits > 0
        assert info.specializations <= 4  # one per distinct count of selected elements


def test_the_issue_example():
    jm = xformad.jit(lambda x: np.mean(x[x > 0] ** 2))
    for _ in range(5):
        assert jm(np.array([1.0, -2.0, 3.0, 4.0])) == np.mean(np.array([1.0, 3.0, 4.0]) ** 2)
    assert jm(np.array([1.0, 2.0, 3.0, 4.0])) == 7.5
    assert "shape(" in jm.cache_info().last_retrace_reason


def test_the_shape_guard_is_in_the_emitted_program():
    src = xformad.source(xformad.grad(lambda x: np.sum(x[x > 0])), MASKS[0])
    assert "if v2.shape != (3,): raise GuardFailed(0)" in src


def test_the_scheduler_checks_value_dependent_shapes():
    from xformad import backends
    from xformad.scheduler import GuardFailed, Plan

    graph = xformad.make_graph(lambda x: np.mean(x[x > 0] ** 2))(MASKS[0])
    plan = Plan(graph, backends.get_backend("numpy"))
    assert bitwise(plan.run([MASKS[0]])[0], np.mean(np.array([1.0, 3.0, 4.0]) ** 2))
    with pytest.raises(GuardFailed, match=r"shape \(4,\)"):
        plan.run([MASKS[2]])


# -- the bounded cache -------------------------------------------------------------------------
def test_the_cache_is_lru_over_signatures():
    jf = xformad.jit(lambda x: np.sum(x**2), cache_size=2)
    a, b, c = np.ones(2), np.ones(3), np.ones(4)
    jf(a), jf(b), jf(a)  # b is now the least recently used
    jf(c)  # evicts b
    info = jf.cache_info()
    assert (info.signatures, info.evictions, info.cache_size) == (2, 1, 2)
    jf(a)
    assert jf.cache_info().compiles == 3  # a was kept
    jf(b)
    assert jf.cache_info().compiles == 4 and jf.cache_info().evictions == 2
    assert "at most 2 signatures, 2 evicted" in str(jf.cache_info())
    assert xformad.jit(np.sum).cache_info().cache_size == 64
    with pytest.raises(xformad.XformadError, match="cache_size"):
        xformad.jit(np.sum, cache_size=0)


def test_specialisations_are_tried_most_recent_first():
    def branchy(x):
        return np.sum(x**2) if np.sum(x) > 0 else np.sum(np.sin(x))

    jf = xformad.jit(branchy)
    jf(X), jf(-X)
    entries = jf.__xformad_jit__._cache[next(iter(jf.__xformad_jit__._cache))]
    assert len(entries) == 2
    first = entries[0]
    jf(X)  # the other path: moved to the front
    assert entries[0] is not first and entries[1] is first


# -- the documented limits, shown as they are ---------------------------------------------------
def test_limit_io_is_not_checked(tmp_path):
    path = tmp_path / "scale.txt"
    path.write_text("2.0")

    def f(x):
        return np.sum(x) * float(path.read_text())

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    path.write_text("3.0")
    assert jf(X) != f(X)  # stale: a file's content is not part of the environment


def test_limit_time_is_not_checked():
    def f(x):
        return np.sum(x) * (time.time() > 0) + time.time() * 0 + np.float64(time.perf_counter_ns() % 7)

    jf = xformad.jit(f)
    first = jf(X)
    time.sleep(0.001)
    assert jf(X) == first  # the clock was read once, when traced


def test_limit_environment_variables_and_library_module_state(monkeypatch):
    monkeypatch.setenv("XFORMAD_STALE_SCALE", "2.0")

    def f(x):
        return np.sum(x) * float(os.environ["XFORMAD_STALE_SCALE"])

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    monkeypatch.setenv("XFORMAD_STALE_SCALE", "5.0")
    assert jf(X) != f(X)  # os.environ is state of a library module: not walked


def test_limit_objects_of_c_extension_or_library_classes():
    weights = collections.deque([1.0, 2.0])

    def f(x):
        return np.sum(x) * weights[-1]

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    weights.append(10.0)  # a C type: compared by identity only
    assert jf(X) != f(X)


def test_limit_attributes_read_by_computed_names(user_module):
    suffix = "ale"

    def f(x):
        return np.sum(x) * getattr(stale_cfg, "sc" + suffix)  # noqa: F821

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    user_module.scale = 9.0
    assert jf(X) != f(X)  # only attribute chains the code spells out are read


def test_a_generator_created_inside_from_os_entropy_draws_afresh_each_call():
    def f(x):
        return np.sum(x * np.random.default_rng().normal(size=4))

    jf = xformad.jit(f)
    values = {float(jf(X)) for _ in range(3)}
    assert len(values) == 3  # its draws are program nodes, never one replayed
    assert jf.cache_info().hits == 2


def test_limit_values_nested_deeper_than_the_bound():
    deep = [1.0]
    holder = deep
    for _ in range(sameness.MAX_DEPTH + 2):
        holder = [holder]

    def f(x):
        return np.sum(x) * deep[0]

    def g(x):
        return np.sum(x) * holder[0][0][0][0][0][0][0][0][0][0][0]

    jf, jg = xformad.jit(f), xformad.jit(g)
    jf(X), jg(X)
    deep[0] = 4.0
    assert jf(X) == f(X)  # reached near the top: checked
    assert jg(X) != g(X)  # past MAX_DEPTH levels of nesting: by identity only


def test_limit_state_kept_outside_dict_and_slots():
    class Opaque:
        def __init__(self):
            object.__setattr__(self, "_hidden", {"k": 2.0})

        def __getattribute__(self, name):
            if name == "__dict__":
                raise AttributeError(name)
            if name == "k":
                return object.__getattribute__(self, "_hidden")["k"]
            return object.__getattribute__(self, name)

    box = Opaque()

    def f(x):
        return np.sum(x) * box.k

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    object.__getattribute__(box, "_hidden")["k"] = 6.0
    assert jf(X) != f(X)  # the walk sees no attribute of box: by identity only


def test_limit_code_installed_as_a_library(tmp_path, monkeypatch):
    name = "xformad_stale_installed"
    (tmp_path / f"{name}.py").write_text("SCALE = 2.0\ndef f(x):\n    return x * SCALE\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    try:
        # pretend tmp_path is site-packages: its code is a library's, not walked
        monkeypatch.setattr(
            code_origin,
            "_LIBRARY_ROOTS",
            code_origin._LIBRARY_ROOTS + (str(tmp_path) + os.sep,),
        )
        code_origin.origin.cache_clear()
        jf = xformad.jit(lambda x: np.sum(module.f(x)))
        assert jf(X) == np.sum(module.f(X))
        module.SCALE = 3.0
        assert jf(X) != np.sum(module.f(X))
    finally:
        code_origin.origin.cache_clear()
        sys.modules.pop(name, None)


def test_limit_rebound_builtins(monkeypatch):
    import builtins

    def f(x):
        q, _ = divmod(7, 2)
        return np.sum(x) * q

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    monkeypatch.setattr(builtins, "divmod", lambda a, b: (10, 0))
    assert jf(X) != f(X)  # builtins are not in the snapshot


def test_a_global_shadowing_a_builtin_is_seen():
    def f(x):
        return np.sum(x) * divmod(7, 2)[0]

    jf = xformad.jit(f)
    assert jf(X) == f(X)
    globals()["divmod"] = lambda a, b: (10, 0)
    try:
        assert jf(X) == f(X)
        assert jf.cache_info().last_retrace_reason.startswith("global divmod was defined")
    finally:
        del globals()["divmod"]


def test_the_walk_classifies_code():
    assert environment_module.origin(np.linalg.norm.__wrapped__.__code__.co_filename) == "library"
    assert environment_module.origin(types.__file__) == "library"
    assert environment_module.origin(xformad.grad.__code__.co_filename) == "xformad"
    assert environment_module.origin(__file__) == "user"
    assert environment_module.origin("<stdin>") == "user"
