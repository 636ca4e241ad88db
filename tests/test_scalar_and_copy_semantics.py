"""numpy's scalar, copy and in-place semantics, checked against numpy's own results: a
scalar is immutable (y = x; y -= d rebinds y), in-place operators keep their target's
shape, and reshape/flatten/conj/astype/nan_to_num/fill make copies or views as numpy does."""

from __future__ import annotations

import numpy as np
import pytest

import xformad

X3 = np.array([0.3, 1.2, -0.7])


def _value_and_fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return f(x.copy()), g


def _matches_numpy(f, x):
    value, g = xformad.value_and_grad(f)(x.copy())
    want, want_g = _value_and_fd(f, x)
    np.testing.assert_allclose(value, want, rtol=1e-12)
    np.testing.assert_allclose(g, want_g, rtol=1e-6, atol=1e-8)
    jitted = xformad.jit(xformad.value_and_grad(f), compile_after=0)
    for scale in (1.0, 0.5, 2.0):
        v, gj = jitted(x * scale)
        want, want_g = _value_and_fd(f, x * scale)
        np.testing.assert_allclose(v, want, rtol=1e-12)
        np.testing.assert_allclose(gj, want_g, rtol=1e-6, atol=1e-8)


def test_newton_on_a_float_rebinds_its_alias():
    def newton(x):
        y = x
        for _ in range(3):
            y -= (y * y - 2.0) / (2.0 * y)
        return y * x  # x is still the argument, as in numpy

    value, g = xformad.value_and_grad(newton)(1.3)
    assert value == newton(1.3)
    np.testing.assert_allclose(g, (newton(1.3 + 1e-6) - newton(1.3 - 1e-6)) / 2e-6, rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [lambda x: x.sum(), lambda x: x[0], lambda x: np.max(x), lambda x: x @ x],
    ids=["sum", "index", "max", "dot"],
)
def test_scalar_results_are_immutable(make):
    def f(x):
        t = make(x)
        u = t
        u += 1.0
        u *= 3.0
        return t * u + t

    _matches_numpy(f, X3)
    batch = np.stack([X3, 2 * X3])
    np.testing.assert_allclose(xformad.vmap(f)(batch), [f(X3), f(2 * X3)], rtol=1e-12)


def test_zero_d_arrays_stay_mutable():
    def f(x):
        a = np.zeros(())  # a 0-d array, which numpy writes in place
        a[...] = x[0]
        b = a
        b += x[1]
        return a * x[2]

    _matches_numpy(f, X3)


def test_jit_of_a_float_argument_updated_in_place_is_pure():
    def k(x):
        x += 1.0  # rebinds a Python float: no write into the caller
        return x * x

    assert xformad.jit(k, compile_after=0)(2.0) == 9.0
    assert xformad.jit(k, compile_after=0)(3.0) == 16.0


@pytest.mark.parametrize(
    "update",
    [
        lambda a, x: a.__iadd__(np.ones((2, 3)) * x[0]),
        lambda a, x: a.__isub__(x[:, None]),
        lambda a, x: a.__imatmul__(np.ones((3, 2)) * x[0]),
    ],
    ids=["add", "sub", "matmul"],
)
def test_in_place_operators_keep_the_target_shape(update):
    def f(x):
        a = x * 1.0
        update(a, x)
        return a.sum()

    with pytest.raises(ValueError):
        f(X3.copy())  # numpy refuses
    with pytest.raises(ValueError):
        xformad.grad(f)(X3.copy())


def test_reshape_copy_keyword():
    y6 = np.arange(1.0, 7.0) * 0.3

    def copied(x):
        a = x * 1.0
        b = np.reshape(a, (2, 3), copy=True)
        b[0, 0] = 5.0  # a copy: a keeps its value
        c = a.reshape((3, 2), copy=True)
        c[1, 1] = -2.0
        return (a * np.arange(1.0, 7.0)).sum() + b.sum() * c.sum()

    _matches_numpy(copied, y6)

    def impossible(x):
        return np.reshape(x.reshape(2, 3).T, 6, copy=False).sum()

    with pytest.raises(ValueError, match="copy"):
        impossible(y6)
    with pytest.raises(ValueError, match="copy"):
        xformad.grad(impossible)(y6)


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_flatten_and_reshape_orders_of_a_transpose(order):
    x = np.arange(6.0).reshape(2, 3) + 0.5
    weights = np.arange(1.0, 7.0) ** 2

    def flat(m):
        return np.sum(m.T.flatten(order=order) * weights)

    _matches_numpy(flat, x)
    if order != "K":  # reshape takes C, F and A

        def reshaped(m):
            return np.sum(m.T.reshape(-1, order=order) * weights)

        _matches_numpy(reshaped, x)


def test_conj_of_real_and_astype_without_copy_are_the_array_itself():
    def f(x):
        a = x * 1.0
        b = a.conj()  # numpy: a itself
        b[0] = 5.0
        c = np.astype(a, a.dtype, copy=False)  # a itself
        c[1] *= 2.0
        d = a.conjugate()
        d[2] += 1.0
        return np.sum(a * np.array([1.0, 2.0, 3.0]))

    _matches_numpy(f, X3)


def test_nan_to_num_without_copy_writes_in_place():
    def f(x):
        a = np.log(x)  # log of the negative entry is nan
        np.nan_to_num(a, copy=False, nan=2.5)
        return np.sum(a * np.array([1.0, 2.0, 3.0, 4.0]))

    with np.errstate(invalid="ignore"):
        _matches_numpy(f, np.array([0.4, -1.0, 2.0, 3.0]))


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float32, np.float64])
def test_fill_keeps_the_array_dtype(dtype):
    def f(x):
        a = (x * 0.0).astype(dtype)  # a traced array of that dtype
        a.fill(x[0] * 11.6)
        assert a.dtype == dtype
        return np.sum(a * x)

    x = np.array([0.9, 0.4, 0.3])
    value, g = xformad.value_and_grad(f)(x.copy())
    assert value == pytest.approx(f(x.copy()), rel=1e-6)
    if dtype in (np.int64, np.bool_):  # the filled values are constants: only * x remains
        np.testing.assert_allclose(g, np.ones(3) if dtype is np.bool_ else np.full(3, 10.0))  # True, 10
    else:  # 11.6 x0 sum(x)
        want = 11.6 * x[0] * np.ones(3) + np.array([11.6 * x.sum(), 0.0, 0.0])
        np.testing.assert_allclose(g, want, rtol=1e-6 if dtype is np.float32 else 1e-12)


W6 = np.arange(1.0, 7.0).reshape(3, 2)


@pytest.mark.parametrize(
    "make",
    [
        np.ascontiguousarray,
        lambda t: t.copy(),
        lambda t: np.asarray(t, order="C"),
        lambda t: np.copy(t, order="C"),
        lambda t: np.copy(t),  # order K: the transpose's layout, so reshape copies
    ],
    ids=["ascontiguousarray", "method copy", "asarray C", "copy C", "copy K"],
)
def test_copies_have_numpys_layout(make):
    """Whether a reshape of a copy is a view (so a write through it lands) follows the
    copy's layout: a C-order copy of a transpose is written through, a K-order one not."""

    def f(x):
        b = make(x.T)
        b.reshape(-1)[0] = 100.0
        return (b * W6).sum()

    _matches_numpy(f, np.arange(6.0).reshape(2, 3) * 0.1)


def test_jit_keys_on_the_input_layout():
    """A program traced for a C-order input is not served to a Fortran-order one: whether
    reshape gives a view follows the input's strides."""

    def f(x):
        a = x * 1.0 if x.flags.c_contiguous else x  # x * 1.0 is C order either way
        v = x.reshape(-1)
        return np.sum(v * np.arange(1.0, 7.0)) + a.sum()

    fast = xformad.jit(xformad.value_and_grad(f), compile_after=0)
    c = np.arange(6.0).reshape(2, 3)
    fortran = np.asfortranarray(c)
    for x in (c, fortran, c, fortran):
        value, g = fast(x)
        want, want_g = xformad.value_and_grad(f)(x)
        assert value == want
        np.testing.assert_array_equal(g, want_g)

    def written(x):
        a = x * 1.0 if x.flags.c_contiguous else np.asfortranarray(x * 1.0)
        a.reshape(-1)[0] = 100.0  # a view for C order, a copy for Fortran order
        return a.sum()

    fast = xformad.jit(written, compile_after=0)
    for x in (c, fortran, c):
        assert fast(x) == written(x.copy(order="K"))


@pytest.mark.parametrize(
    "f, x",
    [
        (lambda x: np.exp(x, dtype=np.float64), np.array([0.1, 0.7, -1.3], np.float32)),
        (lambda x: np.sin(x, dtype=np.float32), np.linspace(-3, 3, 201)),
        (lambda x: np.add(x, 0.86, dtype=np.float32), np.linspace(-3, 3, 201)),
        (lambda x: np.log1p(x, signature=(None, "d")), np.array([0.2, 1.5], np.float32)),
    ],
    ids=["exp f32->f64", "sin f64 in f32", "add in f32", "log1p signature"],
)
def test_ufunc_dtype_and_signature_pick_numpys_loop(f, x):
    """dtype=/signature= choose the loop numpy computes in: the inputs are cast first
    (they were cast after, 2e8 ulps off for np.exp(float32, dtype=float64))."""
    value = xformad.jvp(f, (x,), (np.ones_like(x),))[0]
    want = f(x)
    assert value.dtype == want.dtype
    np.testing.assert_array_equal(value, want)
    assert xformad.grad(lambda v: np.sum(f(v)))(x).dtype == x.dtype


def test_outer_with_a_python_scalar_and_out_ellipsis_follow_numpy():
    a32 = np.array([0.5, -1.25], np.float32)

    def outer(x):
        return np.subtract.outer(x * a32, -1.48)  # numpy: both operands arrays, float64

    value = xformad.jvp(outer, (np.float32(1.5),), (np.float32(1.0),))[0]
    assert value.dtype == outer(np.float32(1.5)).dtype
    np.testing.assert_array_equal(value, outer(np.float32(1.5)))
    _matches_numpy(lambda x: np.sum(np.sin(x, out=...)) * 2.0, X3)


def test_a_trace_that_fails_while_closing_leaves_numpy_as_it_was(monkeypatch):
    from xformad import intercept, tracing

    constant = np.array([1.0, 2.0])

    def failing(promoted):
        raise RuntimeError("a backend refused to compute a demoted array")

    monkeypatch.setattr(tracing, "demote_buffers", failing)

    def f(x):
        a = np.zeros(2)
        a[0] = x[0] * constant[0]  # a traced write: the buffer is promoted
        return np.sum(a) + np.sum(x * constant)

    with pytest.raises(RuntimeError, match="refused"):
        xformad.grad(f)(np.array([0.3, 0.4]))
    monkeypatch.undo()
    assert not intercept._installed  # numpy is numpy again
    constant[0] = 5.0  # and the constant is writable again
    np.testing.assert_allclose(xformad.grad(f)(np.array([0.3, 0.4])), [10.0, 2.0])


@pytest.mark.parametrize(
    "f",
    [lambda x: x**0.57, lambda x: x**-2, lambda x: np.power(x, np.array(0.57)) * x],
    ids=["x ** 0.57", "x ** -2", "np.power"],
)
def test_jit_of_0d_array_inputs_computes_as_numpy_does(f):
    """numpy raises a 0-d array to a power with its array loop, a numpy scalar with scalar
    math; they differ in the last bit on some inputs. A 0-d array input stays an array in
    the emitted code (it was a Python float there: 1 ulp off on ~6% of calls)."""
    fast = xformad.jit(f, compile_after=0)
    fast_grad = xformad.jit(xformad.grad(f), compile_after=0)
    for x in np.linspace(0.2, 2.5, 150):
        x = np.array(x)
        assert np.asarray(fast(x)).tobytes() == np.asarray(f(x)).tobytes()
        assert np.asarray(fast_grad(x)).tobytes() == np.asarray(xformad.grad(f)(x)).tobytes()


def test_select_whose_only_traced_argument_is_the_default():
    """numpy's dispatcher looks only at condlist and choicelist: numpy's own select runs,
    and broadcasts its Python-scalar choices with the traced default."""

    def f(x, y):
        return np.select([y > 0], [2.5], default=x) * x

    for y in (-0.772, 0.5):
        value, g = xformad.value_and_grad(f)(1.262, y)
        assert value == f(1.262, y)
        assert g == pytest.approx((f(1.262 + 1e-6, y) - f(1.262 - 1e-6, y)) / 2e-6, rel=1e-6)


def test_ndenumerate_of_a_traced_array():
    w = np.arange(1.0, 7.0).reshape(2, 3)

    def f(x):
        total = 0.0
        for (i, j), v in np.ndenumerate(x):
            total = total + v * w[i, j] * (i + 1)
        return total

    _matches_numpy(f, np.linspace(0.1, 0.6, 6).reshape(2, 3))


def test_a_write_into_an_input_passed_twice_is_refused():
    def f(a, b):
        a[0] = 5.0  # numpy: b[0] is 5 too when b is a
        return np.sum(a * b)

    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(xformad.XformadError, match="same array"):
        xformad.grad(f, argnums=(0, 1))(x, x)
    with pytest.raises(xformad.XformadError, match="same array"):
        xformad.grad(lambda p: f(*p))([x, x])
    g = xformad.grad(f, argnums=(0, 1))(x, x.copy())  # distinct arrays: fine
    np.testing.assert_allclose(g[0], [0.0, 2.0, 3.0])
    np.testing.assert_allclose(xformad.grad(lambda a, b: np.sum(a * b), argnums=(0, 1))(x, x)[0], x)


@pytest.mark.parametrize(
    "stat",
    [
        lambda c: np.quantile(c, 0.44),
        lambda c: np.percentile(c, 30),
        lambda c: np.var(np.copy(c)),
        lambda c: np.median(c),
        lambda c: np.std(c, ddof=0),
    ],
    ids=["quantile", "percentile", "var", "median", "std"],
)
@pytest.mark.parametrize("data", [[-2.375], [1.0, 3.0, 2.0, 5.0]], ids=["one", "four"])
def test_statistics_of_arrays_made_inside_are_numpys(stat, data):
    """numpy's own code for these passes out=... to ufuncs, which numpy's protocol hides
    from an array made inside a trace: np.quantile of a 1-element one raised a TypeError
    inside numpy, np.var of a 0-d copy 'return arrays must be of ArrayType'."""

    def f(x):
        return x * stat(np.array(data))

    assert xformad.grad(f)(1.0) == f(1.0)
    assert xformad.jit(f, compile_after=0)(1.0) == f(1.0)


def test_copyto_checks_casting_as_numpy_does():
    def f(x):
        a = (x * 0).astype(int)
        np.copyto(a, x * 2.5)  # float into int: numpy refuses under casting='same_kind'
        return np.sum(a * x)

    with pytest.raises(TypeError, match="same_kind"):
        f(np.ones(3))
    with pytest.raises(TypeError, match="same_kind"):
        xformad.grad(f)(np.ones(3))

    def g(x):
        a = x * 0
        np.copyto(a, x * 2.5, where=x > 0.5)
        return np.sum(a * x)

    _matches_numpy(g, np.array([0.2, 0.9, 0.7]))
