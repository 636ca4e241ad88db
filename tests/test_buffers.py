"""Arrays made inside a traced function (np.zeros & co., xformad/buffers.py) take traced
values: each program runs under numpy itself for the value, under check_grads for the
derivatives and under jit on two inputs; arrays made outside keep refusing traced values."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

NAMES = ("zeros", "ones", "empty", "full", "eye", "identity", "copy", "array", "asarray", "zeros_like")
ORIGINALS = {n: getattr(np, n) for n in NAMES}  # saved at import, outside any trace
X, X_OTHER = np.array([0.3, -1.2, 0.7, 1.9]), np.array([2.0, 0.4, -1.3, 0.6])  # other signs, argmin
X9, X9_OTHER = np.linspace(-1.0, 1.3, 9) + 0.1, np.cos(np.arange(9.0))
W4, M3, A4 = np.arange(1.0, 5.0), np.arange(9.0).reshape(3, 3), np.arange(16.0).reshape(4, 4) / 10
G = np.array([1.0, 2.0, 3.0, 4.0])  # a global array made outside


def agree(f, x, x_other, order=2):
    want = f(x.copy())  # numpy itself, on plain float arrays
    value, _ = xformad.value_and_grad(f)(x)
    assert value == want  # the same operations in the same order: bit for bit
    check_grads(f, (x,), modes=("fwd", "rev"), order=order)
    jitted, eager = xformad.jit(xformad.grad(f)), xformad.grad(f)
    for xi in (x, x_other, x):
        np.testing.assert_allclose(jitted(xi), eager(xi), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xformad.jit(f)(x_other), f(x_other.copy()), rtol=1e-12)


# -- programs on X ------------------------------------------------------------------------------
def element_and_slice_writes(x):
    o, H, r = np.zeros(3), np.ones((3, 4)), np.empty(4)
    o[0], o[2], o[1] = x[0] * x[1], np.sin(x[2]), 2.0
    H[1:3], H[0, ::2], H[:, 0] = np.outer(x[:2], x), x[2:], x[3] * 2
    r[0] = x[0]
    for i in range(1, 4):  # a recurrence reading what it wrote
        r[i] = 0.5 * r[i - 1] + x[i] * r[i - 1]
    return np.sum(o**2) + np.sum(np.tanh(H)) + np.sum(r**2)


def mask_and_fancy_writes(x):
    o, F, v = np.ones(4), np.zeros((3, 3)), np.zeros(3)
    o[x > 0] = x[x > 0] ** 2  # a traced mask: guarded, the jit retraces on X_OTHER
    o[np.array([True, False, True, False])] *= x[:2] ** 3
    F[[0, 1, 2], [2, 0, 1]] = x[:3]
    F[np.array([1]), :] += x[1:]
    v[[0, 2, 0]] = x[:3] ** 2  # repeated index: the last write wins
    v[[1, 1, 2]] += x[1:]  # buffered, as numpy does: x[1] is lost
    return np.sum(o * x) + np.sum(F @ F) + v @ W4[:3]


def inplace_operators(x):
    o = np.ones(4)
    o += x
    o *= x
    o[1:] *= x[:3]
    o[::2] += 1.5
    o[1:] += o[:-1]  # overlapping: numpy reads as if from a copy
    o[1:] = o[:-1] * 2
    return o @ W4


def ufunc_and_function_outs(x):
    o, p, q, a, b, c, s, d = np.zeros(4), np.empty(4), np.ones(4), *np.zeros((3, 4)), np.zeros(2), np.zeros(4)
    r = np.multiply(x, x, out=o)
    assert r is o and np.add(o, x, out=o) is o  # numpy returns out itself: so does xformad
    np.exp(x[:2], out=o[2:])
    np.matmul(A4, o, out=p)
    np.exp(x, out=q, where=x > 0)  # untouched where False, as numpy leaves them
    np.add(o[:-1], o[1:], out=o[1:])
    np.modf(x * 2.3, out=(a, b))
    np.cumsum(x, out=c)
    np.sum(x.reshape(2, 2), axis=0, out=s)
    np.dot(A4, x, out=d)
    np.clip(x, -0.5, 0.5, out=a)
    return np.sum(p * o) + q @ x + np.sum(a * b + c**2) + np.sum(s**3) + d @ x


def write_functions(x):
    o, p, w, c, H, D, m = np.zeros(3), np.zeros(4), np.ones(4), np.ones(4), *np.zeros((2, 2, 2)), np.zeros(4)
    np.add.at(o, [0, 2, 0, 1], x)
    p[1:] = x[:3]
    np.add.at(p, [0, 1, 1], p[::-1][:3])  # reads the buffer it accumulates into
    w.fill(x[0])
    w[1] *= 2.0
    np.copyto(c, x**2)
    np.copyto(c[1:], x[:3] * 2, where=np.array([True, False, True]))
    np.fill_diagonal(H, x[:2])
    np.fill_diagonal(D, x[3])
    H[0, 1] = x[2]
    e = np.ones(5)
    np.put(e, [0, 3], x[:2] ** 2)
    np.put(e, [1, 9], x[2:], mode="wrap")
    np.place(m, np.array([1, 0, 1, 1], bool), x[:3])
    np.putmask(m, np.array([0, 1, 1, 0], bool), x * 3)
    total = np.sum(o**2) + p @ W4 + w @ x + c @ x + np.sum(H @ H) + np.sum(D * D) * x[1]
    return total + e @ W4.repeat(2)[:5] + m @ x


def constants_after_use(x):
    w, s, t = np.ones(4), np.array([3.0, 1.0, 2.0, 0.5]), np.ones(4)
    v = w[1:]
    y, a, b = x * w, x * s, x * t  # operands: later constant writes must not change y, a, b
    w[0], v[1] = 100.0, 9.0
    w[1:3] *= 3.0
    z = x * w
    np.multiply(w, 2.0, out=w)
    s.sort()
    np.copyto(s, s[::-1] * 2)
    np.fill_diagonal(s.reshape(2, 2), -1.0)
    t[0], t[1] = x[0], 3.0  # a traced write after the use
    u = np.zeros(4)
    u[:] = x
    u.sort()
    return np.sum(y) + np.sum(z**2) + w @ x + a @ s + b @ t + u @ W4


def scale(out, k):  # a helper writing into the buffer it is given
    out[0] += k
    out *= k
    return out


def helpers_lists_and_creators(x):
    p = np.ones(4)
    r = scale(p, x[0])
    r[1] = x[1]
    scale(p[2:], x[2])
    A, b, g, d = np.array([[1.0, 2.0], [3.0, 4.0]]), np.asarray([0.5, -1.0]), np.array(G), np.copy(G)
    A[0, 1], b[1], g[0], d[1:] = x[0], x[1] * x[2], x[0], x[1:]
    E, Id, F = np.eye(3, k=1), np.identity(3), np.full((3, 3), 2.0)
    L, e = np.full_like(np.ones(3), 0.5), np.empty(3)
    E[2, 0], Id[1], F[0, 2], L[1], e[:] = x[0], x[:3], x[3], x[2], x[1:]
    return p @ x + r[1] + b @ A @ b + g @ d + np.asarray(G) @ x + np.sum(E @ Id @ F) + L @ e


def integers(x):
    idx, f, m = np.zeros(2, dtype=int), np.zeros(2), np.zeros(4, bool)  # int/bool stay plain: guarded
    idx[0], idx[1], f[0] = np.argmin(x), np.argmax(x), np.argmin(x)  # f: a float buffer, traced int
    m[:] = x > 0
    return x[idx[0]] ** 2 + x[idx[1]] * x[idx[0]] + x[f.astype(int)[0]] * f[0] + np.sum(x[m] ** 2)


def complexes(x):
    z, w = np.zeros(3, complex), np.zeros_like(np.ones(2), dtype=complex)
    z[0], z[1:], w[0] = x[0] + x[1] * 1j, np.exp(x[2:] * 1j) * x[0], x[1]
    z.imag[2] = x[1]
    return np.sum(np.abs(z) ** 2 + z.real * x[1:]) + np.real(np.sum(w * w))


# -- views, on X9 ---------------------------------------------------------------------------------
def write_view_read_base(x):
    H = np.zeros((3, 3))
    row, col, T, R = H[1], H[:, 0], H.T, H.reshape(9)
    row[:], col[1:], T[2, 1], R[8] = x[:3], x[3:5], x[5], x[6] * x[7]
    return np.sum(H**2 * M3) + H[1, 0] * H[2, 1]


def write_base_read_views(x):
    H = np.zeros((3, 3))
    row, col, T, R = H[1], H[:, 0], H.T, H.reshape(9)
    d, b, Q = H.diagonal(), np.broadcast_to(H[0], (2, 3)), H[1:]  # read-only views, a view of a view
    q = Q[0]
    H[:] = x.reshape(3, 3) ** 2
    H[2, 2] = 4.0  # a constant after the promotion, seen through every alias
    return row @ col + T[0, 2] * R[8] + np.sum(T * H) + d @ W4[:3] + np.sum(b * q)


def write_view_read_view(x):
    H = np.zeros((3, 3))
    row, col, T, R, rev, flip, step = H[1], H[:, 0], H.T, H.reshape(9), H[::-1], H[:, ::-1], H[::2, 1:]
    col[:], T[2] = x[:3], x[3:6] * x[0]
    R[::4] += x[6:]
    row *= x[1]
    rev[0, 1] = x[8]
    flip[1, 0] += x[2]
    step[0, 0] *= x[7]
    return np.sum(H * (M3 + 1)) + col @ row + R[5] * T[1, 2] + rev[2] @ flip[1]


def views_after_promotion(x):
    H = np.zeros((3, 3))
    H[0] = x[:3]
    row, T, e = H[1], H.T, np.moveaxis(H[..., None], 0, 1)
    row[:], T[2, 2], e[0, 2, 0] = x[3:6] * 2, x[8], x[6]
    return np.sum(H * M3) + row[0] * T[1, 0] + np.sum(e)


def row_loops(x):
    H = np.zeros((3, 3))
    for i, row in enumerate(H):  # the rows are views of a buffer not yet promoted
        row[:] = x[3 * i : 3 * i + 3] * (i + 1)
        row[i] += row[0] * x[0]
    for row in H:  # now the buffer is traced: rows still write back
        row += x[:3]
    return np.sum(H @ H.T)


def copies(x):
    H = np.zeros((3, 3))
    c, k, C, K, L, A = H[:, [0, 2]], H.T.reshape(9), np.array(H), np.copy(H), H.copy(), np.asarray(H)
    H[:] = x.reshape(3, 3)
    c[0, 0], k[1], C[0], K[1], L[2], A[0, 0] = x[0] * 3, x[1], x[2], x[3], x[4], x[8] ** 2  # A is H
    P = np.array(H)  # a copy of the traced buffer
    P[1, 1] = 7.0
    return np.sum(H) + np.sum(c) * 2 + np.sum(k) * 5 + np.sum(C * K * L) + np.sum(P * M3)


PROGRAMS = [element_and_slice_writes, mask_and_fancy_writes, inplace_operators, ufunc_and_function_outs]
PROGRAMS += [write_functions, constants_after_use, helpers_lists_and_creators, integers, complexes]
VIEWS = [write_view_read_base, write_base_read_views, write_view_read_view, views_after_promotion]
VIEWS += [row_loops, copies]


@pytest.mark.parametrize("f", PROGRAMS + VIEWS, ids=lambda f: f.__name__)
def test_program_agrees_with_numpy_finite_differences_and_jit(f):
    agree(f, *((X, X_OTHER) if f in PROGRAMS else (X9, X9_OTHER)))


def test_buffers_in_nested_grads():
    def inner_buffer(x):
        def inner(y):
            b = np.zeros(2)
            b[0], b[1] = y * x[0], y**2
            return np.sum(b * b)

        return xformad.grad(inner)(x[1]) * x[2]

    agree(inner_buffer, X, X_OTHER)

    def outer_buffer(x):  # buf is made outside `inner`, but inside the outer trace
        buf = np.zeros(2)

        def inner(y):
            buf[0] = y * x[0]
            return buf[0] * y

        return xformad.grad(inner)(x[1]) + buf[0] + buf[1]  # 3 x0 x1

    value, g = xformad.value_and_grad(outer_buffer)(X)
    assert np.isclose(value, 3 * X[0] * X[1])
    np.testing.assert_allclose(g, [3 * X[1], 3 * X[0], 0, 0])
    np.testing.assert_allclose(xformad.jacfwd(outer_buffer)(X), g)


def test_buffer_returned_as_output_jacobian():
    def f(x):
        o = np.zeros((2, 3))
        o[0], o[1, ::2] = x[:3] ** 2, np.sin(x[1:3])
        return o

    want = np.zeros((2, 3, 4))
    want[0, [0, 1, 2], [0, 1, 2]], want[1, 0, 1], want[1, 2, 2] = 2 * X[:3], np.cos(X[1]), np.cos(X[2])
    np.testing.assert_allclose(xformad.jacrev(f)(X), want)
    np.testing.assert_allclose(xformad.jacfwd(f)(X), want)
    np.testing.assert_allclose(xformad.jit(xformad.jacrev(f))(X_OTHER), xformad.jacrev(f)(X_OTHER))

    def view_out(x):
        H = np.zeros((2, 2))
        T = H.T
        H[0] = x[:2]
        return T

    np.testing.assert_allclose(xformad.jacrev(view_out)(X)[:, :, 0], [[1, 0], [0, 0]])
    np.testing.assert_allclose(xformad.jacfwd(view_out)(X)[1, 0], [0, 1, 0, 0])
    untouched = xformad.jacrev(lambda x: np.zeros(3))(X)
    assert untouched.shape == (3, 4) and not untouched.any()
    assert type(xformad.jit(lambda x: np.zeros(3))(X)) is np.ndarray  # never a Buffer out of a trace
    assert type(xformad.vjp(f, X)[0]) is np.ndarray


def test_hessian_through_a_buffer():
    def f(x):
        o = np.zeros(3)
        o[0], o[1], o[2] = x[0] * x[1], x[1] ** 2, np.sin(x[0] * x[3])
        return np.sum(o**2)

    x0, x1, _, x3 = X
    c, s = np.cos(2 * x0 * x3), np.sin(2 * x0 * x3)
    want = np.zeros((4, 4))
    want[0, 0], want[0, 1], want[1, 1] = 2 * x1**2 + 2 * x3**2 * c, 4 * x0 * x1, 2 * x0**2 + 12 * x1**2
    want[0, 3], want[3, 3] = s + 2 * x0 * x3 * c, 2 * x0**2 * c
    want = np.triu(want) + np.triu(want, 1).T
    np.testing.assert_allclose(xformad.hessian(f)(X), want, rtol=1e-12)
    np.testing.assert_allclose(xformad.jit(xformad.hessian(f))(X), want, rtol=1e-12)


def test_float32_buffer_casts_as_numpy_does():
    def f(x):
        o = np.zeros(3, np.float32)
        o[0], o[1:] = x[0], x[1:3] * 3
        return np.sum(o * o)

    value, g = xformad.value_and_grad(f)(X)
    assert value == f(X.copy()) and value.dtype == np.float32
    np.testing.assert_allclose(g, [2 * X[0], 18 * X[1], 18 * X[2], 0], rtol=1e-6)


def test_promoted_buffer_repr_len_iteration_shape():
    seen = {}

    def f(x):
        H = np.zeros((2, 3))
        seen["plain"] = (repr(H), str(np.eye(2)), isinstance(H, np.ndarray))
        H[0] = x[:3]
        rows = list(H)
        seen["promoted"] = (len(H), H.shape, H.ndim, H.size, H.dtype, len(rows), repr(H), str(H))
        return np.sum(rows[0] * rows[1]) + np.sum(rows[0] ** 2)

    np.testing.assert_allclose(xformad.grad(f)(X), [0.6, -2.4, 1.4, 0])
    assert seen["plain"] == ("array([[0., 0., 0.],\n       [0., 0., 0.]])", "[[1. 0.]\n [0. 1.]]", True)
    assert seen["promoted"][:6] == (2, (2, 3), 2, 6, np.float64, 2)
    for text in seen["promoted"][6:]:  # the traced contents, never the NaN-filled memory
        assert "-1.2" in text and "0.7" in text and "nan" not in text


def test_numpy_is_itself_outside_traces():
    def boom(x):
        b = np.zeros(2)
        b[0] = x[0]
        raise RuntimeError("boom")

    def plain():
        assert type(np.zeros(2)) is np.ndarray and type(np.eye(2)) is np.ndarray
        assert type(np.array([1.0])) is np.ndarray and type(np.copy(G)) is np.ndarray
        assert type(np.zeros_like(G)) is np.ndarray and np.asarray(G) is G
        assert {n: getattr(np, n) for n in NAMES} == ORIGINALS

    plain()
    xformad.grad(element_and_slice_writes)(X)
    plain()
    xformad.jit(xformad.grad(mask_and_fancy_writes))(X_OTHER)
    plain()
    with pytest.raises(RuntimeError, match="boom"):
        xformad.grad(boom)(X)
    plain()


# -- arrays made outside ----------------------------------------------------------------------------
OUT, OUT_M = np.zeros(4), np.zeros((2, 2))
OUTSIDE_WRITES = {
    "setitem": lambda x: OUT.__setitem__(0, x[0]),
    "slice": lambda x: OUT.__setitem__(slice(1, None), x[1:]),
    "view": lambda x: OUT[1:].__setitem__(0, x[0]),
    "np.asarray": lambda x: np.asarray(OUT).__setitem__(0, x[0]),
    "+=": lambda x: OUT.__iadd__(x),
    "out=": lambda x: np.multiply(x, 2.0, out=OUT),
    "fill": lambda x: OUT.fill(x[0]),
    "fill_diagonal": lambda x: np.fill_diagonal(OUT_M, x[0]),
    "add.at": lambda x: np.add.at(OUT, [0, 1], x[:2]),
    "copyto": lambda x: np.copyto(OUT, x),
    "put": lambda x: np.put(OUT, [0], x[0]),
}


@pytest.mark.parametrize("write", list(OUTSIDE_WRITES.values()), ids=list(OUTSIDE_WRITES))
def test_writing_into_an_array_made_outside_raises(write):
    with pytest.raises(xformad.TracerConversionError, match="made outside"):
        xformad.grad(lambda x: (write(x), np.sum(x**2))[1])(X)
    assert not OUT.any() and not OUT_M.any()


def test_writing_into_a_constant_argument_raises():
    with pytest.raises(xformad.TracerConversionError, match="made outside"):
        xformad.grad(lambda x, buf: (buf.__setitem__(0, x[0]), np.sum(buf))[1])(X, np.zeros(3))


# -- clear errors for what is not supported --------------------------------------------------------
def test_unsupported_views_are_clear_errors():
    def other_dtype(x):
        z = np.zeros(2, complex)
        im = z.imag
        z[0] = x[0] + x[1] * 1j
        return np.abs(im[0]) * x[2]

    def broadcast(x):
        H = np.zeros((2, 2))
        np.broadcast_to(H[0], (2, 2))[0, 0] = x[0]  # numpy refuses too
        return np.sum(H) * x[1]

    with pytest.raises(xformad.UnsupportedOperation, match="view of another dtype"):
        xformad.grad(other_dtype)(X)
    with pytest.raises(xformad.UnsupportedOperation, match="view of another dtype"):
        xformad.grad(real_view_before_write)(X)  # z.real taken before the write
    with pytest.raises(ValueError, match="read-only"):
        broadcast(X.copy())
    with pytest.raises(ValueError, match="read-only"):  # numpy's own error
        xformad.grad(broadcast)(X)


# -- once wrong numbers without an error (found by these tests, fixed) -------------------------------
def real_view_before_write(x):  # r is z's real part: refused (a view of another dtype)
    z = np.zeros(2, complex)
    r = z.real
    z[0] = x[0] + x[1] * 1j
    return np.abs(r[0]) * x[2]


def flat_write_after_use(x):  # w.flat[0] = c must invalidate the snapshot x * w used
    w = np.ones(2)
    y = x[:2] * w
    w.flat[0] = 5.0
    return np.sum(y) + np.sum(x[:2] * w)


def shape_set_after_promotion(x):  # w.shape = s must reshape the traced value
    w = np.zeros(4)
    w[:] = x
    w.shape = (2, 2)
    return np.sum(np.sum(w, axis=-1) * x[:2])


def real_set_after_promotion(x):  # z.real = c must write the traced value
    z = np.zeros(2, complex)
    z[0] = x[0] * 1j
    z.real = np.array([1.0, 2.0])
    return np.sum(np.abs(z) ** 2) * x[1]


ONCE_WRONG = [flat_write_after_use, shape_set_after_promotion, real_set_after_promotion]


@pytest.mark.parametrize("f", ONCE_WRONG, ids=lambda f: f.__name__)
def test_once_wrong_values(f):
    value, _ = xformad.value_and_grad(f)(X)
    assert value == f(X.copy())
    check_grads(f, (X,), modes=("fwd", "rev"), order=2)


def test_traced_write_through_a_read_only_diagonal_raises():
    def f(x):
        H = np.zeros((2, 2))
        H.diagonal()[0] = x[0]
        return np.sum(H) * x[1]

    with pytest.raises(ValueError, match="read-only"):
        f(X.copy())
    with pytest.raises(ValueError, match="read-only"):
        xformad.grad(f)(X)


def test_buffer_kept_from_an_earlier_trace_counts_as_made_outside():
    kept = []
    xformad.grad(lambda x: (kept.append(np.zeros(2)), np.sum(x))[1])(X)
    try:
        with pytest.raises(xformad.TracerConversionError, match="made outside"):
            xformad.grad(lambda x: (kept[0].__setitem__(0, x[0]), np.sum(kept[0] * x[:2]))[1])(X)
    finally:  # never left NaN-filled
        assert not np.isnan(np.asarray(kept[0])).any()
    promoted = []

    def f(x):
        buf = np.zeros(2)
        buf[0] = x[0]
        promoted.append(buf)
        return np.sum(buf * x[:2])

    xformad.grad(f)(X)  # a buffer kept after its trace is the ndarray of its final values
    np.testing.assert_array_equal(np.asarray(promoted[0]), [X[0], 0.0])
    np.testing.assert_array_equal(promoted[0].view(np.ndarray), [X[0], 0.0])


# -- errors where numpy computes (found by these tests; all but one fixed) ---------------------------
def int_buffer_iadd(x):  # "made outside"; c[0] = np.argmin(x) works
    c = np.zeros(4, int)
    c += np.argmin(x)
    return x[c[0]] ** 2


def zero_d_setitem(x):  # TypeError in setitem's VJP: 'numpy.float64' does not support item assignment
    s = np.zeros(())
    s[...] = x[0]
    return s * x[1]


def python_complex_times_traced_scalar(x):  # jvp: AttributeError 'complex' has no 'dtype'
    z = np.zeros(2, complex)
    z[0] = x[0] + 1j * x[1]
    return np.sum(np.abs(z) ** 2)


def dot_positional_out(x):  # "made outside" although the out array is made here (out= works)
    return np.sum(np.dot(A4, x, np.zeros(4)) ** 2)


ONCE_CRASHED = [dot_positional_out, int_buffer_iadd, zero_d_setitem, python_complex_times_traced_scalar]


@pytest.mark.parametrize("f", ONCE_CRASHED, ids=lambda f: f.__name__)
def test_once_failures(f):
    agree(f, X, X_OTHER, order=1)


def test_a_plain_constant_written_after_use_is_refused_not_wrong():
    """An array xformad does not track (np.arange, a copy made by a method, an argument) is
    held by reference in the graph: it is read-only until the call returns, so a later
    write raises ConstantWriteError instead of changing a recorded value."""

    def f(x):
        c = np.arange(4.0)
        y = x * c
        c[0] = 5.0  # numpy: y is unchanged
        return np.sum(y * y)

    with pytest.raises(xformad.ConstantWriteError, match="a.copy()"):
        xformad.grad(f)(X)
    data = np.ones(4)
    xformad.grad(lambda x: np.sum(x * data))(X)
    assert data.flags.writeable  # writable again once the call returned
    data[0] = 2.0
