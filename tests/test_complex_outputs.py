"""Complex outputs: grad, value_and_grad and jacrev refuse them, as JAX does (a TypeError that
is an XformadError and names the fixes), unless holomorphic=True; np.abs at a complex zero
has the finite derivative 0 in both modes, JAX's convention."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import ComplexOutputError, NonDifferentiableInputError, XformadError

from .jax_compat import x64

Z = 1.0 + 2.0j


def _assert_complex_output_error(info, transform: str, dtype: str = "complex128"):
    err = info.value
    assert isinstance(err, TypeError) and isinstance(err, XformadError)
    message = str(err)
    assert f"{transform} requires real-valued outputs" in message and f"dtype {dtype}" in message
    assert "np.real(f(x))" in message and "np.abs" in message
    assert "xformad.jacfwd" in message and "xformad.vjp" in message
    assert "holomorphic=True" in message


REFUSED = {
    "complex-to-complex": (lambda z: z * z, Z),
    "real-to-complex": (lambda x: x * (1 + 2j), 3.0),
    "real-array-to-complex": (lambda x: np.sum(x * (1 + 2j)), np.ones(3)),
    "complex-array-to-complex": (lambda z: np.sum(np.exp(z)), np.array([Z, 0.5j])),
    "a complex constant": (lambda x: np.complex128(1 + 1j), 2.0),
    "complex64": (lambda x: np.sum(x * np.complex64(1j)), np.ones(2, np.float32)),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_grad_of_a_complex_output_is_refused_with_the_fixes(name):
    f, x = REFUSED[name]
    with pytest.raises(ComplexOutputError) as info:
        xformad.grad(f)(x)
    _assert_complex_output_error(info, "grad", "complex64" if name == "complex64" else "complex128")
    with pytest.raises(TypeError):  # catchable as JAX users do
        xformad.value_and_grad(f)(x)
    with pytest.raises(ComplexOutputError) as info:
        xformad.value_and_grad(f)(x)
    assert "value_and_grad requires real-valued outputs" in str(info.value)


def test_the_refusal_matches_jax():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    with x64(jax):
        with pytest.raises(TypeError, match="grad requires real-valued outputs"):
            jax.grad(lambda x: x * (1 + 2j))(3.0)
        with pytest.raises(TypeError, match="jacrev requires real-valued outputs"):
            jax.jacrev(lambda x: x * (1 + 2j))(jnp.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="grad requires real-valued outputs"):
        xformad.grad(lambda x: x * (1 + 2j))(3.0)


def test_the_suggested_fixes_work():
    f = lambda x: x * (1 + 2j) + np.exp(x * 1j)  # noqa: E731
    x = 0.7
    # the real part, the modulus, forward mode and an explicit cotangent
    assert xformad.grad(lambda x: np.real(f(x)))(x) == pytest.approx(1 - np.sin(x))
    d = (1 + 2j) + 1j * np.exp(1j * x)  # f'(x)
    assert complex(xformad.jacfwd(f)(np.array([x]))[0, 0]) == pytest.approx(d)
    assert complex(xformad.jvp(f, (x,), (1.0,))[1]) == pytest.approx(d)
    _, back = xformad.vjp(f, x)
    (ct,) = back(1.0 + 0j)
    assert float(ct) == pytest.approx(d.real)  # a real input keeps the real part
    g_abs2 = xformad.grad(lambda x: np.abs(f(x)) ** 2)(x)
    assert g_abs2 == pytest.approx(2 * (np.conj(f(x)) * d).real)


def test_jacrev_refuses_complex_outputs_jacfwd_gives_them():
    x = np.array([1.0, 2.0])
    f = lambda x: x * (1 + 2j)  # noqa: E731
    with pytest.raises(ComplexOutputError) as info:
        xformad.jacrev(f)(x)
    _assert_complex_output_error(info, "jacrev")
    with pytest.raises(ComplexOutputError):
        xformad.jacrev(lambda z: z * z)(np.array([Z]))
    with pytest.raises(ComplexOutputError):  # one complex leaf of a pytree output is enough
        xformad.jacrev(lambda x: {"re": np.sin(x), "c": x * 1j})(x)
    np.testing.assert_allclose(xformad.jacfwd(f)(x), np.diag([1 + 2j, 1 + 2j]))
    # a real output of complex inputs is fine (df/dx - i df/dy per element, as JAX)
    z = np.array([3 + 4j, 1 - 1j])
    np.testing.assert_allclose(xformad.jacrev(np.abs)(z), np.diag(np.conj(z) / np.abs(z)))


def test_hessian_of_a_complex_output_is_refused():
    with pytest.raises(ComplexOutputError, match="jacrev requires real-valued outputs"):
        xformad.hessian(lambda z: np.sum(z**3))(np.array([Z]))


def test_holomorphic_true_gives_the_complex_derivative():
    g = xformad.grad(lambda z: z**3, holomorphic=True)(Z)
    assert complex(g) == pytest.approx(3 * Z**2)
    v, g = xformad.value_and_grad(lambda z: np.sin(z), holomorphic=True)(Z)
    assert complex(v) == pytest.approx(np.sin(Z)) and complex(g) == pytest.approx(np.cos(Z))
    z = np.array([Z, 0.5 - 1j])
    np.testing.assert_allclose(xformad.jacrev(lambda z: z**3, holomorphic=True)(z), np.diag(3 * z**2))
    np.testing.assert_allclose(xformad.hessian(lambda z: np.sum(z**3), holomorphic=True)(z), np.diag(6 * z))


def test_holomorphic_true_matches_jax():
    jax = pytest.importorskip("jax")
    with x64(jax):
        theirs = complex(jax.grad(lambda z: jax.numpy.sin(z) * z, holomorphic=True)(Z))
    assert complex(xformad.grad(lambda z: np.sin(z) * z, holomorphic=True)(Z)) == pytest.approx(theirs)


def test_holomorphic_true_needs_complex_inputs_and_outputs():
    with pytest.raises(NonDifferentiableInputError, match="holomorphic=True requires complex inputs"):
        xformad.grad(lambda x: x * 1j, holomorphic=True)(2.0)
    with pytest.raises(ComplexOutputError, match="holomorphic=True requires complex outputs"):
        xformad.grad(np.abs, holomorphic=True)(Z)
    with pytest.raises(ComplexOutputError, match="holomorphic=True requires complex outputs"):
        xformad.jacrev(np.abs, holomorphic=True)(np.array([Z]))


def test_real_valued_functions_of_complex_inputs_still_differentiate():
    # |z|^2 = x^2 + y^2: df/dx - i df/dy = 2 conj(z)
    assert complex(xformad.grad(lambda z: np.abs(z) ** 2)(3 + 4j)) == pytest.approx(6 - 8j)
    # Re(z^2) = x^2 - y^2: 2x - i(-2y) = 2z
    assert complex(xformad.grad(lambda z: np.real(z * z))(Z)) == pytest.approx(2 * Z)


# --- np.abs at a complex zero ----------------------------------------------------------------
def _grad_from_jvp(f, z):
    """df/dx - i df/dy from two forward-mode directional derivatives (tangents 1 and i)."""
    z = np.asarray(z, dtype=complex)
    out = np.zeros(z.shape, complex)
    for k in np.ndindex(z.shape):
        e = np.zeros(z.shape, complex)
        e[k] = 1.0
        dx = xformad.jvp(f, (z,), (e,))[1]
        dy = xformad.jvp(f, (z,), (1j * e,))[1]
        out[k] = complex(dx) - 1j * complex(dy)
    return out


ABS_CASES = {
    "abs-squared": lambda z: np.sum(np.abs(z) ** 2),
    "sum-abs": lambda z: np.sum(np.abs(z)),
    "abs-times-real": lambda z: np.sum(np.abs(z) * np.real(z)),
    "sqrt-of-abs-squared-plus-1": lambda z: np.sum(np.sqrt(np.abs(z) ** 2 + 1.0)),
}
POINTS = {
    "zero": np.array(0j),
    "array-with-zeros": np.array([0j, 1 + 1j, 0j, -2.0 + 0.5j]),
    "all-zeros": np.zeros(3, complex),
    "2d": np.array([[0j, 3 - 4j], [1j, 0j]]),
}


@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize("case", list(ABS_CASES))
def test_abs_at_complex_zero_is_finite_and_both_modes_agree(case, point):
    f, z = ABS_CASES[case], POINTS[point]
    with np.errstate(all="raise"):  # no 0/0 or 1/0, even as a masked intermediate
        g = xformad.grad(f)(z)
        fwd = _grad_from_jvp(f, z)
    assert np.all(np.isfinite(g)), g
    np.testing.assert_allclose(g, fwd, rtol=1e-12, atol=1e-15)
    # forward mode's Jacobian along the real axis is the real part of the gradient
    jac = xformad.jacfwd(f)(z)
    np.testing.assert_allclose(jac, np.real(g), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", list(ABS_CASES))
def test_abs_at_complex_zero_matches_jax(case):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    jax_fns = {
        "abs-squared": lambda z: jnp.sum(jnp.abs(z) ** 2),
        "sum-abs": lambda z: jnp.sum(jnp.abs(z)),
        "abs-times-real": lambda z: jnp.sum(jnp.abs(z) * jnp.real(z)),
        "sqrt-of-abs-squared-plus-1": lambda z: jnp.sum(jnp.sqrt(jnp.abs(z) ** 2 + 1.0)),
    }
    z = POINTS["array-with-zeros"]
    with x64(jax):
        theirs = np.asarray(jax.grad(jax_fns[case])(jnp.asarray(z)))
        t = jnp.asarray(np.ones_like(z))
        _, their_tangent = jax.jvp(jax_fns[case], (jnp.asarray(z),), (t,))
    np.testing.assert_allclose(xformad.grad(ABS_CASES[case])(z), theirs, rtol=1e-12, atol=1e-15)
    ours_tangent = xformad.jvp(ABS_CASES[case], (z,), (np.ones_like(z),))[1]
    np.testing.assert_allclose(ours_tangent, np.asarray(their_tangent), rtol=1e-12, atol=1e-15)


def test_abs_at_a_complex_zero_scalar():
    assert complex(xformad.grad(np.abs)(0j)) == 0
    assert complex(xformad.grad(lambda z: np.abs(z) ** 2)(0j)) == 0
    assert float(xformad.jvp(np.abs, (0j,), (1 + 0j,))[1]) == 0
    assert float(xformad.jvp(np.abs, (0j,), (1j,))[1]) == 0
    g = xformad.grad(np.abs)(np.complex64(0))
    assert type(g) is np.complex64 and g == 0
    # away from zero, the usual conj(z) / |z|
    assert complex(xformad.grad(np.abs)(3 + 4j)) == pytest.approx((3 - 4j) / 5)


def test_abs_second_order_away_from_zero_still_checks():
    from xformad.testing import check_grads

    z = np.array([0.3 + 0.8j, -1.1 + 0.4j])
    check_grads(lambda z: np.abs(z) * np.real(z), (z,), modes=("fwd", "rev"), order=2)
