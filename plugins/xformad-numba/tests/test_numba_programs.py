"""The programs suite (tests/programs) under ``jit(backend="numba")`` against eager numpy:
every program's gradient, with the loops wherever they fuse, agrees with numpy's (within
1e-12 of the largest magnitude) and is returned by the emitted program, not by a silent
fallback. The default run keeps the backend's size threshold (the suite's arrays are small,
so most programs check the per-node fallback to numpy); the slow run fuses every region.
Programs whose emitted numpy code is not bit for bit eager's (known_failures
"emitted_source") are in: the comparison here is within the backend's tolerance."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from numba_agreement import agree

import xformad
from tests.programs import load_programs
from xformad.compile import RetraceWarning

PROGRAMS = load_programs()


def _check(program, *, fused: bool = False) -> None:
    args = program.make_args(np.random.default_rng(0))
    g = xformad.grad(program.fn, argnums=program.argnums)
    want = g(*args)
    jg = xformad.jit(g, backend="numba", compile_after=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetraceWarning)  # a program that fell back: a failure
        got = jg(*args)
        again = jg(*args)
    assert agree(got, want)
    assert agree(again, want)
    if fused:
        (entries,) = jg._cache.values()
        source = entries[0].source  # the loops ran, not a numpy-only program
        assert "fused_loop" in source or "rolled_loop" in source


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_program_under_numba_agrees_with_numpy(program, numba_backend):
    _check(program)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_program_with_every_loop_rolled_agrees_with_numpy(program, roll_everything):
    """Every loop the analysis finds rolled, however short (16 programs have one)."""
    _check(program)


# elementwise-heavy programs, fused at every size on every run (a few numba compiles)
FUSED = ["rosenbrock", "ackley", "styblinski_tang", "vectorize_logcosh", "softplus_ufunc_out"]
FUSED += ["svm_hinge", "rnn_loop", "piecewise_water_stress", "vae_bernoulli_elbo"]


@pytest.mark.parametrize("program", [p for p in PROGRAMS if p.name in FUSED], ids=lambda p: p.name)
def test_elementwise_program_fused_agrees_with_numpy(program, fuse_everything):
    _check(program, fused=True)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("XFORMAD_NUMBA_EXHAUSTIVE"),
    reason="about 2.5 minutes of numba compiles: set XFORMAD_NUMBA_EXHAUSTIVE=1 to run",
)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_program_fused_everywhere_agrees_with_numpy(program, fuse_everything):
    _check(program)
