"""Integer and boolean traced values (no derivative) where numpy needs concrete ones:
numpy gets their value, and compiled programs guard on it, so a changed value re-traces."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

TABLE = np.array([1.0, 2.0, 3.0, 4.0])
EDGES = np.array([1.0, 2.0])

PROGRAMS = {
    "plain_table[idx]": lambda x: np.sum(TABLE[(x * 1.0).astype(int)] * x),
    "np.take(plain, idx)": lambda x: np.sum(np.take(TABLE, (x * 1.0).astype(int)) * x**2),
    "w[np.searchsorted(edges, x)]": lambda x: np.sum(TABLE[np.searchsorted(EDGES, x)] * np.sin(x)),
    "plain[mask]": lambda x: np.sum(TABLE[:3][x > 1.0]) * np.sum(x),
    "np.eye(n)[labels]": lambda x: np.sum(np.eye(4)[np.argsort(x)] @ TABLE * x[0]),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_eager_and_jit_match_numpy_as_the_values_change(name):
    f = PROGRAMS[name]
    eager, jitted, jitted_f = xformad.grad(f), xformad.jit(xformad.grad(f)), xformad.jit(f)
    for shift in (0.0, 0.0, 0.25, 0.5, 0.5, 1.0, 0.0):  # never on a step of int()
        x = np.array([0.3, 1.4, 2.7]) + shift
        check_grads(f, (x,), modes=("fwd", "rev"), order=1)
        np.testing.assert_array_equal(jitted(x), eager(x))
        assert jitted_f(x) == f(x.copy())
    assert jitted.cache_info().hits > 0


def test_the_guard_names_what_changed():
    jitted = xformad.jit(xformad.grad(PROGRAMS["plain_table[idx]"]))
    jitted(np.array([0.3, 1.4, 2.7]))
    jitted(np.array([1.3, 1.4, 2.7]))
    assert "integer or boolean array" in jitted.cache_info().last_retrace_reason


OUTSIDE = np.zeros(3)  # made outside the differentiated function


def test_float_values_still_refuse_to_become_plain_arrays():
    def f(x):
        OUTSIDE[:] = x  # would drop the derivative
        return np.sum(OUTSIDE)

    with pytest.raises(xformad.TracerConversionError, match="drop"):
        xformad.grad(f)(np.ones(3))
