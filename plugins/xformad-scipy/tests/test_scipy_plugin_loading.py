"""The plugin as xformad sees it: found through the entry point, valid under the strict
check, blockable by name, and on the cupy backend when a GPU is present."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

import xformad
import xformad.plugins as plugins


@pytest.fixture
def fresh_plugins(monkeypatch):
    plugins.reset()
    yield monkeypatch
    monkeypatch.delenv(plugins.BLOCK_ENV, raising=False)
    plugins.reset()


def test_found_through_the_entry_point(fresh_plugins):
    reg = plugins.registry()
    assert reg.owner[("primitive", "scipy.erf")] == "scipy"
    assert reg.owner[("callable", sp.erf)] == "scipy"
    assert plugins.sources["scipy"].startswith("xformad-scipy ")
    provided = reg.provided_by("scipy")
    assert provided["primitives"] >= 30 and provided["callables"] >= 30


def test_passes_the_strict_plugin_check():
    import xformad_scipy.plugin

    reg = plugins.validate(xformad_scipy.plugin, name="scipy")
    assert "scipy.gammaln" in reg.primitives


def test_blocked_by_name(fresh_plugins):
    fresh_plugins.setenv(plugins.BLOCK_ENV, "scipy")
    plugins.reset()
    assert "scipy.erf" not in plugins.registry().primitives
    with pytest.raises(xformad.UnsupportedOperation, match="erf"):
        xformad.grad(sp.erf)(0.5)


@pytest.mark.gpu
def test_cupy_kernels_match_scipy(cupy_backend, rng):
    import cupy
    from scipy_cases import ROWS

    for row in ROWS:
        args = tuple(rng.uniform(lo, hi, size=6) for lo, hi in row.domains)

        def f(*xs):
            return np.sum(row.fn(*xs))

        on_gpu = xformad.grad(f, argnums=tuple(range(row.arity)))(*(cupy.asarray(a) for a in args))
        on_cpu = xformad.grad(f, argnums=tuple(range(row.arity)))(*args)
        for g, h in zip(on_gpu, on_cpu):
            assert isinstance(g, cupy.ndarray), row.name
            np.testing.assert_allclose(cupy.asnumpy(g), h, rtol=1e-9, err_msg=row.name)
