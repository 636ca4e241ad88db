"""*_like constructors: on a traced argument they return a traced array (numpy returns
the argument's own array type), so ``out = np.zeros_like(x); out[i] = v`` differentiates."""

from __future__ import annotations

import numpy as np

from ..tracing import concrete
from .dispatch import implements
from .util import is_tracer


def _lifted(proto, value):
    return proto._trace.lift(value) if is_tracer(proto) else value


def _like(maker):
    def like(a, dtype=None, order="K", subok=True, shape=None, **kwargs):
        base = concrete(a)
        value = maker(base, dtype=dtype, shape=shape)
        return _lifted(a, value)

    return like


implements(np.zeros_like)(_like(lambda b, dtype, shape: np.zeros_like(b, dtype=dtype, shape=shape)))
implements(np.ones_like)(_like(lambda b, dtype, shape: np.ones_like(b, dtype=dtype, shape=shape)))
implements(np.empty_like)(_like(lambda b, dtype, shape: np.zeros_like(b, dtype=dtype, shape=shape)))


@implements(np.full_like)
def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kwargs):
    shape = np.shape(a) if shape is None else shape
    dtype = a.dtype if dtype is None else dtype
    if is_tracer(fill_value):
        return np.broadcast_to(fill_value, shape).astype(dtype) + np.zeros(shape, dtype)
    return _lifted(a, np.full(shape, fill_value, dtype=dtype))
