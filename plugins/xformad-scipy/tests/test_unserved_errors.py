"""scipy functions no family serves (xformad_scipy/unserved.py): on traced values their
failure is an UnsupportedOperation naming the scipy function, with what to use instead;
on plain values they are scipy's own functions. toeplitz, circulant and hankel are
served (linalg/special_matrices.py): scipy's values bit for bit, exact gradients. (zeta,
svd, qr, pinv and eig are served too: test_served_from_peer_suites.py.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.fft
import scipy.fftpack
import scipy.linalg as sl
import scipy.optimize
import scipy.spatial.distance
import scipy.special as sp
import scipy.stats as st
from xformad_scipy.errors import UnservedFunctionError

import xformad
from xformad.errors import UnsupportedOperation
from xformad.testing import check_grads

X = np.array([0.3, 0.5, 0.9, 1.4])
A = np.array([[2.0, 0.3, 0.1], [0.2, 1.5, 0.4], [0.1, 0.3, 1.8]])

# name -> (the call, its argument, words the message must hold besides the name)
CASES = {
    "scipy.linalg.cosm": (lambda a: sl.cosm(a), A, ["expm"]),
    "scipy.linalg.sinm": (lambda a: sl.sinm(a), A, ["expm"]),
    "scipy.linalg.funm": (lambda a: sl.funm(a, np.exp), A, ["np.linalg.eigh"]),
    "scipy.stats.pearsonr": (lambda v: st.pearsonr(v, v**2)[0], X, ["np.corrcoef"]),
    "scipy.special.lambertw": (lambda v: sp.lambertw(v).real, X, []),
    "scipy.special.spherical_jn": (lambda v: sp.spherical_jn(1, v), X, ["scipy.special.jv"]),
    "scipy.stats.zscore": (lambda v: st.zscore(v), X, ["np.std"]),
    "scipy.stats.skew": (lambda v: st.skew(v), X, ["np.mean"]),
    "scipy.stats.kurtosis": (lambda v: st.kurtosis(v), X, ["np.mean"]),
    "scipy.stats.variation": (lambda v: st.variation(v), X, ["np.std"]),
    "scipy.stats.moment": (lambda v: st.moment(v, order=3), X, ["np.mean"]),
    "scipy.linalg.lu": (lambda a: sl.lu(a)[2], A, ["scipy.linalg.lu_factor"]),
    "scipy.linalg.norm": (lambda a: sl.norm(a), A, ["np.linalg.norm"]),
    "scipy.linalg.svdvals": (lambda a: sl.svdvals(a), A, ["np.linalg.svdvals"]),
    "scipy.linalg.lstsq": (lambda a: sl.lstsq(a, X[:3])[0], A, ["np.linalg.lstsq"]),
    "scipy.linalg.expm_frechet": (lambda a: sl.expm_frechet(a, a)[1], A, ["xformad.jvp"]),
}


@pytest.mark.parametrize("name", CASES)
def test_traced_call_names_the_scipy_function(name):
    call, arg, words = CASES[name]
    with pytest.raises(UnsupportedOperation) as info:
        xformad.grad(lambda v: np.sum(call(v)))(arg)
    err = info.value
    assert isinstance(err, xformad.XformadError) and isinstance(err, UnservedFunctionError)
    assert err.name == name
    message = str(err)
    assert f"cannot differentiate {name}:" in message
    assert "xformad-scipy plugin does not serve it" in message
    for word in words:
        assert word in message, (word, message)
    assert "np._" not in message  # scipy's private ufuncs are not named as numpy's
    assert err.__cause__ is not None  # scipy's own failure, chained


@pytest.mark.parametrize("name", CASES)
def test_plain_calls_are_scipy_s_own(name):
    call, arg, _ = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's own warnings (precision loss, ...)
        expected = call(arg)
        seen = {}

        def f(v):  # inside a trace, on values that are not traced: scipy's function runs
            seen["value"] = call(arg)
            return np.sum(v)

        xformad.grad(f)(X)
    # (inside a trace scipy's arrays may be xformad Buffers, made by np.empty: same values)
    for got, want in zip(np.atleast_1d(seen["value"]), np.atleast_1d(expected)):
        np.testing.assert_array_equal(got, want)


def test_outside_traces_the_module_holds_scipy_s_function():
    for name in ("svd", "cosm", "toeplitz"):
        assert getattr(sl, name) is vars(sl)[name]
    assert sp.zeta is vars(sp)["zeta"] and st.skew is vars(st)["skew"]


def test_a_type_error_stays_a_type_error():
    # scipy's cython TypeError becomes the named error, which except TypeError still catches
    with pytest.raises(TypeError, match=r"scipy\.linalg\.cosm"):
        xformad.grad(lambda a: np.sum(sl.cosm(a)))(A)
    # a wrong call is scipy's own TypeError, not a refusal
    with pytest.raises(TypeError) as info:
        xformad.grad(lambda a: np.sum(sl.svd(a, no_such_option=1)[1]))(A)
    assert not isinstance(info.value, UnsupportedOperation)


def test_scipy_s_value_errors_pass_unchanged():
    # scipy checks the shape before it meets the traced values: its own error, unchanged
    with pytest.raises(ValueError, match="expected square") as info:
        xformad.grad(lambda a: np.sum(sl.funm(a, np.exp)))(np.ones((2, 3)))
    assert not isinstance(info.value, UnsupportedOperation)


def test_unserved_functions_that_run_on_tracers_keep_running():
    # scipy's own Python: block_diag and spherical_jn's derivative=... path are numpy calls
    a, b = A[:2, :2], np.array([[3.0]])
    expected = sl.block_diag(a, b)
    value = xformad.grad(lambda a: np.sum(sl.block_diag(a, b) ** 2))(a)
    np.testing.assert_allclose(value, 2 * a)
    np.testing.assert_array_equal(sl.block_diag(a, b), expected)


def test_named_under_jit_too():
    with pytest.raises(UnsupportedOperation, match=r"scipy\.linalg\.svdvals"):
        xformad.jit(xformad.grad(lambda a: np.sum(sl.svdvals(a))))(A)


# toeplitz, circulant, hankel: served
C = np.array([1.0, -2.0, 0.5, 3.0])
R = np.array([7.0, 0.25, -1.5])
Z = np.array([1.0 + 2.0j, -0.5j, 3.0])
MATRIX_CALLS = {
    "toeplitz(c)": (lambda c: sl.toeplitz(c), (C,)),
    "toeplitz(c, r)": (lambda c, r: sl.toeplitz(c, r), (C, R)),
    "toeplitz(complex c)": (lambda c: sl.toeplitz(c), (Z,)),
    "toeplitz(batched c, r)": (lambda c, r: sl.toeplitz(c, r), (np.stack([C, 2 * C]), R)),
    "toeplitz(float32)": (lambda c: sl.toeplitz(c), (C.astype(np.float32),)),
    "toeplitz(scalar)": (lambda c: sl.toeplitz(c), (np.float64(1.5),)),
    "circulant(c)": (lambda c: sl.circulant(c), (C,)),
    "circulant(complex c)": (lambda c: sl.circulant(c), (Z,)),
    "circulant(batched c)": (lambda c: sl.circulant(c), (np.stack([C, -C, 2 * C]).reshape(3, 1, 4),)),
    "hankel(c)": (lambda c: sl.hankel(c), (C,)),
    "hankel(c, r)": (lambda c, r: sl.hankel(c, r), (C, R)),
    "hankel(float32 c, r)": (lambda c, r: sl.hankel(c, r), (C.astype(np.float32), R)),
}


@pytest.mark.parametrize("case", MATRIX_CALLS)
def test_special_matrices_are_scipy_s_values(case):
    fn, args = MATRIX_CALLS[case]
    expected = fn(*args)
    value = xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))[0]
    assert value.dtype == expected.dtype and value.shape == expected.shape
    np.testing.assert_array_equal(value, expected)


@pytest.mark.parametrize("case", [c for c in MATRIX_CALLS if "complex" not in c])
def test_special_matrices_gradients(case):
    fn, args = MATRIX_CALLS[case]
    args = tuple(np.asarray(a, dtype=np.float64) for a in args)
    check_grads(lambda *xs: np.sin(fn(*xs)), args, modes=("fwd", "rev"), order=2)


def test_special_matrices_gradient_counts_each_entry():
    # d/dc sum(toeplitz(c, r)): c[k] appears once per entry of its diagonal
    g = xformad.grad(lambda c: np.sum(sl.toeplitz(c, R)))(C)
    i, j = np.indices((len(C), len(R)))
    np.testing.assert_array_equal(g, [np.sum(i - j == k) for k in range(len(C))])  # 3, 3, 2, 1
    g = xformad.grad(lambda c: np.sum(sl.circulant(c)))(C)
    np.testing.assert_array_equal(g, np.full(4, 4.0))


def test_hankel_of_2d_input_warns_as_scipy_does():
    c = np.arange(4.0).reshape(2, 2)
    with pytest.warns(FutureWarning, match="SciPy 1.19"):
        expected = sl.hankel(c)
    with pytest.warns(FutureWarning, match="SciPy 1.19"):
        value = xformad.jvp(sl.hankel, (c,), (np.zeros_like(c),))[0]
    np.testing.assert_array_equal(value, expected)


def test_toeplitz_zero_size_batch_is_scipy_s_error():
    with pytest.raises(ValueError, match="zero-size batches"):
        sl.toeplitz(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="zero-size batches"):
        xformad.grad(lambda c: np.sum(sl.toeplitz(c)))(np.zeros((0, 3)))


def test_an_integrand_closing_over_a_traced_value_names_quad():
    import scipy.integrate

    def area(t):
        return scipy.integrate.quad(lambda x: np.sin(t * x), 0.0, 1.0)[0]

    with pytest.raises(UnsupportedOperation, match=r"scipy\.integrate\.quad.*closes over.*leggauss"):
        xformad.grad(area)(0.5)
    # a constant integral inside a traced function is scipy's own number
    expected = scipy.integrate.quad(np.sin, 0.0, 1.0)[0]
    assert xformad.grad(lambda t: t * scipy.integrate.quad(np.sin, 0.0, 1.0)[0])(0.5) == expected


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda v: np.sum(np.abs(scipy.fft.fft(v)) ** 2), ["scipy.fft.fft", "np.fft.fft"]),
        (lambda v: np.sum(scipy.fftpack.fft(v).real), ["scipy.fftpack.fft", "np.fft.fft"]),
        (lambda v: np.sum(scipy.spatial.distance.squareform(v)), ["squareform"]),
        (lambda v: np.sum(scipy.optimize.fsolve(lambda y: y - v, v)), ["fsolve"]),
    ],
    ids=["scipy.fft", "scipy.fftpack", "squareform", "fsolve"],
)
def test_functions_of_modules_no_family_serves_name_themselves(call, words):
    """scipy.fft, fftpack, interpolate, optimize, spatial.distance and ndimage have no family:
    a function failing on traced values names itself (it was a pocketfft TypeError, a
    _minpack.error), and says what xformad serves instead where there is something."""
    v = np.array([0.3, 0.5, 0.9, 1.4, 2.0, 0.1])
    with pytest.raises(UnsupportedOperation) as info:
        xformad.grad(call)(v)
    for word in words:
        assert word in str(info.value)
    call(v)  # on plain values, scipy's own function


def test_a_c_routines_value_error_on_traced_values_names_the_function():
    """lfilter's IIR path is a C routine: on traced values it raised a bare 'could not
    convert b, a, and x to a common type'. The same call on the plain values runs, so
    the error is the tracing's, and says so."""
    import scipy.signal as ss

    x = np.linspace(0.0, 1.0, 8)
    with pytest.raises(UnsupportedOperation, match="scipy.signal.lfilter"):
        xformad.grad(lambda v: np.sum(ss.lfilter([1.0], [1.0, -0.5], v)))(x)
    g = xformad.grad(lambda v: np.sum(ss.lfilter([1.0, 0.5], [1.0], v)))(x)  # FIR: scipy's Python
    np.testing.assert_allclose(g, [1.5] * 7 + [1.0])
