"""The primitive table under the loops: every primitive the backend fuses, computed by a
fused loop, against numpy's kernel on the same operands (one program holding them all, so
one numba compile)."""

from __future__ import annotations

import numpy as np
import pytest
from numba_agreement import agree

import xformad

pytest.importorskip("numba")  # the loops need it; collected (and skipped) without
pytest.importorskip("xformad_numba")
from xformad_numba import scalar_ops  # noqa: E402

UNARY = "exp expm1 log log1p log2 log10 sqrt sin cos tan sinh cosh tanh arctan arcsinh".split()
UNARY += "absolute sign floor ceil trunc square reciprocal negative".split()
IN_UNIT = ["arcsin", "arccos", "arctanh"]  # defined on (-1, 1)
BINARY = "add subtract multiply divide power maximum minimum arctan2 hypot copysign fmod".split()
COMPARE = ["less", "less_equal", "greater", "greater_equal", "equal", "not_equal"]


def table(x, u, y):
    """Every fused primitive on its domain: x > 0, u in (-1, 1), y of either sign."""
    out = [getattr(np, name)(x + 0.0) for name in UNARY]
    out += [getattr(np, name)(u * 1.0) for name in IN_UNIT]
    out += [np.arccosh(x + 1.0), x**2, x**0.5, x**-1, x**1]
    out += [getattr(np, name)(x * 1.0, y * 1.0) for name in BINARY]
    masks = [getattr(np, name)(x * 1.0, y * 1.0) for name in COMPARE]
    out += [np.where(m, x * 2.0, y - 1.0) for m in masks]
    out += [np.where(np.logical_and(masks[0], np.logical_not(masks[2])), x * 3.0, y * 1.0)]
    out += [np.where(np.isfinite(x / y) & ~np.isnan(y * 1.0), x * 1.0, 0.0)]
    out.append(np.sum(np.tanh(x) * y))  # elementwise then reduce
    return out


def test_every_fused_primitive_agrees_with_numpy(fuse_everything, rng):
    x = rng.uniform(0.1, 3.0, size=(4, 8))
    u = rng.uniform(-0.9, 0.9, size=(4, 8))
    y = rng.normal(size=(4, 8))
    y[0, :3] = x[0, :3]  # equal operands: the comparisons' other side
    jt = xformad.jit(table, backend="numba", compile_after=0)
    assert agree(jt(x, u, y), table(x, u, y))
    (entries,) = jt._cache.values()
    assert entries[0].source.count("fused_loop") >= 1
    assert "xp.tanh" not in entries[0].source  # all of it ran in loops


def test_the_table_covers_what_the_tests_check():
    names = {p.name for p in scalar_ops.TEMPLATES}
    checked = set(UNARY + IN_UNIT + BINARY + COMPARE) | {"arccosh", "where", "logical_and", "logical_not"}
    checked |= {"isfinite", "isnan"}
    untested = names - checked - {"stop_gradient", "safe_multiply", "isinf", "logical_or"}
    assert not untested, f"fused primitives with no test here: {sorted(untested)}"


def test_safe_multiply_keeps_a_zero_cotangent_zero_beside_inf(fuse_everything):
    def f(x):
        return np.sum(np.sqrt(x) * 2.0)  # d sqrt at 0 is inf; the cotangent of x there is finite

    x = np.array([0.0, 1.0, 4.0, 0.0] * 80)
    g = xformad.grad(f)
    assert agree(xformad.jit(g, backend="numba", compile_after=0)(x), g(x))
