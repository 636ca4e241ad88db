"""Fuzz: random small numpy programs (tests/fuzz_programs.py) against numpy itself.

Each drawn program is a composition of elementwise math, reductions over random axes,
broadcasting, reshape/transpose/swapaxes, basic and fancy indexing, matmul and in-place
writes (``x[i] op= v``, ``v = z[1:]; v *= 2``, ``M.T[0] += 1``, ``np.multiply(a, b,
out=z[:2])``), run as a closure on plain float64 ndarrays for numpy's own value. Then:

- the value under xformad (``value_and_grad`` and ``jvp``) equals numpy's (rtol 1e-12
  of the size of the terms summed), and every intermediate has numpy's shape;
- ``grad`` matches central finite differences, coordinate by coordinate, and ``jvp``
  along a random direction matches the finite-difference directional derivative;
- for some programs ``jit(grad(f))`` over two calls with different inputs equals eager
  ``grad`` at each.

Programs whose writes need view semantics (a write through a view changes its base or
another view) are drawn by their own test, so a failure there does not hide one elsewhere.

On failure the program is printed as a plain numpy function with its inputs (the
reproducer). Deterministic by default (``derandomize=True``), a few seconds in all, and
without shrinking, so that a failing run stays fast too. Environment variables:

- ``XFORMAD_FUZZ_EXAMPLES=2000``: more examples per test (still deterministic);
- ``XFORMAD_FUZZ_SEED=<int>``: a different random stream;
- ``XFORMAD_FUZZ_SHRINK=1``: shrink failures to a minimal program and report every
  distinct failure (takes longer).

Skipped where hypothesis is not installed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, note, settings  # noqa: E402

import xformad  # noqa: E402

from .fuzz_programs import programs  # noqa: E402

EXAMPLES = int(os.environ.get("XFORMAD_FUZZ_EXAMPLES", "0"))
SEED = os.environ.get("XFORMAD_FUZZ_SEED")
SHRINK = os.environ.get("XFORMAD_FUZZ_SHRINK", "0") == "1"
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if SHRINK else [])

FD_STEP = 1e-6
FD_RTOL = 1e-5
FD_ATOL = 1e-6
VALUE_RTOL = 1e-12


def fuzz_settings(default_examples):
    s = settings(
        max_examples=EXAMPLES or default_examples,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        print_blob=False,
        phases=PHASES,
        report_multiple_bugs=SHRINK,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )

    def decorate(test):
        test = s(test)
        return hypothesis.seed(int(SEED))(test) if SEED is not None else test

    return decorate


def fd_grad(f, args):
    """Central finite differences of scalar f, coordinate by coordinate, in float64."""
    grads = []
    for k, x in enumerate(args):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [a.copy() for a in args]
            minus = [a.copy() for a in args]
            plus[k][idx] += FD_STEP
            minus[k][idx] -= FD_STEP
            g[idx] = (f(*plus) - f(*minus)) / (2 * FD_STEP)
        grads.append(g)
    return grads


def _fd_close(got, want, scale):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and bool(
        np.all(np.abs(got - want) <= FD_ATOL * scale + FD_RTOL * np.abs(want))
    )


def check_program(prog, jit=False):
    f = prog.function()
    args = prog.inputs
    argnums = tuple(range(len(args)))
    note(prog.describe())
    want = f(*args)
    # the printed reproducer is the program that ran
    assert prog.compile_source()(*args) == want
    scale = max(1.0, prog.scale())
    tol = VALUE_RTOL * scale

    value, grads = xformad.value_and_grad(f, argnums=argnums)(*args)
    assert abs(float(value) - want) <= tol, f"value_and_grad value {float(value)!r} != numpy {want!r}"

    fd = fd_grad(f, args)
    gscale = max(1.0, max(float(np.max(np.abs(g))) for g in fd))
    for k, (g, d) in enumerate(zip(grads, fd)):
        assert _fd_close(g, d, gscale), f"grad wrt x{k}:\n{np.asarray(g)!r}\nfinite differences:\n{d!r}"

    rng = np.random.default_rng(len(prog.steps))
    tangents = tuple(rng.standard_normal(x.shape) for x in args)
    y, dy = xformad.jvp(f, args, tangents)
    assert abs(float(y) - want) <= tol, f"jvp value {float(y)!r} != numpy {want!r}"
    fd_dir = sum(float(np.sum(d * t)) for d, t in zip(fd, tangents))
    tscale = gscale * sum(float(np.sum(np.abs(t))) for t in tangents)
    assert abs(float(dy) - fd_dir) <= FD_ATOL * tscale + FD_RTOL * abs(fd_dir), (
        f"jvp tangent {float(dy)!r} != finite differences {fd_dir!r}"
    )

    if jit:
        eager = xformad.grad(f, argnums=argnums)
        jitted = xformad.jit(xformad.grad(f, argnums=argnums))
        for xs in (prog.inputs, prog.inputs2):
            got, ref = jitted(*xs), eager(*xs)
            jscale = max(1.0, max(float(np.max(np.abs(r))) for r in ref))
            for k, (a, b) in enumerate(zip(got, ref)):
                assert np.allclose(a, b, rtol=1e-12, atol=1e-12 * jscale), (
                    f"jit(grad) wrt x{k}:\n{np.asarray(a)!r}\neager grad:\n{np.asarray(b)!r}"
                )


@fuzz_settings(300)
@given(programs(views=False))
def test_fuzz_programs(prog):
    """Programs without view semantics: elementwise, reductions, broadcasting, shapes,
    indexing, matmul, and writes into arrays no other entry sees."""
    check_program(prog)


@fuzz_settings(200)
@given(programs(views=True))
def test_fuzz_programs_writing_through_views(prog):
    """Programs with at least one write through a view (or into an array that a view
    sees), plus out= a view: numpy's aliasing semantics."""
    check_program(prog)


@fuzz_settings(25)
@given(programs(views=False, max_steps=5))
def test_fuzz_jit_grad_matches_eager(prog):
    """The checks above, then jit(grad(f)) at two inputs equals eager grad at each."""
    check_program(prog, jit=True)


@fuzz_settings(10)
@given(programs(views=True, max_steps=5))
def test_fuzz_jit_grad_matches_eager_writing_through_views(prog):
    """The same, for programs that write through views."""
    check_program(prog, jit=True)


@fuzz_settings(50)
@given(programs(views=None))
def test_fuzz_reproducer_source_matches_closure(prog):
    """The source printed on failure computes what the closure computes, on both inputs."""
    f, g = prog.function(), prog.compile_source()
    for xs in (prog.inputs, prog.inputs2):
        assert g(*xs) == f(*xs), prog.describe()
