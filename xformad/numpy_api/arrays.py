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

from ..tracing import Tracer
from .util import standin, standins

_asarray = np.asarray  # the originals (xformad is imported outside any trace)
_stack = np.stack


def _live(x) -> bool:
    return type(x) is Tracer and x._trace.live


def has_traced(obj) -> bool:
    """Whether ``obj`` is, or a (nested) list or tuple holds, a live traced value."""
    t = type(obj)
    if t is Tracer:
        return obj._trace.live
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
        return _asarray(obj)
    return obj


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
        if not has_traced(obj):
            return NotImplemented
        if type(obj) is Tracer:
            plain = standin(obj)
            ref = original(plain, *rest, **kwargs)  # numpy's own errors (copy=False, dtype)
            if ref is plain and ref.shape == obj.shape and ref.dtype == obj.dtype:
                return obj  # numpy returns its argument itself: so does xformad
            result = _shaped(obj, ref)
            if np.may_share_memory(ref, plain) and ref.dtype == obj.dtype:
                return result  # a view of the argument (ndmin with copy=False)
            if result is obj or result._alias is not None:
                result = result.snapshot()  # a copy: a new value, never a view
            return result
        ref = original(standins(obj), *rest, **kwargs)
        return _shaped(_stacked(obj), ref)

    handler.__name__ = getattr(original, "__name__", "convert")
    return handler


CONVERTERS = (np.array, np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray)


def register(registry) -> None:
    for fn in CONVERTERS:
        registry.intercept(np, fn.__name__, _converter(fn))
