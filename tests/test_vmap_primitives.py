"""Every row of the primitive table under vmap, against a Python loop of the unbatched
function: the batch axis at 0, at -1, and None for each input in turn; then grad(vmap)
against finite differences (check_grads) and vmap(grad) against a loop of grad."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads
from xformad.testing.primitive_table import all_cases

CASES, NONDIFF_CASES = all_cases()
SIZE = 3


def _variants(n: int):
    yield "all0", (0,) * n
    yield "all-1", (-1,) * n
    if n > 1:
        for k in range(n):
            yield f"none{k}", tuple(None if j == k else 0 for j in range(n))


def _expanded(with_variants: bool):
    for case in CASES:
        for shapes, ident in zip(case.shapes, case.ids()):
            if with_variants:
                for name, axes in _variants(len(shapes)):
                    yield pytest.param(case, shapes, axes, id=f"{ident}-{name}")
            else:
                yield pytest.param(case, shapes, id=ident)


def _batch(case, shapes, axes, rng):
    """Members drawn independently, stacked along each input's axis (one member for None)."""
    members = [case.draw(shapes, rng, scalars=False) for _ in range(SIZE)]
    args = []
    for k, axis in enumerate(axes):
        if axis is None:
            args.append(members[0][k])
        else:
            args.append(np.stack([m[k] for m in members], axis=axis))
    per_member = [
        tuple(members[0][k] if axes[k] is None else members[i][k] for k in range(len(axes)))
        for i in range(SIZE)
    ]
    return tuple(args), per_member


def _ragged(results) -> bool:
    """Members whose results differ in shape (x[mask]): no batch can hold them."""
    leaves = [xformad.tree_flatten(r)[0] for r in results]
    return any(len({np.shape(x) for x in parts}) > 1 for parts in zip(*leaves))


def _stacked(results):
    """A loop's results stacked along a new leading axis, leaf by leaf."""
    leaves = [xformad.tree_flatten(r)[0] for r in results]
    tree = xformad.tree_flatten(results[0])[1]
    return xformad.tree_unflatten(tree, [np.stack(parts) for parts in zip(*leaves)])


def _assert_close(got, want, rtol=1e-10, atol=1e-12):
    got_leaves, got_tree = xformad.tree_flatten(got)
    want_leaves, want_tree = xformad.tree_flatten(want)
    assert got_tree == want_tree
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case,shapes,axes", list(_expanded(True)))
def test_vmap_matches_a_loop(case, shapes, axes, rng):
    args, per_member = _batch(case, shapes, axes, rng)
    want = [case.fn(*m) for m in per_member]
    if _ragged(want):  # refused, never a wrong batch
        with pytest.raises(xformad.BatchingError, match="different shapes"):
            xformad.vmap(case.fn, in_axes=axes)(*args)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", xformad.BatchingFallbackWarning)  # every row has a rule
        got = xformad.vmap(case.fn, in_axes=axes)(*args)
    _assert_close(got, _stacked(want))


@pytest.mark.parametrize("case,shapes", list(_expanded(False)))
def test_grad_of_vmap_against_finite_differences(case, shapes, rng):
    axes = (0,) + (None,) * (len(shapes) - 1)  # one batched input beside shared ones
    args, per_member = _batch(case, shapes, axes, rng)
    if _ragged([case.fn(*m) for m in per_member]):
        pytest.skip("members' results differ in shape (refused by vmap, tested above)")
    out = xformad.vmap(case.fn, in_axes=axes)(*args)
    weights = rng.uniform(0.5, 1.5, size=np.shape(out))

    def f(*xs):
        return xformad.vmap(case.fn, in_axes=axes)(*xs) * weights

    check_grads(f, args, modes=("fwd", "rev"), order=1)


@pytest.mark.parametrize("case,shapes", list(_expanded(False)))
def test_vmap_of_grad_matches_a_loop(case, shapes, rng):
    axes = (0,) * len(shapes)
    args, per_member = _batch(case, shapes, axes, rng)
    if _ragged([case.fn(*m) for m in per_member]):
        pytest.skip("members' results differ in shape (refused by vmap, tested above)")
    weights = rng.uniform(0.5, 1.5, size=np.shape(case.fn(*per_member[0])))

    def loss(*xs):
        out = case.fn(*xs) * weights
        return np.sum(np.real(out)) if np.iscomplexobj(out) else np.sum(out)

    nums = tuple(range(len(shapes)))
    got = xformad.vmap(xformad.grad(loss, argnums=nums))(*args)
    _assert_close(
        got, _stacked([xformad.grad(loss, argnums=nums)(*m) for m in per_member]), rtol=1e-9, atol=1e-10
    )


@pytest.mark.parametrize("name", sorted(NONDIFF_CASES))
@pytest.mark.parametrize("axis", [0, -1])
def test_nondifferentiable_primitives_under_vmap(name, axis, rng):
    fn = NONDIFF_CASES[name]
    xs = rng.uniform(-2, 2, size=(SIZE, 5))
    members = xs
    xs = xs if axis == 0 else xs.T
    want = [fn(x) for x in members]
    if _ragged(want):
        with pytest.raises(xformad.BatchingError, match="different shapes"):
            xformad.vmap(fn, in_axes=axis)(xs)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", xformad.BatchingFallbackWarning)
        got = xformad.vmap(fn, in_axes=axis)(xs)
    _assert_close(got, _stacked(want))
