"""vmap: in_axes/out_axes, composition with every transform, control flow, random draws,
the per-example gradients of an MLP, and jacobians built on it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xformad
from xformad.primitives.core import Primitive


@pytest.fixture
def X(rng):
    return rng.normal(size=(4, 3))


def _loop(f, *args, axes):
    size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    rows = []
    for i in range(size):
        rows.append(f(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)]))
    return np.stack(rows)


# --- in_axes and out_axes ---------------------------------------------------------------------
def test_in_axes_ints_none_and_negative(X, rng):
    W = rng.normal(size=(3, 2))
    f = lambda x, w: np.tanh(x @ w)  # noqa: E731
    np.testing.assert_allclose(xformad.vmap(f, in_axes=(0, None))(X, W), _loop(f, X, W, axes=(0, None)))
    np.testing.assert_allclose(xformad.vmap(f, in_axes=(-1, None))(X.T, W), _loop(f, X.T, W, axes=(1, None)))
    np.testing.assert_allclose(xformad.vmap(f, in_axes=[1, None])(X.T, W), _loop(f, X.T, W, axes=(1, None)))


def test_in_axes_pytree_prefix_and_kwargs(rng):
    params = {"w": rng.normal(size=(5, 3)), "b": rng.normal(size=3)}
    xs = rng.normal(size=(5, 2, 3))

    def f(p, x, scale=1.0):
        return np.sum(x * p["w"] + p["b"], axis=0) * scale

    got = xformad.vmap(f, in_axes=({"w": 0, "b": None}, 0))(params, xs, scale=np.arange(5.0))
    want = np.stack([f({"w": params["w"][i], "b": params["b"]}, xs[i], float(i)) for i in range(5)])
    np.testing.assert_allclose(got, want)


def test_out_axes_and_unbatched_outputs(X):
    f = lambda x: (x * 2, np.ones(2))  # noqa: E731
    a, b = xformad.vmap(f, out_axes=(1, None))(X)
    np.testing.assert_allclose(a, (X * 2).T)
    np.testing.assert_allclose(b, np.ones(2))
    a, b = xformad.vmap(f)(X)
    np.testing.assert_allclose(b, np.ones((4, 2)))  # a shared output broadcasts along the batch
    with pytest.raises(xformad.BatchingError, match="out_axes is None"):
        xformad.vmap(f, out_axes=None)(X)


def test_axis_size_and_argument_errors(X):
    np.testing.assert_allclose(xformad.vmap(lambda x: x * 2.0, in_axes=None, axis_size=3)(1.5), [3.0] * 3)
    with pytest.raises(xformad.BatchingError, match="axis_size"):
        xformad.vmap(lambda x: x, in_axes=None)(X)
    with pytest.raises(xformad.BatchingError, match="disagree"):
        xformad.vmap(lambda x, y: x + y)(X, X[:2])
    with pytest.raises(xformad.BatchingError, match="axis 2"):
        xformad.vmap(lambda x: x, in_axes=2)(X)
    with pytest.raises(xformad.BatchingError, match="entries"):
        xformad.vmap(lambda x, y: x, in_axes=(0,))(X, X)
    with pytest.raises(xformad.BatchingError, match="empty batch"):
        xformad.vmap(lambda x: x)(np.zeros((0, 3)))


def test_static_python_values_stay_python(X):
    def f(x, n):
        assert type(n) is int
        return sum(x[k] for k in range(n))

    np.testing.assert_allclose(xformad.vmap(f, in_axes=(0, None))(X, 2), X[:, 0] + X[:, 1])


# --- composition ------------------------------------------------------------------------------
def _f(x, w):
    return np.sum(np.sin(x * w) ** 2) + np.prod(np.cos(x))


def test_vmap_of_grad_and_grad_of_vmap(X, rng):
    w = rng.normal(size=3)
    g = xformad.grad(_f)
    np.testing.assert_allclose(xformad.vmap(g, in_axes=(0, None))(X, w), _loop(g, X, w, axes=(0, None)))
    total = lambda w: np.sum(xformad.vmap(_f, in_axes=(0, None))(X, w))  # noqa: E731
    want = sum(xformad.grad(_f, argnums=1)(x, w) for x in X)
    np.testing.assert_allclose(xformad.grad(total)(w), want)
    xformad.testing.check_grads(total, (w,), order=2)


def test_vmap_of_vmap_and_in_axes_per_level(X, rng):
    ys = rng.normal(size=(5, 3))
    outer = lambda x, y: np.dot(x, y) * np.exp(-np.sum((x - y) ** 2))  # noqa: E731
    got = xformad.vmap(xformad.vmap(outer, in_axes=(None, 0)), in_axes=(0, None))(X, ys)
    want = np.array([[outer(x, y) for y in ys] for x in X])
    np.testing.assert_allclose(got, want)


def test_jit_of_vmap_of_grad(X, rng):
    w = rng.normal(size=3)
    per_example = xformad.jit(xformad.vmap(xformad.grad(_f, argnums=1), in_axes=(0, None)))
    for k in range(3):  # compiled after the first call; other values, same program
        Xk = X + k
        np.testing.assert_allclose(
            per_example(Xk, w), _loop(xformad.grad(_f, argnums=1), Xk, w, axes=(0, None))
        )


def test_vmap_of_jvp_and_of_jit(X, rng):
    t = rng.normal(size=(4, 3))
    push = lambda x, t: xformad.jvp(np.tanh, (x,), (t,))[1]  # noqa: E731
    np.testing.assert_allclose(xformad.vmap(push)(X, t), (1 - np.tanh(X) ** 2) * t)
    jf = xformad.jit(lambda x: np.sum(x**3))
    np.testing.assert_allclose(xformad.vmap(jf)(X), np.sum(X**3, axis=1))


def test_vmap_of_jacobian_and_hessian(X):
    f = lambda x: np.sin(x) * np.sum(x**2)  # noqa: E731
    np.testing.assert_allclose(xformad.vmap(xformad.jacrev(f))(X), _loop(xformad.jacfwd(f), X, axes=(0,)))
    h = xformad.hessian(lambda x: np.sum(np.cos(x) * x[0]))
    np.testing.assert_allclose(xformad.vmap(h)(X), _loop(h, X, axes=(0,)), atol=1e-12)


# --- control flow ---------------------------------------------------------------------------
def _relu_branch(x):
    if np.sum(x) > 0:
        return x * 2.0
    return -x


def test_control_flow_that_agrees_works_and_that_differs_is_refused(X):
    pos = np.abs(X)
    np.testing.assert_allclose(xformad.vmap(_relu_branch)(pos), 2 * pos)
    mixed = np.stack([np.abs(X[0]), -np.abs(X[1])])
    with pytest.raises(xformad.BatchedControlFlowError, match="np.where"):
        xformad.vmap(_relu_branch)(mixed)
    with pytest.raises(xformad.BatchedControlFlowError, match="np.where"):
        xformad.vmap(xformad.grad(lambda x: np.sum(_relu_branch(x))))(mixed)


def test_integer_control_flow_and_plain_indexing(X):
    def steps(x, n):
        for _ in range(int(n)):
            x = np.sin(x)
        return x

    np.testing.assert_allclose(xformad.vmap(steps)(X, np.array([2, 2, 2, 2])), np.sin(np.sin(X)))
    with pytest.raises(xformad.BatchedControlFlowError):
        xformad.vmap(steps)(X, np.array([1, 2, 2, 2]))
    labels = np.array([0, 2, 1, 2])
    np.testing.assert_allclose(xformad.vmap(lambda x, k: x[k])(X, labels), X[np.arange(4), labels])
    with pytest.raises(xformad.BatchedControlFlowError, match="index"):
        xformad.vmap(lambda x, k: x * np.eye(3)[k])(X, labels)
    pairs = np.array([[0, 1], [2, 1], [0, 0], [1, 2]])
    with pytest.raises(xformad.BatchedControlFlowError, match="plain numpy"):
        xformad.vmap(lambda x, k: x[:2] * np.arange(3.0)[k])(X, pairs)
    same = np.array([[0, 1]] * 4)
    np.testing.assert_allclose(
        xformad.vmap(lambda x, k: x[:2] * np.arange(3.0)[k])(X, same), X[:, :2] * [0, 1]
    )


def test_jit_guards_the_batched_branch(X):
    jf = xformad.jit(xformad.vmap(_relu_branch))
    pos = np.abs(X)
    np.testing.assert_allclose(jf(pos), 2 * pos)
    np.testing.assert_allclose(jf(-pos), pos)  # every member took the other branch: re-traced
    with pytest.raises(xformad.BatchedControlFlowError):
        jf(np.stack([pos[0], -pos[1]]))  # the compiled program's guard fails, the re-trace refuses


# --- value-dependent shapes, buffers, draws -----------------------------------------------
def test_value_dependent_shapes(X):
    same = np.array([[1.0, -1.0, 2.0], [3.0, 4.0, -5.0]])
    np.testing.assert_allclose(xformad.vmap(lambda x: x[x > 0])(same), [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(xformad.BatchingError, match="different shapes"):
        xformad.vmap(lambda x: x[x > 0])(X)
    np.testing.assert_allclose(
        xformad.vmap(lambda x: np.sum(np.where(x > 0, x, 0.0)))(X), np.sum(np.maximum(X, 0), 1)
    )


def test_buffers_and_in_place_writes(X):
    def cumulative(x):
        out = np.zeros(len(x) + 1)
        for i in range(len(x)):
            out[i + 1] = out[i] + x[i] ** 2
        row = out[1:]
        row *= 2.0  # a write through a view
        return out

    np.testing.assert_allclose(xformad.vmap(cumulative)(X), _loop(cumulative, X, axes=(0,)))
    np.testing.assert_allclose(
        xformad.vmap(xformad.grad(lambda x: np.sum(cumulative(x))))(X),
        _loop(xformad.grad(lambda x: np.sum(cumulative(x))), X, axes=(0,)),
    )


def test_random_draws_are_shared_by_the_members(X):
    def noisy(x):
        return x + np.random.normal(size=3)

    np.random.seed(0)
    got = xformad.vmap(noisy)(X)
    np.random.seed(0)
    noise = np.random.normal(size=3)
    np.testing.assert_allclose(got, X + noise)  # one draw, the same for every member
    jitted = xformad.jit(xformad.vmap(noisy))  # a program node: one draw per call, shared
    np.random.seed(0)
    calls = [jitted(X) for _ in range(3)]
    np.random.seed(0)
    for got in calls:
        np.testing.assert_allclose(got, X + np.random.normal(size=3))
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(4, 3))  # per-member draws: drawn outside, passed in batched
    np.testing.assert_allclose(xformad.vmap(lambda x, e: x + e)(X, noise), X + noise)


# --- rules --------------------------------------------------------------------------------------
def test_a_primitive_without_a_rule_loops_with_a_warning(X):
    p = Primitive("test_vmap_rowsum", lambda xp, x: xp.sum(x, axis=-1))
    p.def_jvp(lambda t, ans, x: np.sum(t, axis=-1))
    p.def_vjp(lambda ct, ans, x: np.broadcast_to(np.expand_dims(ct, -1), np.shape(x)))
    with pytest.warns(xformad.BatchingFallbackWarning, match="test_vmap_rowsum"):
        got = xformad.vmap(lambda x: p.bind(x) * 2.0)(X)
    np.testing.assert_allclose(got, 2 * X.sum(1))
    p.def_batch(lambda prim, size, args, batched, params: prim.bind(args[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(xformad.vmap(lambda x: p.bind(x) * 2.0)(X), 2 * X.sum(1))


def test_a_wrong_rule_is_refused_not_trusted(X):
    p = Primitive("test_vmap_wrong", lambda xp, x: xp.sum(x, axis=-1))
    p.def_batch(lambda prim, size, args, batched, params: prim.bind(args[0][0]))
    with pytest.raises(xformad.BatchingError, match="test_vmap_wrong"):
        xformad.vmap(lambda x: p.bind(x))(X)


def test_every_registered_primitive_declares_a_batching_rule():
    from xformad.plugins import BUILTIN_PLUGINS, registry

    # the built-ins and the scipy plugin of this repository; other plugins loop with a warning
    ours = set(BUILTIN_PLUGINS) | {"scipy"}
    registry().import_deferred()  # the scipy plugin registers each family on scipy's import
    prims = registry().primitives.items()
    missing = sorted(n for n, p in prims if p.batch is None and registry().owner[("primitive", n)] in ours)
    assert not missing, f"primitives without Primitive.def_batch: {missing}"


# --- per-example gradients of an MLP ----------------------------------------------------------
def _mlp_loss(params, x, y):
    (W1, b1), (W2, b2) = params
    h = np.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    logits = logits - np.max(logits, axis=-1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))
    return -logp[y]


def test_per_example_gradients_of_an_mlp(rng):
    params = [
        (rng.normal(size=(6, 5)) * 0.3, rng.normal(size=5)),
        (rng.normal(size=(5, 4)) * 0.3, rng.normal(size=4)),
    ]
    X, y = rng.normal(size=(8, 6)), rng.integers(0, 4, size=8)
    per_example = xformad.vmap(xformad.grad(_mlp_loss), in_axes=(None, 0, 0))(params, X, y)
    for i in range(8):
        want = xformad.grad(_mlp_loss)(params, X[i], y[i])
        for got_leaf, want_leaf in zip(xformad.tree_flatten(per_example)[0], xformad.tree_flatten(want)[0]):
            np.testing.assert_allclose(got_leaf[i], want_leaf, rtol=1e-12, atol=1e-14)
    # and against finite differences of one member's loss
    xformad.testing.check_grads(lambda p: _mlp_loss(p, X[3], y[3]), (params,), modes=("rev",), order=1)
    total = xformad.tree_map(lambda g: g.sum(0), per_example)
    batch = xformad.grad(lambda p: np.sum(xformad.vmap(_mlp_loss, in_axes=(None, 0, 0))(p, X, y)))(params)
    for a, b in zip(xformad.tree_flatten(total)[0], xformad.tree_flatten(batch)[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# --- jacobians built on vmap --------------------------------------------------------------------
def test_jacobians_are_batched_sweeps(rng):
    W = rng.normal(size=(16, 5))  # more rows than api._SWEEPS_BEFORE_VMAP: batched
    f = lambda x: np.tanh(W @ x)  # noqa: E731
    x = rng.normal(size=5)
    want = (1 - np.tanh(W @ x) ** 2)[:, None] * W
    np.testing.assert_allclose(xformad.jacrev(f)(x), want, rtol=1e-13)
    np.testing.assert_allclose(xformad.jacfwd(f)(x), want, rtol=1e-13)
    graph = xformad.make_graph(xformad.jacrev(f))(x)
    # one batched sweep: a matmul per sweep, not one per output row
    assert sum(n.primitive.name == "matmul" for n in graph.nodes) <= 3
    few = W[:3]  # a few rows: one sweep per row (cheaper than vmap's trace), the same numbers
    np.testing.assert_allclose(
        xformad.jacrev(lambda x: np.tanh(few @ x))(x), (1 - np.tanh(few @ x) ** 2)[:, None] * few, rtol=1e-13
    )
    H = xformad.hessian(lambda x: np.sum(np.sin(x) * x[0]))(x)
    eps = 1e-5
    g = xformad.grad(lambda x: np.sum(np.sin(x) * x[0]))
    fd = np.stack([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(5)])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-8)


# --- a device backend (the strict fake device of tests/fake_device.py) ------------------------
def test_vmap_on_a_device_backend(fake_device_backend, rng):
    from . import fake_device

    params = [
        (rng.normal(size=(6, 5)) * 0.3, rng.normal(size=5)),
        (rng.normal(size=(5, 4)) * 0.3, rng.normal(size=4)),
    ]
    X, y = rng.normal(size=(8, 6)), rng.integers(0, 4, size=8)
    on_device = xformad.tree_map(fake_device.to_device, (params, X, y))
    got = xformad.vmap(xformad.grad(_mlp_loss), in_axes=(None, 0, 0))(*on_device)
    want = xformad.vmap(xformad.grad(_mlp_loss), in_axes=(None, 0, 0))(params, X, y)
    for g, w in zip(xformad.tree_flatten(got)[0], xformad.tree_flatten(want)[0]):
        assert isinstance(g, fake_device.DeviceArray)  # device in, device out
        np.testing.assert_allclose(fake_device.to_host(g), w, rtol=1e-12)
    x = fake_device.to_device(X[0])
    J = xformad.jacrev(lambda v: np.tanh(v[:4] * v[1:5]))(x)
    np.testing.assert_allclose(
        fake_device.to_host(J), xformad.jacrev(lambda v: np.tanh(v[:4] * v[1:5]))(X[0])
    )


def test_custom_rules_and_checkpoint_go_member_by_member(X):
    @xformad.custom_vjp
    def clipped(x):
        return np.sin(x)

    clipped.defvjp(lambda x: (np.sin(x), x), lambda x, ct: (np.clip(ct * np.cos(x), -0.1, 0.1),))
    with pytest.warns(xformad.BatchingFallbackWarning, match="custom_vjp"):
        np.testing.assert_allclose(xformad.vmap(clipped)(X), np.sin(X))
    g = xformad.grad(lambda x: np.sum(clipped(x) * 3.0))
    want = _loop(g, X, axes=(0,))
    assert np.abs(want).max() <= 0.1  # the user's rule, not sin's derivative
    np.testing.assert_allclose(xformad.vmap(g)(X), want)  # its bwd is ordinary numpy: batched
    total = lambda x: np.sum(xformad.vmap(clipped)(x) * 3.0)  # noqa: E731
    with pytest.warns(xformad.BatchingFallbackWarning):
        np.testing.assert_allclose(xformad.grad(total)(X), want)  # each member's custom rule
    ckpt = xformad.checkpoint(lambda v: np.tanh(v) ** 2)
    with pytest.warns(xformad.BatchingFallbackWarning, match="checkpoint"):
        np.testing.assert_allclose(xformad.vmap(ckpt)(X), np.tanh(X) ** 2)
    h = xformad.grad(lambda x: np.sum(ckpt(x)))
    np.testing.assert_allclose(xformad.vmap(h)(X), _loop(h, X, axes=(0,)))


# --- indexing: numpy's advanced-index layout, per member ------------------------------------
INDEXERS = {
    "slices": lambda x, k: x[1:, ::2] * x[0, 1],
    "ellipsis-newaxis": lambda x, k: x[..., None, 1],
    "array-first": lambda x, k: x[k],
    "array-after-slice": lambda x, k: x[:, k],
    "int-and-array-adjacent": lambda x, k: x[1, k],
    "arrays-separated": lambda x, k: x[k, :, k] if x.ndim == 3 else x[k, k],
    "array-ellipsis": lambda x, k: x[k, ...],
    "take-along": lambda x, k: np.take_along_axis(x, np.broadcast_to(k, x.shape[:-1] + k.shape), axis=-1),
}


@pytest.mark.parametrize("name", sorted(INDEXERS))
@pytest.mark.parametrize("axes", [(0, None), (0, 0), (None, 0), (-1, 0)], ids=["x", "both", "k", "x-last"])
def test_gathers_match_a_loop(name, axes, rng):
    fn = INDEXERS[name]
    xs = rng.normal(size=(4, 3, 3, 3))
    ks = rng.integers(0, 3, size=(4, 2))
    xs = xs if axes[0] != -1 else np.moveaxis(xs, 0, -1)
    x_axis = None if axes[0] is None else (0 if axes[0] == 0 else 3)
    args = (xs if x_axis is not None else xs[0], ks if axes[1] is not None else ks[0])
    got = xformad.vmap(fn, in_axes=axes)(*args)
    want = _loop(fn, *args, axes=(x_axis, axes[1]))
    np.testing.assert_allclose(got, want)
    g = xformad.grad(lambda x, k: np.sum(fn(x, k) ** 2))
    if x_axis is not None:  # the gradient of each member, against a loop
        np.testing.assert_allclose(
            xformad.vmap(g, in_axes=axes)(*args), _loop(g, *args, axes=(x_axis, axes[1]))
        )
        moved = xformad.vmap(g, in_axes=axes, out_axes=-1)(*args)
        np.testing.assert_allclose(moved, np.moveaxis(_loop(g, *args, axes=(x_axis, axes[1])), 0, -1))


@pytest.mark.parametrize("axes", [(0, 0, 0), (0, None, 0), (None, 0, 0), (0, 0, None)])
def test_writes_match_a_loop(axes, rng):
    def writes(x, v, k):
        y = x * 1.0
        y[1, k] = v  # assignment through index arrays
        y[:, 0] += v[0]  # a basic-index update
        np.add.at(y, (k, k), v)  # repeated indices accumulate
        return y

    xs, vs, ks = (
        rng.normal(size=(4, 3, 3)),
        rng.normal(size=(4, 2)),
        np.array([[0, 2], [1, 1], [2, 0], [2, 2]]),
    )
    args = tuple(a if ax is not None else a[0] for a, ax in zip((xs, vs, ks), axes))
    np.testing.assert_allclose(xformad.vmap(writes, in_axes=axes)(*args), _loop(writes, *args, axes=axes))
    g = xformad.grad(lambda x, v, k: np.sum(np.sin(writes(x, v, k))), argnums=(0, 1))
    got = xformad.vmap(g, in_axes=axes)(*args)
    for j in range(2):
        want = _loop(lambda *a: g(*a)[j], *args, axes=axes)
        np.testing.assert_allclose(got[j], want, rtol=1e-12)


def test_vmap_of_hvp_and_grad_of_vmap_of_grad(X, rng):
    f = lambda x: np.sum(np.sin(x) * x[0] + x**4)  # noqa: E731
    x = X[0]
    rows = xformad.vmap(lambda v: xformad.hvp(f, (x,), (v,)))(np.eye(3))
    np.testing.assert_allclose(rows, xformad.hessian(f)(x), rtol=1e-12)
    w = rng.normal(size=3)

    def penalty(w):  # a gradient penalty: the mean squared norm of per-example gradients
        per_example = xformad.vmap(xformad.grad(_f, argnums=1), in_axes=(0, None))(X, w)
        return np.mean(np.sum(per_example**2, axis=1))

    xformad.testing.check_grads(penalty, (w,), modes=("fwd", "rev"), order=1)
