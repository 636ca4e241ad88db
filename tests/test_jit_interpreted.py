"""The interpreted tier (compile/interpreter.py) and graduation to emitted code: under
``compile_after="auto"`` a signature's trace becomes a plan run by a loop, and a hot plan is
emitted as source from the same graph, never re-traced. Both must give eager's numbers bit
for bit. The cost model is replaced here so that the tiers change at known calls."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import xformad
from tests.programs import emitted_source_params, load_programs
from tests.test_jit import bitwise
from xformad.compile import RetraceWarning, tiering
from xformad.compile.interpreter import Interpreted
from xformad.compile.trace import trace_for_compile
from xformad.tree import tree_flatten

PROGRAMS = load_programs()


@pytest.fixture
def plan_at_once(monkeypatch):
    """Compile (to a plan) at the second call; graduate only where a test asks."""
    model = tiering.CostModel()
    model.traced_ratio = model.eager_ratio = 0.0
    monkeypatch.setattr(tiering, "model", model)
    monkeypatch.setattr(tiering.Warmup, "graduates", lambda self, nodes, backend=None: False)

    # a plan is never sent back to eager on timings here: under a loaded CI machine one
    # timed slower than eager was, and the test lost its cache entry
    def never_demoted(self, seconds, margin=1.0):
        self.timed(seconds)
        return False

    monkeypatch.setattr(tiering.Warmup, "demote", never_demoted)
    return monkeypatch


def _entry(jitted):
    (entries,) = jitted._cache.values()
    return entries[0]


@pytest.mark.parametrize("program", emitted_source_params(PROGRAMS))
def test_every_program_planned_then_emitted_gives_eagers_numbers(program, plan_at_once):
    args = program.make_args(np.random.default_rng(0))
    g = xformad.grad(program.fn, argnums=program.argnums)
    want = g(*args)
    jg = xformad.jit(g, compile_after="auto")
    assert bitwise(jg(*args), want)  # eager
    assert bitwise(jg(*args), want)  # traced, planned
    if not jg._cache:  # impure programs (draws from an outside generator) run eagerly
        return
    if any(n.primitive.effectful for n in _entry(jg).graph.nodes):
        assert not _entry(jg).interpreted  # random draws: emitted code, checked replaying them
        return
    assert _entry(jg).interpreted
    for _ in range(2):
        assert bitwise(jg(*args), want)  # the plan
    other = program.make_args(np.random.default_rng(1))
    assert bitwise(jg(*other), g(*other))  # a failed guard re-traces, never stale
    plan_at_once.setattr(tiering.Warmup, "graduates", lambda self, nodes, backend=None: True)
    traces = jg.cache_info().compiles
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the call that emits the plan as code (after one that finds its specialisation
        # again, where the other inputs took another path)
        for _ in range(2):
            assert bitwise(jg(*args), want)
    emitted = _entry(jg)
    assert not emitted.interpreted and emitted.fallback is not None, [str(w.message) for w in caught]
    for _ in range(2):
        assert bitwise(jg(*args), want)
    assert jg.cache_info().compiles == traces  # graduation re-traces nothing


def test_the_plan_is_the_trace_bit_for_bit_on_other_inputs():
    def f(x, y):
        z = np.tanh(x) * y + np.exp(-(x**2)) / (1.0 + y**2)
        return np.sum(z**3) + np.sin(np.sum(x * y))

    x, y = np.linspace(-1, 1, 7), np.linspace(0.5, 2, 7)
    traced = trace_for_compile(xformad.grad(f, argnums=(0, 1)), (x, y), {})
    plan = Interpreted(traced.graph, traced.backend)
    for scale in (1.0, -0.3, 7.0):
        got = plan(x * scale, y)
        want = xformad.grad(f, argnums=(0, 1))(x * scale, y)
        for a, b in zip(got, tree_flatten(want)[0]):
            assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


def test_python_float_inputs_become_numpy_scalars_as_in_the_trace(plan_at_once):
    def seed(x1, x2):
        return np.log(x1) + x1 * x2 - np.sin(x2)

    g = xformad.grad(seed, argnums=(0, 1))
    jg = xformad.jit(g, compile_after="auto")
    jg(2.0, 5.0), jg(2.0, 5.0)
    assert _entry(jg).interpreted
    assert bitwise(jg(3.0, 0.5), g(3.0, 0.5))


def test_a_branch_guard_in_a_plan_retraces_with_its_reason(plan_at_once):
    def branchy(x):
        return np.sum(x**2) if np.sum(x) > 0 else np.sum(np.sin(x))

    x = np.linspace(0.1, 1.0, 5)
    jg = xformad.jit(xformad.grad(branchy), compile_after="auto")
    jg(x), jg(x)
    assert _entry(jg).interpreted
    got = jg(-x)
    assert bitwise(got, xformad.grad(branchy)(-x))
    assert "control flow" in jg.cache_info().last_retrace_reason
    assert jg.cache_info().specializations == 2


def test_a_value_dependent_shape_in_a_plan_is_guarded(plan_at_once):
    def masked(x):
        return np.sum(np.sin(x[x > 0]) ** 2)

    x = np.linspace(-1.0, 1.0, 9)
    jg = xformad.jit(xformad.grad(masked), compile_after="auto")
    jg(x), jg(x)
    assert _entry(jg).interpreted
    y = x + 0.3  # more elements selected
    assert bitwise(jg(y), xformad.grad(masked)(y))
    assert "shape" in jg.cache_info().last_retrace_reason


def test_no_call_retraces_unless_a_guard_failed(plan_at_once):
    def f(x):
        return np.sum(np.tanh(x) ** 2)

    jg = xformad.jit(xformad.grad(f), compile_after="auto")
    rng = np.random.default_rng(0)
    for _ in range(30):
        jg(rng.standard_normal(6))
    info = jg.cache_info()
    assert info.compiles == 1 and info.eager_calls == 1 and info.hits == 28


def test_emitted_code_slower_than_its_plan_keeps_the_plan(plan_at_once):
    clock = {"t": 0.0, "step": 0.5}

    def now():
        clock["t"] += clock["step"]
        return clock["t"]

    plan_at_once.setattr(tiering, "now", now)

    def f(x):
        return np.sum(np.tanh(x) ** 2)

    x = np.linspace(-1, 1, 5)
    jg = xformad.jit(xformad.grad(f), compile_after="auto")
    clock["step"] = 2.0  # eager calls measure 2
    jg(x), jg(x)
    clock["step"] = 0.5  # the plan's calls measure 0.5
    for _ in range(tiering.TRIAL_CALLS):
        jg(x)
    plan = _entry(jg)
    assert plan.interpreted
    plan_at_once.setattr(tiering.Warmup, "graduates", lambda self, nodes, backend=None: True)
    jg(x)  # graduates
    assert not _entry(jg).interpreted
    clock["step"] = 1.0  # the emitted code's calls measure 1: twice the plan's
    for _ in range(tiering.TRIAL_CALLS):
        jg(x)
    assert _entry(jg) is plan
    assert next(iter(jg._cache.values())).warmup is None  # settled: no more timing
    assert bitwise(jg(x), xformad.grad(f)(x))


def test_a_refused_graduation_warns_and_keeps_the_plan(plan_at_once):
    from xformad.compile import jit as jit_module

    def f(x):
        return np.sum(np.tanh(x) ** 2)

    x = np.linspace(-1, 1, 5)
    jg = xformad.jit(xformad.grad(f), compile_after="auto")
    jg(x), jg(x)
    plan = _entry(jg)
    plan_at_once.setattr(tiering.Warmup, "graduates", lambda self, nodes, backend=None: True)

    def mismatch(*args, **kwargs):
        raise jit_module.CodegenMismatch("xformad.jit: ... running it eagerly ...")

    plan_at_once.setattr(jit_module.Specialisation, "_returns_callers_values", mismatch)
    with pytest.warns(RetraceWarning, match="keeping its plan"):
        assert bitwise(jg(x), xformad.grad(f)(x))
    assert _entry(jg) is plan and not plan.may_graduate
    assert bitwise(jg(x), xformad.grad(f)(x))


def test_a_plans_peak_memory_is_not_above_eager(plan_at_once):
    def f(x):
        return np.sum(np.tanh(x) * np.exp(-(x**2)) + np.sin(x) ** 2)

    x = np.linspace(-2, 2, 200_000)
    g = xformad.grad(f)
    jg = xformad.jit(g, compile_after="auto")
    jg(x), jg(x)
    assert _entry(jg).interpreted

    def peak(fn):
        tracemalloc.start()
        fn(x)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    eager, planned = peak(g), peak(jg)
    assert planned <= eager, (planned, eager)
