"""The public transforms: argnums, has_aux, pytrees, dtypes, composition, nesting."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_seed_gradients_and_jvp():
    g1, g2 = xformad.grad(seed, argnums=(0, 1))(2.0, 5.0)
    assert g1 == pytest.approx(5.5, abs=1e-15)
    assert g2 == pytest.approx(2.0 - np.cos(5.0), abs=1e-15)
    y, t = xformad.jvp(seed, (2.0, 5.0), (1.0, 0.0))
    assert y == pytest.approx(np.log(2.0) + 10.0 - np.sin(5.0), abs=1e-14)
    assert t == pytest.approx(5.5, abs=1e-15)


def test_value_and_grad_matches_grad():
    value, g = xformad.value_and_grad(seed)(2.0, 5.0)
    assert value == seed(2.0, 5.0)
    assert g == xformad.grad(seed)(2.0, 5.0)


def test_argnums_int_returns_single_gradient_tuple_returns_tuple():
    assert isinstance(xformad.grad(seed, argnums=1)(2.0, 5.0), np.floating)
    assert isinstance(xformad.grad(seed, argnums=(1,))(2.0, 5.0), tuple)
    assert xformad.grad(seed, argnums=-1)(2.0, 5.0) == xformad.grad(seed, argnums=1)(2.0, 5.0)


def test_has_aux():
    def f(x):
        return np.sum(x**2), {"norm": np.sqrt(np.sum(x**2))}

    g, aux = xformad.grad(f, has_aux=True)(np.array([3.0, 4.0]))
    np.testing.assert_allclose(g, [6.0, 8.0])
    assert aux["norm"] == pytest.approx(5.0)
    assert type(aux["norm"]) is not xformad.tracing.Tracer


def test_pytree_gradients_keep_structure_and_dtype():
    params = {"w": [np.ones((2, 3), np.float32), np.zeros(3, np.float32)], "scale": 2.0}

    def loss(p, x):
        return np.sum(np.tanh(x @ p["w"][0] + p["w"][1]) * p["scale"])

    g = xformad.grad(loss)(params, np.ones((4, 2), np.float32))
    assert set(g) == {"w", "scale"}
    assert isinstance(g["w"], list) and len(g["w"]) == 2
    assert g["w"][0].dtype == np.float32 and g["w"][0].shape == (2, 3)
    assert g["w"][1].dtype == np.float32
    assert isinstance(g["scale"], np.float64)


def test_float32_stays_float32_with_python_scalars():
    x = np.linspace(0.1, 1.0, 5, dtype=np.float32)
    g = xformad.grad(lambda x: np.sum(np.exp(x * 2.0) / 3.0))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2.0 * np.exp(2.0 * x) / 3.0, rtol=1e-6)


def test_unused_input_gets_zero_gradient():
    g = xformad.grad(lambda x, y: np.sum(x * 3.0), argnums=(0, 1))(np.ones(2), np.ones((3, 2)))
    np.testing.assert_array_equal(g[1], np.zeros((3, 2)))


def test_constant_output_gives_zero_gradient():
    assert xformad.grad(lambda x: 3.0)(1.5) == 0.0


def test_broadcast_input_gets_summed_gradient():
    g = xformad.grad(lambda b, x: np.sum(x + b))(np.zeros(3), np.ones((4, 3)))
    np.testing.assert_array_equal(g, [4.0, 4.0, 4.0])
    g = xformad.grad(lambda b, x: np.sum(x * b))(np.ones((1, 3)), np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(g, [[18.0, 22.0, 26.0]])


def test_gradient_array_is_writeable():
    g = xformad.grad(lambda x: np.sum(x))(np.ones(3))
    g *= 2  # an optimiser updating in place must not hit a read-only broadcast view
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])


def test_vjp_can_be_called_repeatedly():
    y, back = xformad.vjp(lambda x: np.sin(x) * x, np.array([0.5, 1.0]))
    a = back(np.array([1.0, 0.0]))[0]
    b = back(np.array([1.0, 0.0]))[0]
    np.testing.assert_array_equal(a, b)
    assert a[1] == 0.0


def test_jacobians_agree_and_have_numpy_layout():
    def f(x):
        return np.stack([x[0] * x[1], np.sin(x[2]), x[0] ** 2])

    x = np.array([1.0, 2.0, 0.5])
    jr = xformad.jacrev(f)(x)
    jf = xformad.jacfwd(f)(x)
    expected = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, np.cos(0.5)], [2.0, 0.0, 0.0]])
    np.testing.assert_allclose(jr, expected)
    np.testing.assert_allclose(jf, expected)
    m = np.arange(6.0).reshape(2, 3)
    assert xformad.jacrev(lambda a: a * 2)(m).shape == (2, 3, 2, 3)
    assert xformad.jacfwd(lambda a: a.sum(axis=0))(m).shape == (3, 2, 3)


def test_hessian_and_hvp():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])

    def f(x):
        return 0.5 * x @ a @ x + np.sum(np.sin(x))

    x = np.array([0.3, -0.7])
    h = xformad.hessian(f)(x)
    np.testing.assert_allclose(h, a - np.diag(np.sin(x)), atol=1e-12)
    v = np.array([1.0, 2.0])
    np.testing.assert_allclose(xformad.hvp(f, (x,), (v,)), h @ v, atol=1e-12)


@pytest.mark.parametrize("outer", ["grad", "jvp"])
@pytest.mark.parametrize("inner", ["grad", "jvp"])
def test_no_perturbation_confusion(outer, inner):
    """d/dx [x * d/dy (x + y)] = 1 in every mode combination (Siskind & Pearlmutter)."""

    def inner_derivative(x):
        if inner == "grad":
            return xformad.grad(lambda y: x + y)(1.0)
        return xformad.jvp(lambda y: x + y, (1.0,), (1.0,))[1]

    def f(x):
        return x * inner_derivative(x)

    if outer == "grad":
        assert xformad.grad(f)(3.0) == 1.0
    else:
        assert xformad.jvp(f, (3.0,), (1.0,))[1] == 1.0


def test_higher_order_any_mode_mix():
    f = lambda x: np.sin(x) * x**3  # noqa: E731
    d = lambda x: np.cos(x) * x**3 + 3 * x**2 * np.sin(x)  # noqa: E731
    x = 0.7
    assert xformad.grad(f)(x) == pytest.approx(d(x), rel=1e-13)
    d2 = -np.sin(x) * x**3 + 6 * x**2 * np.cos(x) + 6 * x * np.sin(x)
    assert xformad.grad(xformad.grad(f))(x) == pytest.approx(d2, rel=1e-12)
    assert xformad.jacfwd(xformad.jacrev(f))(x) == pytest.approx(d2, rel=1e-12)
    assert xformad.jacrev(xformad.jacfwd(f))(x) == pytest.approx(d2, rel=1e-12)
    g3 = xformad.grad(xformad.grad(xformad.grad(f)))(x)
    h = 1e-4
    fd3 = (xformad.grad(xformad.grad(f))(x + h) - xformad.grad(xformad.grad(f))(x - h)) / (2 * h)
    assert g3 == pytest.approx(fd3, rel=1e-6)


def test_python_control_flow_on_traced_values():
    def f(x):
        if x.sum() > 0:
            y = x * 2
        else:
            y = -x
        for _ in range(3):
            y = np.sin(y)
        return y.sum()

    check_grads(f, (np.array([0.3, 0.4]),))
    check_grads(f, (np.array([-0.3, -0.4]),))


def test_loop_until_convergence():
    def sqrt_newton(a):
        x = a
        while np.abs(x * x - a) > 1e-12:
            x = 0.5 * (x + a / x)
        return x

    assert xformad.grad(sqrt_newton)(2.0) == pytest.approx(0.5 / np.sqrt(2.0), rel=1e-9)


def test_methods_and_properties_on_tracers():
    def f(x, w):
        y = x.T.dot(w).reshape(-1)
        z = y[1:3].sum() + x.mean(axis=0).max() + x.swapaxes(0, 1)[0].prod()
        return z + x.ravel().std() + np.squeeze(x[None])[..., 0].min() + len(x) * x.size

    check_grads(f, (np.arange(1.0, 7.0).reshape(3, 2) / 7, np.arange(6.0).reshape(3, 2) / 5))


def test_in_place_updates_differentiate():
    def f(x):
        y = np.zeros_like(x)
        y[0] = x[1] * 2
        y[1:] += x[:-1] ** 2
        y[y > 100] = 0.0
        z = x.copy()
        z *= 3
        np.add.at(y, [0, 0], x[2])
        return np.sum(y * z)

    check_grads(f, (np.array([1.0, 2.0, 3.0]),))


def test_where_gradient_is_not_nan_at_the_untaken_singularity():
    f = lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0))  # noqa: E731
    g = xformad.grad(f)(np.array([0.0, 4.0]))
    np.testing.assert_array_equal(g, [0.0, 0.25])
    jf = xformad.jacfwd(lambda x: np.where(x > 0, np.sqrt(x), 0.0))(np.array([0.0, 4.0]))
    np.testing.assert_array_equal(jf, [[0.0, 0.0], [0.0, 0.25]])
    # the taken branch's singularity still shows (not masked)
    assert np.isinf(xformad.grad(np.sqrt)(0.0))


def test_complex_convention_matches_jax_and_autograd():
    # d|z|^2 for z = 3+4i: df/dx - i df/dy = 2x - 2iy = 6 - 8i
    assert xformad.grad(lambda z: np.abs(z) ** 2)(3 + 4j) == pytest.approx(6 - 8j)
    check_grads(lambda z: np.real(np.exp(z) * np.conj(z)), (np.array([0.3 + 0.2j, -1.0 + 0.5j]),))


def test_check_grads_is_reachable_as_documented():
    # the spelling: xformad.testing.check_grads, with only `import xformad`
    import subprocess
    import sys

    code = "import numpy as np, xformad; xformad.testing.check_grads(np.sin, (np.ones(2),)); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_gradient_has_the_type_of_its_input():
    # Python float -> numpy scalar; 0-d array -> 0-d array; numpy scalar keeps its dtype
    assert type(xformad.grad(lambda x: x * x)(3.0)) is np.float64
    g = xformad.grad(lambda x: x * x)(np.array(3.0))
    assert type(g) is np.ndarray and g.shape == () and g == 6.0
    assert type(xformad.grad(lambda x: x * x)(np.float32(3.0))) is np.float32
    gs = xformad.vjp(lambda x: x * 2, np.array(1.5))[1](np.array(1.0))
    assert type(gs[0]) is np.ndarray and gs[0].shape == ()


def test_linearize_traces_once_and_pushes_each_tangent():
    calls = []

    def f(x):
        calls.append(1)
        return np.sin(x) * x[0]

    x = np.array([0.3, 1.2])
    y, f_jvp = xformad.linearize(f, x)
    np.testing.assert_array_equal(y, f(x))
    calls.clear()
    for t in (np.array([1.0, 0.0]), np.array([0.5, -2.0])):
        np.testing.assert_allclose(f_jvp(t), xformad.jvp(f, (x,), (t,))[1], rtol=1e-15)
    assert len(calls) == 2  # the two jvp calls above; f_jvp ran f no more
    with pytest.raises(xformad.XformadError, match="one tangent per primal"):
        f_jvp(x, x)


def test_autograd_and_jax_names():
    x = np.array([0.0, 0.5, np.pi])
    np.testing.assert_allclose(xformad.elementwise_grad(np.sin)(x), np.cos(x))
    gx, gy = xformad.elementwise_grad(lambda a, b: a * b + np.exp(a), argnums=(0, 1))(x, 2 * x)
    np.testing.assert_allclose(gx, 2 * x + np.exp(x))
    np.testing.assert_allclose(gy, x)
    np.testing.assert_array_equal(xformad.jacobian(np.sin)(x), xformad.jacrev(np.sin)(x))
