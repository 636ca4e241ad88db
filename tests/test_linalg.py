"""numpy.linalg under xformad: values equal numpy's, derivatives match central finite
differences in both modes (order 2 where smooth), over batched shapes; autograd and JAX
serve as second oracles; unsupported variants raise errors that say what to do."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.errors import UnsupportedOperation
from xformad.testing import check_grads

RNG = np.random.default_rng(7)


def _mT(x):
    return np.swapaxes(x, -1, -2)


def normal(*shape, dtype=np.float64):
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dtype)


def well_conditioned(*shape, dtype=np.float64):
    return normal(*shape, dtype=dtype) + 4.0 * np.eye(shape[-1])


def spd(*shape):
    x = normal(*shape)
    return x @ _mT(x) + 3.0 * np.eye(shape[-1])


def value(f, *args):
    """f's value as computed under tracing."""
    return xformad.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


def assert_traced_value_matches(f, *args, rtol=1e-12):
    np.testing.assert_allclose(value(f, *args), f(*args), rtol=rtol, atol=1e-13)


# --- solve, inv, det, slogdet -----------------------------------------------------------
SOLVE_SHAPES = [
    ((3, 3), (3,)),
    ((3, 3), (3, 2)),
    ((2, 3, 3), (2, 3, 1)),
    ((2, 3, 3), (3, 2)),  # b broadcast over the batch
    ((2, 3, 3), (3,)),
]


@pytest.mark.parametrize("a_shape,b_shape", SOLVE_SHAPES)
def test_solve(a_shape, b_shape):
    a, b = well_conditioned(*a_shape), normal(*b_shape)
    assert_traced_value_matches(np.linalg.solve, a, b)
    check_grads(np.linalg.solve, (a, b))


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_inv_det_slogdet(shape):
    a = well_conditioned(*shape)
    a_neg = a.copy()
    a_neg[..., 0, :] *= -1  # a negative determinant: sign -1, same log|det|
    for f in (np.linalg.inv, np.linalg.det, lambda a: np.linalg.slogdet(a).logabsdet):
        assert_traced_value_matches(f, a)
        check_grads(f, (a,))
        check_grads(f, (a_neg,))
    sign, _ = value(np.linalg.slogdet, a_neg)
    np.testing.assert_array_equal(sign, np.linalg.slogdet(a_neg).sign)


def test_complex_solve_inv_det_slogdet():
    a, b = well_conditioned(3, 3, dtype=np.complex128), normal(3, 2, dtype=np.complex128)
    check_grads(np.linalg.solve, (a, b))
    check_grads(np.linalg.inv, (a,))
    check_grads(np.linalg.det, (a,))
    check_grads(lambda a: np.linalg.slogdet(a).sign, (a,))
    check_grads(lambda a: np.linalg.slogdet(a).logabsdet, (a,))
    assert_traced_value_matches(lambda a: np.linalg.slogdet(a).sign, a)


def test_float32_stays_float32():
    a = well_conditioned(3, 3).astype(np.float32)
    g = xformad.grad(lambda a: np.linalg.det(a) + np.sum(np.linalg.inv(a)))(a)
    assert g.dtype == np.float32
    g = xformad.grad(lambda a: np.sum(np.linalg.svd(a, compute_uv=False)))(a)
    assert g.dtype == np.float32


# --- decompositions -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(shape, upper):
    x = normal(*shape)

    def f(x):
        return np.linalg.cholesky(x @ _mT(x) + 3 * np.eye(shape[-1]), upper=upper)

    assert_traced_value_matches(f, x)
    check_grads(f, (x,))


def test_cholesky_and_eigh_of_a_symmetric_input():
    """Built symmetric, the input's derivative is the same in every convention; numpy's
    function of one triangle is covered on non-symmetric inputs in test_linalg_triangle.py."""
    x = normal(3, 3)

    def logdet(x):
        return 2 * np.sum(np.log(np.diagonal(np.linalg.cholesky(x @ x.T + 3 * np.eye(3)))))

    a = x @ x.T + 3 * np.eye(3)
    np.testing.assert_allclose(xformad.grad(logdet)(x), 2 * np.linalg.inv(a) @ x, rtol=1e-10)
    check_grads(lambda x: np.linalg.eigvalsh(x + x.T, UPLO="U") ** 2, (x,))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eigh(shape):
    x = normal(*shape)

    def eigen_function(x):  # V exp(W) V^T: free of the eigenvectors' sign freedom
        w, v = np.linalg.eigh(x + _mT(x))
        return (v * np.exp(w / 4)[..., None, :]) @ _mT(v), w, v * v

    assert_traced_value_matches(lambda x: np.linalg.eigh(x + _mT(x)).eigenvalues, x)
    check_grads(eigen_function, (x,))
    check_grads(lambda x: np.linalg.eigvalsh(x + _mT(x), UPLO="U"), (x,))


def test_eigvalsh_gradient_is_finite_for_repeated_eigenvalues():
    a = np.eye(3)  # every eigenvalue repeated: eigenvectors are not unique, eigenvalues are
    g = xformad.grad(lambda a: np.sum(np.linalg.eigvalsh(a) ** 2))(a)
    np.testing.assert_allclose(g, 2 * a)
    t = normal(3, 3)
    _, tangent = xformad.jvp(lambda a: np.sum(np.linalg.eigvalsh(a) ** 2), (a,), (t,))
    np.testing.assert_allclose(tangent, 2 * np.trace(t))
    g = xformad.grad(lambda a: np.linalg.norm(a, 2))(a + np.diag([1.0, 0, 0]))
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 4, 3), (2, 3, 4)])
def test_svd(shape):
    x = normal(*shape)

    def factors(x):  # each output is invariant under the joint sign flip of u_i and v_i
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        return u * u, s, vh * vh, (u * np.sqrt(s)[..., None, :]) @ vh

    assert_traced_value_matches(lambda x: np.linalg.svd(x, compute_uv=False), x)
    check_grads(factors, (x,))
    check_grads(lambda x: np.linalg.svd(x, compute_uv=False), (x,))
    check_grads(np.linalg.svdvals, (x,))


def test_svd_full_matrices():
    square = normal(3, 3)
    check_grads(lambda x: np.abs(np.linalg.svd(x)[0]), (square,))
    wide = normal(3, 5)
    u, s, vh = np.linalg.svd(wide)
    tu, ts, tvh = value(np.linalg.svd, wide)
    assert tvh.shape == vh.shape == (5, 5)
    np.testing.assert_allclose(ts, s, rtol=1e-12)
    # the singular values of a full-matrices SVD differentiate ...
    check_grads(lambda x: np.linalg.svd(x)[1], (wide,))
    # ... but the completed singular vectors are not unique: a clear error, not a number
    with pytest.raises(UnsupportedOperation, match="full_matrices=False"):
        xformad.grad(lambda x: np.sum(np.linalg.svd(x)[2] ** 2))(wide)


@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (3, 5), (2, 4, 3), (2, 3, 4)])
def test_qr(shape):
    x = normal(*shape)
    assert_traced_value_matches(lambda x: np.linalg.qr(x).Q, x, rtol=1e-10)
    assert_traced_value_matches(lambda x: np.linalg.qr(x).R, x, rtol=1e-10)
    check_grads(lambda x: tuple(np.linalg.qr(x)), (x,))
    check_grads(lambda x: np.linalg.qr(x, mode="r"), (x,))


def test_qr_complete_mode_names_the_fix():
    with pytest.raises(UnsupportedOperation, match="mode='reduced'"):
        xformad.grad(lambda x: np.sum(np.linalg.qr(x, mode="complete")[0]))(normal(4, 2))


# --- pinv and lstsq -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 3, 4)])
def test_pinv(shape):
    x = normal(*shape)
    assert_traced_value_matches(np.linalg.pinv, x)
    check_grads(np.linalg.pinv, (x,))


def test_pinv_of_rank_deficient_and_repeated_singular_values():
    """The Golub-Pereyra derivative holds wherever the rank is locally constant, and needs
    no singular-value gaps (an SVD-based rule would divide by zero at the identity)."""
    b, c = normal(4, 2), normal(2, 3)
    check_grads(lambda b, c: np.linalg.pinv(b @ c), (b, c))  # rank 2 of 3
    g = xformad.grad(lambda a: np.sum(np.linalg.pinv(a) * np.arange(9.0).reshape(3, 3)))(np.eye(3))
    np.testing.assert_allclose(g, -np.arange(9.0).reshape(3, 3), rtol=1e-12)  # -A^{-T} W A^{-T}
    sym = spd(3, 3)
    check_grads(lambda a: np.linalg.pinv(a + _mT(a), hermitian=True), (sym,))


@pytest.mark.parametrize(
    "a_shape,b_shape", [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 3), (3,)), ((2, 4), (2,))]
)
def test_lstsq(a_shape, b_shape):
    a, b = normal(*a_shape), normal(*b_shape)
    x, residuals, rank, s = np.linalg.lstsq(a, b)
    tx, tres, trank, ts = value(lambda a, b: np.linalg.lstsq(a, b), a, b)
    np.testing.assert_allclose(tx, x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tres, residuals, rtol=1e-10)
    np.testing.assert_allclose(ts, s, rtol=1e-12)
    assert trank == rank
    check_grads(lambda a, b: np.linalg.lstsq(a, b)[0], (a, b))
    if residuals.size:
        check_grads(lambda a, b: np.linalg.lstsq(a, b)[1], (a, b))


# --- norms --------------------------------------------------------------------------------
VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 3, 0.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norms(ord):
    x = normal(4) + np.sign(normal(4)) * 0.5  # away from the kinks of |x| at 0
    mat = normal(3, 4) + 0.3
    assert_traced_value_matches(lambda x: np.linalg.norm(x, ord), x)
    check_grads(lambda x: np.linalg.norm(x, ord), (x,))
    for axis, keepdims in [(0, False), (1, True), (-1, False)]:

        def f(m):
            return np.linalg.norm(m, ord, axis=axis, keepdims=keepdims)

        assert_traced_value_matches(f, mat)
        check_grads(f, (mat,), order=1 if ord in (np.inf, -np.inf) else 2)
    assert value(lambda x: np.linalg.norm(x, 0), x) == np.linalg.norm(x, 0)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norms(ord):
    x = normal(3, 4) + 0.3
    batch = normal(2, 3, 3) + 0.3
    smooth = ord in (None, "fro", "nuc", 2, -2)
    order = 2 if smooth else 1
    for f, arg in [
        (lambda m: np.linalg.norm(m, ord), x),
        (lambda m: np.linalg.norm(m, ord, axis=(2, 1), keepdims=True), batch),
        (lambda m: np.linalg.matrix_norm(m, ord="fro" if ord is None else ord), batch),
    ]:
        assert_traced_value_matches(f, arg)
        check_grads(f, (arg,), order=order)


def test_norm_defaults_and_vector_norm():
    x = normal(2, 3, 2)
    assert_traced_value_matches(np.linalg.norm, x)
    assert_traced_value_matches(lambda x: np.linalg.norm(x, keepdims=True), x)
    check_grads(np.linalg.norm, (x,))
    for kwargs in [
        {},
        {"axis": (0, 2)},
        {"axis": 1, "keepdims": True},
        {"ord": 1, "axis": (0, 2), "keepdims": True},
    ]:

        def f(x, kwargs=kwargs):
            return np.linalg.vector_norm(x, **kwargs)

        assert_traced_value_matches(f, x)
        check_grads(f, (x,), order=2 if kwargs.get("ord", 2) == 2 else 1)
    z = normal(3, dtype=np.complex128)
    assert_traced_value_matches(np.linalg.norm, z)
    check_grads(np.linalg.norm, (z,))


def test_norm_rejects_bad_orders():
    with pytest.raises(ValueError, match="Invalid norm order"):
        xformad.grad(lambda x: np.linalg.norm(x, "fro", axis=0))(normal(3))
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        xformad.grad(lambda x: np.linalg.norm(x, 2))(normal(2, 2, 2))


# --- products and small lowerings ----------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    a = well_conditioned(2, 3, 3) / 4

    def f(a):
        return np.linalg.matrix_power(a, n)

    assert_traced_value_matches(f, a, rtol=1e-10)
    check_grads(f, (a,))


def test_trace_and_diagonal():
    x = normal(2, 3, 4)
    for f in (
        np.trace,
        lambda x: np.trace(x, 1, axis1=1, axis2=2),
        lambda x: np.linalg.trace(x, offset=-1),
        lambda x: np.linalg.diagonal(x, offset=1),
    ):
        assert_traced_value_matches(f, x)
        check_grads(f, (x,))


@pytest.mark.parametrize("first,last", [((3,), (4,)), ((2, 3), (4, 2)), ((3,), (4, 2)), ((2, 3), (4,))])
def test_multi_dot(first, last):
    a, b, c = normal(*first), normal(3, 5), normal(5, 4)
    d = normal(*last)
    assert_traced_value_matches(lambda a, b, c, d: np.linalg.multi_dot([a, b, c, d]), a, b, c, d, rtol=1e-10)
    check_grads(lambda a, b, c, d: np.linalg.multi_dot([a, b, c, d]), (a, b, c, d))


def test_numpy2_products():
    x, y = normal(2, 3), normal(3)
    z = normal(2, 3, dtype=np.complex128)
    cases = [
        (lambda x, y: np.vecdot(x, y), (x, y)),
        (lambda x, y: np.vecdot(x, y, axis=0), (x, normal(2, 1))),
        (lambda x, y: np.linalg.vecdot(x, y), (x, y)),
        (lambda z, x: np.linalg.vecdot(z, x), (z, x)),
        (lambda x: np.linalg.matrix_transpose(x) * np.arange(6.0).reshape(3, 2), (x,)),
        (lambda x, y: np.linalg.outer(x[0], y), (x, y)),
        (lambda x, y: np.linalg.cross(x, y), (x, y)),
        (lambda x, y: np.linalg.cross(x.T, y[:, None], axis=0), (x, y)),
        (lambda x, y: np.linalg.matmul(x, y), (x, y)),
        (lambda x, y: np.linalg.tensordot(x, y, axes=1), (x, y)),
    ]
    for f, args in cases:
        assert_traced_value_matches(f, *args)
        check_grads(f, args)


def test_matvec_vecmat_tensorinv_tensorsolve():
    a, v = normal(2, 3, 4), normal(4)
    z = normal(3, dtype=np.complex128)
    cases = [
        (np.matvec, (a, v)),
        (np.vecmat, (normal(2, 3), a)),
        (np.vecmat, (z, normal(3, 2) + 0j)),
        (lambda t: np.linalg.tensorinv(t, ind=1), (well_conditioned(6, 6).reshape(6, 2, 3),)),
        (lambda t, b: np.linalg.tensorsolve(t, b), (well_conditioned(6, 6).reshape(2, 3, 6), normal(2, 3))),
        (
            lambda t, b: np.linalg.tensorsolve(t, b, axes=(0,)),
            (np.moveaxis(well_conditioned(6, 6).reshape(2, 3, 2, 3), 3, 0), normal(2, 3)),
        ),
    ]
    for f, args in cases:
        assert_traced_value_matches(f, *args, rtol=1e-10)
        check_grads(f, args)


def test_cond():
    a = well_conditioned(2, 3, 3)
    for p in (None, 2, -2, "fro", 1):

        def f(a, p=p):
            return np.linalg.cond(a, p)

        assert_traced_value_matches(f, a, rtol=1e-10)
        check_grads(f, (a,), order=2 if p in (None, 2, -2, "fro") else 1)


# --- second oracles -------------------------------------------------------------------------
def test_gradients_match_autograd():
    agnp = pytest.importorskip("autograd.numpy")
    autograd = pytest.importorskip("autograd")
    a, x, b = well_conditioned(3, 3), normal(4, 3), normal(3)
    programs = [
        (lambda np_, a: np_.sum(np_.linalg.solve(a, b) ** 2), a),
        (lambda np_, a: np_.linalg.det(a) + np_.sum(np_.linalg.inv(a)), a),
        (lambda np_, a: np_.linalg.slogdet(a)[1], a),
        (lambda np_, a: np_.sum(np_.linalg.cholesky(np_.dot(a, a.T)) * b), a),
        (lambda np_, a: np_.sum(np_.linalg.eigh(a + a.T)[0] ** 3), a),
        (lambda np_, x: np_.sum(np_.linalg.svd(x, full_matrices=False)[1] ** 2 * np_.arange(3.0)), x),
        (lambda np_, x: np_.sum(np_.linalg.pinv(x) ** 2), x),
        (lambda np_, x: np_.linalg.norm(x, "nuc") + np_.linalg.norm(x, "fro"), x),
    ]
    for program, arg in programs:
        ours = xformad.grad(lambda v, program=program: program(np, v))(arg)
        theirs = autograd.grad(lambda v, program=program: program(agnp, v))(arg)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_qr_and_complex_det_gradients_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    x = normal(5, 3)
    w = normal(5, 3)

    def loss(np_, x):
        q, r = np_.linalg.qr(x)
        return np_.sum(q * w) + np_.sum(r * r) + np_.linalg.norm(x, 2) + np_.linalg.norm(x, -np_.inf)

    ours = xformad.grad(lambda v: loss(np, v))(x)
    theirs = np.asarray(jax.jit(jax.grad(lambda v: loss(jnp, v)))(x))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    z = well_conditioned(3, 3, dtype=np.complex128)
    ours = xformad.grad(lambda z: np.real(np.linalg.det(z) * (1 + 2j)))(z)
    theirs = np.asarray(jax.grad(lambda z: jnp.real(jnp.linalg.det(z) * (1 + 2j)))(z))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


HESSIAN_PROGRAMS = {
    "slogdet": lambda np_, x, w: np_.linalg.slogdet(x + 4 * np_.eye(3))[1],
    "cholesky": lambda np_, x, w: np_.sum(np_.linalg.cholesky(x @ x.T + np_.eye(3)) * w),
    "eigh": lambda np_, x, w: (
        np_.sum(np_.linalg.eigh(x + x.T)[1] ** 2 * w) + np_.sum(np_.linalg.eigvalsh(x + x.T) ** 3)
    ),
    # full_matrices=False: older jax (as pip resolves on Python 3.10) has no JVP for full ones
    "svd": lambda np_, x, w: (
        np_.sum(np_.linalg.svd(x, full_matrices=False)[1] ** 3)
        + np_.sum(np_.linalg.svd(x, full_matrices=False)[0] ** 2 * w)
    ),
    "qr": lambda np_, x, w: np_.sum(np_.linalg.qr(x)[0] * w) + np_.sum(np_.linalg.qr(x)[1] ** 2),
    "pinv": lambda np_, x, w: np_.sum(np_.linalg.pinv(x[:, :2]) ** 2),
    "norms": lambda np_, x, w: np_.linalg.norm(x, 2) + np_.linalg.norm(x, "nuc"),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_PROGRAMS))
def test_hessians_match_jax(name):
    """Forward-over-reverse through every decomposition, against JAX's hessian."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    program = HESSIAN_PROGRAMS[name]
    x, w = normal(3, 3), normal(3, 3)
    ours = xformad.hessian(lambda v: program(np, v, w))(x)
    theirs = np.asarray(jax.jit(jax.hessian(lambda v: program(jax.numpy, v, w)))(x))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10 * np.max(np.abs(theirs)))


# --- on a device backend (the fake device of tests/fake_device.py is as strict as cupy) --
@pytest.fixture
def fake_device():
    from . import fake_device as fd

    fd.install()
    yield fd
    fd.uninstall()


def test_rules_keep_their_constants_on_the_device(fake_device):
    """Identity matrices, triangle masks and NaN fills built by the rules are placed beside
    device arrays (numpy arrays there raise, as in cupy); results equal the host ones."""
    a, x = well_conditioned(3, 3), normal(4, 3)
    programs = [
        (lambda a: np.linalg.det(a) + np.sum(np.linalg.inv(a)) + np.linalg.slogdet(a)[1], a),
        (lambda a: np.sum(np.linalg.cholesky(a @ a.T) * np.arange(3.0)), a),
        (lambda a: np.sum(np.linalg.eigh(a + a.T)[1] ** 2 * np.arange(3.0)), a),
        (lambda x: np.sum(np.linalg.svd(x, full_matrices=False)[0] ** 2 * np.arange(3.0)), x),
        (lambda x: np.sum(np.linalg.svd(x)[1]) + np.sum(np.linalg.qr(x)[0]), x),
        (lambda x: np.linalg.norm(x, 2) + np.sum(np.linalg.pinv(x)), x),
    ]
    for f, arg in programs:
        on_device = xformad.grad(f)(fake_device.to_device(arg))
        np.testing.assert_allclose(fake_device.to_host(on_device), xformad.grad(f)(arg), rtol=1e-10)


# --- errors and the derivative program -------------------------------------------------------
def test_complex_decompositions_raise_with_advice():
    z = spd(3, 3) + 0j
    for f in (np.linalg.cholesky, np.linalg.qr, np.linalg.pinv):
        with pytest.raises(UnsupportedOperation, match="real matrices only"):
            xformad.grad(lambda z, f=f: np.real(np.sum(f(z)[0])))(z)


def test_derivative_program_uses_linalg_primitives():
    a = well_conditioned(3, 3)
    graph = xformad.make_graph(xformad.grad(lambda a: np.linalg.slogdet(a)[1]))(a)
    names = {node.primitive.name for node in graph.nodes}
    assert {"slogdet", "solve"} <= names
