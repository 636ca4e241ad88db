"""How numpy reaches xformad: ``__array_ufunc__`` and ``__array_function__`` land here.

Handlers are looked up in the registry by the numpy callable itself, so built-in
lowerings and plugins' primitives are found the same way.
"""

from __future__ import annotations

import inspect
import sys

import numpy as np

from .. import plugins, tracing
from ..errors import TracerConversionError, UnsupportedOperation
from ..primitives.elementwise import copy_p
from ..tracing import Tracer, concrete
from . import pyfuncs, ufunc_methods
from .util import standins

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


def _ufunc_home(fn) -> str | None:
    """The public module a ufunc that numpy does not own is found in (scipy's carry no
    ``__module__``): ``scipy.special`` for ``scipy.special.kl_div``; None if none is known."""
    name = getattr(fn, "__name__", None)
    if not name:
        return None
    for home in ("scipy.special",):
        module = sys.modules.get(home)
        if module is not None and getattr(module, name, None) is fn:
            return home
    return None


def qualname(fn) -> str:
    if isinstance(fn, np.ufunc) and getattr(np, getattr(fn, "__name__", ""), None) is not fn:
        home = _ufunc_home(fn)
        if home is not None:
            return f"{home}.{fn.__name__}"
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
    if kwargs.get("out") is Ellipsis:  # out=...: numpy returns an array, 0-d included
        del kwargs["out"]
        return _as_array(dispatch_ufunc(ufunc, method, inputs, kwargs))
    out = _out_targets(kwargs.pop("out", None))
    if method == "reduce" and ufunc in _REDUCE and kwargs.get("where", True) is not True:
        where = True  # reduce's where= picks the elements (np.sum(x, where=m)): kept in kwargs
    else:
        where = kwargs.pop("where", True)
    if where is not True and out is None:
        raise UnsupportedOperation(
            f"{qualname(ufunc)} with where= and no out=",
            "numpy leaves the other elements uninitialised; use np.where(mask, f(x), other)",
        )
    if out is not None:  # numpy itself checks shapes, dtypes and casting, with its own errors
        bound = ufunc if method == "__call__" else getattr(ufunc, method)
        _check_with_numpy(bound, inputs, kwargs, out, where)
        # c += t into a plain array: the graph gets c's value as it is now, not c itself
        inputs = tuple(a.copy() if type(a) is np.ndarray and any(a is o for o in out) else a for a in inputs)
    if method == "__call__":
        handler = _handlers().get(ufunc)
        if handler is None:
            if pyfuncs.is_pyfunc_ufunc(ufunc) and out is None:
                return pyfuncs.frompyfunc_call(ufunc, method, inputs, kwargs)
            raise UnsupportedOperation(qualname(ufunc))
        dtype = kwargs.pop("dtype", None)
        signature = kwargs.pop("signature", None)
        casting = kwargs.pop("casting", None)
        for k in ("order", "subok"):
            kwargs.pop(k, None)
        if dtype is not None or signature is not None:  # numpy computes in the chosen loop
            inputs, dtype = _in_loop_types(ufunc, inputs, dtype, signature, casting)
        result = handler(*inputs, **kwargs)
        if dtype is not None:
            result = np.asarray(result, dtype=dtype) if type(result) is not Tracer else result.astype(dtype)
    elif method == "reduce" and ufunc in _REDUCE:
        kwargs.setdefault("axis", 0)
        result = _REDUCE[ufunc](*inputs, **kwargs)
    elif method == "accumulate" and ufunc in _ACCUMULATE:
        kwargs.setdefault("axis", 0)
        result = _ACCUMULATE[ufunc](*inputs, **kwargs)
    elif method in ("reduce", "accumulate", "reduceat"):  # the others fold as numpy does
        result = getattr(ufunc_methods, method)(ufunc, *inputs, **kwargs)
    elif method == "outer":  # numpy makes both operands arrays first (no weak scalars)
        x, y = (a if type(a) is Tracer else np.asarray(a) for a in inputs)
        x = np.reshape(x, np.shape(x) + (1,) * np.ndim(y))
        result = ufunc(x, y, **kwargs)
    elif method == "at":
        return _ufunc_at(ufunc, *inputs)
    else:
        raise UnsupportedOperation(f"{qualname(ufunc)}.{method}")
    if out is not None:
        return write_out(out, result, where)
    return result


def _as_array(result):
    """A numpy scalar as the 0-d array numpy's out=... gives (a copy node when traced)."""
    if type(result) is Tracer:
        return copy_p.bind(result) if isinstance(concrete(result), np.generic) else result
    return np.asarray(result) if isinstance(result, np.generic) else result


def _as_type(a, dtype):
    if type(a) is Tracer:
        return a if a.dtype == dtype else a.astype(dtype)
    return np.asarray(a, dtype=dtype)


def _in_loop_types(ufunc, inputs, dtype, signature, casting):
    """The inputs cast to the types of the loop numpy picks for ``dtype=``/``signature=``
    (np.exp(x32, dtype=np.float64) computes in float64), and the output type."""
    given = tuple(type(a) if type(a) in (float, int, complex) else np.result_type(a) for a in inputs)
    if signature is None:  # dtype= is the signature's outputs (numpy's definition)
        signature = (None,) * ufunc.nin + (np.dtype(dtype),) * ufunc.nout
    loop = ufunc.resolve_dtypes(
        given + (None,) * ufunc.nout, signature=signature, casting=casting or "same_kind"
    )
    cast = tuple(_as_type(a, t) for a, t in zip(inputs, loop[: ufunc.nin]))
    return cast, loop[ufunc.nin]


_NO_OUT = 1 << 30  # the position of ``out`` for a function that takes none


def _out_targets(out) -> tuple | None:
    """numpy's ``out=``: an array, a tuple of arrays (and Nones), or None."""
    if out is None:
        return None
    out = out if isinstance(out, tuple) else (out,)
    return out if any(o is not None for o in out) else None


def _ufunc_at(ufunc, target, index, values=None):
    """ufunc.at(x, idx, v) on a traced x: an in-place update that differentiates (np.add.at a
    scatter-add; every other ufunc in rounds, ``indexing.apply_at``)."""
    from .indexing import apply_at, scatter_add

    if type(target) is not Tracer:
        raise TracerConversionError(
            f"{qualname(ufunc)}.at writes a traced value into a plain ndarray made outside the "
            "traced function, which would drop "
            "its derivative. Make the target traced (t = np.zeros_like(x)) and use "
            "np.add.at(t, idx, v), or build the result with xformad-supported operations."
        )
    if ufunc is np.add:
        target._assign(scatter_add(target, index, values))
    elif ufunc is np.subtract:  # a + (-v1) + (-v2) is a - v1 - v2 exactly
        target._assign(scatter_add(target, index, np.negative(values)))
    else:
        target._assign(apply_at(ufunc, target, index, values))
    return None


def _check_with_numpy(fn, args, kwargs, out: tuple, where=True, position: int = _NO_OUT) -> None:
    """Run ``fn`` on the plain values with scratch ``out`` arrays of the targets' shapes
    and dtypes, so a call numpy refuses (shape, casting) raises numpy's own error.
    ``position``: where ``out`` stands among the positional arguments, if it was given so."""
    scratch = tuple(None if o is None else np.empty(np.shape(o), dtype=o.dtype) for o in out)
    scratch = scratch if len(scratch) > 1 else scratch[0]
    args = tuple(standins(args))
    plain = {k: standins(v) for k, v in kwargs.items()}
    if where is not True:
        plain["where"] = standins(where)
    if len(args) > position:
        args = args[:position] + (scratch,) + args[position + 1 :]
    else:
        plain["out"] = scratch
    fn(*args, **plain)


def write_out(out: tuple, result, where=True):
    """Write ``result`` into the ``out=`` targets as numpy does (broadcast to the target's
    shape, cast to its dtype, only where ``where`` holds) and return what numpy returns."""
    results = result if isinstance(result, tuple) else (result,)
    for target, value in zip(out, results):
        if target is None:
            continue
        if type(target) is not Tracer:
            if type(value) is Tracer and value.dtype.kind in "iub":
                target[...] = value  # no derivative to drop: the value, guarded (__array__)
                continue
            raise TracerConversionError(
                "a traced result was written into a plain ndarray (through out=, or an "
                "in-place operator such as buf += x), which would drop its derivative. Such an "
                "array was made outside the traced function, or inside it by a method or an "
                "operator of a plain array (a.copy(), a * 1.0 of an argument not being "
                "differentiated), which xformad cannot see. Make it with a numpy function "
                "inside the function (buf = np.zeros(n), np.copy(a), np.array(a): those take "
                "traced values), use the returned value (buf = buf + x), or start from a "
                "traced array (buf = np.zeros_like(x))."
            )
        if type(value) is not Tracer:
            value = np.asarray(value)
        if value.shape != target.shape:
            value = np.broadcast_to(value, target.shape)
        if value.dtype != target.dtype:
            value = value.astype(target.dtype)
        if where is not True:
            value = np.where(where, value, target)
        target._assign(value)
    return out if len(out) > 1 else out[0]


def dispatch_function(func, args: tuple, kwargs: dict):
    handler = _handlers().get(func)
    if handler is not None:
        position = _out_position(func)
        if kwargs.get("out") is None and len(args) <= position:
            return _fresh(func, handler(*args, **kwargs), args)
        args, out = _take_out(args, kwargs, position)
        if out is None:
            return _fresh(func, handler(*args, **kwargs), args)
        _check_with_numpy(func, args, kwargs, (out,), position=position)
        return write_out((out,), handler(*args, **kwargs))
    # numpy's own Python implementation often works unchanged on tracers (it calls
    # ufuncs and methods); where it converts to ndarray instead, say so by name.
    impl = getattr(func, "_implementation", None)
    if impl is not None and inspect.isfunction(impl):
        try:
            return impl(*args, **kwargs)
        except TracerConversionError as exc:
            raise UnsupportedOperation(qualname(func)) from exc
    raise UnsupportedOperation(qualname(func))


# numpy functions whose result is a view of their argument (their handlers register it), or
# the argument itself when it already fits (np.asarray(x) is x); any other handler's result
# that came out as an argument or a view of one is made a copy
_VIEWS = {np.reshape, np.ravel, np.transpose, np.swapaxes, np.moveaxis, np.rollaxis, np.squeeze}
_VIEWS |= {np.expand_dims, np.broadcast_to, np.broadcast_arrays, np.flip, np.fliplr, np.flipud}
_VIEWS |= {np.rot90, np.real, np.imag, np.diagonal, np.diag, np.real_if_close}
_VIEWS |= {np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray}
_VIEWS |= {np.atleast_1d, np.atleast_2d, np.atleast_3d}
_VIEWS |= {getattr(np, name) for name in ("permute_dims", "matrix_transpose", "astype") if hasattr(np, name)}
_VIEWS |= {getattr(np.linalg, name) for name in ("diagonal", "matrix_transpose") if hasattr(np.linalg, name)}
_OUT_POSITIONS: dict = {}


def _fresh(func, result, args):
    """numpy's copy semantics for handlers: a handler that returned one of its traced
    arguments unchanged (a no-op clip, a one-array concatenate), or a view of one (np.roll,
    np.tile and np.median built from reshapes and slices), gives a new array, as numpy does."""
    if type(result) is Tracer:
        if func in _VIEWS:
            return result
        if result._alias is not None and result._alias.base is not None:
            return result.snapshot()  # a view of something: numpy made a copy
        if any(result is a for a in args):
            return result.snapshot()
        return result
    if type(result) in (tuple, list) and func not in _VIEWS:
        return type(result)(_fresh(func, r, args) for r in result)
    return result


def _out_position(func) -> int:
    """Where ``out`` stands among ``func``'s positional parameters (huge if nowhere)."""
    position = _OUT_POSITIONS.get(func)
    if position is None:
        position = _NO_OUT
        try:
            params = list(inspect.signature(func).parameters.values())
        except (TypeError, ValueError):
            params = []
        for i, p in enumerate(params):
            if p.name == "out" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                position = i
        _OUT_POSITIONS[func] = position
    return position


def _take_out(args: tuple, kwargs: dict, position: int):
    """``args`` and ``kwargs`` without the ``out`` target (which is returned); ``position``
    is where ``out`` stands among the positional parameters."""
    out = kwargs.pop("out", None)
    if out is None and len(args) > position:
        out = args[position]
        args = args[:position] + (None,) + args[position + 1 :]
    return args, out


tracing.connect(dispatch_ufunc=dispatch_ufunc, dispatch_function=dispatch_function)
