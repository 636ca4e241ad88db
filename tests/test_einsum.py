"""np.einsum in every form numpy takes: the string form, implicit outputs, '...', the
interleaved sublist form (np.einsum(a, [0, 1], b, [1, 2], [0, 2])), with optimize=
False/True/'greedy'/'optimal'/a path, and dtype/casting/order. Values are numpy's, bit
for bit (numpy's einsum computes them with the caller's options); derivatives match
central finite differences in both modes, to order 2, eagerly and under jit."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

RNG = np.random.default_rng(2)
A, B, C, D = (RNG.standard_normal(s) for s in [(2, 3), (3, 4), (4, 2), (2, 5)])
T = RNG.standard_normal((2, 3, 4))
BT = B.T.copy()


def traced(f, *args):
    return xformad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


def assert_numpy_semantics(f, *args, order=2):
    """Values bit for bit, eager and jitted; derivatives against finite differences."""
    want = f(*args)
    for got in (traced(f, *args), xformad.jit(f)(*args)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    check_grads(f, args, order=order)


SUBLISTS = {
    "matmul": (lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]), (A, B)),
    "implicit output": (lambda a, b: np.einsum(a, [0, 1], b, [1, 2]), (A, B)),
    "implicit output, labels sorted as numpy": (lambda a, b: np.einsum(a, [40, 1], b, [1, 3]), (A, B)),
    "trace": (lambda a: np.einsum(a, [0, 0]), (RNG.standard_normal((3, 3)),)),
    "diagonal": (lambda a: np.einsum(a, [1, 1], [1]), (RNG.standard_normal((3, 3)),)),
    "ellipsis": (lambda t, c: np.einsum(t, [Ellipsis, 0], c, [0, 1], [Ellipsis, 1]), (T, C)),
    "ellipsis implicit": (lambda t, c: np.einsum(t, [Ellipsis, 7], c, [7, 51]), (T, C)),
    "outer product": (lambda a, d: np.einsum(a[0], [0], d[0], [1], [1, 0]), (A, D)),
    "three operands": (lambda a, b, c: np.einsum(a, [0, 1], b, [1, 2], c, [2, 3], [3, 0]), (A, B, C)),
}


@pytest.mark.parametrize("name", sorted(SUBLISTS))
def test_sublist_form(name):
    f, args = SUBLISTS[name]
    assert_numpy_semantics(f, *args)


def test_sublist_labels_out_of_range_raise_as_numpy():
    with pytest.raises(ValueError, match="valid range"):
        np.einsum(A, [0, 52])
    with pytest.raises(ValueError, match="valid range"):
        xformad.grad(lambda a: np.sum(np.einsum(a, [0, 52])))(A)


OPTIMIZE = [False, True, "greedy", "optimal", ("greedy", 10**6)]


@pytest.mark.parametrize("optimize", OPTIMIZE, ids=str)
def test_optimize(optimize):
    def chain(a, b, c, d):
        return np.einsum("ij,jk,kl,lm->im", a, b, c, d, optimize=optimize)

    assert_numpy_semantics(chain, A, B, C, D)

    def sublist(a, b, c):
        return np.einsum(a, [0, 1], b, [1, 2], c, [2, 0], optimize=optimize)

    assert_numpy_semantics(sublist, A, B, C)


def test_optimize_with_an_explicit_path():
    path, _ = np.einsum_path("ij,jk,kl,lm->im", A, B, C, D, optimize="optimal")
    reversed_path = ["einsum_path", (2, 3), (1, 2), (0, 1)]
    for p in (path, reversed_path):

        def chain(a, b, c, d, p=p):
            return np.einsum("ij,jk,kl,lm->im", a, b, c, d, optimize=p)

        assert_numpy_semantics(chain, A, B, C, D)


def test_dtype_casting_and_order():
    assert_numpy_semantics(lambda t, b: np.einsum("ijk,kj->i", t, b, dtype=np.complex128), T, BT)
    assert_numpy_semantics(lambda t, b: np.einsum("ijk,kj->ik", t, b, order="F"), T, BT)
    f32 = lambda t, b: np.einsum("ijk,kj->i", t, b, dtype=np.float32, casting="same_kind")  # noqa: E731
    got = traced(f32, T, BT)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, f32(T, BT))
    # the derivative of a float32 contraction is the float64 one, to float32 rounding
    g = xformad.grad(lambda t: np.sum(f32(t, BT)).astype(np.float64))(T)
    np.testing.assert_allclose(g, xformad.grad(lambda t: np.sum(np.einsum("ijk,kj->i", t, BT)))(T), rtol=1e-6)
    # numpy's casting rule is numpy's error
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        xformad.grad(lambda t: np.sum(np.einsum("ijk->i", t, dtype=np.float32)))(T)


def test_broadcasting_size_one_labels():
    """numpy broadcasts a label of size 1 against a larger one; the gradient sums back."""
    column = RNG.standard_normal((2, 1))
    assert_numpy_semantics(lambda a, b: np.einsum("ij,jk->ik", a, b), column, B)
    assert_numpy_semantics(lambda a, b: np.einsum(a, [0, 1], b, [1, 2], optimize=True), column, B)


def test_complex_operands():
    z = A + 1j * RNG.standard_normal(A.shape)
    assert_numpy_semantics(lambda z, b: np.einsum(z, [0, 1], b, [1, 2], optimize="optimal"), z, B)


def test_gradients_match_jax():
    jax = pytest.importorskip("jax")
    from .jax_compat import x64

    def loss(np_, a, b, c):
        return np_.sum(np_.tanh(np_.einsum("ij,jk,ki->i", a, b, c, optimize="optimal")) ** 2)

    ours = xformad.grad(lambda *xs: loss(np, *xs), argnums=(0, 1, 2))(A, B, C)
    with x64(jax):
        theirs = jax.grad(lambda *xs: loss(jax.numpy, *xs), argnums=(0, 1, 2))(A, B, C)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, np.asarray(t), rtol=1e-10)


@pytest.mark.parametrize(
    "subscripts, shapes",
    [
        ("...bb,...c->...c", [(1, 2, 2), (2, 2)]),
        ("...bc,...c->...c", [(1, 3, 3), (3, 3)]),
        ("i,i->i", [(1,), (3,)]),
    ],
)
def test_operands_broadcast_against_each_other(subscripts, shapes):
    """A size-1 axis numpy broadcasts against another operand's: its gradient sums over
    the broadcast (the rule reshaped to the wrong size, a bare ValueError)."""
    rng = np.random.default_rng(3)
    operands = [rng.standard_normal(s) for s in shapes]
    check_grads(lambda *ops: np.einsum(subscripts, *ops), operands, order=2)
