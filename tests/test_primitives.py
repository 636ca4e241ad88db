"""Every primitive, both modes, against finite differences, over scalar, vector, matrix and
broadcasting shapes, to order 2; plus a guard that no registered primitive lacks a row."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.plugins import BUILTIN_PLUGINS, registry
from xformad.testing import check_grads
from xformad.testing.primitive_table import all_cases

CASES, NONDIFF_CASES = all_cases()


def _expanded():
    for case in CASES:
        for shapes, ident in zip(case.shapes, case.ids()):
            yield pytest.param(case, shapes, id=ident)


@pytest.mark.parametrize("case,shapes", list(_expanded()))
def test_primitive_gradients(case, shapes, rng):
    args = case.draw(shapes, rng)
    # a scalar-valued wrapper weights each output element differently, so a wrong
    # un-broadcast or transposed rule cannot cancel out
    out_shape = np.shape(case.fn(*args))
    weights = rng.uniform(0.5, 1.5, size=out_shape)

    def f(*xs):
        return case.fn(*xs) * weights

    check_grads(f, args, modes=("fwd", "rev"), order=case.order)


@pytest.mark.parametrize("case,shapes", list(_expanded()))
def test_primitive_values_match_numpy(case, shapes, rng):
    args = case.draw(shapes, rng)
    graph = xformad.make_graph(case.fn)(*args)
    assert case.prim in {n.primitive.name for n in graph.nodes}, f"{case.prim} not exercised"
    y, _ = xformad.jvp(case.fn, args, tuple(np.zeros_like(a) for a in args))
    np.testing.assert_allclose(y, case.fn(*args), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(NONDIFF_CASES))
def test_nondifferentiable_primitives(name, rng):
    fn = NONDIFF_CASES[name]
    x = rng.uniform(-2, 2, size=5)
    graph = xformad.make_graph(fn)(x)
    assert name in {n.primitive.name for n in graph.nodes}
    np.testing.assert_array_equal(xformad.jvp(fn, (x,), (np.ones(5),))[0], fn(x))
    # d/dx sum(x * fn(x)) = fn(x) exactly when fn contributes no derivative of its own
    g = xformad.grad(lambda x: np.sum(x * fn(x)))(x)
    np.testing.assert_allclose(g, np.asarray(fn(x), dtype=float))


def test_every_registered_primitive_has_a_row():
    covered = {c.prim for c in CASES} | set(NONDIFF_CASES)
    # third-party plugins (plugins/xformad-scipy, ...) test their primitives in their own suites
    builtin = {n for n in registry().primitives if registry().owner[("primitive", n)] in BUILTIN_PLUGINS}
    missing = sorted(builtin - covered)
    assert not missing, f"primitives with no row in tests/primitive_table.py: {missing}"
