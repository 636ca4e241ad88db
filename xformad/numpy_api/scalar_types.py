"""``np.float64(x)``, ``np.float32(x)``, ``np.complex128(x)``, ``np.int64(x)`` & co. on traced
values: interception (``xformad/intercept.py``). An integer type's cast truncates, as numpy's,
and has no derivative.

A numpy scalar type cannot hold a traced value, and its constructor converts its argument
before xformad sees it. While a trace is open, the names ``np.float64`` & co. hold a
subclass whose constructor casts a traced argument (``x.astype(np.float64)``, which keeps
the derivative) and otherwise builds the numpy scalar itself. numpy reads the subclass as
the same dtype (``np.zeros(2, dtype=np.float64)``), and ``isinstance``, ``==`` and hashing
treat it as the type it stands for; only an identity test (``x.dtype.type is np.float64``)
can tell, and only inside a trace.
"""

from __future__ import annotations

import numpy as np

from .. import buffers
from ..tracing import _stack
from .arrays import to_array


class _StandIn(type):
    """The metaclass: the stand-in compares, hashes and checks instances as its type."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.stands_for)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.stands_for)

    def __eq__(cls, other):
        return other is cls.stands_for or type.__eq__(cls, other)

    def __hash__(cls):
        return hash(cls.stands_for)

    def __repr__(cls):
        return repr(cls.stands_for)


def _stand_in(scalar_type):
    def new(cls, *args, **kwargs):
        if _stack.depth and args and buffers.live_trace(args[0]) is not None:
            value = buffers.resolve(args[0], plain_constants=False)
            if type(value) is list or type(value) is tuple:
                value = to_array(value)
            return value.astype(scalar_type)
        return scalar_type(*args, **kwargs)

    namespace = {"__new__": new, "stands_for": scalar_type, "__xformad_replaces__": True}
    namespace["__module__"] = "numpy"
    namespace["__doc__"] = scalar_type.__doc__
    return _StandIn(scalar_type.__name__, (scalar_type,), namespace)


# by the names numpy code writes them (np.intp and np.int64 are one type, two names)
SCALAR_TYPES = {
    name: getattr(np, name)
    for name in ("float64", "float32", "float16", "complex128", "complex64", "int64", "int32", "intp")
}


def register(registry) -> None:
    for name, scalar_type in SCALAR_TYPES.items():
        registry.intercept(np, name, _stand_in(scalar_type))
