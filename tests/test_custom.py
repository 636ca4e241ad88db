"""custom_jvp and custom_vjp: numerically stable rules checked against finite differences,
composition with every transform (nested, mixed modes, jit), pytrees, nondiff_argnums,
and the errors for rules written wrongly."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads
from xformad.transforms.custom import CustomRuleError


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))  # finite for every x, unlike 1 / (1 + exp(-x))


# --- the examples: stable softplus both ways, safe norm at 0, clip_gradient --------------
@xformad.custom_jvp
def softplus_jvp(x):
    return np.logaddexp(0.0, x)


@softplus_jvp.defjvp
def _softplus_jvp_rule(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus_jvp(x), t * _sigmoid(x)


@xformad.custom_vjp
def softplus_vjp(x):
    return np.logaddexp(0.0, x)


def _softplus_fwd(x):
    return softplus_vjp(x), _sigmoid(x)


def _softplus_bwd(sig, g):
    return (g * sig,)


softplus_vjp.defvjp(_softplus_fwd, _softplus_bwd)

SOFTPLUS = [softplus_jvp, softplus_vjp]


@xformad.custom_jvp
def safe_norm(x):
    return np.sqrt(np.sum(x * x))


@safe_norm.defjvp
def _safe_norm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    y = safe_norm(x)
    return y, np.sum(x * t) / np.where(y == 0, 1.0, y)  # 0 at the origin instead of nan


@xformad.custom_vjp
def clip_gradient(lo, hi, x):
    return x


clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)), lambda res, g: (None, None, np.clip(g, *res)))


@pytest.mark.parametrize("softplus", SOFTPLUS, ids=["custom_jvp", "custom_vjp"])
def test_softplus_matches_finite_differences_to_order_two(softplus):
    x = np.array([-3.0, -0.4, 0.7, 2.5])
    check_grads(lambda x: softplus(x) * np.cos(x), (x,), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("softplus", SOFTPLUS, ids=["custom_jvp", "custom_vjp"])
def test_softplus_is_stable_where_the_plain_derivative_overflows(softplus):
    x = np.array([-1000.0, 1000.0])
    with np.errstate(over="ignore"):  # the plain rule computes exp(1000)
        plain = xformad.grad(lambda x: np.sum(np.log1p(np.exp(x))))(x)
    assert np.isnan(plain[1])  # the reason to give it a custom rule
    np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(softplus(x)))(x), [0.0, 1.0])
    np.testing.assert_array_equal(xformad.hessian(lambda x: np.sum(softplus(x)))(x), np.zeros((2, 2)))


@pytest.mark.parametrize("softplus", SOFTPLUS, ids=["custom_jvp", "custom_vjp"])
def test_every_transform_agrees(softplus):
    x = np.array([-1.2, 0.3, 2.0])
    sig = _sigmoid(x)
    d2 = sig * (1 - sig)
    f = lambda x: np.sum(softplus(x))
    np.testing.assert_allclose(xformad.grad(f)(x), sig, rtol=1e-14)
    np.testing.assert_allclose(xformad.jvp(softplus, (x,), (np.ones(3),))[1], sig, rtol=1e-14)
    y, back = xformad.vjp(softplus, x)
    np.testing.assert_allclose(y, np.logaddexp(0, x))
    np.testing.assert_allclose(back(np.full(3, 2.0))[0], 2 * sig, rtol=1e-14)
    np.testing.assert_allclose(xformad.jacfwd(softplus)(x), np.diag(sig), rtol=1e-14)
    np.testing.assert_allclose(xformad.jacrev(softplus)(x), np.diag(sig), rtol=1e-14)
    np.testing.assert_allclose(xformad.hessian(f)(x), np.diag(d2), rtol=1e-12)
    np.testing.assert_allclose(xformad.jacrev(xformad.jacrev(f))(x), np.diag(d2), rtol=1e-12)
    np.testing.assert_allclose(xformad.hvp(f, (x,), (np.ones(3),)), d2, rtol=1e-12)
    third = xformad.grad(lambda s: xformad.grad(xformad.grad(lambda s: softplus(s)))(s))(0.3)
    s3 = _sigmoid(0.3)
    np.testing.assert_allclose(third, s3 * (1 - s3) * (1 - 2 * s3), rtol=1e-12)


def test_custom_vjp_keeps_the_forward_residuals():
    calls = []

    @xformad.custom_vjp
    def cube(x):
        return x**3

    def fwd(x):
        calls.append(type(x).__name__)
        return cube(x), 3 * x**2

    cube.defvjp(fwd, lambda d, g: (g * d,))
    assert xformad.grad(cube)(2.0) == 12.0
    assert calls == ["float64"]  # once, on the concrete value: bwd reused its residuals
    calls.clear()
    assert xformad.grad(xformad.grad(cube))(2.0) == 12.0  # 6x: the residuals' derivative
    assert "Tracer" in calls  # fwd ran again on the outer level's traced values


def test_the_wengert_list_shows_one_custom_node():
    text = str(xformad.make_graph(lambda x: softplus_jvp(x) * 2.0)(np.ones(2)))
    assert "custom_jvp[softplus_jvp] v0" in text
    assert "custom_vjp[softplus_vjp]" in str(xformad.make_graph(softplus_vjp)(np.ones(2)))


def test_safe_norm_has_a_zero_gradient_at_the_origin():
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(xformad.grad(lambda x: np.sqrt(np.sum(x * x)))(np.zeros(3))).all()
    np.testing.assert_array_equal(xformad.grad(safe_norm)(np.zeros(3)), np.zeros(3))
    np.testing.assert_array_equal(xformad.jvp(safe_norm, (np.zeros(3),), (np.ones(3),))[1], 0.0)
    x = np.array([0.3, -1.2, 2.0])
    check_grads(safe_norm, (x,), modes=("fwd", "rev"), order=2)
    n = np.linalg.norm(x)
    np.testing.assert_allclose(xformad.hessian(safe_norm)(x), (np.eye(3) - np.outer(x, x) / n**2) / n)


def test_clip_gradient_clips_only_the_cotangent():
    f = lambda x: 3.0 * clip_gradient(-1.0, 1.0, x)
    assert xformad.grad(f)(2.0) == 1.0  # 3 clipped to 1
    assert xformad.grad(lambda x: 0.5 * clip_gradient(-1.0, 1.0, x))(2.0) == 0.5
    assert xformad.grad(lambda x: np.sum(clip_gradient(-1.0, 1.0, x) * 5.0))(
        np.array([1.0, 2.0])
    ).tolist() == [1, 1]
    # forward mode transposes bwd at a zero cotangent, where clip is the identity
    assert xformad.jvp(lambda x: clip_gradient(-1.0, 1.0, x), (2.0,), (4.0,))[1] == 4.0


def test_no_perturbation_confusion_through_custom_functions():
    # d/dx [x * d/dy (x + y)] = 1 (Siskind and Pearlmutter), with + given custom rules
    @xformad.custom_jvp
    def plus(a, b):
        return a + b

    plus.defjvps(lambda t, ans, a, b: t, lambda t, ans, a, b: t)

    @xformad.custom_vjp
    def plus_v(a, b):
        return a + b

    plus_v.defvjp(lambda a, b: (a + b, None), lambda res, g: (g, g))
    for add in (plus, plus_v):
        inner = lambda x: x * xformad.grad(lambda y: add(x, y))(1.0)
        assert xformad.grad(inner)(2.0) == 1.0
        assert xformad.jvp(inner, (2.0,), (1.0,))[1] == 1.0


def test_closing_over_an_outer_traced_value():
    # the custom rule covers x; the closed-over a is differentiated through f's own body
    def outer(a):
        @xformad.custom_vjp
        def scale(x):
            return a * np.sin(x)

        scale.defvjp(lambda x: (scale(x), x), lambda x, g: (g * a * np.cos(x),))
        return xformad.grad(lambda x: scale(x))(0.5) + scale(0.5)

    np.testing.assert_allclose(xformad.grad(outer)(1.5), np.cos(0.5) + np.sin(0.5), rtol=1e-14)


def test_pytrees_in_and_out_and_none_cotangents():
    @xformad.custom_vjp
    def model(params, x):
        return {"y": params["w"] * x + params["b"], "z": np.sum(x)}

    def fwd(params, x):
        return model(params, x), (params["w"], x)

    def bwd(res, ct):
        w, x = res
        return ({"w": np.sum(ct["y"] * x), "b": np.sum(ct["y"])}, None)  # no gradient for x

    model.defvjp(fwd, bwd)
    params = {"w": 1.5, "b": -0.5}
    x = np.array([1.0, 2.0, 3.0])

    def loss(params, x):
        out = model(params, x)
        return np.sum(out["y"] ** 2) + out["z"]

    g_params, g_x = xformad.grad(loss, argnums=(0, 1))(params, x)
    y = params["w"] * x + params["b"]
    assert g_params.keys() == {"w", "b"}
    np.testing.assert_allclose(g_params["w"], np.sum(2 * y * x))
    np.testing.assert_allclose(g_params["b"], np.sum(2 * y))
    np.testing.assert_array_equal(g_x, np.zeros(3))  # bwd said None for x
    check_grads(lambda w, b: loss({"w": w, "b": b}, x), (1.5, -0.5), order=2)


def test_multiple_outputs_with_custom_jvp():
    @xformad.custom_jvp
    def polar(x, y):
        return np.hypot(x, y), np.arctan2(y, x)

    @polar.defjvp
    def _(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        r, th = polar(x, y)
        return (r, th), ((x * tx + y * ty) / r, (x * ty - y * tx) / r**2)

    f = lambda x, y: polar(x, y)[0] * polar(x, y)[1] ** 2
    check_grads(f, (np.array([1.0, -0.5]), np.array([0.7, 2.0])), order=2)


def test_nondiff_argnums():
    @xformad.custom_jvp(nondiff_argnums=(0,))
    def apply(fn, x):
        return fn(x)

    @apply.defjvp
    def _(fn, primals, tangents):
        (x,), (t,) = primals, tangents
        return fn(x), t * np.cos(x)  # a rule that knows fn is np.sin

    assert xformad.grad(lambda x: apply(np.sin, x))(0.0) == 1.0
    check_grads(lambda x: apply(np.sin, x), (np.array([0.3, 1.1]),), order=2)

    @xformad.custom_vjp(nondiff_argnums=(1,))
    def power(x, n):
        return x**n

    power.defvjp(lambda x, n: (power(x, n), x), lambda n, x, g: (g * n * x ** (n - 1),))
    assert xformad.grad(lambda x: power(x, 3))(2.0) == 12.0
    check_grads(lambda x: power(x, 3), (np.array([0.5, 1.5]),), order=2)


def test_keywords_float32_and_plain_calls():
    @xformad.custom_vjp
    def scaled(x, factor=2.0):
        return x * factor

    calls = []

    def fwd(x, factor=2.0):
        calls.append(1)
        return scaled(x, factor), factor

    scaled.defvjp(fwd, lambda factor, g: (g * factor, g * 0.0))
    assert xformad.grad(lambda x: scaled(x, factor=3.0))(1.0) == 3.0
    g = xformad.grad(lambda x: np.sum(scaled(x)))(np.ones(2, np.float32))
    assert g.dtype == np.float32 and g.tolist() == [2.0, 2.0]
    calls.clear()
    assert scaled(np.float64(4.0)) == 8.0  # untraced: the plain function, no rule runs
    assert calls == []


def test_jit_composes(request):
    try:
        jit = xformad.jit
    except (AttributeError, ImportError):
        pytest.skip("xformad.jit is not available in this tree")
    x = np.array([-2.0, 0.5, 30.0])
    for softplus in SOFTPLUS:
        f = lambda x: np.sum(softplus(x) * np.sin(x))
        np.testing.assert_allclose(jit(xformad.grad(f))(x), xformad.grad(f)(x), rtol=1e-14)
        np.testing.assert_allclose(xformad.grad(jit(f))(x), xformad.grad(f)(x), rtol=1e-14)
        np.testing.assert_allclose(jit(xformad.hessian(f))(x), xformad.hessian(f)(x), rtol=1e-12)


# --- errors ------------------------------------------------------------------------------
def test_differentiating_without_a_rule_says_how_to_add_one():
    @xformad.custom_vjp
    def f(x):
        return x

    assert f(2.0) == 2.0
    with pytest.raises(CustomRuleError, match=r"f.defvjp\(fwd, bwd\)"):
        xformad.grad(f)(2.0)

    @xformad.custom_jvp
    def g(x):
        return x

    with pytest.raises(CustomRuleError, match="@g.defjvp"):
        xformad.grad(g)(2.0)


def test_bwd_returning_the_wrong_number_of_cotangents():
    @xformad.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (f(x, y), (x, y)), lambda res, g: g * res[1])
    with pytest.raises(CustomRuleError, match=r"has 2 differentiable argument\(s\).*return \(g,\)"):
        xformad.grad(f)(2.0, 3.0)


def test_bwd_cotangent_with_the_wrong_structure():
    @xformad.custom_vjp
    def f(p):
        return p["a"] * 2.0

    f.defvjp(lambda p: (f(p), None), lambda res, g: ((g, g),))
    with pytest.raises(CustomRuleError, match="match the argument's structure"):
        xformad.grad(f)({"a": 1.0})


def test_fwd_and_jvp_rules_must_return_pairs():
    @xformad.custom_vjp
    def f(x):
        return x

    f.defvjp(lambda x: x, lambda res, g: (g,))
    with pytest.raises(CustomRuleError, match=r"fwd rule of f must return a pair \(out, residuals\)"):
        xformad.grad(f)(1.0)

    @xformad.custom_jvp
    def h(x):
        return x

    h.defjvp(lambda primals, tangents: tangents[0])
    with pytest.raises(CustomRuleError, match=r"JVP rule of h must return a pair"):
        xformad.grad(h)(1.0)


def test_jvp_rule_with_the_wrong_output_structure():
    @xformad.custom_jvp
    def f(x):
        return x, x

    f.defjvp(lambda primals, tangents: (f(*primals), tangents[0]))
    with pytest.raises(CustomRuleError, match="give one leaf per output leaf"):
        xformad.jvp(lambda x: f(x)[0], (1.0,), (1.0,))


def test_traced_nondiff_argument_and_non_array_arguments():
    @xformad.custom_jvp(nondiff_argnums=(1,))
    def f(x, n):
        return x * n

    f.defjvp(lambda n, primals, tangents: (f(primals[0], n), tangents[0] * n))
    with pytest.raises(
        CustomRuleError, match="argument 1 of f is in nondiff_argnums but is being differentiated"
    ):
        xformad.grad(f, argnums=1)(1.0, 2.0)

    @xformad.custom_jvp
    def g(x, label):
        return x

    g.defjvp(lambda primals, tangents: (primals[0], tangents[0]))
    with pytest.raises(CustomRuleError, match="list the positions of other arguments in nondiff_argnums"):
        xformad.grad(lambda x: g(x, "label"))(1.0)
