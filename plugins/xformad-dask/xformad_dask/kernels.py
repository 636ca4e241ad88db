"""Every primitive's kernel on dask arrays, through one wrapper.

The dask backend's ``kernels`` table answers for every primitive: a kernel written for
dask (``DASK_KERNELS``, or one a user adds) where there is one, else the primitive's own
kernel run against dask.array. The wrapper (``on_dask``) is where the backend keeps its
promises: kernels whose arguments are all host values (a lowering's numpy bookkeeping)
run on numpy; a function dask.array lacks, or refuses, raises ``NoDaskKernel`` naming the
primitive, as does a numpy function dask would only run by computing its operands on the
client (dask's "not implemented by Dask array" fallback): never a silent compute, never a
wrong number. Results are ``CountedArray`` so control flow on them is counted.
"""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np

from xformad.backends.base import KernelTable
from xformad.extend import XformadError
from xformad.primitives.indexing import build_index, has_arrays

from .counted import counted
from .errors import NoDaskKernel
from .namespace import DASK_XP, MissingFunction

# how dask says it lacks something (a keyword, ufunc.at, unknown chunk sizes, square
# chunks for LU): reported as the primitive's refusal, dask's own error chained as the
# cause (a mistake of the program itself, a shape mismatch, is reported the same way)
_REFUSALS = (NotImplementedError, TypeError, ValueError, AttributeError, IndexError)

# dask's message when a numpy function it does not implement would compute its operands
_CLIENT_FALLBACK = r"The `.*` function is not implemented by Dask array"


def _has_dask(args) -> bool:
    for a in args:
        if isinstance(a, da.Array):
            return True
        if type(a) in (list, tuple) and any(isinstance(b, da.Array) for b in a):
            return True  # concatenate's and stack's list of arrays
    return False


def _unknown_shape(out) -> bool:
    # xformad takes shapes from the values it carries: a NaN extent cannot be traced on
    values = out if type(out) is tuple else (out,)
    return any(isinstance(v, da.Array) and any(s != s for s in v.shape) for v in values)


def on_dask(name: str, kernel):
    """``kernel`` as the dask backend runs it for primitive ``name``."""

    def dask_kernel(xp, *args, **params):
        if not _has_dask(args):
            return kernel(np, *args, **params)  # host bookkeeping stays numpy
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("error", message=_CLIENT_FALLBACK, category=FutureWarning)
                out = kernel(DASK_XP, *args, **params)
        except MissingFunction as exc:
            raise NoDaskKernel(name, str(exc)) from None
        except FutureWarning as exc:
            raise NoDaskKernel(name, f"dask would compute it on the client: {exc}") from None
        except XformadError:
            raise  # a nested transform's own error (checkpoint runs the user's function)
        except _REFUSALS as exc:
            why = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise NoDaskKernel(name, f"dask.array refuses it: {type(exc).__name__}: {why}") from exc
        if _unknown_shape(out):
            raise NoDaskKernel(
                name,
                "its result's shape depends on the values (x[mask], np.nonzero), which dask leaves unknown",
            )
        return counted(out)

    dask_kernel.__name__ = f"dask_{name}"
    dask_kernel.__qualname__ = dask_kernel.__name__
    return dask_kernel


def _safe_multiply(xp, ct, d):
    # the masked product without the data-dependent NaN test numpy's kernel makes first
    # (that test would compute the graph): always masked, lazily; exact where ct != 0
    r = ct * d
    return xp.where(ct == 0, r.dtype.type(0), r)


def _getitem_transpose(xp, ct, *arrays, spec, shape):
    """Zeros of ``shape`` with ``ct`` written at a basic index (slices, ints, None,
    Ellipsis), by dask's chunked setitem. dask's setitem takes no None: those axes (of
    length 1 in ``ct``) are dropped from both first. It also writes a negative-step slice
    along the wrong axis (x[0, ::-1] = v of a 3-d x), so each is written as the
    positive-step slice of the same elements, ``ct`` flipped along its axis. Integer-array
    indices would need ``np.add.at``, which dask lacks: refused."""
    if has_arrays(spec):
        raise NotImplementedError("integer-array indices (numpy's kernel uses np.add.at)")
    index = build_index(spec, arrays)
    index = index if type(index) is tuple else (index,)
    consumed = sum(1 for e in index if e is not None and e is not Ellipsis)
    kept, dropped, axis, dim = [], [], 0, 0  # axis: of ct; dim: of shape
    for e in index:
        if e is None:
            dropped.append(axis)
            axis += 1
        elif e is Ellipsis:
            kept.append(e)
            axis += len(shape) - consumed
            dim += len(shape) - consumed
        else:
            if isinstance(e, slice):
                start, stop, step = e.indices(shape[dim])
                if step < 0:
                    picked = range(start, stop, step)
                    e = slice(picked[-1], picked[0] + 1, -step) if len(picked) else slice(0, 0)
                    ct = xp.flip(ct, axis=axis)
            kept.append(e)
            axis += 0 if isinstance(e, (int, np.integer)) else 1
            dim += 1
    if dropped:
        ct = xp.squeeze(ct, axis=tuple(dropped))
    y = xp.zeros(shape, dtype=ct.dtype)
    y[tuple(kept)] = ct
    return y


def _fft(xp, x, kind, axes, norm, n):
    # dask transforms along an axis only when it is one chunk: the transformed axes become
    # one chunk each (signals are short next to the data), the other axes stay chunked
    from xformad.primitives.fft import fft_p

    x = x.rechunk({a % x.ndim: -1 for a in axes})
    return fft_p.kernel(xp, x, kind=kind, axes=axes, norm=norm, n=n)


def _convolve(xp, a, v, kind, mode):
    # numpy's own kernel on each signal as one chunk (signals are short next to the data):
    # the values are numpy's
    from xformad.primitives.convolution import window

    n, m = a.shape[0], v.shape[0]
    length = window(kind, mode, n, m)[1]
    fn = np.correlate if kind == "correlate" else np.convolve
    dtype = np.result_type(a.dtype, v.dtype)
    a, v = (xp.asarray(x).rechunk(-1) for x in (a, v))  # one operand may be a numpy array
    return xp.map_blocks(lambda a, v: fn(a, v, mode=mode), a, v, chunks=((length,),), dtype=dtype)


def _add_reduceat(xp, x, indices, axis):
    # numpy's own pairwise segment sums, with the reduced axis as one chunk
    x = x.rechunk({axis: -1})
    chunks = x.chunks[:axis] + ((len(indices),),) + x.chunks[axis + 1 :]
    return x.map_blocks(
        lambda b: np.add.reduceat(b, np.asarray(indices, np.intp), axis=axis), chunks=chunks, dtype=x.dtype
    )


def _copy(xp, x, order="K"):
    return x.copy() if hasattr(x, "copy") else x  # dask.array.array takes no copy= (no layout)


def _conjugate(xp, x):
    return xp.conj(x)  # dask.array names it conj only


def _cholesky(xp, a, upper):
    """numpy's cholesky on dask: the factor of the Hermitian matrix numpy reads from one
    triangle (the lower, or the upper with upper=True). dask's own cholesky returns the
    upper factor by default and reads the whole matrix."""
    if a.ndim != 2:
        raise NotImplementedError("a stack of matrices (dask's cholesky takes one)")
    low = xp.tril(a, -1) if not upper else xp.conj(xp.triu(a, 1)).T
    hermitian = low + xp.conj(low).T + xp.diag(xp.real(xp.diagonal(a)))
    return xp.linalg.cholesky(hermitian, lower=not upper)


# primitive name -> a kernel written for dask, where the generic one would compute or
# cannot be written against dask.array
DASK_KERNELS = {
    "safe_multiply": _safe_multiply,
    "getitem_transpose": _getitem_transpose,
    "fft": _fft,
    "convolve": _convolve,
    "add_reduceat": _add_reduceat,
    "copy": _copy,
    "conjugate": _conjugate,
    "cholesky": _cholesky,
}


class DaskKernels(KernelTable):
    """name -> kernel for every primitive (see the module docstring). Entries set on the
    table (``backend.kernels[name] = fn``) are dask kernels of their own and win over the
    primitive's; the wrapped kernels are cached until any kernel table changes."""

    def __init__(self, primitives, own: dict):
        super().__init__(own)
        self._primitives = primitives  # () -> the registry's name -> Primitive mapping
        self._wrapped: dict = {}
        self._version = KernelTable.version

    def get(self, name, default=None):
        if self._version != KernelTable.version:
            self._wrapped.clear()  # a kernel changed somewhere: wrap afresh
            self._version = KernelTable.version
        hit = self._wrapped.get(name)
        if hit is None:
            kernel = dict.get(self, name)
            if kernel is None:
                prim = self._primitives().get(name)
                if prim is None:
                    return default
                kernel = prim.kernels.get("dask", prim.kernel)
            hit = self._wrapped[name] = on_dask(name, kernel)
        return hit

    def __contains__(self, name) -> bool:
        # every primitive has a dask kernel here: codegen calls it rather than writing a
        # numpy-shaped line that would bypass the wrapper
        return dict.__contains__(self, name) or name in self._primitives()
