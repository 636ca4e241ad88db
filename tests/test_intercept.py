"""np.array & co. and Python's math module on traced values (xformad/intercept.py): scoped
interception while a trace is open in the calling thread, numpy untouched elsewhere."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import xformad
from xformad import intercept, plugins
from xformad.testing import check_grads

ORIGINALS = {
    name: getattr(np, name)
    for name in ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray")
}
MATH_ORIGINALS = {name: getattr(math, name) for name in ("exp", "log", "sin", "hypot", "isfinite")}


def rot(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def rotated_norm(theta):
    return np.sum(rot(theta) @ np.array([1.0, 2.0]) * np.array([0.5, -1.5]))


def asarray_then_math(x):
    x = np.asarray(x, dtype=float)
    return math.exp(np.sum(x) / 100) + math.sin(x[0])


def pendulum_rhs(y, k=9.81):
    return np.array([y[1], -k * np.sin(y[0])])


def pendulum_energy_flow(y):
    return np.sum(pendulum_rhs(y) ** 2)


def mixed_nested(x):
    m = np.array([[1.0, x[0]], (x[1], 2.0), [x[0] * x[1], 0.5]])  # constants at any depth
    return np.sum(m @ np.array([x[1], 3.0]))


def tuple_of_vectors(x):
    return np.sum(np.array((x, 2 * x, np.ones(3))) ** 2)


def math_loss(x):
    a, b = x[0], x[1]
    total = math.log(a) + math.log(b, 3.0) + math.log1p(a) + math.log2(b) + math.log10(a)
    total += math.sqrt(a) + math.sin(a) * math.cos(b) + math.tan(0.3 * a)
    total += math.asin(0.5 * b) + math.acos(0.4 * a) + math.atan(a) + math.atan2(a, b)
    total += (
        math.sinh(b) + math.cosh(a) + math.tanh(b) + math.asinh(a) + math.acosh(1 + b) + math.atanh(0.5 * a)
    )
    total += math.hypot(a, b) + math.hypot(a, b, 1.0) + math.pow(a, b) + math.fabs(-a) + math.expm1(b)
    total += math.copysign(a, -1.0) + math.degrees(a) + math.radians(b) + math.exp(a * b)
    return total + math.floor(a) * b + math.ceil(b) + math.trunc(a)


POINTS = {
    rotated_norm: (0.3,),
    asarray_then_math: (np.array([0.4, 1.3, -0.7]),),
    pendulum_energy_flow: (np.array([0.6, -0.2]),),
    mixed_nested: (np.array([0.8, -1.1]),),
    tuple_of_vectors: (np.array([0.2, 0.5, -1.0]),),
    math_loss: (np.array([0.7, 0.9]),),
}
OTHER_POINTS = {
    rotated_norm: (-1.1,),
    asarray_then_math: (np.array([1.4, -0.3, 0.2]),),
    pendulum_energy_flow: (np.array([-0.4, 1.2]),),
    mixed_nested: (np.array([0.1, 2.0]),),
    tuple_of_vectors: (np.array([1.2, -0.5, 0.0]),),
    math_loss: (np.array([0.3, 1.4]),),
}
IDIOMS = list(POINTS)


@pytest.mark.parametrize("f", IDIOMS, ids=[f.__name__ for f in IDIOMS])
def test_idiom_matches_finite_differences_to_second_order(f):
    check_grads(f, POINTS[f], modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("f", IDIOMS, ids=[f.__name__ for f in IDIOMS])
def test_idiom_value_is_numpys(f):
    value, _ = xformad.value_and_grad(f)(*POINTS[f])
    assert value == f(*POINTS[f])


@pytest.mark.parametrize("f", IDIOMS, ids=[f.__name__ for f in IDIOMS])
def test_idiom_under_jit_equals_eager_grad(f):
    jitted = xformad.jit(xformad.grad(f))
    for args in (POINTS[f], OTHER_POINTS[f]):
        np.testing.assert_allclose(jitted(*args), xformad.grad(f)(*args), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(jitted(*args), xformad.grad(f)(*args), rtol=1e-13, atol=1e-15)


def test_rotation_matrix_value_and_jacobian():
    np.testing.assert_array_equal(
        xformad.jacfwd(rot)(0.3), np.array([[-np.sin(0.3), -np.cos(0.3)], [np.cos(0.3), -np.sin(0.3)]])
    )
    np.testing.assert_array_equal(xformad.vjp(rot, 0.3)[0], rot(0.3))


def test_numpy_is_untouched_outside_a_trace():
    assert not intercept.installed()
    for name, fn in ORIGINALS.items():
        assert getattr(np, name) is fn and not hasattr(fn, "__xformad_intercepted__")
    xformad.grad(asarray_then_math)(np.array([0.4, 1.3, -0.7]))
    xformad.grad(rotated_norm)(0.3)
    for name, fn in ORIGINALS.items():
        assert getattr(np, name) is fn
    for name, fn in MATH_ORIGINALS.items():
        assert getattr(math, name) is fn
    a = np.array([1.0, 2.0])
    assert np.asarray(a) is a and np.array(a) is not a and type(np.array([1, 2])) is np.ndarray


def test_wrappers_are_installed_only_while_tracing():
    seen = {}

    def f(x):
        seen["array"] = np.array
        seen["exp"] = math.exp
        return x * 2.0

    xformad.grad(f)(1.0)
    assert seen["array"] is not ORIGINALS["array"] and seen["array"].__wrapped__ is ORIGINALS["array"]
    assert seen["exp"].__wrapped__ is MATH_ORIGINALS["exp"]
    assert np.array is ORIGINALS["array"] and math.exp is MATH_ORIGINALS["exp"]


def test_an_error_inside_the_trace_restores_numpy():
    with pytest.raises(ZeroDivisionError):
        xformad.grad(lambda x: np.array([x]) * (1 / 0))(1.0)
    assert np.array is ORIGINALS["array"] and not intercept.installed()


def test_other_threads_see_plain_numpy_while_one_traces():
    inside, finish = threading.Event(), threading.Event()
    results = {}

    def held(x):
        inside.set()
        assert finish.wait(10)
        return np.sum(np.asarray(x) ** 2)

    worker = threading.Thread(
        target=lambda: results.setdefault("grad", xformad.grad(held)(np.array([1.0, 2.0])))
    )
    worker.start()
    try:
        assert inside.wait(10)
        assert intercept.installed() and np.asarray is not ORIGINALS["asarray"]
        a = np.arange(3.0)
        out = np.asarray(a)
        assert out is a
        made = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
        assert type(made) is np.ndarray and made.dtype == np.float32
        assert math.exp(1.0) == MATH_ORIGINALS["exp"](1.0)
    finally:
        finish.set()
        worker.join(10)
    np.testing.assert_array_equal(results["grad"], [2.0, 4.0])
    assert np.asarray is ORIGINALS["asarray"]


def test_arrays_made_inside_a_trace_from_constants_are_plain_ndarrays():
    """They are ndarrays holding numpy's values (float ones are xformad.buffers.Buffer, an
    ndarray subclass that can take a traced value later); what numpy computes from them is
    an exact np.ndarray, and a constant the function returns comes back plain."""
    seen = []

    def f(x):
        a, b = np.array([1.0, 2.0]), np.asarray(np.ones(2), dtype=np.float32)
        seen.extend([a, b, np.arange(3), math.exp(1.0), type(np.sin(a)), type(a + 1.0), type(a @ a)])
        return x * 1.0

    xformad.grad(f)(1.0)
    a, b, r, e, *kinds = seen
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and type(r) is np.ndarray
    assert not isinstance(a, xformad.tracing.Tracer)
    np.testing.assert_array_equal(a, [1.0, 2.0])
    assert b.dtype == np.float32 and type(e) is float
    assert kinds == [np.ndarray, np.ndarray, np.float64]
    out = xformad.value_and_grad(lambda x: (x * 2.0, np.zeros(2)), has_aux=True)(1.0)[0][1]
    assert type(out) is np.ndarray


def test_int_dtype_drops_the_derivative():
    def f(x):
        return np.sum(np.array(x, dtype=int) * x) + np.sum(np.asarray([x[0], 2.0], dtype=np.int64))

    x = np.array([1.5, 2.5])
    np.testing.assert_array_equal(xformad.grad(f)(x), [1.0, 2.0])
    assert xformad.value_and_grad(f)(x)[0] == f(x)
    kinds = []
    xformad.grad(lambda x: kinds.append(np.array(x, dtype=bool).dtype) or np.sum(x))(x)
    assert kinds == [np.dtype(bool)]


def test_float32_dtype_keeps_the_derivative():
    g = xformad.grad(lambda x: np.sum(np.array(x, dtype=np.float32) ** 2))(np.array([1.0, 3.0]))
    np.testing.assert_allclose(g, [2.0, 6.0])
    assert g.dtype == np.float64


def test_array_is_a_copy_and_asarray_writes_through():
    def f(x):
        y = np.array(x)
        y[0] = 100.0  # does not change x
        z = np.asarray(x)
        assert z is x and np.asanyarray(x) is x and np.ascontiguousarray(x) is x and np.asfortranarray(x) is x
        z[1] = 7.0  # changes x
        return np.sum(x * y)

    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(xformad.grad(f)(x), [100.0, 7.0])
    np.testing.assert_array_equal(xformad.value_and_grad(f)(x)[0], f(x.copy()))


def test_copy_keyword_follows_numpy_2():
    def f(x):
        assert np.array(x, copy=False) is x
        assert np.array(x, copy=None) is x
        assert np.asarray(x, copy=True) is not x
        with pytest.raises(ValueError):
            np.array(x, dtype=np.float32, copy=False)
        with pytest.raises(ValueError):
            np.asarray(x, dtype=int, copy=False)
        v = np.array(x, copy=False, ndmin=2)  # a view, as numpy makes it
        v[0, 0] = 5.0
        return np.sum(x**2)

    np.testing.assert_array_equal(xformad.grad(f)(np.array([1.0, 2.0])), [0.0, 4.0])


def test_ndmin_and_order_are_accepted():
    def f(x):
        m = np.array(x, ndmin=3, order="F")
        assert m.shape == (1, 1, 2)
        n = np.array([x[0], x[1]], ndmin=2, order="C")
        assert n.shape == (1, 2)
        return np.sum(m) + np.sum(n**2)

    check_grads(f, (np.array([0.3, -0.8]),), modes=("fwd", "rev"), order=2)


def test_ascontiguousarray_of_a_0d_value_follows_numpy():
    shapes = []
    xformad.grad(lambda x: shapes.append(np.ascontiguousarray(x).shape) or x * 1.0)(2.0)
    assert shapes == [np.ascontiguousarray(2.0).shape]


def test_dtype_promotion_is_numpys():
    dtypes = []

    def f(x):
        dtypes.append(np.array([x, 1.0]).dtype)  # a Python float with a float32: numpy's rule
        dtypes.append(np.array([x, np.float32(1.0)]).dtype)
        return np.sum(x)

    xformad.grad(f)(np.float32(2.0))
    assert dtypes == [np.array([np.float32(2.0), 1.0]).dtype, np.dtype(np.float32)]


def test_ragged_list_raises_numpys_error():
    with pytest.raises(ValueError, match="inhomogeneous"):
        xformad.grad(lambda x: np.sum(np.array([[x, x], [x]])))(1.0)


def test_math_on_arrays_of_size_above_one_raises_as_math_does():
    with pytest.raises(TypeError, match="only length-1 arrays"):
        xformad.grad(lambda x: math.exp(x))(np.array([1.0, 2.0]))
    g = xformad.grad(lambda x: math.exp(x[:1]))(np.array([1.0, 2.0]))  # size 1 converts
    np.testing.assert_allclose(g, [np.e, 0.0])


def test_math_domain_errors_are_maths():
    with pytest.raises(ValueError, match="math domain error"):
        xformad.grad(lambda x: math.log(x))(-1.0)
    with pytest.raises(ValueError, match="math domain error"):
        xformad.grad(lambda x: math.sqrt(x))(-1.0)


def test_math_predicates_are_guarded_bools():
    def f(x):
        assert math.isfinite(x) is True and math.isnan(x) is False and math.isinf(x) is False
        return x * x if math.isfinite(x) else 0.0

    assert xformad.grad(f)(3.0) == 6.0
    graph = xformad.make_graph(f)(3.0)
    assert len(graph.guards) >= 1


def test_math_results_are_float64_like_math():
    seen = []
    xformad.grad(lambda x: seen.append(math.exp(x).dtype) or x * 1.0)(np.float32(1.0))
    assert seen == [np.dtype(np.float64)]


def test_conversions_that_drop_a_derivative_still_raise():
    for fn in (float, lambda x: x.item(), lambda x: x.tolist()):
        with pytest.raises(xformad.TracerConversionError):
            xformad.grad(lambda x, fn=fn: fn(x) * x)(1.5)


def test_erf_and_gamma_go_through_scipy_special():
    pytest.importorskip("xformad_scipy")
    import scipy.special

    def f(x):
        return math.erf(x) + math.erfc(0.5 * x) + math.lgamma(x + 1) + math.gamma(x + 2)

    check_grads(f, (0.7,), modes=("fwd", "rev"), order=2)
    x = 0.7
    expected = 2 / np.sqrt(np.pi) * (np.exp(-(x**2)) - 0.5 * np.exp(-((0.5 * x) ** 2)))
    expected += scipy.special.digamma(x + 1) + scipy.special.gamma(x + 2) * scipy.special.digamma(x + 2)
    np.testing.assert_allclose(xformad.grad(f)(x), expected, rtol=1e-12)


@pytest.mark.parametrize("shape", [(1,), (1, 1)])
def test_grad_of_a_size_one_output_is_the_gradient_of_its_element(shape):
    def f(x):
        return np.reshape(np.sum(x**3), shape)

    x = np.array([0.5, -2.0])
    np.testing.assert_allclose(xformad.grad(f)(x), 3 * x**2)
    np.testing.assert_allclose(xformad.grad(lambda x: pendulum_rhs(x)[:1])(x), [0.0, 1.0])
    with pytest.raises(xformad.NonScalarOutputError):
        xformad.grad(lambda x: x * 2)(x)


def test_a_plugin_intercepts_a_python_level_function():
    import types

    module = types.ModuleType("xformad_test_python_level")
    module.cube = lambda v: np.asarray(v) ** 3  # np.asarray on a tracer would be fine now;
    module.cube_plain = lambda v: float(v) ** 3  # float() would drop the derivative
    import sys

    sys.modules[module.__name__] = module
    reg = plugins.registry()
    key = (module.__name__, "cube_plain")

    def handler(v):
        if type(v) is not xformad.tracing.Tracer:
            return NotImplemented
        return v**3

    reg.current_plugin = "test-plugin"
    try:
        reg.intercept(module.__name__, "cube_plain", handler)
    finally:
        reg.current_plugin = "xformad"
    try:
        assert xformad.grad(lambda x: module.cube_plain(x))(2.0) == 12.0
        assert module.cube_plain(2.0) == 8.0 and not hasattr(module.cube_plain, "__wrapped__")
        with pytest.raises(Exception, match="claimed by two plugins"):
            reg.intercept(module, "cube_plain", handler)
    finally:
        del reg.interceptions[key]
        del reg.owner[("interception", key)]
        del sys.modules[module.__name__]
    assert reg.provided_by("xformad.numpy_api")["interceptions"] >= 40


def test_hookspec_registers_interceptions_through_the_plugin_manager():
    class Plugin:
        @xformad.hookimpl
        def xformad_register_interceptions(self, registry):
            registry.intercept("math", "comb", lambda *a, **k: NotImplemented)

    reg = plugins.validate(Plugin())
    assert ("math", "comb") in reg.interceptions and ("numpy", "asarray") in reg.interceptions


_MATH_MORE = {
    "fmod": "math.fmod(x, 0.7)",
    "remainder": "math.remainder(x, 0.7)",
    "ldexp": "math.ldexp(x, 2)",
    "frexp": "math.frexp(x)[0] * math.frexp(x)[1]",
    "modf": "math.modf(x)[0] + math.modf(x)[1]",
    "nextafter": "math.nextafter(x, 2.0)",
    "isclose": "(1.0 if math.isclose(x, 0.7) else 2.0)",
    "fsum-list": "math.fsum([x, x * x, 2.0])",
    "fsum-generator": "math.fsum(v for v in [x, x * x, 2.0])",  # read once, not twice
    "dist": "math.dist(iter([x, 1.0]), [0.0, x * x])",
}


@pytest.mark.parametrize("name", _MATH_MORE)
def test_more_of_math_on_traced_scalars(name):
    f = eval(f"lambda x: ({_MATH_MORE[name]}) * x", {"math": math})  # math looked up at call time
    assert xformad.value_and_grad(f)(1.3)[0] == f(1.3)  # math's own value, to the last bit
    check_grads(f, (1.3,), modes=("fwd", "rev"), order=2)


def test_a_module_attribute_patched_during_a_trace_is_read_and_left_in_place():
    original = np.asarray
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    def f(x):
        np.asarray = spy  # a monkeypatch made inside the trace
        return x * 2.0

    try:
        assert xformad.grad(f)(1.0) == 2.0
        assert np.asarray is spy and type(np) is type(math)  # the patch stays, numpy's class is back
        np.asarray([1.0])
        assert calls == [1]
    finally:
        np.asarray = original
    assert xformad.grad(lambda x: np.asarray(x) * 3.0)(1.0) == 3.0


def test_a_module_attribute_patched_between_traces_is_served_as_patched():
    original = math.exp
    math.exp = lambda x: original(x)  # a user's own binding: it is called, not intercepted
    try:
        with pytest.raises(xformad.XformadError):
            xformad.grad(lambda x: math.exp(x))(1.0)
    finally:
        math.exp = original
    assert xformad.grad(lambda x: math.exp(x))(1.0) == pytest.approx(math.e)


def test_a_class_attribute_interception_is_restored_after_the_trace():
    call = np.vectorize.__dict__["__call__"]
    vectorized = np.vectorize(lambda v: v * v)
    assert xformad.grad(lambda x: vectorized(x))(3.0) == 6.0
    assert np.vectorize.__dict__["__call__"] is call


def test_a_wrapper_kept_from_a_trace_pickles_as_numpys_function():
    """Code run inside a trace may keep what ``np.where`` was then (dask stores it in the
    graphs it builds): pickled, it is the wrapper in this process and numpy's own function
    in another one (a worker), which is what the wrapper calls outside a trace."""
    import pickle
    import subprocess
    import sys

    kept = []

    def f(x):
        kept.append(np.where)
        return np.sum(np.where(x > 0, x, 0.0))

    xformad.grad(f)(np.array([1.0, -1.0]))
    (wrapper,) = kept
    assert wrapper is not np.where  # the trace's wrapper, which calls numpy's outside one
    data = pickle.dumps(wrapper)
    assert pickle.loads(data) is wrapper
    code = "import pickle, sys, numpy; print(pickle.loads(sys.stdin.buffer.read()) is numpy.where)"
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True)
    assert out.stdout.strip() == b"True"
