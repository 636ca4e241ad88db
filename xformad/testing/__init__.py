"""Gradient checks for users and plugin authors: both modes against finite differences.

``check_grads(f, args, modes=("fwd", "rev"), order=2)`` checks, at a random direction v and
cotangent u, that the JVP matches central finite differences of f in float64 and that the
VJP satisfies ``<u, J v> == <vjp(u), v>`` (autograd's check, no Jacobian is built). With
``order=2`` the same checks run again on the derivative functions themselves, so the
rules' own derivatives (grad of grad, forward over reverse) are checked too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..api import jvp, vjp
from ..errors import XformadError
from ..tree import tree_flatten, tree_unflatten


class GradientCheckError(XformadError, AssertionError):
    """A derivative disagreed with finite differences."""


def _to_float64(x):
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return x.astype(np.complex128)
    return x.astype(np.float64)


def _random_like(x, rng):
    v = rng.standard_normal(np.shape(x))
    if np.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(np.shape(x))
    return np.asarray(v, dtype=x.dtype)


def _inner(a_leaves, b_leaves) -> float:
    """Real part of the bilinear pairing sum(a * b): the pairing VJPs are transposes in."""
    return float(sum(np.real(np.sum(np.asarray(a) * np.asarray(b))) for a, b in zip(a_leaves, b_leaves)))


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def check_grads(
    f: Callable,
    args: Sequence,
    modes: Sequence[str] = ("fwd", "rev"),
    order: int = 2,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Raise GradientCheckError unless f's derivatives match finite differences.

    ``args`` is a tuple of arguments (arrays, floats or pytrees); all are differentiated.

    >>> import numpy as np
    >>> check_grads(lambda x: np.sin(x) * x, (np.array([0.3, 1.2]),))
    """
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise XformadError(f"unknown mode {mode!r}; use 'fwd' and/or 'rev'")
    args = tuple(args)
    leaves, tree = tree_flatten(args)
    leaves64 = [_to_float64(x) for x in leaves]
    rng = np.random.default_rng(seed)
    _check(f, tree, leaves64, modes, order, eps, rtol, atol, rng)


def _check(f, tree, leaves, modes, order, eps, rtol, atol, rng):
    def g(*xs):
        return f(*tree_unflatten(tree, list(xs)))

    primals = tuple(leaves)
    v = tuple(_random_like(x, rng) for x in leaves)
    y, jv = jvp(g, primals, v)
    y_leaves, y_tree = tree_flatten(y)
    jv_leaves = tree_flatten(jv)[0]
    fd = _finite_difference(g, primals, v, eps)
    u = tuple(_random_like(np.asarray(yl), rng) for yl in y_leaves)
    u_tree = tree_unflatten(y_tree, list(u))
    u_fd = _inner(u, fd)
    if "fwd" in modes:
        got = _inner(u, jv_leaves)
        if not _close(got, u_fd, rtol, atol):
            raise GradientCheckError(
                f"forward mode disagrees with finite differences: <u, jvp(v)> = {got!r}, "
                f"finite differences give {u_fd!r} (order {order})"
            )
    if "rev" in modes:
        _, back = vjp(g, *primals)
        cts = back(u_tree)
        got = _inner(tree_flatten(cts)[0], v)
        if not _close(got, u_fd, rtol, atol):
            raise GradientCheckError(
                f"reverse mode disagrees with finite differences: <vjp(u), v> = {got!r}, "
                f"finite differences give <u, J v> = {u_fd!r} (order {order})"
            )
    if order > 1:
        if "fwd" in modes:

            def tangent_fn(*xs):
                return jvp(g, xs, v)[1]

            _check(
                tangent_fn, tree_flatten(primals)[1], list(primals), modes, order - 1, eps, rtol, atol, rng
            )
        if "rev" in modes:

            def cotangent_fn(*xs):
                return vjp(g, *xs)[1](u_tree)

            _check(
                cotangent_fn, tree_flatten(primals)[1], list(primals), modes, order - 1, eps, rtol, atol, rng
            )


def _finite_difference(g, primals, v, eps):
    plus = g(*(x + eps * d for x, d in zip(primals, v)))
    minus = g(*(x - eps * d for x, d in zip(primals, v)))
    return [
        (np.asarray(p) - np.asarray(m)) / (2 * eps)
        for p, m in zip(tree_flatten(plus)[0], tree_flatten(minus)[0])
    ]


from .conformance import check_backend  # noqa: E402,F401  (public: xformad.testing.check_backend)
