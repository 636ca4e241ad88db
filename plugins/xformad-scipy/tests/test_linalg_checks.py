"""The checks every scipy.linalg test runs (imported by the other test_linalg_* files), and
tests that these checks do fail on a wrong derivative or a wrong value.

``check_function(fn, args)``:

1. values: xformad's traced result equals scipy's own (rtol 1e-12);
2. derivatives: both modes to order 2 against central finite differences in float64
   (``xformad.testing.check_grads``);
3. jit: ``jit(fn)`` gives the same values and ``jit(grad(loss))`` the same gradients as
   the eager ``grad(loss)``, ``loss`` a weighted sum of fn's outputs, both compiled on
   the first call (``compile_after=0``) and checked to have run compiled.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xformad
import xformad.extend
from xformad.testing import GradientCheckError, check_grads


def leaves(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def weighted_loss(fn):
    """A real scalar of all of fn's outputs, with distinct weights per element (a rule that
    mixes up elements cannot cancel out)."""

    def loss(*args):
        total = 0.0
        for out in leaves(fn(*args)):
            weights = np.linspace(0.5, 1.5, np.size(out))
            real, imag = (np.reshape(part(out), (-1,)) for part in (np.real, np.imag))
            total = total + np.sum(real * weights) + np.sum(imag * weights[::-1])
        return total

    return loss


def run_compiled(fn, *args):
    """``fn`` compiled on its first call and run; asserts that it did run compiled (jit
    falls back to eager, with a warning, on a program that does not reproduce the trace)."""
    jitted = xformad.jit(fn, compile_after=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # jit's RetraceWarning is one
        result = jitted(*args)
    info = jitted.cache_info()
    assert info.mode == "jit" and info.compiles == 1 and info.eager_calls == 0, info
    return result


def check_values(fn, args, rtol=1e-12):
    """The traced values (eager and under jit) equal scipy's on plain arrays."""
    expected = leaves(fn(*args))
    traced = leaves(xformad.jvp(fn, tuple(args), tuple(np.ones_like(a) for a in args))[0])
    compiled = leaves(run_compiled(fn, *args))
    assert len(traced) == len(expected) == len(compiled)
    for want, got, jitted in zip(expected, traced, compiled):
        assert np.shape(got) == np.shape(want) and np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0)
        np.testing.assert_allclose(jitted, want, rtol=rtol, atol=0)


def check_jit_gradients(fn, args):
    """jit(grad(loss)) equals grad(loss), for every argument."""
    argnums = tuple(range(len(args)))
    loss = weighted_loss(fn)
    eager = xformad.grad(loss, argnums=argnums)(*args)
    compiled = run_compiled(xformad.grad(loss, argnums=argnums), *args)
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c, e, rtol=1e-12, atol=1e-14)


def check_function(fn, args, order=2):
    args = tuple(args)
    with warnings.catch_warnings():  # scipy's own accuracy warnings (logm, ill-conditioning)
        warnings.simplefilter("ignore", RuntimeWarning)
        check_values(fn, args)
        check_grads(fn, args, modes=("fwd", "rev"), order=order)
        check_jit_gradients(fn, args)


# --- the checks themselves can fail ---------------------------------------------------------
@xformad.custom_jvp
def _wrong_exp(x):
    return np.exp(x)


@_wrong_exp.defjvp
def _wrong_exp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return np.exp(x), 1.01 * t * np.exp(x)  # off by one per cent


def test_a_wrong_derivative_is_caught():
    with pytest.raises(GradientCheckError):
        check_function(lambda x: _wrong_exp(x), (np.array([0.3, 0.7]),))


def test_a_wrong_value_is_caught():
    def not_scipy(x):  # traced: another number than on plain arrays
        return x * (1.0 + 1e-9 * xformad.extend.is_traced(x))

    with pytest.raises(AssertionError):
        check_values(not_scipy, (np.array([0.3, 0.7]),))
