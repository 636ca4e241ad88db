"""Fixtures for the numba plugin's tests: skipped cleanly where numba is not installed."""

from __future__ import annotations

import os

# jit's tests are about compiled programs: compile at the first call
os.environ.setdefault("XFORMAD_JIT_COMPILE_AFTER", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import xformad.backends as backends  # noqa: E402


@pytest.fixture
def numba_backend():
    """The numba backend, or a skip saying why it cannot run here."""
    backend = backends.available_backends().get("numba")
    if backend is None:
        pytest.skip("the xformad-numba plugin is not installed")
    ok, reason = backend.availability()
    if not ok:
        pytest.skip(reason)
    return backend


@pytest.fixture
def fuse_everything(numba_backend, monkeypatch):
    """Fuse regions of any size (by default small ones stay numpy calls), so that the
    small test programs exercise the loops."""
    monkeypatch.setattr(numba_backend, "min_size", 1)
    return numba_backend


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def roll_everything(numba_backend, monkeypatch):
    """Roll loops however few trips they have (by default a loop is rolled only where that
    saves time per call), so that small test loops exercise the rolled code."""
    monkeypatch.setattr(numba_backend, "min_roll_saving_us", float("-inf"))
    return numba_backend
