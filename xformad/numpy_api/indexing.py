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
