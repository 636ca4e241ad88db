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
    """``np.r_`` / ``np.c_`` with traced items, as numpy's AxisConcatenator reads them:
    slices become ranges, a first string sets the axis, ndmin and trans1d, each item is made
    an array of at least ndmin dimensions (columns for ``c_``), all cast to numpy's result
    type (scalars weakly typed) and concatenated."""

    __xformad_replaces__ = True  # installed as it is, in place of np.r_ / np.c_

    def __init__(self, original):
        self._original = original  # its axis, ndmin and trans1d say which of the two it is

    def __getitem__(self, key):
        items = key if type(key) is tuple else (key,)
        if not _stack.depth or not any(buffers.live_trace(i) is not None or _traced_list(i) for i in items):
            return self._original[key]
        axis, ndmin, trans1d = self._original.axis, self._original.ndmin, self._original.trans1d
        pieces, kinds = [], []  # kinds: what numpy's result_type sees (weak scalars as such)
        for k, item in enumerate(items):
            if isinstance(item, str):  # numpy's directives: "axis", "axis,ndmin[,trans1d]"
                if k != 0:
                    raise ValueError("special directives must be the first entry.")
                axis, ndmin, trans1d = _directive(item, axis, ndmin, trans1d)
                continue
            if isinstance(item, slice):  # a range, as numpy makes it: a constant
                piece = _range_of(item)
                if ndmin > 1:
                    piece = np.array(piece, ndmin=ndmin)
                    piece = piece.swapaxes(-1, trans1d) if trans1d != -1 else piece
            elif type(item) in np.ScalarType:
                pieces.append(item)
                kinds.append(item)
                continue
            else:
                piece = _at_least(to_array(buffers.resolve(item, plain_constants=False)), ndmin, trans1d)
            pieces.append(piece)
            kinds.append(piece.dtype)
        dtype = np.result_type(*kinds)
        pieces = [
            _at_least(np.asarray(p, dtype=dtype) if type(p) in np.ScalarType else p, ndmin, -1)
            for p in pieces
        ]
        return np.concatenate([p if p.dtype == dtype else p.astype(dtype) for p in pieces], axis=axis)

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
    registry.intercept(np, "r_", _Concatenator(np.r_))
    registry.intercept(np, "c_", _Concatenator(np.c_))


def _directive(item: str, axis: int, ndmin: int, trans1d: int):
    if item in ("r", "c"):
        raise UnsupportedOperation(
            f"np.r_[{item!r}, ...] (an np.matrix) with traced values", "use arrays, without the directive"
        )
    if "," in item:
        parts = item.split(",")
        try:
            axis, ndmin = (int(v) for v in parts[:2])
            return axis, ndmin, int(parts[2]) if len(parts) == 3 else trans1d
        except Exception as exc:
            raise ValueError(f"unknown special directive {item!r}") from exc
    try:
        return int(item), ndmin, trans1d
    except (ValueError, TypeError) as exc:
        raise ValueError("unknown special directive") from exc


def _range_of(item: slice):
    """numpy's reading of a slice in np.r_: an arange, or a linspace for a complex step."""
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, (complex, np.complexfloating)):
        return np.linspace(start, item.stop, num=int(abs(step)))
    return np.arange(start, item.stop, step)


def _at_least(a, ndmin: int, trans1d: int):
    """``np.array(a, ndmin=ndmin)``, its new axes placed as numpy's ``trans1d`` says."""
    nd = np.ndim(a)
    if nd >= ndmin:
        return a
    a = np.reshape(a, (1,) * (ndmin - nd) + np.shape(a))
    if trans1d != -1:
        k2, k1 = ndmin - nd, trans1d if trans1d >= 0 else trans1d + ndmin - nd + 1
        axes = list(range(ndmin))
        a = np.transpose(a, axes[:k1] + axes[k2:] + axes[k1:k2])
    return a
