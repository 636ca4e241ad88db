"""The ndarray methods and properties of Tracer, each a call of the numpy function.

Methods go through numpy's own dispatch (``np.sum(t)`` reaches ``__array_function__``),
so a method and its function can never disagree.
"""

from __future__ import annotations

import numpy as np

from .tracing import Tracer


def _method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = fn.__name__
    return method


_DIRECT = {
    "sum": np.sum,
    "mean": np.mean,
    "prod": np.prod,
    "max": np.max,
    "min": np.min,
    "std": np.std,
    "var": np.var,
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
    "dot": np.dot,
    "transpose_": np.transpose,
    "swapaxes": np.swapaxes,
    "squeeze": np.squeeze,
    "ravel": np.ravel,
    "clip": np.clip,
    "conj": np.conj,
    "conjugate": np.conjugate,
    "all": np.all,
    "any": np.any,
    "argmax": np.argmax,
    "argmin": np.argmin,
    "argsort": np.argsort,
    "round": np.round,
    "nonzero": np.nonzero,
    "diagonal": np.diagonal,
    "trace": np.trace,
    "repeat": np.repeat,
    "take": np.take,
    "ptp": np.ptp,
    "searchsorted": np.searchsorted,
    "compress": np.compress,
    "choose": np.choose,
}

for _name, _fn in _DIRECT.items():
    setattr(Tracer, _name.rstrip("_"), _method(_fn))


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int) and shape[0] is not None:
        shape = shape[0]
    return np.reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
        axes = axes[0]
    return np.transpose(self, axes or None)


def _astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    from .numpy_api.elementwise import astype

    result = astype(self, dtype)
    # numpy's astype copies by default: y = x.astype(float); y[0] = v must not change x
    return result.snapshot() if copy and result is self else result


def _flatten(self, order="C"):
    return np.reshape(self, (-1,), order=order)


def _copy(self, order="K"):
    return np.copy(self)


def _sort(self, axis=-1, kind=None, order=None):
    """ndarray.sort sorts in place."""
    self._assign(np.sort(self, axis=axis))


def _fill(self, value):
    self._assign(
        np.full_like(self, value)
        if not isinstance(value, Tracer)
        else np.broadcast_to(value, self.shape) + np.zeros_like(self)
    )


Tracer.reshape = _reshape
Tracer.transpose = _transpose
Tracer.astype = _astype
Tracer.flatten = _flatten
Tracer.copy = _copy
Tracer.__copy__ = _copy
Tracer.__deepcopy__ = lambda self, memo: _copy(self)
Tracer.sort = _sort
Tracer.fill = _fill
Tracer.T = property(lambda self: np.transpose(self))
Tracer.mT = property(lambda self: np.swapaxes(self, -1, -2))
Tracer.real = property(lambda self: np.real(self))
Tracer.imag = property(lambda self: np.imag(self))
Tracer.flat = property(lambda self: np.ravel(self))
