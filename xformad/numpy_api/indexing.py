"""x[idx], x[idx] = v and scatter-add: numpy indices split into a static spec and arrays."""

from __future__ import annotations

import operator

import numpy as np

from .. import tracing
from ..errors import XformadError
from ..primitives.indexing import getitem_p, scatter_add_p, setitem_p
from ..tracing import Tracer
from ..views import as_view
from .util import as_operand, is_tracer


def _static_int(v):
    return None if v is None else operator.index(v)


def split_index(index) -> tuple[tuple, tuple]:
    """(spec, arrays): the static structure of a numpy index and its index arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    spec = []
    arrays = []
    for item in index:
        if isinstance(item, slice):
            spec.append(("s", _static_int(item.start), _static_int(item.stop), _static_int(item.step)))
        elif item is None:
            spec.append(("n",))
        elif item is Ellipsis:
            spec.append(("e",))
        elif isinstance(item, (bool, np.bool_)):
            spec.append(("a", len(arrays)))
            arrays.append(np.asarray(item))
        elif isinstance(item, (int, np.integer)):
            spec.append(("i", int(item)))
        else:
            arr = as_operand(item) if isinstance(item, (list, tuple)) else item
            if isinstance(item, (list, tuple)) and not is_tracer(arr) and arr.size == 0:
                arr = arr.astype(np.intp)  # numpy indexes with [] (a float array) as intp
            if not is_tracer(arr) and not hasattr(arr, "dtype"):  # device index arrays stay put
                arr = np.asarray(arr)
            if arr.dtype.kind not in "iub":
                raise XformadError(
                    f"arrays used as indices must be integer or boolean, not {arr.dtype}; "
                    "convert with .astype(int)"
                )
            spec.append(("a", len(arrays)))
            arrays.append(arr)
    return tuple(spec), tuple(arrays)


def getitem(x, index):
    spec, arrays = split_index(index)
    out = getitem_p.bind(x, *arrays, spec=spec)
    if arrays or type(x) is not Tracer or _selects_one_element(spec, x.ndim):
        return out  # fancy indexing and single elements are copies in numpy
    # basic indexing is a view: writes into it reach x, and writes into x reach it
    return as_view(
        x, out, lambda b: getitem_p.bind(b, spec=spec), lambda b, v: setitem_p.bind(b, v, spec=spec)
    )


def _selects_one_element(spec: tuple, ndim: int) -> bool:
    return len(spec) == ndim and all(item[0] == "i" for item in spec)


def setitem(x, index, value):
    spec, arrays = split_index(index)
    return setitem_p.bind(x, as_operand(value), *arrays, spec=spec)


def scatter_add(x, index, values):
    spec, arrays = split_index(index)
    return scatter_add_p.bind(x, as_operand(values), *arrays, spec=spec)


tracing.connect(getitem=getitem, setitem=setitem)


def apply_at(ufunc, target, index, values=None):
    """``ufunc.at(target, index, values)`` for a ufunc other than add: each position the
    index names is updated once per time it is named, in the index's order, as numpy does.
    Lowered onto gathers and writes in rounds: round r updates the positions named more
    than r times, with the values of their (r + 1)-th naming, so no round names a
    position twice (a fancy write would keep only one) and every position sees numpy's
    order of operations. A traced index is made concrete (and guarded)."""
    positions = np.asarray(np.arange(target.size).reshape(target.shape)[index])
    flat_positions = positions.ravel()
    if values is not None:
        values = np.ravel(np.broadcast_to(as_operand(values), positions.shape))
    result = np.reshape(target, (-1,))
    for picked in _rounds(flat_positions):
        where = (flat_positions[picked],)
        current = getitem(result, where)
        updated = ufunc(current) if values is None else ufunc(current, getitem(values, (picked,)))
        result = setitem(result, where, updated)
    return np.reshape(result, target.shape)


def _rounds(positions: np.ndarray) -> list:
    """For each r, the indices k (ascending) of the entries whose position occurred r
    times before them in ``positions``."""
    n = positions.size
    if n == 0:
        return []
    order = np.argsort(positions, kind="stable")
    ordered = positions[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first_of_group = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n) - first_of_group
    return [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]
