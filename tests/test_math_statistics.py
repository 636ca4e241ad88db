"""Math and statistics functions: values against numpy, derivatives in both modes against
finite differences (order 2 where smooth), over shapes with broadcasting, axis and keepdims;
complex inputs for the elementwise, reduction, shape and dot families."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

RNG = np.random.default_rng(7)


def _u(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape)


def _distinct(*shape):
    """Values with well separated entries, so sort orders survive finite differences."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.37 + RNG.uniform(0, 0.05, n) - n * 0.15).reshape(shape)


def _c(*shape):
    return _u(*shape) + 1j * _u(*shape)


W3 = np.array([0.5, 1.5, 2.0])
MASK = np.array([True, False, True])

# (id, fn, args, order): fn returns an array; a fixed random weighting makes it scalar
SMOOTH = [
    ("sinc", np.sinc, (_u(2, 3),), 2),
    ("sinc-near-0", np.sinc, (np.array([0.0, 1e-4, -3e-3, 0.02, 1.0]),), 2),
    ("sinc-int", lambda x: np.sinc(x) * np.sinc(np.arange(3)), (_u(3),), 2),
    ("fmax", np.fmax, (_u(2, 3), _u(3)), 2),
    ("fmin", np.fmin, (_u(2, 1), _u(1, 3)), 2),
    ("fmax-scalar", lambda x: np.fmax(x, 0.3), (_u(4),), 2),
    ("angle", lambda x, y: np.angle(x + 1j * y), (_u(3), _u(3)), 2),
    ("angle-deg", lambda x, y: np.angle(x + 1j * y, deg=True), (_u(2, 3), _u(3)), 2),
    ("angle-complex-arg", lambda z: np.angle(z), (_c(3),), 2),
    ("nan_to_num", np.nan_to_num, (_u(2, 3),), 2),
    ("nan_to_num-custom", lambda x: np.nan_to_num(x, nan=1.0, posinf=5.0), (_u(3),), 2),
    ("i0", np.i0, (_u(2, 3, lo=-4, hi=4),), 2),
    ("real_if_close", lambda x: np.real_if_close(x + 0j), (_u(3),), 2),
    ("ldexp", lambda x: np.ldexp(x, np.array([1, -2, 3])), (_u(2, 3),), 2),
    ("modf", lambda x: np.modf(x)[0], (np.array([0.3, 1.2, -2.7]),), 2),
    ("frexp-mantissa", lambda x: np.frexp(x)[0], (_u(2, 3) * 40,), 2),
    ("frexp-roundtrip", lambda x: np.ldexp(*np.frexp(x)), (_u(3),), 2),
    ("divmod", lambda x: np.divmod(x, 0.7)[1], (np.array([0.3, 1.2, -2.5]),), 2),
    ("logaddexp2", np.logaddexp2, (_u(2, 3), _u(3)), 2),
    ("cbrt", np.cbrt, (_u(3, lo=0.5),), 2),
    ("exp2", np.exp2, (_u(3),), 2),
    ("expm1-log1p", lambda x: np.log1p(np.expm1(x) ** 2), (_u(3),), 2),
    ("log2-log10", lambda x: np.log2(x) * np.log10(x), (_u(3, lo=0.5),), 2),
    ("float_power", np.float_power, (_u(3, lo=0.5), _u(3)), 2),
    (
        "logsumexp-idiom",
        lambda x: np.max(x, -1) + np.log(np.sum(np.exp(x - np.max(x, -1, keepdims=True)), -1)),
        (_u(2, 4),),
        2,
    ),
    ("logsumexp-large", lambda x: np.log(np.sum(np.exp(x - x.max()))) + x.max(), (_u(4) + 800,), 2),
    ("softmax", lambda x: np.exp(x - x.max()) / np.sum(np.exp(x - x.max())), (_u(4),), 2),
    # statistics
    ("mean-axis", lambda x: np.mean(x, axis=0), (_u(3, 4),), 2),
    ("mean-keepdims", lambda x: np.mean(x, axis=(0, 2), keepdims=True), (_u(2, 3, 2),), 2),
    ("var-ddof", lambda x: np.var(x, ddof=1), (_u(5),), 2),
    ("var-axis-ddof", lambda x: np.var(x, axis=1, ddof=1, keepdims=True), (_u(3, 4),), 2),
    ("std-ddof", lambda x: np.std(x, axis=0, ddof=1), (_u(4, 3),), 2),
    ("std-method", lambda x: x.std(axis=-1), (_u(2, 5),), 2),
    ("var-complex", lambda z: np.var(z, axis=0), (_c(4, 2),), 2),
    ("sum-where", lambda x: np.sum(x, axis=1, where=MASK), (_u(2, 3),), 2),
    ("mean-where", lambda x: np.mean(x, axis=1, keepdims=True, where=MASK), (_u(2, 3),), 2),
    ("var-where", lambda x: np.var(x, where=MASK, ddof=1), (_u(2, 3),), 2),
    (
        "std-where-mean",
        lambda x: np.std(x, axis=1, where=MASK, mean=np.mean(x, 1, keepdims=True, where=MASK)),
        (_u(2, 3),),
        2,
    ),
    ("prod-where", lambda x: np.prod(x, axis=0, where=MASK), (_u(2, 3),), 2),
    ("max-where", lambda x: np.max(x, axis=1, where=MASK, initial=-5.0), (_distinct(2, 3),), 2),
    ("nanmean-where", lambda x: np.nanmean(x, axis=1, where=MASK), (_u(2, 3),), 2),
    ("nansum-where-initial", lambda x: np.nansum(x, where=MASK, initial=2.0), (_u(2, 3),), 2),
    ("average", np.average, (_u(3, 4),), 2),
    (
        "average-weights",
        lambda x: np.average(x, axis=1, weights=np.array([1.0, 2.0, 3.0, 4.0])),
        (_u(3, 4),),
        2,
    ),
    ("average-weights-traced", lambda x, w: np.average(x, axis=0, weights=w), (_u(3, 2), W3), 2),
    ("average-full-weights", lambda x, w: np.average(x, weights=w), (_u(2, 3), _u(2, 3, lo=0.5)), 2),
    (
        "average-returned",
        lambda x, w: (
            np.average(x, axis=0, weights=w, returned=True)[0]
            * np.average(x, axis=0, weights=w, returned=True)[1]
        ),
        (_u(3, 2), W3),
        2,
    ),
    ("average-keepdims", lambda x: np.average(x, axis=0, keepdims=True), (_u(3, 2),), 2),
    ("median", np.median, (_distinct(7),), 2),
    ("median-even", np.median, (_distinct(6),), 2),
    ("median-axis", lambda x: np.median(x, axis=1), (_distinct(3, 4),), 2),
    ("median-axes-keepdims", lambda x: np.median(x, axis=(0, 2), keepdims=True), (_distinct(2, 3, 3),), 2),
    ("percentile", lambda x: np.percentile(x, 30), (_distinct(9),), 2),
    ("percentile-array-q", lambda x: np.percentile(x, [10, 55, 90], axis=0), (_distinct(6, 2),), 2),
    ("quantile", lambda x: np.quantile(x, 0.37, axis=-1), (_distinct(2, 5),), 2),
    ("quantile-q-traced", lambda x, q: np.quantile(x, q), (_distinct(6), np.array([0.23, 0.61])), 2),
    (
        "quantile-2d-q-keepdims",
        lambda x: np.quantile(x, np.array([[0.1, 0.5], [0.7, 0.9]]), axis=1, keepdims=True),
        (_distinct(3, 5),),
        2,
    ),
    ("quantile-lower", lambda x: np.quantile(x, 0.4, method="lower"), (_distinct(6),), 2),
    ("quantile-higher", lambda x: np.quantile(x, 0.4, method="higher"), (_distinct(6),), 2),
    ("quantile-nearest", lambda x: np.quantile(x, [0.3, 0.5, 0.7], method="nearest"), (_distinct(6),), 2),
    ("quantile-midpoint", lambda x: np.quantile(x, [0.3, 0.4], method="midpoint"), (_distinct(6),), 2),
    ("nanmedian", lambda x: np.nanmedian(x, axis=0), (_distinct(5, 2),), 2),
    ("nanquantile", lambda x: np.nanquantile(x, 0.3), (_distinct(5),), 2),
    ("nanpercentile", lambda x: np.nanpercentile(x, [20, 80], axis=1), (_distinct(2, 5),), 2),
    ("nansum", lambda x: np.nansum(x, axis=0), (_u(3, 2),), 2),
    ("nansum-keepdims", lambda x: np.nansum(x, axis=1, keepdims=True), (_u(3, 2),), 2),
    ("nanmean", lambda x: np.nanmean(x, axis=-1), (_u(3, 2),), 2),
    ("nanprod", lambda x: np.nanprod(x, axis=0), (_u(3, 2),), 2),
    ("nanmax", lambda x: np.nanmax(x, axis=1), (_distinct(3, 4),), 2),
    ("nanmin", lambda x: np.nanmin(x, axis=0, keepdims=True), (_distinct(3, 4),), 2),
    ("nanvar", lambda x: np.nanvar(x, axis=0, ddof=1), (_u(4, 2),), 2),
    ("nanstd", lambda x: np.nanstd(x), (_u(4, 2),), 2),
    ("nancumsum", lambda x: np.nancumsum(x, axis=1), (_u(2, 3),), 2),
    ("nancumprod", lambda x: np.nancumprod(x), (_u(2, 3),), 2),
    ("ptp", np.ptp, (_distinct(5),), 2),
    ("ptp-axis", lambda x: np.ptp(x, axis=0, keepdims=True), (_distinct(3, 4),), 2),
    ("cov", np.cov, (_u(3, 6),), 2),
    ("cov-rowvar-bias", lambda x: np.cov(x, rowvar=False, bias=True), (_u(6, 3),), 2),
    ("cov-xy", lambda x, y: np.cov(x, y), (_u(6), _u(6)), 2),
    ("cov-ddof", lambda x: np.cov(x, ddof=0), (_u(2, 5),), 2),
    ("cov-1d", np.cov, (_u(5),), 2),
    ("cov-fweights", lambda x: np.cov(x, fweights=np.array([1, 2, 1, 3, 1])), (_u(2, 5),), 2),
    ("cov-aweights", lambda x, w: np.cov(x, aweights=w), (_u(2, 5), _u(5, lo=0.5)), 2),
    (
        "cov-both-weights",
        lambda x, w: np.cov(x, fweights=np.array([2, 1, 1, 3, 1]), aweights=w),
        (_u(2, 5), _u(5, lo=0.5)),
        2,
    ),
    ("corrcoef", np.corrcoef, (_u(3, 6),), 2),
    ("corrcoef-xy", np.corrcoef, (_u(6), _u(6)), 2),
    ("cumulative_sum", lambda x: np.cumulative_sum(x, axis=1), (_u(2, 3),), 2),
    ("cumulative_sum-initial", lambda x: np.cumulative_sum(x, axis=0, include_initial=True), (_u(3, 2),), 2),
    ("cumulative_prod", lambda x: np.cumulative_prod(x, axis=0), (_u(3, 2, lo=0.5),), 2),
    ("cumsum-none", lambda x: np.cumsum(x), (_u(2, 3),), 2),
]


def _weights(out, seed=3):
    shape = np.shape(out)
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


@pytest.mark.parametrize("fn,args,order", [pytest.param(f, a, o, id=i) for i, f, a, o in SMOOTH])
def test_values_match_numpy(fn, args, order):
    expected = fn(*args)
    got, _ = xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-12)
    assert np.shape(got) == np.shape(expected)
    assert np.asarray(got).dtype == np.asarray(expected).dtype


@pytest.mark.parametrize("fn,args,order", [pytest.param(f, a, o, id=i) for i, f, a, o in SMOOTH])
def test_gradients_both_modes(fn, args, order):
    w = _weights(fn(*args))
    check_grads(lambda *xs: fn(*xs) * w, args, modes=("fwd", "rev"), order=order)


# --- specific derivative values -----------------------------------------------------------


def test_sinc_derivatives_at_zero_are_exact():
    d1 = xformad.grad(np.sinc)(0.0)
    d2 = xformad.grad(xformad.grad(np.sinc))(0.0)
    assert d1 == 0.0
    np.testing.assert_allclose(d2, -(np.pi**2) / 3, rtol=1e-12)
    np.testing.assert_allclose(xformad.jacfwd(xformad.jacfwd(np.sinc))(0.0), -(np.pi**2) / 3, rtol=1e-12)


def test_i0_derivative_is_i1():
    from scipy.special import i1, ivp

    x = np.array([-30.0, -2.5, 0.0, 0.7, 12.0, 200.0])
    g = xformad.grad(lambda x: np.sum(np.i0(x)))(x)
    np.testing.assert_allclose(g, i1(x), rtol=1e-12)
    h = xformad.jacfwd(xformad.grad(lambda x: np.sum(np.i0(x))))(x)
    np.testing.assert_allclose(np.diag(h), ivp(0, x, 2), rtol=1e-11)


def test_i0_float32_stays_float32():
    x = np.array([0.5, 1.5], dtype=np.float32)
    g = xformad.grad(lambda x: np.sum(np.i0(x)))(x)
    assert g.dtype == np.float32


def test_fmax_fmin_ignore_nan_and_route_gradient_to_the_number():
    x = np.array([np.nan, 1.0, 2.0])
    y = np.array([0.5, np.nan, 3.0])
    gx, gy = xformad.grad(lambda x, y: np.sum(np.fmax(x, y) * np.array([1.0, 2.0, 4.0])), argnums=(0, 1))(
        x, y
    )
    np.testing.assert_array_equal(gx, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(gy, [1.0, 0.0, 4.0])
    gx = xformad.grad(lambda x: np.sum(np.fmin(x, y)))(x)
    np.testing.assert_array_equal(gx, [0.0, 1.0, 1.0])
    _, t = xformad.jvp(lambda x: np.fmax(x, y), (x,), (np.ones(3),))
    np.testing.assert_array_equal(t, [0.0, 1.0, 0.0])


def test_nan_to_num_gradient_is_zero_at_non_finite():
    x = np.array([np.nan, np.inf, -np.inf, 2.0])
    g = xformad.grad(lambda x: np.sum(np.nan_to_num(x) * 0.5))(x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 0.5])
    np.testing.assert_array_equal(np.nan_to_num(x), xformad.jvp(np.nan_to_num, (x,), (np.ones(4),))[0])
    z = np.array([complex(np.nan, 1.0), complex(2.0, np.inf)])
    np.testing.assert_array_equal(
        xformad.jvp(np.nan_to_num, (z,), (np.ones(2, complex),))[0], np.nan_to_num(z)
    )


def test_nan_reductions_skip_nans_with_zero_gradient():
    # every slice keeps two numbers: a one-number std has an infinite derivative
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 5.0], [4.0, 6.0, np.nan]])
    for fn in (np.nansum, np.nanmean, np.nanmax, np.nanmin, np.nanprod, np.nanvar, np.nanstd, np.nanmedian):
        for axis in (None, 0, 1):
            f = lambda x: np.sum(fn(x, axis=axis) * 1.5)  # noqa: E731
            np.testing.assert_allclose(xformad.jvp(f, (x,), (np.ones_like(x),))[0], f(x), rtol=1e-12)
            g = xformad.grad(f)(x)
            assert np.all(g[np.isnan(x)] == 0.0), (fn.__name__, axis)
            assert np.all(np.isfinite(g)), (fn.__name__, axis)
            _, t = xformad.jvp(f, (x,), (np.where(np.isnan(x), 0.0, 1.0),))
            assert np.isfinite(t)


def test_nanmean_gradient_values():
    x = np.array([1.0, np.nan, 3.0, 4.0])
    np.testing.assert_allclose(xformad.grad(np.nanmean)(x), [1 / 3, 0, 1 / 3, 1 / 3])


def test_all_nan_slices_give_nan_like_numpy():
    x = np.array([[np.nan, np.nan], [1.0, 2.0]])
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanmax(x, axis=1)
    got = xformad.jvp(lambda x: np.nanmax(x, axis=1), (x,), (np.ones_like(x),))[0]
    np.testing.assert_array_equal(got, expected)
    with pytest.warns(RuntimeWarning):
        expected = np.nanmedian(x, axis=1)
    got = xformad.jvp(lambda x: np.nanmedian(x, axis=1), (x,), (np.ones_like(x),))[0]
    np.testing.assert_array_equal(got, expected)


def test_nanargmax_and_all_nan_error():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 7.0, 5.0]])
    graph_value = xformad.jvp(lambda x: x[0, np.nanargmax(x[0])] + 0 * x, (x,), (np.ones_like(x),))[0]
    assert graph_value[0, 0] == 3.0
    f = lambda x: np.sum(x[np.arange(2), np.nanargmin(x, axis=1)])  # noqa: E731
    np.testing.assert_array_equal(xformad.grad(f)(x), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="All-NaN"):
        xformad.grad(lambda x: x[np.nanargmax(x)])(np.array([np.nan, np.nan]))


def test_median_gradient_selects_middle_elements():
    x = np.array([5.0, 1.0, 4.0, 2.0])  # sorted: 1 2 4 5 -> median (2+4)/2
    np.testing.assert_array_equal(xformad.grad(np.median)(x), [0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(xformad.grad(np.median)(x[:3]), [0, 0, 1])


def test_percentile_interpolation_weights():
    x = np.array([10.0, 0.0, 20.0, 30.0, 40.0])  # q=0.3 -> position 1.2: 0.8*x[0] + 0.2*x[2]
    np.testing.assert_allclose(xformad.grad(lambda x: np.percentile(x, 30))(x), [0.8, 0, 0.2, 0, 0])
    dq = xformad.grad(lambda q: np.quantile(x, q))(0.3)  # slope (20 - 10) * (n - 1)
    np.testing.assert_allclose(dq, 40.0)


def test_quantile_with_nan_returns_nan_like_numpy():
    x = np.array([1.0, np.nan, 3.0])
    got = xformad.jvp(lambda x: np.quantile(x, 0.5), (x,), (np.ones(3),))[0]
    assert np.isnan(got) and np.isnan(np.quantile(x, 0.5))


def test_quantile_bad_inputs():
    x = np.arange(4.0)
    with pytest.raises(ValueError, match="range"):
        xformad.grad(lambda x: np.quantile(x, 1.5))(x)
    with pytest.raises(ValueError, match="range"):
        xformad.grad(lambda x: np.percentile(x, -3))(x)
    with pytest.raises(ValueError, match="'cubic' is not a valid method"):
        xformad.grad(lambda x: np.quantile(x, 0.5, method="cubic"))(x)
    with pytest.raises(xformad.UnsupportedOperation, match="weights"):
        xformad.grad(lambda x: np.quantile(x, 0.5, weights=np.ones(4), method="inverted_cdf"))(x)


def test_where_mask_without_identity_needs_initial():
    with pytest.raises(ValueError, match="specify 'initial'"):
        xformad.grad(lambda x: np.max(x, where=MASK))(np.ones(3))


def test_average_errors_and_returned():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ZeroDivisionError, match="sum to zero"):
        xformad.grad(lambda x: np.average(x, axis=1, weights=np.zeros(3)).sum())(x)
    with pytest.raises(TypeError, match="Axis must be specified"):
        xformad.grad(lambda x: np.average(x, weights=np.ones(3)))(x)
    avg, scl = xformad.jvp(lambda x: np.average(x, axis=0, returned=True), (x,), (np.ones_like(x),))[0]
    expected = np.average(x, axis=0, returned=True)
    np.testing.assert_array_equal(avg, expected[0])
    np.testing.assert_array_equal(scl, expected[1])


def test_cov_matches_autograd_free_formula():
    x = _u(3, 8)
    g = xformad.grad(lambda x: np.sum(np.cov(x) ** 2))(x)
    # d/dx sum(C^2) with C = Xc Xc^T / (n-1): 4 C Xc / (n-1)
    xc = x - x.mean(axis=1, keepdims=True)
    c = xc @ xc.T / 7
    np.testing.assert_allclose(g, 4 * c @ xc / 7, rtol=1e-12)


def test_non_differentiable_helpers_values_and_zero_gradient():
    x = np.array([-1.7, -0.5, 0.0, 0.5, 2.5, np.inf, -np.inf, np.nan])
    helpers = {
        "fix": np.fix,
        "isposinf": np.isposinf,
        "isneginf": np.isneginf,
        "isclose": lambda x: np.isclose(x, 0.5),
        "isclose-nan": lambda x: np.isclose(x, x, equal_nan=True),
        "isclose-inf": lambda x: np.isclose(x, np.inf),
        "iscomplex": np.iscomplex,
        "isreal": np.isreal,
        "count_nonzero": lambda x: np.count_nonzero(x > 0),
        "divmod-q": lambda x: np.divmod(x, 0.7)[0],
        "modf-int": lambda x: np.modf(x)[1],
        "frexp-exponent": lambda x: np.frexp(x)[1],
        "sign": np.sign,
        "around": lambda x: np.around(x, 1),
        "floor": np.floor,
        "ceil": np.ceil,
        "rint": np.rint,
        "trunc": np.trunc,
    }
    for name, fn in helpers.items():
        with np.errstate(all="ignore"):
            expected = fn(x)
            got = xformad.jvp(fn, (x,), (np.ones_like(x),))[0]
        np.testing.assert_array_equal(got, expected, err_msg=name)
    finite = x[np.isfinite(x)]
    for name, fn in helpers.items():
        g = xformad.grad(lambda x: np.sum(x * fn(x)))(finite)
        np.testing.assert_array_equal(g, np.asarray(fn(finite), dtype=float), err_msg=name)


def test_count_nonzero_axis():
    x = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    got = xformad.jvp(lambda x: np.count_nonzero(x, axis=1, keepdims=True) * x, (x,), (x,))[0]
    np.testing.assert_array_equal(got, np.count_nonzero(x, axis=1, keepdims=True) * x)


def test_allclose_and_array_equal_are_guarded_python_bools():
    def f(x):
        return np.sum(x**2) if np.allclose(x, 1.0, atol=0.1) else np.sum(x)

    np.testing.assert_allclose(xformad.grad(f)(np.array([1.0, 1.05])), [2.0, 2.1])
    np.testing.assert_allclose(xformad.grad(f)(np.array([1.0, 2.0])), [1.0, 1.0])
    graph = xformad.make_graph(f)(np.array([1.0, 1.05]))
    assert graph.guards, "the data-dependent branch must be recorded as a guard"
    x = np.array([1.0, 2.0])
    assert xformad.jvp(lambda x: x * np.array_equal(x, [1.0, 2.0]), (x,), (x,))[0].tolist() == [1.0, 2.0]
    assert xformad.jvp(lambda x: x * np.array_equiv(x, [[1.0, 2.0]]), (x,), (x,))[0].tolist() == [1.0, 2.0]
    assert xformad.jvp(lambda x: x * np.array_equal(x, [1.0]), (x,), (x,))[0].tolist() == [0.0, 0.0]


def test_argmax_style_functions_have_no_gradient():
    x = np.array([[0.3, 1.2, -0.4], [2.0, -1.0, 0.1]])

    def pick(x):
        i = np.argmax(x, axis=1)
        j = np.argmin(x, axis=0)
        return np.sum(x[np.arange(2), i]) + np.sum(x[j, np.arange(3)])

    np.testing.assert_array_equal(xformad.grad(pick)(x), [[1, 1, 1], [1, 1, 0]])


def test_i0_rejects_complex_with_clear_error():
    with pytest.raises(xformad.UnsupportedOperation, match="np.i0 of complex"):
        xformad.grad(lambda z: np.real(np.i0(z)))(np.array([1.0 + 1j]))


def test_result_type_sees_traced_dtype():
    def f(x):
        assert np.result_type(x, 1.0) == np.float32
        return np.sum(x)

    xformad.grad(f)(np.ones(2, np.float32))


# --- complex inputs and outputs: elementwise, reductions, shape and dot families -------------

# holomorphic maps of complex z: jvp is t * f'(z), and check_grads' VJP check verifies the
# VJP is the transpose (no conjugation), as in JAX and autograd
COMPLEX = [
    ("add-mul", lambda z, w: z * w + z, (_c(2, 3), _c(3))),
    ("divide", lambda z, w: z / w, (_c(3), _c(3))),
    ("power-int", lambda z: z**3, (_c(3),)),
    ("exp-log", lambda z: np.log(np.exp(z) + 2.0), (_c(3),)),
    ("sin-cos-tanh", lambda z: np.sin(z) * np.cos(z) + np.tanh(z), (_c(3) * 0.5,)),
    ("sqrt", np.sqrt, (_c(3) + 3.0,)),
    ("square-reciprocal", lambda z: np.square(z) + np.reciprocal(z + 3.0), (_c(3),)),
    ("sinc", np.sinc, (_c(3) * 0.5,)),
    ("sum-axis", lambda z: np.sum(z * z, axis=0), (_c(3, 2),)),
    ("mean-keepdims", lambda z: np.mean(z**2, axis=1, keepdims=True), (_c(3, 2),)),
    ("prod", lambda z: np.prod(z, axis=0), (_c(3, 2),)),
    ("cumsum-cumprod", lambda z: np.cumsum(z) * np.cumprod(z + 3.0), (_c(4),)),
    ("reshape-transpose", lambda z: np.transpose(np.reshape(z, (3, 2))) ** 2, (_c(6),)),
    ("concatenate-stack", lambda z, w: np.concatenate([z, np.stack([w, z])[1] * w]), (_c(3), _c(3))),
    ("getitem-setitem", lambda z: _complex_setitem(z), (_c(4),)),
    ("broadcast", lambda z: np.broadcast_to(z, (2, 3)) * np.arange(6.0).reshape(2, 3), (_c(3),)),
    ("matmul", np.matmul, (_c(2, 3), _c(3, 2))),
    ("dot-vec", np.dot, (_c(3), _c(3))),
    ("einsum", lambda a, b: np.einsum("ij,j->i", a, b), (_c(2, 3), _c(3))),
    ("tensordot", lambda a, b: np.tensordot(a, b, axes=1), (_c(2, 3), _c(3, 2))),
    ("outer", np.outer, (_c(2), _c(3))),
]

# non-holomorphic and real-valued functions of complex inputs
COMPLEX_REAL = [
    ("abs", np.abs, (_c(3),)),
    ("abs-squared", lambda z: np.abs(z) ** 2, (_c(2, 2),)),
    ("real-imag", lambda z: np.real(z) * np.imag(z), (_c(3),)),
    ("conj-product", lambda z: np.real(z * np.conj(z)), (_c(3),)),
    ("angle", np.angle, (_c(3),)),
    ("vdot", lambda a, b: np.real(np.vdot(a, b)), (_c(3), _c(3))),
    ("var", lambda z: np.var(z, axis=0), (_c(3, 2),)),
    ("std", np.std, (_c(4),)),
    ("norm-idiom", lambda z: np.sqrt(np.sum(np.abs(z) ** 2)), (_c(4),)),
]


def _complex_setitem(z):
    y = z * 1.0
    y[1] = z[0] * z[2]
    y[2:] += z[:2] ** 2
    return y


@pytest.mark.parametrize("fn,args", [pytest.param(f, a, id=i) for i, f, a in COMPLEX + COMPLEX_REAL])
def test_complex_both_modes(fn, args):
    expected = fn(*args)
    got, _ = xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    w = _weights(expected)
    check_grads(lambda *xs: fn(*xs) * w, args, modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("fn,args", [pytest.param(f, a, id=i) for i, f, a in COMPLEX])
def test_holomorphic_vjp_is_transpose_without_conjugation(fn, args):
    """For holomorphic f: jvp(t) = J t and vjp(u) = J^T u, with the same complex J."""
    jac = xformad.jacfwd(fn)(args[0], *args[1:])
    u = _weights(fn(*args)) + 0.5j
    _, back = xformad.vjp(lambda z: fn(z, *args[1:]), args[0])
    (ct,) = back(u)
    out_ndim = np.ndim(u)
    expected = np.tensordot(u, jac, axes=(tuple(range(out_ndim)), tuple(range(out_ndim))))
    np.testing.assert_allclose(ct, expected, rtol=1e-10, atol=1e-12)


def test_complex_convention_matches_autograd_and_jax():
    """grad of a real function of z is df/dx - i df/dy, the convention of JAX and autograd."""
    import autograd
    import autograd.numpy as anp

    z = np.array([0.3 + 0.8j, -1.1 + 0.4j])

    def f(z):
        return np.sum(np.abs(z) ** 2 + np.real(z * z))

    def f_ag(z):
        return anp.sum(anp.abs(z) ** 2 + anp.real(z * z))

    ours = xformad.grad(f)(z)
    np.testing.assert_allclose(ours, autograd.grad(f_ag)(z), rtol=1e-12)
    x, y = z.real, z.imag  # f = x^2 + y^2 + x^2 - y^2 = 2 x^2: df/dx = 4x, df/dy = 0
    np.testing.assert_allclose(ours, 4 * x - 0j * y, rtol=1e-12)
    import jax

    jax.config.update("jax_enable_x64", True)
    jz = jax.grad(lambda z: jax.numpy.sum(jax.numpy.abs(z) ** 2 + jax.numpy.real(z * z)))(z)
    np.testing.assert_allclose(ours, np.asarray(jz), rtol=1e-12)


def test_holomorphic_jvp_against_autograd():
    import autograd
    import autograd.numpy as anp

    z = np.array([0.3 + 0.8j, -1.1 + 0.4j])
    t = np.array([1.0 - 0.5j, 0.2 + 1j])
    _, ours = xformad.jvp(lambda z: np.sin(z) * np.exp(z), (z,), (t,))
    theirs = autograd.make_jvp(lambda z: anp.sin(z) * anp.exp(z))(z)(t)[1]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


DTYPE_CASES = {
    "median": np.median,
    "quantile-list-q": lambda x: np.quantile(x, [0.2, 0.7], axis=0),
    "quantile-scalar-q": lambda x: np.quantile(x, 0.3, axis=1),
    "quantile-lower": lambda x: np.quantile(x, [0.2, 0.7], method="lower"),
    "percentile": lambda x: np.percentile(x, 30),
    "nanmedian": np.nanmedian,
    "nanmean": np.nanmean,
    "nanvar": np.nanvar,
    "nanstd": lambda x: np.nanstd(x, axis=0),
    "nanmax": np.nanmax,
    "nansum": np.nansum,
    "nanprod": np.nanprod,
    "nancumsum": np.nancumsum,
    "average": np.average,
    "average-weights": lambda x: np.average(x, axis=1, weights=np.ones(4, np.float32)),
    "cov": np.cov,
    "corrcoef": np.corrcoef,
    "ptp": np.ptp,
    "mean-where": lambda x: np.mean(x, axis=1, where=np.array([True, False, True, True])),
    "var-where": lambda x: np.var(x, where=np.array([True, False, True, True])),
    "sinc": np.sinc,
    "fmax": lambda x: np.fmax(x, 0.1),
    "angle": np.angle,
    "nan_to_num": np.nan_to_num,
    "i0": np.i0,
    "ldexp": lambda x: np.ldexp(x, 2),
    "frexp": lambda x: np.frexp(x)[0],
    "modf": lambda x: np.modf(x)[0],
}


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_result_dtypes_follow_numpy(name, dtype):
    """float32 stays float32 where numpy keeps it; integers promote exactly as numpy's do."""
    fn = DTYPE_CASES[name]
    x = (np.arange(12).reshape(3, 4)[:, ::-1] * 0.37 - 1.5).astype(dtype)
    expected = fn(x)
    got = xformad.jvp(lambda y: fn(y.astype(dtype)), (x.astype(np.float64),), (np.ones((3, 4)),))[0]
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(got, expected, rtol=2e-6)
