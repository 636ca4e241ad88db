"""How numpy reaches xformad: ``__array_ufunc__`` and ``__array_function__`` land here.

Handlers are looked up in the registry by the numpy callable itself, so built-in
lowerings and plugins' primitives are found the same way.
"""

from __future__ import annotations

import inspect

import numpy as np

from .. import plugins
from ..errors import TracerConversionError, UnsupportedOperation
from ..tracing import Tracer

HANDLERS: dict = {}  # the built-in handlers, registered by the numpy_api plugin


def implements(*numpy_callables):
    """Declare ``fn`` as xformad's implementation of the given numpy callables."""

    def decorate(fn):
        for c in numpy_callables:
            HANDLERS[c] = fn
        return fn

    return decorate


def _handlers() -> dict:
    return plugins.registry().handlers


def qualname(fn) -> str:
    module = getattr(fn, "__module__", None) or "numpy"
    module = {"numpy._core.multiarray": "numpy", "numpy._core.fromnumeric": "numpy"}.get(module, module)
    if isinstance(fn, np.ufunc) or module.startswith("numpy."):
        module = "numpy" if module.startswith("numpy._") or isinstance(fn, np.ufunc) else module
    return f"{module.replace('numpy', 'np', 1)}.{getattr(fn, '__name__', repr(fn))}"


_REDUCE = {
    np.add: np.sum,
    np.multiply: np.prod,
    np.maximum: np.max,
    np.minimum: np.min,
    np.logical_and: np.all,
    np.logical_or: np.any,
}
_ACCUMULATE = {np.add: np.cumsum, np.multiply: np.cumprod}


def dispatch_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    out = kwargs.pop("out", None)
    where = kwargs.pop("where", True)
    if where is not True:
        raise UnsupportedOperation(f"{qualname(ufunc)} with where=", "use np.where(mask, f(x), other)")
    if method == "__call__":
        handler = _handlers().get(ufunc)
        if handler is None:
            raise UnsupportedOperation(qualname(ufunc))
        dtype = kwargs.pop("dtype", None)
        for k in ("casting", "order", "subok", "signature"):
            kwargs.pop(k, None)
        result = handler(*inputs, **kwargs)
        if dtype is not None:
            result = np.asarray(result, dtype=dtype) if type(result) is not Tracer else result.astype(dtype)
    elif method == "reduce" and ufunc in _REDUCE:
        kwargs.setdefault("axis", 0)
        result = _REDUCE[ufunc](*inputs, **kwargs)
    elif method == "accumulate" and ufunc in _ACCUMULATE:
        kwargs.setdefault("axis", 0)
        result = _ACCUMULATE[ufunc](*inputs, **kwargs)
    elif method == "outer":
        x, y = inputs
        x_ndim = np.ndim(x)
        y_ndim = np.ndim(y)
        x = np.reshape(x, np.shape(x) + (1,) * y_ndim)
        result = ufunc(x, y) if x_ndim or y_ndim else ufunc(x, y)
    elif method == "at":
        return _ufunc_at(ufunc, *inputs)
    else:
        raise UnsupportedOperation(f"{qualname(ufunc)}.{method}")
    if out is not None:
        return _write_out(out, result)
    return result


def _ufunc_at(ufunc, target, index, values=None):
    """np.add.at(x, idx, v) on a traced x: an in-place scatter-add that differentiates."""
    from .indexing import scatter_add

    if type(target) is not Tracer:
        raise TracerConversionError(
            f"{qualname(ufunc)}.at writes a traced value into a plain ndarray, which would drop "
            "its derivative. Make the target traced (t = np.zeros_like(x)) and use "
            "np.add.at(t, idx, v), or build the result with xformad-supported operations."
        )
    if ufunc is np.add:
        target._assign(scatter_add(target, index, values))
    elif ufunc is np.subtract:
        target._assign(scatter_add(target, index, np.negative(values)))
    else:
        raise UnsupportedOperation(f"{qualname(ufunc)}.at", "only np.add.at and np.subtract.at")
    return None


def _write_out(out, result):
    targets = out if isinstance(out, tuple) else (out,)
    results = result if isinstance(result, tuple) else (result,)
    for target, value in zip(targets, results):
        if type(target) is Tracer:
            target._assign(value if value.dtype == target.dtype else value.astype(target.dtype))
        elif target is not None:
            raise TracerConversionError(
                "a traced result was written into a plain ndarray (through out=, or an "
                "in-place operator such as buf += x on a plain array), which would drop its "
                "derivative. Use the returned value (buf = buf + x, y = f(x)), or start from a "
                "traced array (buf = np.zeros_like(x)), which in-place updates differentiate."
            )
    return out if isinstance(out, tuple) and len(out) > 1 else targets[0]


def dispatch_function(func, args: tuple, kwargs: dict):
    handler = _handlers().get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    # numpy's own Python implementation often works unchanged on tracers (it calls
    # ufuncs and methods); where it converts to ndarray instead, say so by name.
    impl = getattr(func, "_implementation", None)
    if impl is not None and inspect.isfunction(impl):
        try:
            return impl(*args, **kwargs)
        except TracerConversionError as exc:
            raise UnsupportedOperation(qualname(func)) from exc
    raise UnsupportedOperation(qualname(func))
