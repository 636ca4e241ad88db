"""Timing helpers shared by the benchmark scripts: medians over interleaved repeats.

Each contender is timed in turn within every repeat (A B C, A B C, ...), so a slow patch of
the machine hits them all alike; the figure reported is the median per-call time.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numpy as np

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    if os.environ.get(_var) != "1":
        print(f"note: {_var} is not 1; run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1")
        break


def time_call(fn: Callable, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calibrate(fn: Callable, target: float = 0.05) -> int:
    """How many calls make a timing of about ``target`` seconds."""
    fn()
    n = 1
    while True:
        t = time_call(fn, n) * n
        if t >= target or n >= 1 << 20:
            return max(1, int(n * target / max(t, 1e-9)))
        n *= 4


def interleaved(contenders: dict, repeats: int = 15, target: float = 0.05) -> dict:
    """Median seconds per call for each named callable, timed in interleaved repeats."""
    numbers = {name: calibrate(fn, target) for name, fn in contenders.items()}
    samples: dict = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            samples[name].append(time_call(fn, numbers[name]))
    return {name: statistics.median(s) for name, s in samples.items()}


def report(title: str, medians: dict, baseline: str) -> None:
    base = medians[baseline]
    print(f"\n{title}")
    print(f"  {'contender':<34}{'median per call':>18}  {'ratio to ' + baseline:>30}")
    for name, t in medians.items():
        print(f"  {name:<34}{_fmt(t):>18}{t / base:>27.2f}x")


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def compiled(f: Callable, **options) -> Callable:
    """``xformad.jit(f)`` compiled from its first call: the steady-state benchmarks time the
    compiled program, not the tiers' eager warm-up (``compile_after="auto"`` runs a
    signature eagerly until compiling pays; that warm-up is bench_jit_pays.py's subject)."""
    import xformad

    return xformad.jit(f, compile_after=0, **options)


def leaves(value) -> list:
    """The arrays of a result (a pytree of arrays, torch tensors or numbers), in order."""
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in leaves(v)]
    return [value]


def check_matches(name: str, got, want, *, reference: str, rtol: float, atol: float) -> None:
    """A contender's result must match the reference's before it may be timed."""
    got = [np.asarray(g.detach().numpy() if hasattr(g, "detach") else g) for g in leaves(got)]
    want = [np.asarray(w) for w in leaves(want)]
    assert len(got) == len(want), f"{name}: {len(got)} parts, {reference} has {len(want)}"
    for a, b in zip(got, want):
        assert np.allclose(a, b, rtol=rtol, atol=atol), f"{name}: differs from {reference}"


def print_ratio(medians: dict, slow: str, fast: str, note: str = "") -> None:
    """``slow / fast`` of two contenders' medians, where both ran."""
    if slow in medians and fast in medians:
        print(f"  {slow} / {fast}: {medians[slow] / medians[fast]:.2f}x{' ' + note if note else ''}")
