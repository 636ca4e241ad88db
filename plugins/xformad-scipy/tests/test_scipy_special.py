"""Every scipy.special function the plugin serves, differentiated through plain
``scipy.special.<fn>(x)`` calls: both modes to order 2 against finite differences
(xformad.testing.check_grads), values against scipy, dtypes kept, broadcasting, the
numerically delicate points, and the plugin's errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
from scipy_cases import HOST_ONLY_ROWS, ROWS, row_id

import xformad
from xformad.testing import check_grads

ALL_ROWS = ROWS + HOST_ONLY_ROWS


def _draw(row, rng, shape=(4,), dtype=np.float64):
    return tuple(rng.uniform(lo, hi, size=shape).astype(dtype) for lo, hi in row.domains)


def _weighted_sum(fn):
    # distinct weights per element: a rule that mixes up elements cannot cancel out
    return lambda *xs: np.sum(fn(*xs) * np.linspace(0.5, 1.5, np.size(fn(*xs))).reshape(np.shape(fn(*xs))))


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_gradients_match_finite_differences_to_order_two(row, rng):
    check_grads(_weighted_sum(row.fn), _draw(row, rng), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("row", [r for r in ROWS if r.arity == 1][:6], ids=row_id)
def test_third_order_of_a_few(row, rng):
    check_grads(row.fn, (_draw(row, rng, shape=())[0],), modes=("fwd", "rev"), order=3)


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_primitive_recorded_and_values_match_scipy(row, rng):
    args = _draw(row, rng)
    graph = xformad.make_graph(row.fn)(*args)
    assert f"scipy.{row.name}" in {n.primitive.name for n in graph.nodes}
    value, _ = xformad.jvp(row.fn, args, tuple(np.ones_like(a) for a in args))
    np.testing.assert_allclose(value, row.fn(*args), rtol=1e-13)


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_float32_stays_float32(row, rng):
    args = _draw(row, rng, dtype=np.float32)
    grads = xformad.grad(lambda *xs: np.sum(row.fn(*xs)), argnums=tuple(range(row.arity)))(*args)
    assert all(g.dtype == np.float32 for g in grads)
    # scipy's polygamma alone computes float32 in float64; the plugin keeps float32 throughout
    value = xformad.jvp(row.fn, args, tuple(np.ones_like(a) for a in args))[0]
    assert value.dtype == np.float32


@pytest.mark.parametrize("row", ALL_ROWS, ids=row_id)
def test_jit_gives_the_same_values_and_gradients(row, rng):
    args = _draw(row, rng)
    f = _weighted_sum(row.fn)
    argnums = tuple(range(row.arity))
    fast_f, fast_grad = xformad.jit(f), xformad.jit(xformad.grad(f, argnums=argnums))
    for shift in (0.0, 0.01):  # a second call runs the compiled program on new values
        moved = tuple(a + shift for a in args)
        np.testing.assert_allclose(fast_f(*moved), f(*moved), rtol=1e-14)
        for fast, eager in zip(fast_grad(*moved), xformad.grad(f, argnums=argnums)(*moved)):
            np.testing.assert_allclose(fast, eager, rtol=1e-14)


@pytest.mark.parametrize("row", [r for r in ALL_ROWS if r.complex_ok], ids=row_id)
def test_complex_inputs(row, rng):
    (x,) = _draw(row, rng)
    z = x + 1j * rng.uniform(-1, 1, size=x.shape)
    check_grads(row.fn, (z,), modes=("fwd", "rev"), order=2)


def test_binary_functions_broadcast(rng):
    a = rng.uniform(0.5, 3.0, size=(2, 1))
    b = rng.uniform(0.5, 3.0, size=(3,))
    for fn in (sp.beta, sp.betaln, sp.xlogy, sp.xlog1py):
        check_grads(lambda a, b: np.sum(fn(a, b) * np.arange(1.0, 7.0).reshape(2, 3)), (a, b), order=2)
    # a Python number as one argument is a constant
    np.testing.assert_allclose(xformad.grad(lambda y: sp.xlogy(2.0, y))(3.0), 2.0 / 3.0)


def test_against_jax_as_an_independent_oracle(rng):
    jsp = pytest.importorskip("jax.scipy.special")
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    pairs = [
        (sp.erf, jsp.erf, (-2, 2)),
        (sp.gammaln, jsp.gammaln, (0.5, 3)),
        (sp.digamma, jsp.digamma, (0.5, 3)),
        (sp.ndtri, jsp.ndtri, (0.05, 0.95)),
        (sp.i0e, jsp.i0e, (0.2, 3)),
        (sp.log_ndtr, jsp.log_ndtr, (-6, 3)),
    ]
    for ours, theirs, (lo, hi) in pairs:
        x = float(rng.uniform(lo, hi))
        # jax.jit: one compilation per derivative instead of one dispatch per operation (4x faster)
        np.testing.assert_allclose(xformad.grad(ours)(x), jax.jit(jax.grad(theirs))(x), rtol=1e-10)
        np.testing.assert_allclose(
            xformad.grad(xformad.grad(ours))(x), jax.jit(jax.grad(jax.grad(theirs)))(x), rtol=1e-8
        )


def test_bessel_derivatives_are_exact_at_zero():
    # I1(x)/x and J1(x)/x have the removable singularity 1/2 at x = 0
    for fn, second in ((sp.i1, 0.0), (sp.j1, 0.0), (sp.i0, 0.5), (sp.j0, -0.5)):
        first = 0.5 if fn in (sp.i1, sp.j1) else 0.0
        assert xformad.grad(fn)(0.0) == pytest.approx(first, abs=1e-15)
        assert xformad.grad(xformad.grad(fn))(0.0) == pytest.approx(second, abs=1e-15)
    assert xformad.grad(sp.i1e)(0.0) == pytest.approx(0.5)


def test_log_ndtr_gradient_is_finite_in_both_tails():
    # d/dx log Phi(x) ~ -x far in the lower tail, where phi and Phi both underflow
    assert xformad.grad(sp.log_ndtr)(-40.0) == pytest.approx(40.02497, rel=1e-6)
    assert xformad.grad(sp.log_ndtr)(40.0) == 0.0


def test_xlogy_at_zero_has_no_nan():
    assert xformad.grad(lambda y: sp.xlogy(0.0, y))(0.0) == 0.0
    assert xformad.grad(lambda y: sp.xlog1py(0.0, y))(-1.0) == 0.0


def test_gammaln_in_a_program(rng):
    # a Dirichlet log-density in plain numpy + scipy.special: hessian by forward-over-reverse
    counts = rng.uniform(0.1, 1.0, size=4)
    counts /= counts.sum()

    def log_dirichlet(alpha):
        norm = np.sum(sp.gammaln(alpha)) - sp.gammaln(np.sum(alpha))
        return np.sum((alpha - 1) * np.log(counts)) - norm

    alpha = rng.uniform(0.5, 3.0, size=4)
    check_grads(log_dirichlet, (alpha,), order=2)
    hess = xformad.hessian(log_dirichlet)(alpha)
    expected = -np.diag(sp.polygamma(1, alpha)) + sp.polygamma(1, np.sum(alpha))
    np.testing.assert_allclose(hess, expected, rtol=1e-12)


def test_polygamma_is_scipys_own_function_outside_traces(rng):
    import xformad_scipy

    from xformad.extend import original

    x = rng.uniform(0.5, 3.0, size=5)
    np.testing.assert_allclose(
        xformad.grad(lambda x: sp.polygamma(1, x))(2.0), sp.polygamma(2, 2.0), rtol=1e-15
    )
    # outside traces scipy.special.polygamma is scipy's own function again
    scipys = original(sp.polygamma)
    assert scipys is sp.polygamma and scipys.__module__ == "scipy.special._basic"
    assert sp.polygamma(2, x).tolist() == scipys(2, x).tolist()
    assert xformad_scipy.polygamma(2, x).tolist() == scipys(2, x).tolist()
    np.testing.assert_allclose(
        xformad.grad(lambda x: xformad_scipy.polygamma(1, x))(2.0), scipys(2, 2.0), rtol=1e-15
    )


def test_derivative_in_the_order_of_polygamma_is_refused():
    from xformad_scipy.errors import SpecialFunctionError

    with pytest.raises(SpecialFunctionError, match="no derivative with respect to its order n"):
        xformad.grad(lambda n: sp.polygamma(n, 2.0))(1.0)


def test_complex_higher_order_through_polygamma_is_refused():
    from xformad_scipy.errors import SpecialFunctionError

    assert np.isfinite(xformad.grad(lambda z: np.real(sp.gamma(z)))(1.0 + 0.5j))
    with pytest.raises(SpecialFunctionError, match="real-only"):
        xformad.grad(xformad.grad(lambda z: np.real(sp.digamma(z))))(1.0 + 0.5j)


def test_jit_runs_the_same_derivative_program(rng):
    x = rng.uniform(0.5, 2.5, size=5)

    def f(x):
        return np.sum(sp.gammaln(x) * sp.erf(x) + sp.i1(x) * sp.expit(x))

    fast = xformad.jit(xformad.grad(f))
    np.testing.assert_allclose(fast(x), xformad.grad(f)(x), rtol=1e-14)
    np.testing.assert_allclose(fast(x + 0.1), xformad.grad(f)(x + 0.1), rtol=1e-14)
    np.testing.assert_allclose(xformad.jit(xformad.hessian(f))(x), xformad.hessian(f)(x), rtol=1e-12)


@pytest.mark.parametrize("x", [-1e8, -1e6, -1e3, -45.0, -7.0, -0.5, 0.0, 3.0])
def test_log_ndtr_derivatives_far_in_the_lower_tail(x):
    # phi/Phi there is the inverse Mills ratio; exp(-x**2/2 - log_ndtr(x)) lost every digit
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    log_phi = lambda t: mpmath.log(mpmath.ncdf(t))  # noqa: E731
    first = xformad.grad(lambda t: sp.log_ndtr(t))(x)
    second = xformad.grad(xformad.grad(lambda t: sp.log_ndtr(t)))(x)
    np.testing.assert_allclose(first, float(mpmath.diff(log_phi, mpmath.mpf(x))), rtol=1e-13)
    np.testing.assert_allclose(second, float(mpmath.diff(log_phi, mpmath.mpf(x), 2)), rtol=1e-12)


@pytest.mark.parametrize("x", [0.5, 7.0, 10.0, 11.0, 60.0, 1e3, 1e5, 1e8])
def test_erfcx_derivatives_for_large_arguments(x):
    # 2 x erfcx(x) - 2/sqrt(pi) cancels for large x; the asymptotic series does not
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    erfcx = lambda t: mpmath.exp(t * t) * mpmath.erfc(t)  # noqa: E731
    first = xformad.grad(lambda t: sp.erfcx(t))(x)
    second = xformad.grad(xformad.grad(lambda t: sp.erfcx(t)))(x)
    np.testing.assert_allclose(first, float(mpmath.diff(erfcx, mpmath.mpf(x))), rtol=1e-13)
    np.testing.assert_allclose(second, float(mpmath.diff(erfcx, mpmath.mpf(x), 2)), rtol=1e-11)
