"""Lists where numpy expects arrays: ``np.sum([a, b])``, ``np.mean([x0, x1], axis=0)``,
``np.linalg.norm([x0, x1, 1.0])``, ``np.vstack([[a, b], [c, d]])``, ``np.r_[x, 1.0, y]``,
``np.c_[a, b]``: interception handlers (``xformad/intercept.py``).

numpy's dispatch looks at the list, not inside it, so it converts the list before xformad
sees a traced value. While a trace is open these functions first turn each list argument
that holds traced values into one traced array (numpy's own conversion rules, through the
``np.asarray`` handler of ``arrays.py``); then numpy's function runs as usual and dispatches
to xformad. Calls without traced values inside lists go straight to numpy.
"""

from __future__ import annotations

import numpy as np

from .. import buffers
from ..errors import UnsupportedOperation
from ..tracing import _stack
from .arrays import has_traced, to_array
from .util import standins

# functions taking arrays; any list argument holding traced values becomes one array
_ARRAY_ARGUMENTS = {
    np: (
        "sum", "prod", "mean", "average", "std", "var", "max", "min", "median", "cumsum",
        "dot", "outer", "cross", "trace", "diag", "diff", "polyval", "interp", "clip",
        "append", "where", "einsum",
    ),
    np.linalg: ("norm", "det", "slogdet", "inv", "solve"),
}  # fmt: skip
# (each name costs every trace a dict update when it opens and when it closes: the list is
# what numpy code passes lists to, not all of numpy)
# functions taking a sequence of arrays; each list element holding traced values becomes one
_SEQUENCE_ARGUMENTS = {np: ("stack", "vstack", "hstack", "dstack", "column_stack", "concatenate")}


def _traced_list(obj) -> bool:
    return (type(obj) is list or type(obj) is tuple) and has_traced(obj)


def _arrays_taking(original):
    def handler(*args, **kwargs):
        if not any(_traced_list(a) for a in args) and not any(_traced_list(v) for v in kwargs.values()):
            return NotImplemented
        args = tuple(to_array(a) if _traced_list(a) else a for a in args)
        kwargs = {k: to_array(v) if _traced_list(v) else v for k, v in kwargs.items()}
        return original(*args, **kwargs)

    handler.__name__ = original.__name__
    return handler


def _sequence_taking(original):
    def handler(arrays, *args, **kwargs):
        if not (type(arrays) is list or type(arrays) is tuple) or not any(_traced_list(a) for a in arrays):
            return NotImplemented
        return original([to_array(a) if _traced_list(a) else a for a in arrays], *args, **kwargs)

    handler.__name__ = original.__name__
    return handler


class _Concatenator:
    """``np.r_`` / ``np.c_`` with traced items: each item made an array (at least 1-d for
    ``r_``, columns for ``c_``) and concatenated, checked against numpy on stand-ins."""

    __xformad_replaces__ = True  # installed as it is, in place of np.r_ / np.c_

    def __init__(self, original, columns: bool):
        self._original = original
        self._columns = columns

    def __getitem__(self, key):
        items = key if type(key) is tuple else (key,)
        if not _stack.depth or not any(buffers.live_trace(i) is not None or _traced_list(i) for i in items):
            return self._original[key]
        if any(isinstance(i, (slice, str)) for i in items):
            raise UnsupportedOperation(
                f"np.{'c_' if self._columns else 'r_'}[...] with slices or directive strings "
                "and traced values",
                "build the pieces with np.arange/np.linspace and join them with np.concatenate",
            )
        items = [buffers.resolve(i, plain_constants=False) for i in items]
        arrays = [to_array(i) for i in items]
        # a scalar item (1.0, np.float32(2)) goes to numpy as it is, so that it promotes the
        # result as numpy's weak-scalar rules say: np.r_[x32, 1.0] is float32
        ref = self._original[
            tuple(i if type(i) in np.ScalarType else standins(a) for i, a in zip(items, arrays))
        ]
        pieces = []
        for a in arrays:
            if self._columns:
                a = np.reshape(a, (-1, 1)) if np.ndim(a) <= 1 else a
            else:
                a = np.atleast_1d(a)
            # each piece cast to the result's dtype before joining, as numpy does
            pieces.append(a if a.dtype == ref.dtype else a.astype(ref.dtype))
        return np.concatenate(pieces, axis=-1 if self._columns else 0)

    def __len__(self):
        return len(self._original)

    def __getattr__(self, name):
        return getattr(self._original, name)


def register(registry) -> None:
    for module, names in _ARRAY_ARGUMENTS.items():
        for name in names:
            fn = getattr(module, name, None)
            if fn is not None:
                registry.intercept(module, name, _arrays_taking(fn))
    for module, names in _SEQUENCE_ARGUMENTS.items():
        for name in names:
            registry.intercept(module, name, _sequence_taking(getattr(module, name)))
    registry.intercept(np, "r_", _Concatenator(np.r_, columns=False))
    registry.intercept(np, "c_", _Concatenator(np.c_, columns=True))
