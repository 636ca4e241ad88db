"""jacrev's and jacfwd's unit seeds kept symbolic (``primitives/diagonal.py``): every row of
the primitive table gives the Jacobian that one plain sweep per seed gives, the rules that
keep the structure against finite differences, and the compositions (jit, hessian, grad
of a Jacobian, vmap of one) against the dense seeds."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad import api
from xformad.primitives.diagonal import DiagonalBatch
from xformad.testing.primitive_table import all_cases

CASES, _ = all_cases()


def _params():
    for case in CASES:
        if not case.differentiable or np.dtype(case.dtype).kind == "c":
            continue
        for shapes, ident in zip(case.shapes, case.ids()):
            yield pytest.param(case, shapes, id=ident)


def _jacobians(jac, f, args, argnums):
    out = jac(f, argnums=argnums)(*args)
    return [np.asarray(leaf) for leaf in xformad.tree_flatten(out)[0]]


def _with_seeds(monkeypatch, structured: bool):
    """Every Jacobian batched over symbolic seeds (threshold 0), or one sweep per seed."""
    monkeypatch.setattr(api, "_SWEEPS_BEFORE_VMAP", -1 if structured else 10**9)


@pytest.mark.parametrize("case,shapes", list(_params()))
@pytest.mark.parametrize("jac", [xformad.jacrev, xformad.jacfwd], ids=["jacrev", "jacfwd"])
def test_symbolic_seeds_give_the_per_seed_jacobian(case, shapes, jac, monkeypatch):
    args = case.draw(shapes, np.random.default_rng(0), scalars=False)
    argnums = tuple(k for k, a in enumerate(args) if np.asarray(a).dtype.kind == "f")
    if not argnums:
        pytest.skip("no floating-point input")
    outputs = xformad.tree_flatten(case.fn(*args))[0]
    if any(np.asarray(o).dtype.kind not in "f" for o in outputs):
        pytest.skip("an output that is not real floating point")
    _with_seeds(monkeypatch, structured=False)
    want = _jacobians(jac, case.fn, args, argnums)
    _with_seeds(monkeypatch, structured=True)
    got = _jacobians(jac, case.fn, args, argnums)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def _fd_jacobian(f, x, eps=1e-6):
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))).ravel() / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


RNG = np.random.default_rng(3)
W = RNG.normal(size=(12, 12)) / 4
U = RNG.uniform(0.5, 2.0, size=12)
M = RNG.normal(size=(3, 4))

# each keeps the seeds diagonal through some rules (scaling, sums, reshape, matmul, totals)
STRUCTURED = {
    "tanh(W x)": lambda x: np.tanh(W @ x),
    "x W": lambda x: np.sin(x) @ W,
    "scaled, divided, negated": lambda x: -(np.exp(x) * U) / (U + 1) + np.cos(x),
    "u * x, x * x": lambda x: U * x * x,
    "reshape then matmul": lambda x: M @ np.reshape(np.sin(x), (4, 3)),
    "sum of all": lambda x: np.sum(np.sin(x)) * x,
    "sum keepdims": lambda x: np.sum(np.reshape(x * x, (3, 4)), keepdims=True) + x,
    "dot of vectors": lambda x: (np.tanh(x) @ U) * x + W @ np.sin(x),
    "conjugate": lambda x: np.conjugate(np.sinh(x)) * U,
    "two branches summed": lambda x: np.tanh(x) * np.exp(x) + np.log(U + x * x),
    # slices shift the seeds into bands
    "differences": lambda x: np.tanh(x[1:] - x[:-1]) * U[1:],
    "stencil": lambda x: np.sin(x[2:] - 2 * x[1:-1] + x[:-2]),
    "bands times a matrix": lambda x: (x[1:] * x[:-1]) @ W[1:, :5],
    "a matrix times bands": lambda x: W[:5, 1:] @ np.exp(x[1:] + x[:-1]),
    "bands summed": lambda x: np.sum((x[3:] - x[:-3]) ** 2) * x[:-1],
    "stepped slice (dense)": lambda x: x[::2] * x[1::2],
    "relu by where": lambda x: np.where(x > 0, x, 0.0) @ W + np.where(x < 0.5, np.sin(x), 0.0),
    "clamp": lambda x: np.clip(np.tanh(x) * 2, -1.5, 1.5) * U,
}


def _rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosenbrock_hessian(x):
    n = x.size
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    h[i + 1, i + 1] += 200
    h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
    return h


@pytest.mark.parametrize("n", [3, 12, 50])
def test_banded_hessian_of_rosenbrock(n):
    x = np.random.default_rng(7).uniform(-1, 1, size=n)
    want = _rosenbrock_hessian(x)
    np.testing.assert_allclose(xformad.hessian(_rosenbrock)(x), want, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(xformad.jit(xformad.hessian(_rosenbrock))(x), want, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("name", list(STRUCTURED))
@pytest.mark.parametrize("jac", [xformad.jacrev, xformad.jacfwd], ids=["jacrev", "jacfwd"])
def test_structured_rules_against_finite_differences(name, jac):
    f = STRUCTURED[name]
    x = np.random.default_rng(4).normal(size=12)
    got = jac(f)(x)
    np.testing.assert_allclose(got, _fd_jacobian(f, x), rtol=1e-6, atol=1e-7)


def test_seeds_are_symbolic_past_a_few():
    assert isinstance(api._identity_batch((12,), np.float64, np), DiagonalBatch)
    assert type(api._identity_batch((3,), np.float64, np)) is np.ndarray
    seeds = api._identity_batch((3, 4), np.float64, np)
    np.testing.assert_array_equal(seeds.dense(), np.eye(12).reshape(12, 3, 4))
    np.testing.assert_array_equal(seeds.first_member(), np.eye(12)[0].reshape(3, 4))


def test_structural_zeros_stay_zero_beside_an_infinite_entry():
    """Output 5 reads an infinite weight; the others do not depend on it, and their rows
    are what finite differences give (dense seeds made them NaN: 0 * inf)."""
    w = W.copy()
    w[0, 5] = np.inf

    def f(x):
        return np.tanh(x) @ w  # output j = sum_k tanh(x_k) w[k, j]

    x = np.random.default_rng(5).normal(size=12)
    with np.errstate(invalid="ignore"):
        got = xformad.jacrev(f)(x)
        fd = _fd_jacobian(f, x)
    finite = np.isfinite(fd)
    np.testing.assert_allclose(got[finite], fd[finite], rtol=1e-6, atol=1e-7)
    others = np.arange(12) != 5
    assert np.isfinite(got[others]).all() and got[5, 0] == np.inf


@pytest.mark.parametrize(
    "name", ["tanh(W x)", "reshape then matmul", "sum keepdims", "stencil", "bands summed"]
)
def test_compositions_match_the_dense_seeds(name, monkeypatch):
    f = STRUCTURED[name]
    x = np.random.default_rng(6).normal(size=12)
    results = {}
    for structured in (False, True):
        _with_seeds(monkeypatch, structured)
        results[structured] = [
            xformad.jit(xformad.jacrev(f))(x),
            xformad.jit(xformad.jacfwd(f))(x),
            xformad.hessian(lambda x: np.sum(f(x) ** 2))(x),
            xformad.grad(lambda x: np.sum(xformad.jacrev(f)(x) ** 2))(x),
            xformad.vmap(xformad.jacrev(f))(np.stack([x, 2 * x])),
        ]
    for got, want in zip(results[True], results[False]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "offsets,size", [((1, -2), 7), ((0,), 5), ((-1,), 5), ((3, 0, -4), 6), ((6,), 7), ((0, 2), 3)]
)
def test_banded_batch_dense_and_first_member(offsets, size):
    """dense() against the definition: member k holds band o's value p at p = k - o."""
    rng = np.random.default_rng(8)
    bands = {o: rng.normal(size=5) for o in offsets}
    batch = DiagonalBatch(bands, size)
    want = np.zeros((size, 5))
    for k in range(size):
        for o, d in bands.items():
            if 0 <= k - o < 5:
                want[k, k - o] += d[k - o]
    np.testing.assert_array_equal(batch.dense(), want)
    np.testing.assert_array_equal(batch.first_member(), want[0])
    assert batch.shape == (size, 5)


def test_a_diagonal_batch_is_batched_along_its_first_axis_only():
    seeds = DiagonalBatch.seeds(np.ones((3, 3)))
    with pytest.raises(xformad.XformadError, match="batched along axis 0 only"):
        xformad.vmap(lambda s: s * 2.0, in_axes=1)(seeds)
    np.testing.assert_array_equal(xformad.vmap(lambda s: s * 2.0)(seeds), 2.0 * np.eye(9).reshape(9, 3, 3))
