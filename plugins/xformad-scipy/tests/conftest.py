"""Fixtures for the plugin's tests: a seeded generator and the backends to run on."""

from __future__ import annotations

import numpy as np
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
