"""numpy.linalg on traced arrays: decompositions bind primitives, the rest is lowered.

inv is a solve against the identity (as numpy computes it), lstsq numpy's own solution
differentiated as the pseudo-inverse applied to b, norms are elementwise operations and
reductions (singular values for the spectral and nuclear norms), matrix_power repeated
products, svd(hermitian=True) numpy's own eigh-based formula. Conventions and limits: docs/linalg.md.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..errors import UnsupportedOperation
from ..primitives import linalg as la
from .dispatch import implements
from .elementwise import astype
from .util import as_operand, dtype_of, ndim_of, shape_of

# the field names of numpy's result tuples, so attribute access works the same
SlogdetResult = namedtuple("SlogdetResult", "sign logabsdet")
EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
EigResult = namedtuple("EigResult", "eigenvalues eigenvectors")
SVDResult = namedtuple("SVDResult", "U S Vh")
QRResult = namedtuple("QRResult", "Q R")


def _inexact(a):
    """Integer and boolean matrices are computed in float64, as numpy.linalg does."""
    a = as_operand(a)
    if not np.issubdtype(dtype_of(a), np.inexact):
        a = astype(a, np.float64)
    return a


def _square(a, what: str):
    shape = shape_of(a)
    if len(shape) < 2:
        raise np.linalg.LinAlgError(
            f"{len(shape)}-dimensional array given. Array must be at least two-dimensional"
        )
    if shape[-1] != shape[-2]:
        raise np.linalg.LinAlgError(f"Last 2 dimensions of the array must be square ({what})")


def _eye_like(a):
    n = shape_of(a)[-1]
    return np.eye(n, dtype=dtype_of(a))


# --- solve, inv, det --------------------------------------------------------------------------
@implements(np.linalg.solve)
def solve(a, b):
    a, b = _inexact(a), _inexact(b)
    _square(a, "solve")
    if ndim_of(b) == 1:  # numpy 2: a 1-D b is a vector, anything else a stack of matrices
        return la.solve_p.bind(a, np.expand_dims(b, -1))[..., 0]
    return la.solve_p.bind(a, b)


@implements(np.linalg.inv)
def inv(a):
    a = _inexact(a)
    _square(a, "inv")
    return la.solve_p.bind(a, _eye_like(a))


@implements(np.linalg.det)
def det(a):
    a = _inexact(a)
    _square(a, "det")
    return la.det_p.bind(a)


@implements(np.linalg.slogdet)
def slogdet(a):
    a = _inexact(a)
    _square(a, "slogdet")
    return SlogdetResult(*la.slogdet_p.bind(a))


# --- decompositions -------------------------------------------------------------------------
@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    a = _inexact(a)
    _square(a, "cholesky")
    return la.cholesky_p.bind(a, upper=bool(upper))


def _uplo(UPLO) -> str:
    UPLO = UPLO.upper()
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    """Reads one triangle, as numpy does: the derivative is that of the function numpy
    computes, so the unread triangle gets none (docs/linalg.md)."""
    a = _inexact(a)
    _square(a, "eigh")
    return EighResult(*la.eigh_p.bind(a, UPLO=_uplo(UPLO)))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    a = _inexact(a)
    _square(a, "eigvalsh")
    return la.eigh_p.bind(a, UPLO=_uplo(UPLO), vectors=False)[0]


def _real_if_all_real(a, arrays):
    """numpy's eig/eigvals give a real matrix with only real eigenvalues real arrays; the
    test is a guard, so a compiled program re-traces when that changes."""
    if np.iscomplexobj(a) or not bool(np.all(np.imag(arrays[0]) == 0)):
        return arrays
    return tuple(np.real(x) for x in arrays)


@implements(np.linalg.eig)
def eig(a):
    a = _inexact(a)
    _square(a, "eig")
    return EigResult(*_real_if_all_real(a, la.eig_p.bind(a)))


@implements(np.linalg.eigvals)
def eigvals(a):
    a = _inexact(a)
    _square(a, "eigvals")
    return _real_if_all_real(a, la.eig_p.bind(a, vectors=False))[0]


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    a = _inexact(a)
    if hermitian:
        return _hermitian_svd(a, compute_uv)
    if not compute_uv:
        return la.svd_p.bind(a, full_matrices=False, compute_uv=False)[0]
    m, n = shape_of(a)[-2:]
    return SVDResult(*la.svd_p.bind(a, full_matrices=bool(full_matrices) and m != n))


def _hermitian_svd(a, compute_uv):
    """numpy's svd(hermitian=True): from eigh of the lower triangle, |w| sorted descending,
    the signs of w moved into Vh."""
    _square(a, "svd")
    if not compute_uv:
        return np.sort(np.abs(eigvalsh(a)))[..., ::-1]
    w, u = eigh(a)
    order = np.argsort(np.abs(w))[..., ::-1]
    sign = np.take_along_axis(np.copysign(1.0, w), order, axis=-1)
    s = np.take_along_axis(np.abs(w), order, axis=-1)
    u = np.take_along_axis(u, order[..., None, :], axis=-1)
    vh = np.conjugate(np.swapaxes(u * sign[..., None, :], -1, -2))
    return SVDResult(u, s, vh)


@implements(np.linalg.svdvals)
def svdvals(x, /):
    return svd(x, compute_uv=False)


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    a = _inexact(a)
    m, n = shape_of(a)[-2:]
    if mode not in ("reduced", "r", "complete") or (mode == "complete" and m > n):
        raise UnsupportedOperation(
            f"np.linalg.qr(mode={mode!r})",
            "the derivative exists for mode='reduced' (and 'r'); the extra columns of a "
            "complete Q are not unique. Use np.linalg.qr(a) or mode='r'",
        )
    if m < n:  # a wide matrix: Q comes from the leading square block, R's rest is Q^T a
        q, r_head = la.qr_p.bind(a[..., :, :m])
        r = np.concatenate([r_head, np.swapaxes(q, -1, -2) @ a[..., :, m:]], axis=-1)
    else:
        q, r = la.qr_p.bind(a)
    return r if mode == "r" else QRResult(q, r)


# --- pinv and lstsq --------------------------------------------------------------------------
_NO_VALUE = object()


def _pinv_rcond(shape, dtype, rcond, rtol) -> float:
    """numpy 2's cutoff rules: rcond, else rtol, else 1e-15 (rtol=None: max(M, N) * eps)."""
    if rcond is not None:
        return float(rcond)
    if rtol is _NO_VALUE:
        return 1e-15
    if rtol is None:
        return max(shape[-2:]) * float(np.finfo(dtype).eps)
    return float(rtol)


@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    a = _inexact(a)
    cutoff = _pinv_rcond(shape_of(a), dtype_of(a), rcond, rtol)
    if hermitian:  # numpy reads the lower triangle then (through eigh): so does the derivative
        a = la.hermitian_from_triangle(a, lower=True)
    return la.pinv_p.bind(a, rcond=cutoff, hermitian=bool(hermitian))


@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    """numpy's own solution, residuals and singular values (LAPACK gelsd, in double
    precision), differentiated as the minimum-norm solution pinv(a) @ b; rank is a plain
    int."""
    a, b = _inexact(a), _inexact(b)
    for x in (a, b if ndim_of(b) != 1 else a):
        if ndim_of(x) != 2:
            raise np.linalg.LinAlgError(
                f"{ndim_of(x)}-dimensional array given. Array must be two-dimensional"
            )
    m, n = shape_of(a)
    if shape_of(b)[0] != m:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    if rcond is None:  # numpy's default: eps of the double precision it computes in
        rcond = max(m, n) * float(np.finfo(np.float64).eps)
    vector = ndim_of(b) == 1
    bm = np.expand_dims(b, -1) if vector else b
    x, residuals, s = la.lstsq_p.bind(a, bm, rcond=float(rcond))
    # the rank decides numpy's output structure: int() of a traced count records a guard,
    # so a compiled program re-traces when the rank changes
    rank = int(np.sum(s > rcond * s[..., :1])) if min(m, n) else 0
    if not (rank == n and m > n):
        residuals = np.zeros((0,), dtype=np.finfo(dtype_of(x)).dtype)
    return (x[..., 0] if vector else x), residuals, rank, s


# --- products and simple lowerings -----------------------------------------------------------
@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    a = as_operand(a)
    _square(a, "matrix_power")
    if not isinstance(n, (int, np.integer)):
        raise TypeError("exponent must be an integer")
    n = int(n)
    if n == 0:
        return np.zeros_like(a) + _eye_like(a)
    if n < 0:
        a, n = inv(a), -n
    if n <= 3:  # numpy's own association for the small powers
        result = a
        for _ in range(n - 1):
            result = result @ a
        return result
    z = result = None
    while n > 0:  # binary decomposition, least significant bit first, as numpy
        z = a if z is None else z @ z
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else result @ z
    return result


def _chain_order(dims):
    """Optimal parenthesisation of a matrix chain (the classic dynamic programme)."""
    k = len(dims) - 1
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def _chain_product(arrays, split, i, j):
    if i == j:
        return arrays[i]
    s = split[i][j]
    return _chain_product(arrays, split, i, s) @ _chain_product(arrays, split, s + 1, j)


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    arrays = [as_operand(a) for a in arrays]
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    first_vector = ndim_of(arrays[0]) == 1
    last_vector = ndim_of(arrays[-1]) == 1
    if first_vector:
        arrays[0] = np.reshape(arrays[0], (1, -1))
    if last_vector:
        arrays[-1] = np.reshape(arrays[-1], (-1, 1))
    dims = [shape_of(arrays[0])[0]] + [shape_of(a)[1] for a in arrays]
    result = _chain_product(arrays, _chain_order(dims), 0, len(arrays) - 1)
    if first_vector and last_vector:
        return result[0, 0]
    if first_vector:
        return result[0]
    if last_vector:
        return result[:, 0]
    return result


@implements(np.linalg.trace)
def linalg_trace(x, /, *, offset=0, dtype=None):
    """np.trace itself is served by numpy_api/manipulation.py, over the first two axes."""
    return np.trace(x, offset, -2, -1, dtype)


@implements(np.linalg.diagonal)
def linalg_diagonal(x, /, *, offset=0):
    return np.diagonal(x, offset, -2, -1)


def _vecdot(x1, x2, axis):
    x1, x2 = as_operand(x1), as_operand(x2)
    if np.iscomplexobj(x1):
        x1 = np.conjugate(x1)
    return np.sum(x1 * x2, axis=axis)


@implements(np.linalg.vecdot)
def linalg_vecdot(x1, x2, /, *, axis=-1):
    return _vecdot(x1, x2, axis)


@implements(np.vecdot)
def vecdot(x1, x2, axis=None, axes=None, keepdims=False):
    """np.vecdot is a gufunc: ``axes=[(i,), (j,), ...]`` names each input's own axis."""
    if axes is not None:
        x1 = np.moveaxis(as_operand(x1), _one(axes[0]), -1)
        x2 = np.moveaxis(as_operand(x2), _one(axes[1]), -1)
        axis = -1
    result = _vecdot(x1, x2, -1 if axis is None else axis)
    return np.expand_dims(result, -1) if keepdims else result


def _one(ax):
    return int(ax[0]) if isinstance(ax, (tuple, list)) else int(ax)


@implements(getattr(np, "matvec", None))
def matvec(x1, x2, /, **kwargs):
    """numpy 2.2's gufunc: the matrix-vector product over stacks."""
    _plain_gufunc_call("np.matvec", kwargs)
    return (as_operand(x1) @ np.expand_dims(as_operand(x2), -1))[..., 0]


@implements(getattr(np, "vecmat", None))
def vecmat(x1, x2, /, **kwargs):
    """numpy 2.2's gufunc: conj(x1) @ x2 over stacks."""
    _plain_gufunc_call("np.vecmat", kwargs)
    x1 = as_operand(x1)
    if np.iscomplexobj(x1):
        x1 = np.conjugate(x1)
    return (np.expand_dims(x1, -2) @ as_operand(x2))[..., 0, :]


def _plain_gufunc_call(name: str, kwargs: dict) -> None:
    if any(kwargs.get(k) is not None for k in ("axes", "axis")) or kwargs.get("keepdims"):
        raise UnsupportedOperation(
            f"{name} with axes=/axis=/keepdims=", "move the axes first with np.moveaxis"
        )


@implements(np.linalg.tensorinv)
def tensorinv(a, ind=2):
    a = as_operand(a)
    shape = shape_of(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    rows = int(np.prod(shape[:ind]))
    inverse = inv(np.reshape(a, (rows, -1)))
    return np.reshape(inverse, tuple(shape[ind:]) + tuple(shape[:ind]))


@implements(np.linalg.tensorsolve)
def tensorsolve(a, b, axes=None):
    a, b = as_operand(a), as_operand(b)
    nd = ndim_of(a)
    if axes is not None:  # numpy moves the named axes of a to the end
        order = list(range(nd))
        for k in axes:
            order.remove(k)
            order.insert(nd, k)
        a = np.transpose(a, order)
    out_shape = tuple(shape_of(a)[-(nd - ndim_of(b)) :])
    size = int(np.prod(out_shape))
    x = solve(np.reshape(a, (size, size)), np.ravel(b))
    return np.reshape(x, out_shape)


@implements(np.linalg.matrix_transpose)
def matrix_transpose(x, /):
    return np.swapaxes(x, -1, -2)


@implements(np.linalg.matmul)
def matmul(x1, x2, /):
    return np.matmul(x1, x2)


@implements(np.linalg.tensordot)
def tensordot(x1, x2, /, *, axes=2):
    return np.tensordot(x1, x2, axes=axes)


@implements(np.linalg.outer)
def outer(x1, x2, /):
    x1, x2 = as_operand(x1), as_operand(x2)
    if ndim_of(x1) != 1 or ndim_of(x2) != 1:
        raise ValueError(
            f"Input arrays must be one-dimensional, but they are x1.ndim={ndim_of(x1)} and "
            f"x2.ndim={ndim_of(x2)}."
        )
    return np.expand_dims(x1, -1) * x2


@implements(np.linalg.cross)
def cross(x1, x2, /, *, axis=-1):
    x1, x2 = as_operand(x1), as_operand(x2)
    if shape_of(x1)[axis] != 3 or shape_of(x2)[axis] != 3:
        raise ValueError(
            "Both input arrays must be (arrays of) 3-dimensional vectors, but they are "
            f"{shape_of(x1)[axis]} and {shape_of(x2)[axis]} dimensional instead."
        )
    x1, x2 = np.moveaxis(x1, axis, -1), np.moveaxis(x2, axis, -1)
    a = [x1[..., k] for k in range(3)]
    b = [x2[..., k] for k in range(3)]
    c = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return np.moveaxis(np.stack(c, axis=-1), -1, axis)


# --- norms ---------------------------------------------------------------------------------
def _abs2(x):
    return np.real(x * np.conjugate(x)) if np.iscomplexobj(x) else x * x


def _vector_norm(x, ord, axis, keepdims):
    """One axis: numpy's vector ords. (At x = 0 the 2-norm's derivative is undefined.)"""
    if ord is None or ord == 2:
        return np.sqrt(np.sum(_abs2(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return np.max(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # a count: no derivative
        real = np.finfo(dtype_of(x)).dtype
        return np.sum(x != 0, axis=axis, keepdims=keepdims).astype(real)
    if ord == 1:
        return np.sum(np.abs(x), axis=axis, keepdims=keepdims)
    return np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _singular_values(x, row, col):
    return svd(np.moveaxis(x, (row, col), (-2, -1)), compute_uv=False)


def _matrix_norm(x, ord, axes, keepdims):
    nd = ndim_of(x)
    row, col = (int(a) % nd for a in axes)
    if row == col:
        raise ValueError("Duplicate axes given.")
    if ord is None or ord == "fro":
        result = np.sqrt(np.sum(_abs2(x), axis=(row, col)))
    elif ord == "nuc":
        result = np.sum(_singular_values(x, row, col), axis=-1)
    elif ord in (2, -2):
        s = _singular_values(x, row, col)
        result = np.max(s, axis=-1) if ord == 2 else np.min(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        # 1: largest column sum (sum over rows); inf: largest row sum (sum over columns)
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = np.sum(np.abs(x), axis=summed)
        other -= other > summed
        result = np.max(sums, axis=other) if ord > 0 else np.min(sums, axis=other)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(shape_of(x))
        shape[row] = shape[col] = 1
        result = np.reshape(result, tuple(shape))
    return result


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    x = _inexact(x)
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            flat = np.ravel(x)  # numpy's own formula (a dot product), to the last bit
            if np.iscomplexobj(flat):
                square = np.dot(flat.real, flat.real) + np.dot(flat.imag, flat.imag)
            else:
                square = np.dot(flat, flat)
            result = np.sqrt(square)
            return np.reshape(result, (1,) * nd) if keepdims else result
        if nd not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        axis = (int(axis),)
    if len(axis) == 1:
        return _vector_norm(x, ord, int(axis[0]) % nd, keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    x = _inexact(x)
    nd = ndim_of(x)
    axes = tuple(range(nd)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    axes = tuple(sorted(int(a) % nd for a in axes))
    rest = tuple(a for a in range(nd) if a not in axes)
    moved = np.transpose(x, rest + axes)
    kept = tuple(shape_of(moved)[: len(rest)])
    result = _vector_norm(np.reshape(moved, kept + (-1,)), ord, -1, False)
    if keepdims:
        shape = [1 if a in axes else s for a, s in enumerate(shape_of(x))]
        result = np.reshape(result, tuple(shape))
    return result


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


@implements(np.linalg.cond)
def cond(x, p=None):
    x = _inexact(x)
    if p is None or p == 2 or p == -2:
        s = svd(x, compute_uv=False)
        big, small = s[..., 0], s[..., -1]
        return big / small if p != -2 else small / big
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


@implements(np.linalg.matrix_rank)
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """numpy's count of singular values above the tolerance: an integer (no derivative),
    computed from the traced singular values, so a compiled program recomputes it."""
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    A = as_operand(A)
    if ndim_of(A) < 2:
        return int(not np.all(A == 0))
    s = np.linalg.svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(shape_of(A)[-2:]) * np.finfo(dtype_of(s)).eps
        else:
            rtol = np.asarray(rtol)[..., np.newaxis]
        tol = np.max(s, axis=-1, keepdims=True) * rtol
    else:
        tol = as_operand(tol)
        tol = np.expand_dims(tol if hasattr(tol, "dtype") else np.asarray(tol), -1)
    return np.count_nonzero(s > tol, axis=-1)
