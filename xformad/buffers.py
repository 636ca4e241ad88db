"""Arrays made inside a trace and then filled with traced values (``np.zeros`` & co.).

``dydt = np.zeros(2); dydt[0] = y[1]; dydt[1] = -k * np.sin(y[0])`` is how numpy code
builds results, but a plain ndarray cannot hold a traced value, and Python gives no way to
rebind the caller's name ``dydt`` to a Tracer. So while a trace is open, the creators
(``np.zeros/ones/empty/full``, their ``_like`` forms on plain arrays, ``np.eye``,
``np.identity``, ``np.copy`` and copies made by ``np.array``) return a ``Buffer``: an
ndarray subclass that is exactly the ndarray it looks like until a traced value is written
into it. That write *promotes* it: its contents become a Tracer (``Trace.lift`` of a copy)
and from then on the Buffer forwards every operation to that Tracer, so it is a traced
value in an ndarray's clothes. Its own memory is filled with NaN, so a path that reads the
memory behind xformad's back sees NaN, never a plausible stale number.

Views of a Buffer (``row = H[t]``, ``H.T``, ``H.reshape(...)``) are Buffers too, tracked
weakly by their root; promoting the root promotes every live view, each as a view Tracer
(``views.as_view``) whose elements are located from its memory offset and strides, so
writes through any alias keep numpy's sharing semantics.

A Buffer that meets a traced value only as an operand is a constant: the graph gets a
read-only snapshot of its contents (cached until the next write), so writing constants into
it later cannot change a recorded literal. Only float and complex arrays become Buffers
(only they hold derivatives); integer and boolean arrays stay plain, and traced integers
written into them are guarded values, as before.
"""

from __future__ import annotations

import sys
import weakref

import numpy as np

from . import backends, tracing, views
from .errors import TracerConversionError, UnsupportedOperation
from .tracing import Tracer, _stack, concrete
from .tree import tree_map

_nd_getattr = np.ndarray.__getattribute__
_nd_setitem = np.ndarray.__setitem__
_nd_getitem = np.ndarray.__getitem__
_array = np.array  # the originals: this module is imported outside any trace
_as_strided = np.lib.stride_tricks.as_strided

# ndarray methods that write into the array's memory: a constant write invalidates snapshots
_MUTATORS = frozenset(("fill", "sort", "put", "partition", "resize", "setfield", "byteswap", "itemset"))


class Buffer(np.ndarray):
    """An ndarray made inside a trace; a traced value once one is written into it."""

    def __array_finalize__(self, obj):
        d = _nd_getattr(self, "__dict__")
        d["_xf_tracer"] = None  # the Tracer holding the contents, once promoted
        d["_xf_snapshot"] = None  # (version, read-only copy) handed to the graph as a literal
        base = _nd_getattr(self, "base")
        if type(base) is Buffer:  # numpy collapses view chains onto the root Buffer
            root = _root(base)
            d["_xf_root"] = root
            state = _nd_getattr(root, "__dict__")
            state["_xf_views"].append(weakref.ref(self))
            if state["_xf_tracer"] is not None:  # a view made behind the forwarding
                _promote_view(self, root)
        else:
            d["_xf_root"] = None
            d["_xf_views"] = []
            d["_xf_version"] = 0
            d["_xf_session"] = _stack.outermost  # the trace it was made in

    def __getattribute__(self, name):
        tracer = _nd_getattr(self, "__dict__").get("_xf_tracer")
        if tracer is None or name in _OWN:
            attr = _nd_getattr(self, name)
            if tracer is None:
                if name in _MUTATORS:
                    return _mutator(self, name, attr)
                if name == "flat":
                    return _Flat(self, attr)
            return attr
        return getattr(tracer, name)

    def __setattr__(self, name, value):
        # x.shape = ..., x.real = v, x.flat = v: the Tracer's setter once promoted
        tracer = _tracer(self)
        if tracer is None:
            trace = live_trace(value)
            if trace is None or name not in ("real", "imag", "flat") or not _promotable(self):
                _bump(self)
                np.ndarray.__setattr__(self, name, resolve(value))
                return
            tracer = promote(self, trace)
        setattr(tracer, name, resolve(value, False))

    def __getitem__(self, key):
        tracer = _tracer(self)
        if tracer is None:
            return _nd_getitem(self, resolve(key))
        return tracer[resolve(key)]

    def __setitem__(self, key, value):
        tracer = _tracer(self)
        if tracer is None:
            trace = live_trace(value)
            if trace is None or not _promotable(self):
                _bump(self)
                _nd_setitem(self, resolve(key), resolve(value))
                return
            tracer = promote(self, trace)
        tracer[resolve(key, False)] = resolve(value, False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        outs = out if type(out) is tuple else (() if out is None else (out,))
        written = outs + ((inputs[0],) if method == "at" else ())
        trace = live_trace(inputs) or live_trace(outs) or live_trace(tuple(kwargs.values()))
        if trace is None:  # a constant computation: numpy's own, on the plain arrays
            for w in written:
                if type(w) is Buffer:
                    _bump(w)
            inputs = tuple(_plain(a) for a in inputs)
            kwargs = {
                k: (tuple(_plain(o) for o in v) if k == "out" else _plain(v)) for k, v in kwargs.items()
            }
            result = getattr(ufunc, method)(*inputs, **kwargs)
            return _outs_or(result, out)
        for w in written:
            if type(w) is Buffer and _tracer(w) is None and _promotable(w):
                promote(w, trace)
        if method == "at":
            inputs = (_tracer(inputs[0]) if type(inputs[0]) is Buffer else inputs[0],) + tuple(
                value_of(a) for a in inputs[1:]
            )
        else:
            inputs = tuple(value_of(a) for a in inputs)
        kwargs = {k: resolve(v, plain_constants=False) for k, v in kwargs.items()}
        result = getattr(ufunc, method)(*inputs, **kwargs)
        return _outs_or(result, out)

    def __array_function__(self, func, types, args, kwargs):
        trace = live_trace(args) or live_trace(tuple(kwargs.values()))
        if trace is None:
            for a in _buffers_in(args, kwargs):  # np.copyto, np.put, np.fill_diagonal, out=
                _bump(a)
            if func in _ON_PLAIN and "out" not in kwargs:
                # numpy's own Python code passes out=... to ufuncs, which numpy's protocol
                # hides from a subclass (np.floor(b, out=...) came back a scalar): run it
                # on the plain arrays; its result is new memory either way
                return _on_plain(func, args, kwargs)
            return super().__array_function__(func, types, args, kwargs)
        target = kwargs.get("out")
        if target is None and args:
            position = 0 if func in _WRITE_FIRST else _out_position(func)
            target = args[position] if position < len(args) else None
        if type(target) is Buffer and _tracer(target) is None and _promotable(target):
            promote(target, trace)
        result = func(*resolve(args, plain_constants=False), **resolve(kwargs, plain_constants=False))
        if type(target) is Buffer and func not in _WRITE_FIRST:
            return target  # numpy returns out= itself
        return result


def _forward(name):
    ndarray_method = getattr(np.ndarray, name)
    plain = name in (
        "__repr__",
        "__str__",
        "__format__",
        "__reduce__",
        "__reduce_ex__",
        "__copy__",
        "__deepcopy__",
    )

    def method(self, *args, **kwargs):
        tracer = _tracer(self)
        if tracer is None:  # (repr as the plain ndarray it is, not as "Buffer(...)")
            return ndarray_method(self.view(np.ndarray) if plain else self, *args, **kwargs)
        return getattr(tracer, name)(*args, **kwargs)

    method.__name__ = name
    return method


# methods numpy reaches through the type, not through __getattribute__
for _name in (
    "__len__", "__iter__", "__contains__", "__repr__", "__str__", "__format__", "__bool__",
    "__int__", "__float__", "__complex__", "__index__", "__array__", "__copy__",
    "__deepcopy__", "__reduce__", "__reduce_ex__",
):  # fmt: skip
    setattr(Buffer, _name, _forward(_name))

_OWN = frozenset(("__dict__", "__class__", "__array_finalize__", "__array_ufunc__", "__array_function__"))


def _on_plain(func, args, kwargs):
    """numpy's ``func`` on the plain arrays, meeting numpy itself (no interception: the
    arrays its own code makes are not Buffers either)."""
    shielded, _stack.shielded = _stack.shielded, _stack.depth
    try:
        return func(*(_plain(a) for a in args), **{k: _plain(v) for k, v in kwargs.items()})
    finally:
        _stack.shielded = shielded


# reductions whose numpy implementation uses out=... internally (a new result, never a view)
_ON_PLAIN = frozenset(
    getattr(np, name)
    for name in ("quantile", "percentile", "nanquantile", "nanpercentile", "median", "nanmedian")
    + ("var", "std", "nanvar", "nanstd", "mean", "nanmean", "average")
)

# array functions that write into their first argument
_WRITE_FIRST = frozenset((np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis))


def _out_position(func) -> int:
    from .numpy_api.dispatch import _out_position as position  # (the front end imports this)

    return position(func)


def _check_writeable(buf) -> None:
    if not _nd_getattr(buf, "flags").writeable:  # np.diagonal, np.broadcast_to of a buffer
        raise ValueError("assignment destination is read-only")


class _Flat:
    """``buf.flat`` of a Buffer not yet traced: numpy's flat iterator, except that a write
    of a traced value promotes the buffer and a constant write counts as one."""

    __slots__ = ("buf", "flat")

    def __init__(self, buf, flat):
        self.buf, self.flat = buf, flat

    def __setitem__(self, key, value):
        trace = live_trace(value)
        if trace is not None and _promotable(self.buf):
            promote(self.buf, trace).flat[resolve(key, False)] = resolve(value, False)
            return
        _bump(self.buf)
        self.flat[resolve(key)] = resolve(value)

    def __getitem__(self, key):
        return self.flat[resolve(key)]

    def __iter__(self):
        return iter(self.flat)

    def __len__(self):
        return len(self.flat)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.flat.copy(), dtype=dtype)

    def __getattr__(self, name):
        return getattr(self.flat, name)


# -- state -----------------------------------------------------------------------------------
def _state(buf) -> dict:
    return _nd_getattr(buf, "__dict__")


def _tracer(buf):
    return _nd_getattr(buf, "__dict__")["_xf_tracer"]


def _root(buf):
    root = _nd_getattr(buf, "__dict__")["_xf_root"]
    return buf if root is None else root


def holds_traced(buf) -> bool:
    """Whether traced values were written into ``buf`` (or the array it is a view of)."""
    return _tracer(buf) is not None or _tracer(_root(buf)) is not None


def written_behind(buf) -> None:
    """numpy's C code wrote into ``buf`` (a draw's ``out=``): its snapshots are out of date."""
    _bump(buf)


def _bump(buf) -> None:
    """A constant write: snapshots of the root and of every view are out of date."""
    _state(_root(buf))["_xf_version"] += 1


def _promotable(buf) -> bool:
    return _nd_getattr(buf, "dtype").kind in "fc"


def _mutator(buf, name, method):
    def call(*args, **kwargs):
        trace = live_trace(args) or live_trace(tuple(kwargs.values()))
        if trace is not None and _promotable(buf):
            tracer = promote(buf, trace)
            if name == "fill":  # x.fill(v) is x[...] = v
                tracer[...] = resolve(args[0] if args else kwargs["value"], False)
                return None
            if name == "put":
                return np.put(tracer, *resolve(args, False), **resolve(kwargs, False))
            return getattr(tracer, name)(*resolve(args, False), **resolve(kwargs, False))
        _bump(buf)
        return method(*resolve(args), **resolve(kwargs))

    return call


# -- what a Buffer is to the rest of xformad ---------------------------------------------------
def value_of(x):
    """A Buffer as an operand of a traced operation: its Tracer once promoted, else a
    read-only snapshot of its contents (so later constant writes cannot change it)."""
    if type(x) is not Buffer:
        return x
    d = _nd_getattr(x, "__dict__")
    tracer = d["_xf_tracer"]
    if tracer is not None:
        return tracer
    version = _state(_root(x))["_xf_version"]
    snapshot = d["_xf_snapshot"]
    if snapshot is None or snapshot[0] != version:
        copy = _array(x.view(np.ndarray))
        copy.flags.writeable = False
        d["_xf_snapshot"] = snapshot = (version, copy)
    return snapshot[1]


def resolve(obj, plain_constants: bool = True):
    """``obj`` with its Buffers replaced, in lists, tuples and dicts at any depth: promoted
    ones by their Tracers, the others by plain arrays (their memory, or a snapshot when
    ``plain_constants`` is False and the result goes into a recorded operation)."""
    t = type(obj)
    if t is Buffer:
        tracer = _tracer(obj)
        if tracer is not None:
            return tracer
        return obj.view(np.ndarray) if plain_constants else value_of(obj)
    if t is list or t is tuple:
        if any(type(v) in _CONTAINERS for v in obj):
            return t(resolve(v, plain_constants) for v in obj)
        return obj
    if t is dict:
        return {k: resolve(v, plain_constants) for k, v in obj.items()}
    return obj


_CONTAINERS = frozenset((Buffer, list, tuple, dict))


def resolve_tree(tree):
    """A function's output with Buffers replaced: promoted ones by their Tracers, the
    others by the plain ndarrays they are."""
    if type(tree) is Tracer:  # the common case: one traced output
        return tree

    return tree_map(lambda leaf: resolve(leaf) if type(leaf) is Buffer else leaf, tree)


def live_trace(obj):
    """The innermost live trace of the traced values in ``obj`` (nested lists, tuples and
    dicts; promoted Buffers count), or None."""
    t = type(obj)
    if t is Tracer:
        return obj._trace if obj._trace.live else None
    if t is Buffer:
        tracer = _tracer(obj)
        return live_trace(tracer) if tracer is not None else None
    if t is list or t is tuple or t is dict:
        best = None
        for v in obj.values() if t is dict else obj:
            trace = live_trace(v)
            if trace is not None and (best is None or trace.level > best.level):
                best = trace
        return best
    return None


def _plain(x):
    if type(x) is Buffer:
        return resolve(x)
    if type(x) is tuple:
        return tuple(_plain(v) for v in x)
    return x


def _outs_or(result, out):
    if out is None:
        return result
    return out[0] if type(out) is tuple and len(out) == 1 else out


def _buffers_in(args, kwargs):
    for obj in (*args, *kwargs.values()):
        if type(obj) is Buffer:
            yield obj
        elif type(obj) is list or type(obj) is tuple:
            yield from (v for v in obj if type(v) is Buffer)


# -- promotion -----------------------------------------------------------------------------------
def promote(buf, trace) -> Tracer:
    """``buf`` is about to be written with a traced value: its contents become a traced
    value of ``trace`` (with those of every live view of its root); returns its Tracer. A
    read-only ``buf`` refuses, as numpy does."""
    _check_writeable(buf)
    root = _root(buf)
    state = _state(root)
    if state["_xf_tracer"] is None:
        if state["_xf_session"] is not _stack.outermost or _stack.outermost is None:
            raise TracerConversionError(
                "a traced value was written into an array made outside the traced function "
                "(in an earlier trace, or in another thread), which would drop its "
                "derivative. Make the array inside the function being differentiated."
            )
        if _stack.promoted is None:
            _stack.promoted = []
        _stack.promoted.append(root)  # given back its final values when the trace ends
        contents = _array(root.view(np.ndarray))
        state["_xf_tracer"] = trace.lift(contents)
        for ref in state["_xf_views"]:
            view = ref()
            if view is not None and _tracer(view) is None:
                _promote_view(view, root)
        np.ndarray.fill(root, np.nan)  # memory read behind xformad's back reads NaN
    return _tracer(buf)


def demote(roots: list) -> None:
    """The trace that promoted ``roots`` has ended: each becomes the ndarray of its final
    values again (with its views), so an array kept after the call is numpy's array."""
    for root in roots:
        state = _state(root)
        tracer = state["_xf_tracer"]
        if tracer is None:
            continue
        value = concrete(tracer)
        if not isinstance(value, (np.ndarray, np.generic)):
            value = backends.active().to_host(value)
        plain = np.ndarray.view(root, np.ndarray)
        if np.shape(value) != plain.shape:
            continue  # reshaped while traced (x.shape = ...): it stays the traced value
        _nd_setitem(plain, Ellipsis, value)
        state["_xf_tracer"] = None
        state["_xf_version"] += 1
        for ref in state["_xf_views"]:
            view = ref()
            if view is not None:
                _state(view)["_xf_tracer"] = None


def _promote_view(view, root) -> None:
    base = _tracer(root)
    index = _index_in(view, root)
    if index is None:
        traced = views.same_view(base)
    else:
        unique = np.unique(np.ravel_multi_index(index, _nd_getattr(root, "shape"))).size == view.size

        def derive(b):
            return b[index]

        def writeback(b, new):
            from .numpy_api.indexing import setitem

            return setitem(b, index, new)

        readonly = (
            None if unique else views.read_only("a view repeating elements of its base cannot be written")
        )
        if not _nd_getattr(view, "flags").writeable:
            readonly = views.NUMPY_READ_ONLY  # (np.diagonal of a buffer, ...)
        traced = views.as_view(base, derive(base), derive, writeback, readonly)
    _state(view)["_xf_tracer"] = traced


def _address(a) -> int:
    return _nd_getattr(a, "__array_interface__")["data"][0]


def _index_in(view, root):
    """Where ``view``'s elements are in ``root``: a tuple of integer index arrays of the
    view's shape (None when the view is all of root, as root lays it out)."""
    shape, strides = _nd_getattr(view, "shape"), _nd_getattr(view, "strides")
    rshape, rstrides = _nd_getattr(root, "shape"), _nd_getattr(root, "strides")
    offset = _address(view) - _address(root)
    size = _nd_getattr(root, "itemsize")
    if (
        _nd_getattr(view, "dtype") != _nd_getattr(root, "dtype")
        or offset % size
        or any(s % size for s in strides)
    ):
        raise UnsupportedOperation(
            "writing a traced value into an array that has a view of another dtype "
            "(x.real, x.imag, x.view(dtype)) made before the write",
            "write into the array before taking such views, or build it with np.stack",
        )
    if offset == 0 and shape == rshape and strides == rstrides:
        return None
    cells = np.arange(_nd_getattr(root, "size"), dtype=np.intp)
    step = cells.itemsize
    # memory cell of each root element, and of each view element
    root_cells = _as_strided(cells, rshape, tuple(s // size * step for s in rstrides))
    where = np.empty_like(cells)
    where[root_cells.ravel()] = cells  # memory cell -> root's flat (C-order) index
    view_cells = _as_strided(cells[offset // size :], shape, tuple(s // size * step for s in strides))
    return np.unravel_index(where[view_cells], rshape)


# -- the creators ----------------------------------------------------------------------------------
def made_here(result):
    """A creator's result, as a Buffer when it is a new float or complex ndarray."""
    if type(result) is np.ndarray and result.dtype.kind in "fc":
        return result.view(Buffer)
    return result


def called_from_xformad(depth: int = 2) -> bool:
    """Whether the creator was called by xformad itself (its constants stay plain)."""
    name = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return name == "xformad" or name.startswith("xformad.")  # not a plugin (xformad_scipy)


tracing.connect(Buffer=Buffer, buffer_value=value_of, demote_buffers=demote)
