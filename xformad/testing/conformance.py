"""A backend conformance check: every row of the primitive table (``primitive_table``) on a
backend gives numpy's numbers, forward, reverse and second order. A third-party backend runs
it against itself::

    from xformad.testing import check_backend
    check_backend(to_device=mylib.asarray, to_host=mylib.asnumpy)

(the backend is the one xformad picks for ``mylib`` arrays). xformad's own tests run it on
the fake device of ``tests/fake_device.py`` and on cupy where a GPU is present.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..api import grad, jvp, vjp
from ..tree import tree_flatten
from .primitive_table import all_cases


def conformance_cases() -> list:
    """``(case, shapes, id)`` for one row per primitive and function: the largest shapes
    (broadcasting variants are numpy's concern, not the backend's)."""
    cases, _ = all_cases()
    seen, rows = set(), []
    for case in cases:
        key = (case.prim, id(case.fn))
        if key not in seen:
            seen.add(key)
            rows.append((case, case.shapes[-1], case.ids()[-1]))
    return rows


def nondifferentiable_cases() -> dict:
    return all_cases()[1]


def _close(got, want, to_host, rtol, atol) -> None:
    got_leaves, want_leaves = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        np.testing.assert_allclose(to_host(g), w, rtol=rtol, atol=atol)


def check_case(case, shapes, to_device: Callable, to_host: Callable, rng, *, rtol=1e-10, atol=1e-12) -> None:
    """One row: its JVP and VJP, and (order 2 rows) forward over reverse, on the device
    against the same on numpy."""
    args = case.draw(shapes, rng, scalars=False)
    y = case.fn(*args)
    v = tuple(np.asarray(rng.standard_normal(np.shape(a)), dtype=a.dtype) for a in args)
    u = np.asarray(rng.standard_normal(np.shape(y)), dtype=np.result_type(y))
    dargs, dv, du = tuple(to_device(a) for a in args), tuple(to_device(t) for t in v), to_device(u)
    _close(jvp(case.fn, dargs, dv), jvp(case.fn, args, v), to_host, rtol, atol)
    _close(vjp(case.fn, *dargs)[1](du), vjp(case.fn, *args)[1](u), to_host, rtol, atol)
    if case.order < 2:
        return

    def cotangent_fn(*xs, ct):
        return vjp(case.fn, *xs)[1](ct)

    got = jvp(lambda *xs: cotangent_fn(*xs, ct=du), dargs, dv)[1]
    want = jvp(lambda *xs: cotangent_fn(*xs, ct=u), args, v)[1]
    _close(got, want, to_host, rtol, atol)


def check_nondifferentiable(fn, to_device: Callable, to_host: Callable, rng) -> None:
    """A primitive without derivative runs on the device and contributes none."""
    x = rng.uniform(-2, 2, size=5)
    g = grad(lambda x: np.sum(x * fn(x)))(to_device(x))
    np.testing.assert_allclose(to_host(g), np.asarray(fn(x), dtype=float))


def check_backend(
    to_device: Callable, to_host: Callable, *, seed: int = 0, unsupported: tuple = ()
) -> list[str]:
    """Every row of the primitive table on the backend that owns ``to_device``'s arrays;
    raises AssertionError naming every row that differs from numpy.

    ``unsupported``: exception types with which the backend refuses a primitive it has no
    kernel for (a clear refusal, not a wrong number); rows raising one are returned, as
    ``"id: message"``, instead of failing the check. Returns [] for a complete backend.
    """
    rng = np.random.default_rng(seed)
    failures, refused = [], []
    for case, shapes, ident in conformance_cases():
        try:
            check_case(case, shapes, to_device, to_host, rng)
        except AssertionError as exc:
            failures.append(f"{ident}: {str(exc).strip().splitlines()[0]}")
        except unsupported as exc:
            refused.append(f"{ident}: {exc}")
    for name, fn in sorted(nondifferentiable_cases().items()):
        try:
            check_nondifferentiable(fn, to_device, to_host, rng)
        except AssertionError as exc:
            failures.append(f"{name}: {str(exc).strip().splitlines()[0]}")
        except unsupported as exc:
            refused.append(f"{name}: {exc}")
    if failures:
        raise AssertionError(f"{len(failures)} primitive(s) differ from numpy:\n" + "\n".join(failures))
    return refused
