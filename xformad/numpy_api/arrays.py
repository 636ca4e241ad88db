"""np.array, np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray on traced
values and on (nested) lists of them: interception handlers (``xformad/intercept.py``).

numpy itself decides everything but the values: each call first runs numpy's own function on
stand-ins of the same shapes and dtypes (so dtype promotion, ``ndmin``, ragged lists and
``copy=False`` behave, and fail, exactly as numpy's), then the traced result is given that
shape and dtype. A traced argument numpy would return unchanged is returned itself
(``np.asarray(x) is x``); where numpy copies, the result is a new value, never a view.
"""

from __future__ import annotations

import numpy as np

from .. import buffers
from ..buffers import Buffer
from ..primitives.elementwise import copy_p
from ..tracing import Tracer
from .util import as_operand, standin, standins

_asarray = np.asarray  # the originals (xformad is imported outside any trace)
_stack = np.stack


def has_traced(obj) -> bool:
    """Whether ``obj`` is, or a (nested) list or tuple holds, a live traced value."""
    t = type(obj)
    if t is Tracer:
        return obj._trace.live
    if t is Buffer:
        return buffers.live_trace(obj) is not None
    if t is list or t is tuple:
        for v in obj:
            if has_traced(v):
                return True
    return False


def _stacked(obj):
    """A nested list or tuple holding traced values as one stacked traced array."""
    if type(obj) is list or type(obj) is tuple:
        if has_traced(obj):
            return _stack([_stacked(v) for v in obj])
        return _asarray(buffers.resolve(obj, plain_constants=False))
    return buffers.resolve(obj, plain_constants=False)


def _shaped(result, ref):
    if result.shape != ref.shape:
        result = np.reshape(result, ref.shape)
    if result.dtype != ref.dtype:  # an int or bool dtype: a value without derivative
        result = result.astype(ref.dtype)
    return result


def _converter(original):
    def handler(*args, **kwargs):
        if not args:  # np.array(object=x), np.asarray(a=x)
            key = "object" if "object" in kwargs else "a"
            if key not in kwargs:
                return NotImplemented
            kwargs = dict(kwargs)
            args = (kwargs.pop(key),)
        obj, rest = args[0], args[1:]
        if type(obj) is Buffer:
            obj = buffers.resolve(obj, plain_constants=False)
            if type(obj) is not Tracer:  # an array made in this trace, not (yet) traced
                return _constant(args[0], original(args[0], *rest, **kwargs))
        elif not has_traced(obj):
            if buffers.called_from_xformad():
                return NotImplemented
            return _constant(obj, original(*args, **kwargs))
        if type(obj) is Tracer:
            plain = standin(obj)
            ref = original(plain, *rest, **kwargs)  # numpy's own errors (copy=False, dtype)
            if ref is plain and ref.shape == obj.shape and ref.dtype == obj.dtype:
                return obj  # numpy returns its argument itself: so does xformad
            result = _shaped(obj, ref)
            if np.may_share_memory(ref, plain) and ref.dtype == obj.dtype:
                return result  # a view of the argument (ndmin with copy=False)
            if ref.strides != plain.strides and ref.shape == plain.shape and ref.dtype == obj.dtype:
                # numpy's copy has another layout (ascontiguousarray of a transpose): so
                # has this one, whose reshape is then a view where numpy's is
                order = "C" if ref.flags.c_contiguous else "F" if ref.flags.f_contiguous else "K"
                return copy_p.bind(result, order=order)
            if result is obj or result._alias is not None:
                result = result.snapshot()  # a copy: a new value, never a view
            return result
        ref = original(standins(obj), *rest, **kwargs)
        return _shaped(_stacked(obj), ref)

    handler.__name__ = getattr(original, "__name__", "convert")
    return handler


def _constant(obj, result):
    """A conversion without traced values: numpy's result, a Buffer where it is new memory
    (so traced values can be written into it later), ``obj`` itself where numpy returned
    a view of an array made in this trace (``np.asarray(buf) is buf``)."""
    if type(result) is not np.ndarray:
        return result
    if type(obj) is Buffer:
        if np.may_share_memory(result, obj):
            return obj if result.shape == obj.shape and result.dtype == obj.dtype else result
    elif type(obj) is np.ndarray and np.may_share_memory(result, obj):
        return result  # np.asarray(a) of an array made outside: that array, as numpy says
    return buffers.made_here(result)


def _creator(original):
    """np.zeros & co. inside a trace: a Buffer, which traced values can be written into."""

    def handler(*args, **kwargs):
        if buffers.called_from_xformad():
            return NotImplemented
        return buffers.made_here(original(*args, **kwargs))

    handler.__name__ = original.__name__
    return handler


def _full(original, like: bool):
    """np.full(shape, traced) is the traced value broadcast; otherwise a Buffer."""

    def handler(*args, **kwargs):
        names = ("a", "fill_value", "dtype") if like else ("shape", "fill_value", "dtype")
        bound = dict(zip(names, args), **kwargs)
        fill = bound.get("fill_value")
        if buffers.live_trace(fill) is None:
            if buffers.called_from_xformad():
                return NotImplemented
            return buffers.made_here(original(*args, **kwargs))
        fill = as_operand(buffers.resolve(fill, plain_constants=False))
        if like:  # the prototype's dtype, unless dtype= is given
            proto = bound["a"]
            dtype = bound.get("dtype") or (proto.dtype if hasattr(proto, "dtype") else np.result_type(proto))
        else:
            dtype = bound.get("dtype") or fill.dtype
        ref = original(*(standins(a) for a in args), **{k: standins(v) for k, v in kwargs.items()})
        result = np.broadcast_to(fill, np.shape(ref)).copy()
        return result if result.dtype == dtype else result.astype(dtype)

    handler.__name__ = original.__name__
    return handler


def to_array(obj):
    """A (nested) list or tuple holding traced values as one traced array, by numpy's own
    conversion rules (``np.asarray``'s handler)."""
    result = _TO_ARRAY(obj)
    return _asarray(obj) if result is NotImplemented else result


CONVERTERS = (np.array, np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray)
CREATORS = (
    np.zeros,
    np.ones,
    np.empty,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.eye,
    np.identity,
    np.copy,
)


def register(registry) -> None:
    for fn in CONVERTERS:
        registry.intercept(np, fn.__name__, _converter(fn))
    for fn in CREATORS:
        registry.intercept(np, fn.__name__, _creator(fn))
    registry.intercept(np, "full", _full(np.full, like=False))
    registry.intercept(np, "full_like", _full(np.full_like, like=True))


_TO_ARRAY = _converter(np.asarray)
