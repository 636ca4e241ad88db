"""What numpy's semantics cost the eager path: run this file under two checkouts and compare.

    OMP_NUM_THREADS=1 PYTHONPATH=<checkout> python benchmarks/bench_semantics_cost.py

prints the median per-call time (µs) of two eager gradients: the seed function (scalars:
pure tracing overhead) and a function that reads through four slices (each a view now,
registered with its base) of a 100-element array.
"""

from __future__ import annotations

import time

import numpy as np

import xformad


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def sliced(x):
    return np.sum((x[1:] - x[:-1]) ** 2) + np.sum(x[::2] * x[1::2])


def per_call_us(fn, *args, number: int = 2000, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn(*args)
        times.append((time.perf_counter() - start) / number * 1e6)
    return sorted(times)[repeats // 2]


if __name__ == "__main__":
    seed_grad = xformad.grad(seed, argnums=(0, 1))
    sliced_grad = xformad.grad(sliced)
    x = np.linspace(0.0, 1.0, 100)
    seed_us, sliced_us = per_call_us(seed_grad, 2.0, 5.0), per_call_us(sliced_grad, x)
    print(f"seed gradient {seed_us:.1f} us, sliced gradient {sliced_us:.1f} us")
