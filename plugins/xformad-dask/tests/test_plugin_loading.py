"""The plugin as xformad sees it: found through the entry point, valid under the strict
check, blockable by name; dask arrays select its backend as cupy arrays select cupy."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest

import xformad
import xformad.backends as backends
import xformad.plugins as plugins
from xformad.errors import UnknownBackend


@pytest.fixture
def fresh_plugins(monkeypatch):
    plugins.reset()
    yield monkeypatch
    monkeypatch.delenv(plugins.BLOCK_ENV, raising=False)
    plugins.reset()


def test_found_through_the_entry_point(fresh_plugins):
    reg = plugins.registry()
    assert reg.owner[("backend", "dask")] == "dask"
    assert plugins.sources["dask"].startswith("xformad-dask ")


def test_passes_the_strict_plugin_check():
    import xformad_dask.plugin

    assert "dask" in plugins.validate(xformad_dask.plugin, name="dask").backends


def test_blocked_by_name(fresh_plugins):
    fresh_plugins.setenv(plugins.BLOCK_ENV, "xformad-dask")
    plugins.reset()
    with pytest.raises(UnknownBackend):
        backends.get_backend("dask")


def test_dask_arrays_select_the_backend():
    x = da.ones(4, chunks=2)
    assert backends.resolve(None, [x]).name == "dask"
    assert backends.resolve("auto", [np.ones(2)]).name != "dask"  # never picked unasked
    with dask.config.set(scheduler="synchronous"):
        g = xformad.grad(lambda x: np.sum(np.sin(x)))(x)
        assert isinstance(g, da.Array)
        np.testing.assert_allclose(g.compute(), np.cos(np.ones(4)))
