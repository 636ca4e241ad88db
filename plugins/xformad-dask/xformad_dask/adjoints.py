"""VJP rules the dask backend runs in place of xformad's own (``Backend.vjp_overrides``).

A sum's cotangent is its output's cotangent broadcast back over the summed axes; xformad's
rule leaves the broadcast to the sweep (``np.broadcast_to``), which on dask makes the
full-size cotangent one chunk that every chunk of the input then cuts a piece from (one
task feeding all, moved between workers). Here the broadcast takes the input's own chunks,
so each chunk of the reverse sweep lines up with the forward chunk it came from, and is
made blockwise (``ones * ct``), so it fuses into the task that uses it.

matmul's cotangents are written with what dask.array has (no ``.mT``), the vector's in a
matrix-vector product as dask's own ``A.T @ ct``: xformad's ``(ct[None, :] @ A)[0]`` adds
a reshape and a slice task per chunk.

logaddexp's cotangents are written as sigmoids of the difference (``ct / (1 + exp(y - x))``)
instead of xformad's ``ct * exp(x - ans)``: they do not read the forward value, so a
gradient's graph does not compute the loss itself (the forward logaddexp tasks are never
run), which is what a hand-written gradient saves. Where ``exp`` overflows the quotient is
the limit, 0, exactly, and no overflow warning is raised (xformad's own rule raises none).
"""

from __future__ import annotations

import dask.array as da
import numpy as np

from xformad.extend import expand_reduced, is_traced


def _sum_vjp(ct, ans, x, axis, keepdims):
    small = expand_reduced(ct, np.shape(x), axis, keepdims)
    if is_traced(small) or is_traced(x) or not isinstance(x, da.Array):
        return small  # a traced sweep (jit, higher order): the generic rule
    # ones * ct, not da.broadcast_to: dask creates ones blockwise, so the product fuses
    # into the chunk's next task, on the worker holding the chunk's forward values;
    # broadcast_to's chunks are tasks of their own, placed anywhere and then moved
    # (a 400 KB transfer per chunk of a logistic regression's gradient). 1.0 * c is c exactly.
    dtype = small.dtype if hasattr(small, "dtype") else np.result_type(small)
    spread = da.ones(x.shape, chunks=x.chunks, dtype=dtype) * small
    return spread if spread.chunks == x.chunks else spread.rechunk(x.chunks)


def _matmul_a(ct, ans, a, b):
    if np.ndim(b) == 1:
        return ct * b if np.ndim(a) == 1 else np.expand_dims(ct, -1) * b
    if np.ndim(a) == 1:
        return np.matmul(b, np.expand_dims(ct, -1))[..., 0]
    return np.matmul(ct, np.swapaxes(b, -1, -2))


def _matmul_b(ct, ans, a, b):
    if np.ndim(a) == 1:
        return ct * a if np.ndim(b) == 1 else np.expand_dims(a, -1) * np.expand_dims(ct, -2)
    if np.ndim(b) == 1:
        if np.ndim(a) == 2:
            return np.swapaxes(a, -1, -2) @ ct
        return np.matmul(np.expand_dims(ct, -2), a)[..., 0, :]
    return np.matmul(np.swapaxes(a, -1, -2), ct)


def _one_plus_exp(d):
    with np.errstate(over="ignore"):  # exp(d) = inf makes the cotangent 0, its limit
        return 1 + np.exp(d)


def _one_plus_exp_of(d):
    if isinstance(d, da.Array):
        return da.map_blocks(_one_plus_exp, d, dtype=d.dtype)
    return _one_plus_exp(d)


def _logaddexp_x(ct, ans, x, y):
    return ct / _one_plus_exp_of(y - x)


def _logaddexp_y(ct, ans, x, y):
    return ct / _one_plus_exp_of(x - y)


def _on_lazy_values(rules: tuple, generic: tuple) -> tuple:
    """Each of a binary primitive's ``rules`` where its values are dask arrays, and the
    generic rule in its place for traced sweeps (jit, higher order) and host operands."""

    def choose(rule, fallback):
        def vjp(ct, ans, a, b):
            return rule(ct, ans, a, b) if _lazy_among(ct, a, b) else fallback(ct, ans, a, b)

        return vjp

    return tuple(choose(rule, fallback) for rule, fallback in zip(rules, generic))


def _lazy_among(*values) -> bool:
    """Some value is a dask array and none is traced."""
    return any(isinstance(v, da.Array) for v in values) and not any(is_traced(v) for v in values)


def vjp_overrides(primitives: dict) -> dict:
    """primitive name -> the per-input VJP rules the dask backend uses instead."""
    return {
        "reduce_sum": (_sum_vjp,),
        "matmul": _on_lazy_values((_matmul_a, _matmul_b), primitives["matmul"].vjp_rules),
        "logaddexp": _on_lazy_values((_logaddexp_x, _logaddexp_y), primitives["logaddexp"].vjp_rules),
    }
