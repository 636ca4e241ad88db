"""The plugin as users meet it: found through the entry point, chosen by name only, its
absence reported with a reason, and jit's tiers (eager, plan, emitted loops) on it."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from numba_agreement import agree

import xformad
import xformad.backends as backends
from xformad.compile import tiering


def test_the_backend_is_registered_and_chosen_by_name_only(numba_backend):
    assert backends.get_backend("numba") is numba_backend
    assert backends.resolve(None, [np.ones(3)]).name == "numpy"  # numpy arrays stay numpy's
    assert backends.resolve("auto", []).name != "numba"
    assert numba_backend.result_tolerance == 1e-12


def test_without_numba_it_says_how_to_get_it(numba_backend, monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now fails
    ok, reason = numba_backend.availability()
    assert not ok and "pip install numba" in reason


def test_tiers_graduate_to_the_fused_program(numba_backend, monkeypatch):
    model = tiering.CostModel()
    model.traced_ratio = model.eager_ratio = 0.0
    monkeypatch.setattr(tiering, "model", model)
    monkeypatch.setattr(tiering.Warmup, "graduates", lambda self, nodes, backend=None: True)

    def f(x):
        return np.sum(np.exp(-x * x) * np.cos(x))

    x = np.linspace(-2, 2, 20_000)
    g = xformad.grad(f)
    jg = xformad.jit(g, backend="numba", compile_after="auto")
    for _ in range(4):  # eager, plan, graduation (checked against the plan), emitted loops
        assert agree(jg(x), g(x))
    (entries,) = jg._cache.values()
    assert not entries[0].interpreted and "fused_loop" in entries[0].source


@pytest.mark.parametrize("size", [20_000])
def test_numpy_backend_is_unchanged(size):
    x = np.linspace(-2, 2, size)
    src = xformad.source(xformad.grad(lambda x: np.sum(np.tanh(x) * x)), x)
    assert "fused_loop" not in src
