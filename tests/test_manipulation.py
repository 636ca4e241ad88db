"""Array manipulation (xformad/numpy_api/manipulation.py): every function's value against
numpy and its derivatives in both modes against finite differences, to order 2."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import TracerConversionError
from xformad.testing import check_grads

RNG = np.random.default_rng(7)


def _a(*shape):
    """Distinct values (no ties: sort and friends are differentiable there)."""
    return RNG.permutation(np.linspace(-2.0, 2.0, int(np.prod(shape)))).reshape(
        shape
    ) + 0.01 * RNG.standard_normal(shape)


def check(fn, *args, order=2):
    """Value equals numpy's, then both modes match finite differences."""
    y, _ = xformad.jvp(fn, args, tuple(np.zeros_like(a) for a in args))
    np.testing.assert_allclose(y, fn(*args), rtol=1e-12, atol=1e-14)
    check_grads(fn, args, modes=("fwd", "rev"), order=order)


IDX = np.array([0, 2, 2, -1])

SMOOTH = {
    # sorting
    "sort-1d": (lambda x: np.sort(x), [(6,)]),
    "sort-axis0": (lambda x: np.sort(x, axis=0), [(3, 4)]),
    "sort-none": (lambda x: np.sort(x, axis=None), [(3, 4)]),
    "sort-then-weight": (lambda x: np.sort(x) * np.arange(1.0, 7.0), [(6,)]),
    "partition": (lambda x: np.partition(x, 2)[:3], [(7,)]),
    "partition-axis": (lambda x: np.sort(np.partition(x, (1, 3), axis=0)[1]), [(5, 3)]),
    # gathers
    "take-flat": (lambda x: np.take(x, IDX), [(3, 4)]),
    "take-axis1": (lambda x: np.take(x, IDX, axis=1), [(3, 4)]),
    "take-2d-index": (lambda x: np.take(x, np.array([[0, 1], [1, 1]]), axis=0), [(2, 3)]),
    "take-wrap": (lambda x: np.take(x, np.array([5, -7, 1]), mode="wrap"), [(4,)]),
    "take-clip": (lambda x: np.take(x, np.array([5, -7, 1]), mode="clip"), [(4,)]),
    "take-method": (lambda x: x.take([1, 1, 0]), [(3,)]),
    "take_along_axis": (lambda x: np.take_along_axis(x, np.argsort(x, axis=1), axis=1), [(3, 4)]),
    "take_along_axis-bcast": (lambda x: np.take_along_axis(x, np.array([[0], [2]]), axis=0), [(3, 4)]),
    "take_along_axis-none": (lambda x: np.take_along_axis(x, np.array([5, 0, 5]), axis=None), [(2, 3)]),
    "take_along_axis-max": (
        lambda x: np.take_along_axis(x, np.expand_dims(np.argmax(x, axis=0), 0), axis=0),
        [(3, 4)],
    ),
    "choose": (lambda x, y: np.choose(np.array([0, 1, 1, 0]), [x, y]), [(4,), (4,)]),
    "choose-bcast": (lambda x, y: np.choose(np.array([[0], [1]]), (x, y)), [(3,), (2, 3)]),
    "choose-wrap": (lambda x, y: np.choose(np.array([0, 3, 2]), (x, y), mode="wrap"), [(3,), (3,)]),
    "select": (lambda x, y: np.select([x > 0.5, x < -0.5], [x * y, y], default=x), [(5,), (5,)]),
    "select-bcast": (lambda x, y: np.select([x > 0], [y], default=1.0), [(2, 3), (3,)]),
    "compress": (lambda x: np.compress([True, False, True], x, axis=0), [(3, 4)]),
    "compress-flat": (lambda x: np.compress(np.array([1, 0, 0, 1, 1]), x), [(2, 3)]),
    "compress-traced": (lambda x: np.compress(x[0] > 0, x, axis=1), [(3, 4)]),
    "extract": (lambda x: np.extract(x > 0, x), [(3, 4)]),
    "unique": (lambda x: np.unique(np.concatenate([x, x[:2]])), [(4,)]),
    "unique-2d": (lambda x: np.unique(np.concatenate([x, x[:1]])) * 2.0, [(2, 3)]),
    "unique-axis": (lambda x: np.unique(np.concatenate([x, x[:1]]), axis=0), [(2, 3)]),
    "nonzero-gather": (lambda x: x[np.nonzero(x > 0)], [(3, 4)]),
    "where-one-arg": (lambda x: x[np.where(x > 0)], [(3, 4)]),
    "argwhere-gather": (lambda x: x[tuple(np.argwhere(x > 0).T)], [(3, 4)]),
    "flatnonzero-gather": (lambda x: np.ravel(x)[np.flatnonzero(x > 0)], [(3, 4)]),
    # moves and copies
    "roll-flat": (lambda x: np.roll(x, 2), [(3, 4)]),
    "roll-axis": (lambda x: np.roll(x, -1, axis=1), [(3, 4)]),
    "roll-multi": (lambda x: np.roll(x, (1, 5), axis=(0, 1)), [(3, 4)]),
    "rot90": (lambda x: np.rot90(x), [(3, 4)]),
    "rot90-k2": (lambda x: np.rot90(x, 2), [(3, 4)]),
    "rot90-k3-axes": (lambda x: np.rot90(x, -1, axes=(1, 2)), [(2, 3, 4)]),
    "tile": (lambda x: np.tile(x, 3), [(4,)]),
    "tile-2d": (lambda x: np.tile(x, (2, 1, 2)), [(2, 3)]),
    "repeat": (lambda x: np.repeat(x, 2), [(2, 3)]),
    "repeat-axis": (lambda x: np.repeat(x, 3, axis=1), [(2, 3)]),
    "repeat-counts": (lambda x: np.repeat(x, [1, 0, 2], axis=1), [(2, 3)]),
    "repeat-method": (lambda x: x.repeat(2, axis=0), [(2, 3)]),
    "pad-constant": (lambda x: np.pad(x, 1), [(3, 4)]),
    "pad-constant-values": (
        lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=((1, 2), (3, 4))),
        [(3, 4)],
    ),
    "pad-traced-constant": (lambda x, c: np.pad(x, 1, constant_values=c), [(3,), ()]),
    "pad-edge": (lambda x: np.pad(x, (2, 1), mode="edge"), [(3, 4)]),
    "pad-reflect": (lambda x: np.pad(x, ((2, 3), (1, 1)), mode="reflect"), [(3, 4)]),
    "pad-reflect-long": (lambda x: np.pad(x, 5, mode="reflect"), [(3,)]),
    "pad-symmetric": (lambda x: np.pad(x, 2, mode="symmetric"), [(3, 4)]),
    "pad-wrap": (lambda x: np.pad(x, ((0, 3),), mode="wrap"), [(4,)]),
    "insert-scalar": (lambda x: np.insert(x, 1, 5.0), [(4,)]),
    "insert-traced": (lambda x, v: np.insert(x, [0, 2, 2], v), [(4,), (3,)]),
    "insert-axis": (lambda x, v: np.insert(x, 1, v, axis=1), [(3, 4), (3,)]),
    "insert-bcast": (lambda x, v: np.insert(x, [1, 3], v, axis=0), [(3, 4), ()]),
    "delete": (lambda x: np.delete(x, [0, 2]), [(3, 4)]),
    "delete-axis": (lambda x: np.delete(x, 1, axis=1), [(3, 4)]),
    "delete-slice": (lambda x: np.delete(x, slice(None, None, 2), axis=0), [(5, 2)]),
    "append": (lambda x, y: np.append(x, y), [(2, 3), (4,)]),
    "append-axis": (lambda x, y: np.append(x, y, axis=0), [(2, 3), (1, 3)]),
    "column_stack": (lambda x, y: np.column_stack([x, y]), [(3,), (3, 2)]),
    "dstack": (lambda x, y: np.dstack((x, y)), [(2, 3), (2, 3)]),
    "hstack": (lambda x, y: np.hstack((x, y)), [(2, 3), (2, 1)]),
    "vstack": (lambda x, y: np.vstack((x, y)), [(3,), (2, 3)]),
    "block": (lambda x, y: np.block([[x, y[:, :1]], [y[:1, :3], np.ones((1, 1))]]), [(2, 3), (2, 4)]),
    "block-1d-scalars": (lambda x: np.block([x, 1.0, x[::-1]]), [(3,)]),
    "block-3d": (lambda x: np.block([[[x]], [[x * 2]]]), [(2, 2)]),
    "sort_complex": (lambda x: np.real(np.sort_complex(x)) * np.arange(5.0), [(5,)]),
    "bincount-weights": (lambda w: np.bincount(np.array([0, 3, 3, 1]), weights=w, minlength=6), [(4,)]),
    "bincount-traced-bins": (lambda x: np.bincount(np.argsort(x[0]), weights=x[1]), [(2, 4)]),
    "rollaxis": (lambda x: np.rollaxis(x, 2), [(2, 3, 4)]),
    "rollaxis-start": (lambda x: np.rollaxis(x, 0, 3), [(2, 3, 4)]),
    # splits fall back to numpy's own code, which runs on tracers
    "split": (lambda x: np.split(x, 2, axis=1)[1], [(3, 4)]),
    "array_split": (lambda x: np.array_split(x, 3)[0] * np.array_split(x, 3)[2][0], [(7,)]),
    "hsplit": (lambda x: np.hsplit(x, [1, 3])[1], [(3, 4)]),
    "vsplit": (lambda x: np.vsplit(x, 3)[2], [(3, 4)]),
    "dsplit": (lambda x: np.dsplit(x, 2)[0], [(2, 3, 4)]),
    "flip": (lambda x: np.flip(x) * np.arange(12.0).reshape(3, 4), [(3, 4)]),
    "fliplr": (lambda x: np.fliplr(x), [(3, 4)]),
    "flipud": (lambda x: np.flipud(x), [(3, 4)]),
    # diagonals and triangles
    "diag-extract": (lambda x: np.diag(x), [(3, 4)]),
    "diag-extract-k": (lambda x: np.diag(x, -1), [(3, 4)]),
    "diag-build": (lambda x: np.diag(x), [(3,)]),
    "diag-build-k": (lambda x: np.diag(x, 2), [(3,)]),
    "diag-build-negk": (lambda x: np.diag(x, -1), [(3,)]),
    "diagonal": (lambda x: np.diagonal(x, 1), [(3, 4)]),
    "diagonal-axes": (lambda x: np.diagonal(x, -1, axis1=2, axis2=0), [(3, 2, 4)]),
    "diagonal-method": (lambda x: x.diagonal(), [(3, 3)]),
    "diagflat": (lambda x: np.diagflat(x, 1), [(2, 2)]),
    "triu": (lambda x: np.triu(x), [(3, 4)]),
    "triu-k": (lambda x: np.triu(x, 1), [(2, 3, 3)]),
    "tril": (lambda x: np.tril(x), [(4, 3)]),
    "tril-k": (lambda x: np.tril(x, -1), [(3, 3)]),
    "trace": (lambda x: np.trace(x), [(3, 4)]),
    "trace-offset-axes": (lambda x: np.trace(x, 1, axis1=1, axis2=2), [(2, 3, 3)]),
    "trace-method": (lambda x: x.trace(), [(3, 3)]),
    # products
    "kron": (lambda a, b: np.kron(a, b), [(2, 3), (3, 2)]),
    "kron-1d": (lambda a, b: np.kron(a, b), [(3,), (2,)]),
    "kron-mixed-ndim": (lambda a, b: np.kron(a, b), [(2,), (2, 3)]),
    "cross": (lambda a, b: np.cross(a, b), [(3,), (3,)]),
    "cross-batched": (lambda a, b: np.cross(a, b), [(4, 3), (3,)]),
    "cross-axes": (lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0), [(3, 2), (2, 3)]),
    # grids
    "meshgrid": (lambda x, y: np.meshgrid(x, y)[0] * np.meshgrid(x, y)[1], [(3,), (4,)]),
    "meshgrid-ij": (lambda x, y, z: np.meshgrid(x, y, z, indexing="ij")[2], [(2,), (3,), (2,)]),
    "meshgrid-sparse": (lambda x, y: sum(np.meshgrid(x, y, sparse=True)), [(3,), (2,)]),
    # scans: cumsum along every axis form
    "cumsum-flat": (lambda x: np.cumsum(x), [(3, 4)]),
    "cumsum-axis0": (lambda x: np.cumsum(x, axis=0), [(3, 4)]),
    "cumsum-axis-neg": (lambda x: np.cumsum(x, axis=-1), [(2, 3, 4)]),
    "cumsum-method": (lambda x: x.cumsum(axis=1), [(3, 4)]),
    "cumulative_sum-initial": (lambda x: np.cumulative_sum(x, axis=1, include_initial=True), [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_values_and_gradients(name):
    fn, shapes = SMOOTH[name]
    check(fn, *(_a(*s) if s else np.float64(0.3) for s in shapes))


def test_sort_gradient_routes_to_sorted_position():
    x = np.array([3.0, 1.0, 2.0])
    w = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(xformad.grad(lambda x: np.sum(np.sort(x) * w))(x), [30.0, 10.0, 20.0])


def test_ndarray_sort_is_in_place():
    def f(x):
        y = x * 1.0
        y.sort()
        return y * np.arange(1.0, 5.0)

    x = _a(4)
    check(f, x)
    np.testing.assert_allclose(
        xformad.grad(lambda x: np.sum(f(x)))(np.array([4.0, 3.0, 2.0, 1.0])), [4, 3, 2, 1]
    )


def _put(x, v):
    y = x * 1.0
    np.put(y, [0, -1, 2], v)
    return y


def _put_cyclic(x, v):
    y = x * 1.0
    np.put(y, [0, 1, 2, 3], v)  # v shorter than the indices: numpy repeats it
    return y


def _put_along(x, v):
    y = x * 1.0
    np.put_along_axis(y, np.array([[1], [0]]), v, axis=1)
    return y


def _fill_diagonal(x, v):
    y = x * 1.0
    np.fill_diagonal(y, v)
    return y


def _fill_diagonal_wrap(x, v):
    y = x * 1.0
    np.fill_diagonal(y, v, wrap=True)
    return y


def _putmask(x, v):
    y = x * 1.0
    np.putmask(y, y > 0, v)
    return y


def _copyto(x, v):
    y = x * 1.0
    np.copyto(y, v, where=y < 0)
    return y


def _place(x, v):
    y = x * 1.0
    np.place(y, y > 0, v)
    return y


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (_put, [(5,), (3,)]),
        (_put_cyclic, [(2, 3), (2,)]),
        (_put_along, [(2, 3), (2, 1)]),
        (_place, [(6,), (2,)]),
    ],
    ids=["put", "put-cyclic", "put_along_axis", "place"],
)
def test_functional_writes(fn, shapes):
    check(fn, *(_a(*s) for s in shapes))


def test_put_repeated_index_last_write_wins():
    def f(x, v):
        y = x * 1.0
        np.put(y, [1, 1], v)
        return y

    x, v = np.zeros(3), np.array([5.0, 7.0])
    np.testing.assert_allclose(f(x, v), [0, 7, 0])
    jac = xformad.jacrev(f, argnums=(0, 1))(x, v)[1]
    np.testing.assert_allclose(jac, [[0, 0], [0, 1], [0, 0]])
    np.testing.assert_allclose(xformad.jacfwd(f, argnums=(0, 1))(x, v)[1], jac)


def test_writes_into_plain_arrays_name_the_fix():
    target, eye = np.zeros(3), np.eye(2)  # made outside the traced functions
    with pytest.raises(TracerConversionError, match="Make the target traced"):
        xformad.grad(lambda x: np.put(target, [0], x) or 0.0)(1.0)
    # numpy dispatches fill_diagonal on its target only: the generic conversion error names the fix
    with pytest.raises(TracerConversionError, match="np.zeros_like"):
        xformad.grad(lambda x: np.fill_diagonal(eye, x) or 0.0)(1.0)
    with pytest.raises(TracerConversionError, match="np.put_along_axis"):
        xformad.grad(lambda x: np.put_along_axis(target, np.array([0]), x, axis=0) or 0.0)(np.ones(1))


def test_pad_constant_is_one_slice_write():
    graph = xformad.make_graph(lambda x: np.pad(x, 2))(np.ones((2, 2)))
    assert [n.primitive.name for n in graph.nodes] == ["setitem"]


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
def test_pad_within_one_reflection_uses_slices_not_gathers(mode):
    graph = xformad.make_graph(lambda x: np.pad(x, ((1, 2), (2, 1)), mode=mode))(np.ones((3, 4)))
    names = [n.primitive.name for n in graph.nodes]
    assert "concatenate" in names
    assert all(n.params.get("spec", ()) == () or ("a", 0) not in n.params["spec"] for n in graph.nodes)


def test_gathers_accumulate_repeated_indices():
    g = xformad.grad(lambda x: np.sum(np.take(x, [0, 0, 2, 0])))(np.ones(3))
    np.testing.assert_allclose(g, [3, 0, 1])
    g = xformad.grad(lambda x: np.sum(np.tile(x, 3) * np.arange(6.0)))(np.ones(2))
    np.testing.assert_allclose(g, [0 + 2 + 4, 1 + 3 + 5])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: np.nonzero(x > 0),
        lambda x: np.argwhere(x > 0),
        lambda x: np.flatnonzero(x > 0),
        lambda x: np.searchsorted(np.sort(x[0]), x[1]),
        lambda x: np.searchsorted(x[0], x[1], sorter=np.argsort(x[0]), side="right"),
        lambda x: np.searchsorted(np.sort(x[0]), x[1:]),
        lambda x: np.ravel_multi_index(np.nonzero(np.reshape(x, (2, 3, 2)) > 0), (2, 3, 2)),
        lambda x: np.unique(np.round(x), axis=0, return_counts=True),
        lambda x: np.unique(np.round(x), return_index=True, return_inverse=True, return_counts=True),
        lambda x: np.ravel_multi_index(np.nonzero(x > 0), x.shape),
        lambda x: np.ravel_multi_index(
            (np.argmax(x, axis=0), np.array([5, -1, 2, 0])), (3, 4), mode=("raise", "wrap")
        ),
        lambda x: np.ravel_multi_index(np.nonzero(x > 0), (3, 4), order="F"),
        lambda x: np.unravel_index(np.argsort(np.ravel(x)), x.shape),
        lambda x: np.unravel_index(np.argmax(x), (4, 3), order="F"),
        lambda x: np.argpartition(x, 1, axis=0),
        lambda x: np.lexsort((x[0], np.round(x[1]))),
        lambda x: np.lexsort(np.round(x), axis=0),
        lambda x: np.digitize(x, np.array([-1.0, 0.0, 1.0])),
        lambda x: np.digitize(x, np.array([1.0, 0.0, -1.0]), right=True),
        lambda x: np.bincount(np.argsort(x[0]) % 2, minlength=3),
    ],
    ids=[
        "nonzero",
        "argwhere",
        "flatnonzero",
        "searchsorted",
        "searchsorted-sorter",
        "searchsorted-2d",
        "ravel_multi_index-3d",
        "unique-axis-counts",
        "unique-all",
        "ravel_multi_index",
        "ravel_multi_index-modes",
        "ravel_multi_index-F",
        "unravel_index",
        "unravel_index-F",
        "argpartition",
        "lexsort",
        "lexsort-axis0",
        "digitize",
        "digitize-decreasing",
        "bincount",
    ],
)
def test_index_queries_match_numpy(fn):
    x = _a(3, 4)
    got = xformad.jvp(fn, (x,), (np.ones_like(x),))[0]
    want = fn(x)
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        np.testing.assert_array_equal(g, w)


def test_index_queries_are_recomputed_nodes_not_constants():
    graph = xformad.make_graph(lambda x: x[np.nonzero(x > 0)])(np.ones(3))
    assert "nonzero" in {n.primitive.name for n in graph.nodes}


def test_ravel_multi_index_out_of_bounds_raises_like_numpy():
    with pytest.raises(ValueError, match="invalid entry"):
        xformad.jvp(lambda x: np.ravel_multi_index((np.argsort(x),), (2,)), (np.ones(3),), (np.ones(3),))


def test_cross_rejects_wrong_dimension():
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        xformad.grad(lambda x: np.sum(np.cross(x, x)))(np.ones(4))


def test_against_autograd():
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")

    def program(np_, x):
        y = np_.stack([np_.sort(x[i]) for i in range(3)])  # autograd sorts 1-D only
        y = np_.pad(y, 1, mode="constant") + np_.roll(np_.tile(x, (1, 1)), 1, axis=0)[0, 0]
        z = np_.kron(np_.tril(x[:, :3]), np_.diag(x[0, :2]))
        c = np_.cross(x[:, :3], x[:, 1:])
        return np_.sum(y**2) + np_.sum(np_.sin(z)) + np_.sum(c * np_.repeat(x[:, :1], 3, axis=1))

    x = _a(3, 4)
    want = ag.grad(lambda x: program(anp, x))(x)
    got = xformad.grad(lambda x: program(np, x))(x)
    np.testing.assert_allclose(got, want, rtol=1e-12)


F32_CASES = {
    "sort": lambda x: np.sort(x, axis=0),
    "pad-constant": lambda x: np.pad(x, 1, constant_values=2.0),
    "pad-reflect": lambda x: np.pad(x, 2, mode="reflect"),
    "diag": lambda x: np.diag(x[0], 1),
    "triu": np.triu,
    "kron": lambda x: np.kron(x, x),
    "cross": lambda x: np.cross(x[:, :3], x[:, 1:]),
    "insert": lambda x: np.insert(x, 1, 2.0, axis=0),
    "select": lambda x: np.select([x > 0], [x]),
    "choose": lambda x: np.choose([0, 1, 0, 1], x),
    "repeat": lambda x: np.repeat(x, [1, 2, 0, 1], axis=0),
}


@pytest.mark.parametrize("name", sorted(F32_CASES))
def test_float32_stays_float32(name):
    fn = F32_CASES[name]
    x = _a(4, 4).astype(np.float32)
    y, t = xformad.jvp(fn, (x,), (np.ones_like(x),))
    assert y.dtype == t.dtype == fn(x).dtype == np.float32
    assert xformad.grad(lambda x: np.sum(fn(x)))(x).dtype == np.float32


COMPLEX_CASES = {
    "sort": lambda z: np.sort(z),
    "take": lambda z: np.take(z, [1, 1, -1]),
    "pad-edge": lambda z: np.pad(z, 2, mode="edge"),
    "roll": lambda z: np.roll(z, 1),
    "tile": lambda z: np.tile(z, 2),
    "kron": lambda z: np.kron(z, z[:2]),
    "diag": lambda z: np.diag(z),
    "insert": lambda z: np.insert(z, 2, z[0] * 1j),
    "cross": lambda z: np.cross(z[:3], z[1:]),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex_values_and_gradients(name):
    z = _a(4) + 1j * _a(4)
    check(COMPLEX_CASES[name], z)


def _set_duplicates(x):
    y = x * 1.0
    y[np.array([0, 0, 2])] = x[1, :3][:, None] * np.ones(4)
    return y


DEVICE_CASES = {
    "sort": lambda x: np.sort(x, axis=1),
    "take": lambda x: np.take(x, [0, 2, 2], axis=1),
    "pad-constant": lambda x: np.pad(x, 1),
    "pad-reflect": lambda x: np.pad(x, 2, mode="reflect"),
    "pad-wide-wrap": lambda x: np.pad(x, 5, mode="wrap"),
    "repeat": lambda x: np.repeat(x, [1, 2, 0], axis=0),
    "diag": lambda x: np.diag(x[0]),
    "kron": lambda x: np.kron(x, x[:2, :2]),
    "insert": lambda x: np.insert(x, 1, x[0], axis=0),
    "nonzero": lambda x: x[np.nonzero(x > 0)],
    "unique": lambda x: np.unique(x),
    "bincount": lambda x: np.bincount(np.argsort(x[0]), weights=x[1]),
    "setitem-duplicates": _set_duplicates,
}


@pytest.mark.parametrize("name", sorted(DEVICE_CASES))
def test_device_backend_matches_numpy(name, fake_device_backend):
    """On a device backend (the strict fake of tests/fake_device.py), host constants of the
    lowerings must join device arrays: same gradient as on numpy, from host or device input."""
    from . import fake_device

    fn = DEVICE_CASES[name]
    x = _a(3, 4)

    def loss(x):
        return np.sum(fn(x) ** 2)

    want = xformad.grad(loss)(x)
    np.testing.assert_allclose(xformad.grad(loss, backend="fakedevice")(x), want, rtol=1e-12)
    got = fake_device.to_host(xformad.grad(loss)(fake_device.to_device(x)))
    np.testing.assert_allclose(got, want, rtol=1e-12)
