"""Shared fixtures: the same test bodies run on every available backend."""

from __future__ import annotations

import os

# jit's tests are about compiled programs: compile at the first call, not after the eager
# calls of tiered execution (its own tests pass compile_after="auto" explicitly)
os.environ.setdefault("XFORMAD_JIT_COMPILE_AFTER", "0")

import numpy as np  # noqa: E402
import pytest

import xformad.backends as backends


def _backend_params():
    params = [pytest.param("numpy", id="numpy")]
    params.append(pytest.param("cupy", id="cupy", marks=pytest.mark.gpu))
    return params


@pytest.fixture(params=_backend_params())
def backend(request):
    """A backend name; cupy cases skip with the reason where cupy or a GPU is missing."""
    name = request.param
    b = backends.available_backends()[name]
    ok, reason = b.availability()
    if not ok:
        pytest.skip(reason)
    return name


@pytest.fixture
def xp(backend):
    return backends.get_backend(backend).xp


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def fake_device_backend():
    """The strict fake device of tests/fake_device.py, installed for one test."""
    from . import fake_device

    yield fake_device.install()
    fake_device.uninstall()
