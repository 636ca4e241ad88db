"""scipy.linalg.expm, sqrtm and logm, differentiated by their Fréchet derivatives.

For a primary matrix function f, the Fréchet derivative L(A, E) (the change of f(A) along
E) is the top-right block of f([[A, E], [0, A]]) (Higham, "Functions of Matrices", Thm
3.6), computed here with scipy's own f. So the value primitive ``f`` has

- JVP: t -> L(A, t);  VJP: ct -> L(A^T, ct) (f(A^T) = f(A)^T, so L(A)'s transpose is L(A^T)),

and ``L`` is a primitive too, differentiated by the same trick one size up: along A it is
the top-right block of L(B, [[dA, 0], [0, dA]]) with B = [[A, E], [0, A]]; along E it is L
itself (it is linear in E). Derivatives of every order follow.

sqrtm and logm are served on their principal branch. A real input whose sqrtm or logm is
complex has an eigenvalue on the negative real axis, where the principal branch is cut
(not differentiable): that raises, and so does the derivative wherever A has an
eigenvalue on the closed negative real axis (0 included).
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from ..errors import LinalgError
from .arguments import any_traced, as_array, refuse
from .scipy_calls import scipy_linalg
from .structure import mT


def _check_off_branch_cut(a, name: str) -> None:
    """sqrt and log are not differentiable on the closed negative real axis."""
    w = np.linalg.eigvals(a)
    tol = a.shape[-1] * np.finfo(w.real.dtype).eps * np.max(np.abs(a), initial=0.0)
    if np.any((np.abs(w.imag) <= tol) & (w.real <= tol)):
        raise LinalgError(
            f"scipy.linalg.{name}: the matrix has an eigenvalue on the closed negative real "
            "axis (or zero), where the principal branch has no derivative; shift or scale "
            "the matrix away from it"
        )


def _frechet_block(f, a, e):
    """The top-right block of f([[A, sE], [0, A]]) / s, E scaled to A's size first (L is
    linear in E; the scaling keeps f's algorithm in its accurate range)."""
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], e.shape[:-2])
    a = np.broadcast_to(a, batch + (n, n))
    e = np.broadcast_to(e, batch + (n, n))
    block = np.zeros(batch + (2 * n, 2 * n), dtype=np.result_type(a, e, 1.0))  # ints: float64
    norm_a = np.max(np.sum(np.abs(a), axis=-2), axis=-1)
    norm_e = np.max(np.sum(np.abs(e), axis=-2), axis=-1)
    zero = norm_e == 0
    scale = np.where(zero, 1.0, np.where(norm_a > 0, norm_a, 1.0) / np.where(zero, 1.0, norm_e))
    scale = scale.astype(np.finfo(block.dtype).dtype)[..., None, None]  # float32 stays float32
    block[..., :n, :n] = a
    block[..., n:, n:] = a
    block[..., :n, n:] = e * scale
    top_right = f(block)[..., :n, n:] / scale
    return np.where(zero[..., None, None], 0, top_right)  # f of a block diagonal: exact 0


def _two_by_two(top_left, top_right, bottom_right):
    """[[top_left, top_right], [0, bottom_right]] over the last two axes (None: zeros)."""
    parts = [p for p in (top_left, top_right, bottom_right) if p is not None]
    batch = np.broadcast_shapes(*(np.shape(p)[:-2] for p in parts))
    shape = batch + np.shape(parts[0])[-2:]
    zero = np.zeros(shape, dtype=np.result_type(*parts))

    def fill(p):
        return zero if p is None else np.broadcast_to(p, shape)

    top = np.concatenate([fill(top_left), fill(top_right)], axis=-1)
    bottom = np.concatenate([zero, fill(bottom_right)], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def matrix_function(name: str, branch_cut: bool, draws: bool = False):
    """(value primitive, Fréchet primitive) for scipy.linalg.<name>; ``branch_cut``: sqrt
    and log, refused on the negative real axis; ``draws``: scipy's function draws from
    numpy's global generator (scipy_calls.py)."""

    def value_kernel(xp, a):
        value = scipy_linalg(name, keep_random_state=draws)(a)
        if branch_cut and not np.iscomplexobj(a) and np.iscomplexobj(value):
            raise LinalgError(
                f"scipy.linalg.{name}: this real matrix has an eigenvalue on the negative real "
                f"axis, so its {name} is complex and sits on the principal branch cut, where "
                "it has no derivative; shift the matrix, or pass it as complex only if its "
                "eigenvalues are off the negative real axis"
            )
        return value

    def frechet_kernel(xp, a, e):
        if branch_cut:
            _check_off_branch_cut(a, name)
        return _frechet_block(scipy_linalg(name, keep_random_state=draws), a, e)

    value_p = Primitive(f"scipy.linalg.{name}", value_kernel)
    frechet_p = Primitive(f"scipy.linalg.{name}_frechet", frechet_kernel)
    for p in (value_p, frechet_p):  # vmap: scipy's kernels take one matrix at a time
        p.def_batch(batch_rules.looped)

    value_p.def_jvp(lambda t, ans, a: frechet_p.bind(a, t))
    value_p.def_vjp(lambda ct, ans, a: frechet_p.bind(mT(a), ct))

    def frechet_jvp(tangents, ans, a, e):
        ta, te = tangents
        result = None if te is None else frechet_p.bind(a, te)
        if ta is not None:
            n = a.shape[-1]
            along_a = frechet_p.bind(_two_by_two(a, e, a), _two_by_two(ta, None, ta))[..., :n, n:]
            result = along_a if result is None else result + along_a
        return result

    def frechet_vjp(ct, ans, needed, a, e):
        ct_a = ct_e = None
        if needed[1]:
            ct_e = frechet_p.bind(mT(a), ct)
        if needed[0]:
            n = a.shape[-1]
            k = frechet_p.bind(mT(_two_by_two(a, e, a)), _two_by_two(None, ct, None))
            ct_a = k[..., :n, :n] + k[..., n:, n:]
        return ct_a, ct_e

    frechet_p.def_jvp_joint(frechet_jvp)
    frechet_p.def_vjp_joint(frechet_vjp)
    return value_p, frechet_p


expm_p, expm_frechet_p = matrix_function("expm", branch_cut=False)
sqrtm_p, sqrtm_frechet_p = matrix_function("sqrtm", branch_cut=True)
logm_p, logm_frechet_p = matrix_function("logm", branch_cut=True, draws=True)

PRIMITIVES = [expm_p, expm_frechet_p, sqrtm_p, sqrtm_frechet_p, logm_p, logm_frechet_p]

_UNSET = object()


def _matrix(a):
    a = as_array(a)
    if np.ndim(a) < 2 and np.size(a) == 1:
        return np.reshape(a, (1, 1)), True
    return a, False


def expm_handler(A):
    if not any_traced(A):
        return NotImplemented
    a, scalar = _matrix(A)
    if scalar:  # scipy: np.array([[np.exp(a.item())]]), a Python float's exp
        a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)
    return expm_p.bind(a)


def _no_deprecated(name: str, **options) -> None:
    for option, value in options.items():
        if value is not _UNSET:
            refuse(name, f"the deprecated argument {option}=", f"call scipy.linalg.{name}(A) without it")


def sqrtm_handler(A, disp=_UNSET, blocksize=_UNSET):
    if not any_traced(A):
        return NotImplemented
    _no_deprecated("sqrtm", disp=disp, blocksize=blocksize)
    a, scalar = _matrix(A)
    if scalar:
        refuse(
            "sqrtm",
            "a 0-d or 1-d input (scipy returns exp(a) for it, not a square root)",
            "pass a (1, 1) matrix, or use np.sqrt for a number",
        )
    return sqrtm_p.bind(a)


def logm_handler(A, disp=_UNSET):
    if not any_traced(A):
        return NotImplemented
    _no_deprecated("logm", disp=disp)
    return logm_p.bind(as_array(A))


HANDLERS = {"expm": expm_handler, "sqrtm": sqrtm_handler, "logm": logm_handler}
