"""Indexing primitives: gather (x[idx]), functional assignment (x[idx] = v) and scatter-add.

An index is split by the numpy layer into a static ``spec`` and the index arrays, which are
inputs of the node (so traced integer indices are values in the graph, not constants):
spec entries are ("s", start, stop, step), ("i", int), ("n",) newaxis, ("e",) ellipsis,
("a", k) for the k-th index array.
"""

from __future__ import annotations

import numpy as np

from ..ir import Var
from ..tracing import Tracer
from . import diagonal
from .core import Primitive
from .elementwise import NONDIFF, where_p
from .indexing_batch import batch_getitem, writing
from .reductions import all_p

_array = np.array  # the original: kernels also run while np.array is intercepted


def build_index(spec: tuple, arrays: tuple) -> tuple:
    out = []
    for entry in spec:
        tag = entry[0]
        if tag == "s":
            out.append(slice(entry[1], entry[2], entry[3]))
        elif tag == "i":
            out.append(entry[1])
        elif tag == "n":
            out.append(None)
        elif tag == "e":
            out.append(Ellipsis)
        else:
            out.append(arrays[entry[1]])
    return tuple(out)


def index_text(spec: tuple, arrays: list, *, python: bool = True) -> str:
    """A ``spec`` back in numpy's notation, with ``arrays`` naming the index arrays.

    ``python=True``: valid Python (``None``, ``...``, a trailing comma for a one-element
    tuple), as codegen emits it; ``python=False``: for reading (``newaxis``, ``…``).
    """
    parts = []
    for entry in spec:
        tag = entry[0]
        if tag == "s":
            start, stop, step = ("" if v is None else str(v) for v in entry[1:4])
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
        elif tag == "i":
            parts.append(str(entry[1]))
        elif tag == "n":
            parts.append("None" if python else "newaxis")
        elif tag == "e":
            parts.append("..." if python else "…")
        else:
            parts.append(arrays[entry[1]] if entry[1] < len(arrays) else "?")
    if not python:
        return ", ".join(parts)
    if not parts:
        return "()"
    return ", ".join(parts) + ("," if len(parts) == 1 and spec[0][0] != "a" else "")


def has_arrays(spec: tuple) -> bool:
    return any(entry[0] == "a" for entry in spec)


def _getitem_kernel(xp, x, *arrays, spec):
    return x[build_index(spec, arrays)]


def _writable_copy(xp, x):
    # a numpy scalar (np.float64) copies to a scalar, which cannot be written into
    return _array(x) if xp is np and type(x) is not np.ndarray else x.copy()


def _setitem_kernel(xp, x, v, *arrays, spec):
    y = _writable_copy(xp, x)
    y[build_index(spec, arrays)] = v
    return y


def _scatter_add_kernel(xp, base, updates, *arrays, spec):
    y = _writable_copy(xp, base)
    index = build_index(spec, arrays)
    if has_arrays(spec):
        xp.add.at(y, index, updates)  # repeated indices accumulate
    else:
        y[index] += updates
    return y


def _getitem_transpose_kernel(xp, ct, *arrays, spec, shape):
    """Zeros of ``shape`` with ``ct`` placed at the index: the transpose of x[idx]. Built in
    place in a fresh array (no copy of a zeros operand, as scatter_add would make)."""
    y = xp.zeros(shape, dtype=ct.dtype)
    index = build_index(spec, arrays)
    if has_arrays(spec):
        xp.add.at(y, index, ct)  # repeated indices accumulate
    else:
        y[index] = ct  # basic indices never repeat a position
    return y


def _selects_by_mask(node) -> bool:
    """x[mask] with a traced boolean mask: as many elements as the mask has True values."""
    return any(type(a) is Var and np.dtype(a.dtype).kind == "b" for a in node.inputs[1:])


getitem_p = Primitive("getitem", _getitem_kernel, value_dependent_shape=_selects_by_mask)
getitem_transpose_p = Primitive("getitem_transpose", _getitem_transpose_kernel)
setitem_p = Primitive("setitem", _setitem_kernel)
scatter_add_p = Primitive("scatter_add", _scatter_add_kernel)


def _zeros(like_shape, dtype):
    return np.zeros(like_shape, dtype=dtype)


def _getitem_jvp(tangents, ans, x, *arrays, spec):
    return getitem_p.bind(tangents[0], *arrays, spec=spec)


def _getitem_vjp(ct, ans, needed, x, *arrays, spec):
    ct_x = getitem_transpose_p.bind(ct, *arrays, spec=spec, shape=tuple(np.shape(x)))
    return (ct_x,) + (None,) * len(arrays)


# getitem_transpose is linear in its cotangent: its JVP is itself, its VJP is the gather
getitem_transpose_p.def_jvp_joint(
    lambda tangents, ans, ct, *arrays, spec, shape: getitem_transpose_p.bind(
        tangents[0], *arrays, spec=spec, shape=shape
    )
)
getitem_transpose_p.def_vjp_joint(
    lambda g, ans, needed, ct, *arrays, spec, shape: (
        (getitem_p.bind(g, *arrays, spec=spec),) + (None,) * len(arrays)
    )
)


getitem_p.def_jvp_joint(_getitem_jvp)
getitem_p.def_vjp_joint(_getitem_vjp)
getitem_p.def_emit(lambda args, params, text: f"{args[0]}[{index_text(params['spec'], args[1:])}]")
getitem_p.def_notation("{0}[{i}]", forward=("{d}[{i}]",), reverse=("scatter {d} to [{i}]",))


def _setitem_jvp(tangents, ans, x, v, *arrays, spec):
    tx, tv = tangents[0], tangents[1]
    if tx is None:
        tx = _zeros(np.shape(x), ans.dtype)
    if tv is None:
        tv = _zeros((), ans.dtype)
    return setitem_p.bind(tx, tv, *arrays, spec=spec)


def _written_mask(x, arrays, spec):
    """Which targets of x[idx] = v were written last (numpy's "last wins" on repeated
    indices), or None when no index repeats: only the winners receive a cotangent.

    Built from primitives (not numpy calls) so host constants join device index arrays."""
    if all(np.dtype(a.dtype).kind == "b" for a in arrays):
        return None  # boolean masks select each element at most once
    target_shape = np.shape(getitem_p.bind(np.zeros(np.shape(x), np.int8), *arrays, spec=spec))
    labels = np.arange(int(np.prod(target_shape)), dtype=np.intp).reshape(target_shape)
    writer = setitem_p.bind(np.full(np.shape(x), -1, dtype=np.intp), labels, *arrays, spec=spec)
    won = NONDIFF["equal"].bind(getitem_p.bind(writer, *arrays, spec=spec), labels)
    if type(won) is not Tracer and bool(all_p.bind(won, axis=None, keepdims=False)):
        return None
    return won


def _setitem_vjp(ct, ans, needed, x, v, *arrays, spec):
    ct_x = setitem_p.bind(ct, _zeros((), ct.dtype), *arrays, spec=spec) if needed[0] else None
    ct_v = None
    if needed[1]:
        ct_v = getitem_p.bind(ct, *arrays, spec=spec)
        won = _written_mask(x, arrays, spec) if has_arrays(spec) else None
        if won is not None:
            ct_v = where_p.bind(won, ct_v, ct_v.dtype.type(0))
    return (ct_x, ct_v) + (None,) * len(arrays)


setitem_p.def_jvp_joint(_setitem_jvp)
setitem_p.def_vjp_joint(_setitem_vjp)
setitem_p.def_notation("{0}[{i}] ← {1}")


def _scatter_add_jvp(tangents, ans, base, updates, *arrays, spec):
    tb, tu = tangents[0], tangents[1]
    if tb is None:
        tb = _zeros(np.shape(base), ans.dtype)
    if tu is None:
        return tb
    return scatter_add_p.bind(tb, tu, *arrays, spec=spec)


def _scatter_add_vjp(ct, ans, needed, base, updates, *arrays, spec):
    ct_u = getitem_p.bind(ct, *arrays, spec=spec) if needed[1] else None
    return (ct if needed[0] else None, ct_u) + (None,) * len(arrays)


scatter_add_p.def_jvp_joint(_scatter_add_jvp)
scatter_add_p.def_vjp_joint(_scatter_add_vjp)
scatter_add_p.def_notation("{0}[{i}] += {1}")


# vmap (indexing_batch.py): one more leading slice, or one more leading index array
getitem_p.def_batch(batch_getitem)
getitem_p.def_diagonal(diagonal.sliced)
setitem_p.def_batch(writing("set"))
scatter_add_p.def_batch(writing("add"))
getitem_transpose_p.def_batch(writing("transpose"))
getitem_transpose_p.def_diagonal(diagonal.placed)
