"""np.convolve and np.correlate as one primitive: numpy's own kernel computes the value, so
it is numpy's bit for bit whichever route numpy takes; the derivative rules are
convolutions again (so every order differentiates).

With y the full convolution of a and the effective kernel w (v itself for convolve,
conj(v) reversed for correlate), y[j] = sum_i a[i] w[j - i], and each mode returns a window
of y. Under the pairing sum(ct * y) the cotangents are 'valid' convolutions of the full
cotangent g with a and w reversed.
"""

from __future__ import annotations

import numpy as np

from .batch_rules import looped
from .core import Primitive


def window(kind: str, mode: str, n: int, m: int) -> tuple[int, int]:
    """(start, length) in the full convolution of what numpy returns for ``mode``."""
    short, long = min(n, m), max(n, m)
    if mode == "full":
        return 0, n + m - 1
    if mode == "valid":
        return short - 1, long - short + 1
    if kind == "correlate" and n < m:  # numpy correlates the other way round and reverses
        return n - 1 - (n - 1) // 2, long
    return (short - 1) // 2, long


def _kernel(xp, a, v, kind, mode):
    return (xp.correlate if kind == "correlate" else xp.convolve)(a, v, mode=mode)


convolve_p = Primitive("convolve", _kernel)


def _full_cotangent(ct, kind, mode, n, m):
    start, length = window(kind, mode, n, m)
    total = n + m - 1
    return ct if length == total else np.pad(ct, (start, total - start - length))


def _valid(g, kernel):
    return convolve_p.bind(g, kernel, kind="convolve", mode="valid")


def _vjp_a(ct, ans, a, v, kind, mode):
    g = _full_cotangent(ct, kind, mode, np.shape(a)[0], np.shape(v)[0])
    return _valid(g, v[::-1] if kind == "convolve" else np.conjugate(v))


def _vjp_v(ct, ans, a, v, kind, mode):
    g = _full_cotangent(ct, kind, mode, np.shape(a)[0], np.shape(v)[0])
    w_bar = _valid(g, a[::-1])
    return w_bar if kind == "convolve" else np.conjugate(w_bar[::-1])


convolve_p.def_jvp(
    lambda t, ans, a, v, kind, mode: convolve_p.bind(t, v, kind=kind, mode=mode),
    lambda t, ans, a, v, kind, mode: convolve_p.bind(a, t, kind=kind, mode=mode),
)
convolve_p.def_vjp(_vjp_a, _vjp_v)
convolve_p.def_batch(looped)  # numpy has no batched convolve: one call per member
