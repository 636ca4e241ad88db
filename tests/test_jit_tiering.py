"""Tiered execution (compile/tiering.py): a jitted function runs eagerly until compiling can
no longer make the calls so far cost more than 10% over eager ones, then compiles; a
signature whose compiled calls prove slower goes back to eager. No time is asserted: the
decisions are checked with a fixed cost model and a fake clock."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import xformad
from xformad.compile import tiering


def loss(x):
    return np.sum(np.tanh(x) ** 2)


X = np.linspace(-1.0, 1.0, 5)


def test_auto_runs_the_first_call_eagerly_with_the_eager_result():
    g = xformad.jit(xformad.grad(loss), compile_after="auto")
    got = g(X)
    info = g.cache_info()
    assert info.compiles == 0 and info.eager_calls == 1
    np.testing.assert_array_equal(got, xformad.grad(loss)(X))


def test_a_fixed_count_compiles_after_that_many_eager_calls():
    g = xformad.jit(xformad.grad(loss), compile_after=3)
    for _ in range(3):
        g(X)
    assert g.cache_info().compiles == 0 and g.cache_info().eager_calls == 3
    first_compiled = g(X)
    assert g.cache_info().compiles == 1
    np.testing.assert_array_equal(first_compiled, g(X))
    assert g.cache_info().hits == 1


def test_zero_compiles_on_the_first_call():
    g = xformad.jit(xformad.grad(loss), compile_after=0)
    g(X)
    assert g.cache_info().compiles == 1 and g.cache_info().eager_calls == 0


def test_auto_compiles_a_hot_signature(monkeypatch):
    monkeypatch.setattr(tiering, "model", tiering.CostModel())
    g = xformad.jit(xformad.grad(loss), compile_after="auto")
    for calls in itertools.count(1):
        g(X)
        if g.cache_info().compiles or calls > 20000:
            break
    assert g.cache_info().compiles == 1, "never compiled in 20000 calls"
    np.testing.assert_array_equal(g(X), xformad.grad(loss)(X))


def test_the_rule_keeps_every_prefix_within_ten_percent(monkeypatch):
    model = tiering.CostModel()
    model.traced_ratio = 5.05  # a compile costs about five eager calls
    monkeypatch.setattr(tiering, "model", model)
    warmup = tiering.Warmup()
    eager, nodes = 2e-3, 10  # each eager call: 2 ms, recording 10 nodes
    k = 0
    while not warmup.ready("auto"):
        warmup.record(eager, nodes)
        k += 1
    compile_cost = model.predict(nodes, eager)
    assert k * eager + compile_cost <= 1.1 * (k + 1) * eager  # the call that compiles
    previous = tiering.Warmup()  # one call fewer would have broken the bound
    for _ in range(k - 1):
        previous.record(eager, nodes)
    assert not previous.ready("auto")
    assert (k - 1) * eager + compile_cost > 1.1 * k * eager


def test_a_function_recording_nothing_is_predicted_from_its_eager_time():
    model = tiering.CostModel()
    start = model.eager_ratio
    assert model.predict(0, 1e-3) == start * 1e-3
    model.observe(compile_seconds=0.5, nodes=0, eager_seconds=1e-3)
    assert model.eager_ratio == 0.5 * (start + 500.0)


def test_compiled_calls_slower_than_eager_go_back_to_eager(monkeypatch):
    # a fake clock advancing by `step` on every reading: an eager call measures 1 unit, and
    # once compiled, a call measures 5
    clock = {"t": 0.0, "step": 0.5}

    def now():
        clock["t"] += clock["step"]
        return clock["t"]

    monkeypatch.setattr(tiering, "now", now)
    g = xformad.jit(xformad.grad(loss), compile_after=2)
    g(X), g(X)  # two eager calls
    g(X)  # compiles
    assert g.cache_info().compiles == 1
    clock["step"] = 2.5
    for _ in range(tiering.TRIAL_CALLS):
        g(X)
    assert g.cache_info().specializations == 0  # demoted
    eager_before = g.cache_info().eager_calls
    np.testing.assert_array_equal(g(X), xformad.grad(loss)(X))
    assert g.cache_info().eager_calls == eager_before + 1
    assert "slower than eager" in g.cache_info().last_retrace_reason


def test_compiled_calls_as_fast_are_trusted_and_no_longer_timed(monkeypatch):
    clock = {"t": 0.0}

    def now():
        clock["t"] += 1.0
        return clock["t"]

    monkeypatch.setattr(tiering, "now", now)
    g = xformad.jit(xformad.grad(loss), compile_after=1)
    g(X), g(X)
    for _ in range(tiering.TRIAL_CALLS):
        g(X)
    entries = next(iter(g._cache.values()))
    assert entries.warmup is None and g.cache_info().specializations == 1


def test_a_stateful_function_is_correct_while_eager_and_refused_when_it_compiles():
    calls = []

    def stateful(x):
        calls.append(1)
        return np.sum(x * len(calls))

    g = xformad.jit(stateful, compile_after=2)
    assert g(X) == np.sum(X) and g(X) == np.sum(X * 2)  # eager: exactly what f computes
    with pytest.raises(xformad.errors.ImpureFunctionError):
        g(X)


@pytest.mark.parametrize("bad", [-1, 1.5, "soon", None])
def test_bad_policies_are_refused(bad, monkeypatch):
    if bad is None:
        monkeypatch.setenv("XFORMAD_JIT_COMPILE_AFTER", "soon")
        with pytest.raises(xformad.XformadError, match="XFORMAD_JIT_COMPILE_AFTER"):
            xformad.jit(loss)
        return
    with pytest.raises(xformad.XformadError, match="compile_after"):
        xformad.jit(loss, compile_after=bad)


def test_the_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("XFORMAD_JIT_COMPILE_AFTER", "auto")
    assert xformad.jit(loss).compile_after == "auto"
    monkeypatch.setenv("XFORMAD_JIT_COMPILE_AFTER", "7")
    assert xformad.jit(loss).compile_after == 7
    monkeypatch.delenv("XFORMAD_JIT_COMPILE_AFTER")
    assert xformad.jit(loss).compile_after == "auto"


def test_a_compiling_backends_emission_cost_delays_graduation(monkeypatch):
    """A backend whose emission compiles (numba: seconds) says so (``emission_seconds``):
    a plan graduates to emitted code there only once that cost fits the 10% budget, and
    the estimate is learnt from each emission."""
    model = tiering.CostModel()
    monkeypatch.setattr(tiering, "model", model)

    class Plain:
        name, emission_seconds = "plain", 0.0

    class Compiling:
        name, emission_seconds = "compiling", 1.0

    warmup = tiering.Warmup()
    for _ in range(10):
        warmup.record(1e-3, 10)  # ten eager calls of 1 ms
    warmup.timed(1e-4)  # one call of the plan
    assert warmup.graduates(10, Plain())  # 0.6 ms of codegen fits the budget
    assert not warmup.graduates(10, Compiling())  # a second's compile does not
    model.observe_codegen(0.01 + model.codegen_per_node * 10, 10, Compiling())  # it took 10 ms
    assert model.emission_fixed["compiling"] == pytest.approx(0.505)
    per_node = model.codegen_per_node
    model.observe_codegen(0.002, 10, Plain())  # a plain backend's emission teaches the per-node cost
    assert model.codegen_per_node == pytest.approx(0.5 * (per_node + 0.002 / 10))
