"""Every program in tests/programs/ differentiated in both modes, checked against central
finite differences (xformad.testing.check_grads) and against an independent oracle: the
same plain-numpy source run with its module's ``np`` bound to autograd.numpy (or, where a
program says so, jax.numpy)."""

from __future__ import annotations

import contextlib
import inspect
import sys

import numpy as np
import pytest

import xformad
from tests.programs import Program, load_programs
from xformad.testing import check_grads
from xformad.tree import tree_flatten

from .jax_compat import x64

PROGRAMS = load_programs()
IDS = [p.name for p in PROGRAMS]


def _argnums(program: Program) -> tuple[int, ...]:
    return (program.argnums,) if isinstance(program.argnums, int) else tuple(program.argnums)


def _args(program: Program) -> tuple:
    args = program.make_args(np.random.default_rng(0))
    assert isinstance(args, tuple), f"{program.name}: make_args must return a tuple of arguments"
    return args


def _of_differentiated(program: Program, args: tuple):
    """f as a function of the differentiated arguments only, the others held fixed."""
    nums = _argnums(program)

    def restricted(*diff_args):
        full = list(args)
        for i, a in zip(nums, diff_args):
            full[i] = a
        return program.fn(*full)

    return restricted, tuple(args[i] for i in nums)


@contextlib.contextmanager
def numpy_bound_to(fn, namespace):
    """Run ``fn``'s module with its global ``np`` bound to ``namespace`` (autograd.numpy,
    jax.numpy): the same plain-numpy source, differentiated by another library."""
    module = sys.modules[fn.__module__]
    saved = module.np
    module.np = namespace
    try:
        yield
    finally:
        module.np = saved


def _autograd_gradient(program: Program, args: tuple):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    restricted, diff_args = _of_differentiated(program, args)
    with numpy_bound_to(program.fn, anp):
        # autograd differentiates one argument: pack the differentiated ones in a tuple
        return autograd.grad(lambda packed: restricted(*packed))(diff_args)


def _jax_gradient(program: Program, args: tuple):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    restricted, diff_args = _of_differentiated(program, args)
    with x64(jax), numpy_bound_to(program.fn, jnp):
        return jax.grad(lambda packed: restricted(*packed))(diff_args)


def _assert_trees_close(got, expected, rtol=1e-9, atol=1e-10):
    """Compare pytrees by structure (dicts by key: jax orders dict keys its own way)."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected)
        for key in expected:
            _assert_trees_close(got[key], expected[key], rtol, atol)
    elif isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_trees_close(g, e, rtol, atol)
    else:
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=rtol, atol=atol)


KNOWN_TESTS = ("finite_differences", "value_and_grad", "autograd", "jax", "emitted_source")


def _params(test: str, skip=None):
    """One pytest.param per program for ``test``: skipped where ``skip(program)`` gives a
    reason, a strict xfail where the program lists ``test`` in its known_failures."""
    params = []
    for p in PROGRAMS:
        marks = []
        reason = skip(p) if skip else None
        if reason:
            marks.append(pytest.mark.skip(reason=reason))
        if test in p.known_failures:
            # raises=AssertionError: a wrong number is expected, not a crash (which would
            # mean the program stopped reaching the known bug)
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=p.known_failures[test]))
        params.append(pytest.param(p, id=p.name, marks=marks))
    return params


def test_there_are_at_least_forty_programs():
    assert len(PROGRAMS) >= 40
    assert len(set(IDS)) == len(IDS), "program names must be unique"


def test_program_metadata_is_complete():
    for program in PROGRAMS:
        if not program.autograd:
            assert program.note, f"{program.name}: say in `note` why autograd cannot run it"
        assert set(program.known_failures) <= set(KNOWN_TESTS), program.name


def test_numpy_binding_is_restored_after_an_error():
    program = PROGRAMS[0]
    module = sys.modules[program.fn.__module__]
    with pytest.raises(RuntimeError), numpy_bound_to(program.fn, object()):
        assert module.np is not np
        raise RuntimeError("the program failed under the oracle")
    assert module.np is np


@pytest.mark.parametrize("program", PROGRAMS, ids=IDS)
def test_program_is_plain_numpy(program):
    """Programs are written as scientists write them: `import numpy as np`, nothing else."""
    source = inspect.getsource(sys.modules[program.fn.__module__])
    assert "import numpy as np" in source
    for banned in ("xformad", "autograd", "jax", "torch"):
        assert f"import {banned}" not in source and f"from {banned}" not in source
    value = program.fn(*_args(program))
    assert np.ndim(value) == 0 and np.isfinite(value)


@pytest.mark.parametrize("program", _params("finite_differences"))
def test_program_matches_finite_differences(program):
    restricted, diff_args = _of_differentiated(program, _args(program))
    check_grads(restricted, diff_args, modes=("fwd", "rev"), order=program.order, **program.tolerances)


@pytest.mark.parametrize("program", _params("value_and_grad"))
def test_program_value_and_grad_matches_numpy(program):
    """The traced value equals plain numpy's; each gradient has its argument's structure."""
    args = _args(program)
    value, grads = xformad.value_and_grad(program.fn, argnums=program.argnums)(*args)
    np.testing.assert_allclose(value, program.fn(*args), rtol=1e-12, atol=1e-12)
    grads = (grads,) if isinstance(program.argnums, int) else grads
    for g, i in zip(grads, _argnums(program)):
        g_leaves, g_tree = tree_flatten(g)
        a_leaves, a_tree = tree_flatten(args[i])
        assert g_tree == a_tree
        for gl, al in zip(g_leaves, a_leaves):
            assert np.shape(gl) == np.shape(al) and np.all(np.isfinite(gl))


@pytest.mark.parametrize("program", _params("autograd", skip=lambda p: None if p.autograd else p.note))
def test_program_matches_autograd(program):
    args = _args(program)
    expected = _autograd_gradient(program, args)
    got = xformad.grad(program.fn, argnums=_argnums(program))(*args)
    _assert_trees_close(tuple(got), tuple(expected))


@pytest.mark.parametrize(
    "program",
    _params("jax", skip=lambda p: None if p.jax else ("checked against autograd" if p.autograd else p.note)),
)
def test_program_matches_jax(program):
    args = _args(program)
    expected = _jax_gradient(program, args)
    got = xformad.grad(program.fn, argnums=_argnums(program))(*args)
    _assert_trees_close(tuple(got), tuple(expected))


@pytest.mark.parametrize("program", _params("emitted_source"))
def test_program_emitted_source_matches_grad(program):
    """The derivative program emitted as Python source runs to grad's result, bit for bit.
    The data (non-differentiated arguments) are held static, as one fits one dataset."""
    args = _args(program)
    nums = _argnums(program)
    g = xformad.grad(program.fn, argnums=nums)
    static = tuple(i for i in range(len(args)) if i not in nums)
    src = xformad.source(g, *args, static_argnums=static)
    got = src.compile()(*tree_flatten([args[i] for i in nums])[0])
    expected = tree_flatten(tuple(g(*args)))[0]
    got = tree_flatten(got)[0]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


# Buffers made inside the function take traced values (xformad/buffers.py); an array made
# outside it cannot, and writing a traced value into one must fail loudly, naming the fix,
# never return a silently wrong (zero) gradient.
_SHARED = np.zeros(3)  # made at import, outside any traced function


def _ar_filter_into_buffer(x, out=None):
    out = np.zeros(len(x)) if out is None else out
    out[0] = x[0]
    for t in range(1, len(x)):
        out[t] = x[t] + 0.5 * out[t - 1]
    return np.sum(out**2)


def _accumulate_into_buffer(x, total=None):
    total = np.zeros(3) if total is None else total
    for k in range(3):
        total += x[k] * x
    return total.sum()


@pytest.mark.parametrize(
    "fn, fix",
    [(_ar_filter_into_buffer, "made outside"), (_accumulate_into_buffer, "made outside")],
    ids=["out[t]=traced", "plain+=traced"],
)
def test_writing_into_an_array_made_outside_fails_loudly(fn, fix):
    x = np.array([0.3, -1.2, 0.8])
    with pytest.raises(xformad.TracerConversionError) as info:
        xformad.grad(lambda x: fn(x, _SHARED))(x)
    assert fix in str(info.value)
    np.testing.assert_array_equal(_SHARED, 0.0)  # and the outside array is untouched


@pytest.mark.parametrize(
    "fn", [_ar_filter_into_buffer, _accumulate_into_buffer], ids=["out[t]=traced", "+=traced"]
)
def test_the_same_buffers_made_inside_differentiate(fn):
    x = np.array([0.3, -1.2, 0.8])
    check_grads(fn, (x,), modes=("fwd", "rev"), order=2)
    assert xformad.value_and_grad(fn)(x)[0] == fn(x)
