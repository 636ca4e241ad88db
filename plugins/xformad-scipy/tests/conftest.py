"""Fixtures for the plugin's tests: a seeded generator and the backends to run on."""

from __future__ import annotations

import os

# jit's tests are about compiled programs: compile at the first call, not after the eager
# calls of tiered execution (its own tests pass compile_after="auto" explicitly)
os.environ.setdefault("XFORMAD_JIT_COMPILE_AFTER", "0")

import numpy as np  # noqa: E402
import pytest

import xformad.backends as backends


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def cupy_backend():
    """The cupy backend, or a skip saying why it cannot run here."""
    backend = backends.available_backends()["cupy"]
    ok, reason = backend.availability()
    if not ok:
        pytest.skip(reason)
    return backend
