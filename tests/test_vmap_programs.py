"""The programs of tests/programs/ run on a batch of parameter sets ("this model on many
parameter sets"): vmap over the differentiated arguments, the data shared (in_axes None),
against a Python loop, for the values and for vmap(grad)."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from tests.programs import load_programs
from xformad.tree import tree_flatten, tree_map, tree_unflatten

PROGRAMS = load_programs()
SIZE = 3


def _argnums(program) -> tuple:
    return (program.argnums,) if isinstance(program.argnums, int) else tuple(program.argnums)


def _members(program):
    """SIZE parameter sets near the program's own (small perturbations keep its branches)."""
    rng = np.random.default_rng(1)
    args = program.make_args(np.random.default_rng(0))
    nums = _argnums(program)
    members = []
    for _ in range(SIZE):
        member = list(args)
        for n in nums:
            member[n] = tree_map(
                lambda v: v + 1e-3 * rng.standard_normal(np.shape(v)) * (1 + np.abs(v)), args[n]
            )
        members.append(tuple(member))
    return args, nums, members


def _batched_args(args, nums, members):
    batched = list(args)
    for n in nums:
        leaves = [tree_flatten(m[n])[0] for m in members]
        tree = tree_flatten(members[0][n])[1]
        batched[n] = tree_unflatten(tree, [np.stack(parts) for parts in zip(*leaves)])
    axes = tuple(0 if n in nums else None for n in range(len(args)))
    return tuple(batched), axes


def _close(got, want, rtol):
    got_leaves, want_leaves = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=rtol, atol=1e-10)


def _stack(results):
    leaves = [tree_flatten(r)[0] for r in results]
    return tree_unflatten(tree_flatten(results[0])[1], [np.stack(p) for p in zip(*leaves)])


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_program_under_vmap_matches_a_loop(program):
    args, nums, members = _members(program)
    batched, axes = _batched_args(args, nums, members)
    state = np.random.get_state()
    want = [program.fn(*m) for m in members]
    np.random.set_state(state)  # programs that draw: vmap draws once for all members
    try:
        got = xformad.vmap(program.fn, in_axes=axes)(*batched)
    except xformad.BatchedControlFlowError:
        pytest.skip("the program's Python control flow depends on its parameters")
    if _draws(program):
        return  # a loop draws per member, vmap once: only the run itself is checked here
    _close(got, np.stack(want), rtol=1e-9)


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_program_vmap_of_grad_matches_a_loop(program):
    args, nums, members = _members(program)
    batched, axes = _batched_args(args, nums, members)
    g = xformad.grad(program.fn, argnums=program.argnums)
    if _draws(program):
        pytest.skip("the program draws random numbers: a loop draws per member, vmap once")
    want = _stack([g(*m) for m in members])
    try:
        got = xformad.vmap(g, in_axes=axes)(*batched)
    except xformad.BatchedControlFlowError:
        pytest.skip("the program's Python control flow depends on its parameters")
    _close(got, want, rtol=1e-8)


def _draws(program) -> bool:
    """Whether two calls of the program on the same arguments differ (it draws)."""
    args = program.make_args(np.random.default_rng(0))
    return not np.array_equal(np.asarray(program.fn(*args)), np.asarray(program.fn(*args)))


def _chunked(program):
    """The program's data split in two halves along its leading axis, as a batch of two
    data sets (None where it has no array data with a common even leading length)."""
    args = program.make_args(np.random.default_rng(0))
    nums = _argnums(program)
    data = [n for n, a in enumerate(args) if n not in nums and isinstance(a, np.ndarray) and a.ndim >= 1]
    lengths = {args[n].shape[0] for n in data}
    if not data or len(lengths) != 1 or lengths.pop() % 2 or args[data[0]].shape[0] < 4:
        return None
    batched = list(args)
    for n in data:
        batched[n] = args[n].reshape((2, args[n].shape[0] // 2) + args[n].shape[1:])
    axes = tuple(0 if n in data else None for n in range(len(args)))
    return tuple(batched), axes


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_program_on_a_batch_of_data_sets(program):
    """Data sets (the program's data, halved) batched, the parameters shared: values and
    per-data-set gradients against a loop."""
    split = _chunked(program)
    if split is None or _draws(program):
        pytest.skip("no array data with an even common leading length (or the program draws)")
    batched, axes = split
    members = [tuple(a[i] if ax is not None else a for a, ax in zip(batched, axes)) for i in range(2)]
    try:
        want = [program.fn(*m) for m in members]
    except Exception:  # noqa: BLE001  (the program needs its full data set)
        pytest.skip("the program does not run on half of its data")
    try:
        got = xformad.vmap(program.fn, in_axes=axes)(*batched)
    except xformad.BatchedControlFlowError:
        pytest.skip("the program's Python control flow depends on its data")
    except xformad.BatchingError as error:  # x[mask] of data-dependent size: refused, not wrong
        assert "different shapes" in str(error)
        pytest.skip("the program selects its data by a mask whose size differs between data sets")
    _close(got, np.stack(want), rtol=1e-9)
    g = xformad.grad(program.fn, argnums=program.argnums)
    _close(xformad.vmap(g, in_axes=axes)(*batched), _stack([g(*m) for m in members]), rtol=1e-8)
