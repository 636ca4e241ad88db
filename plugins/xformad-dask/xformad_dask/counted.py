"""Dask arrays that count the computes Python forces on them.

Every kernel result the dask backend hands the tracer is a ``CountedArray``: a dask array
whose conversions to Python objects (``bool``, ``int``, ``float``, ``operator.index``,
``np.asarray``), which the tracer makes for Python control flow (``if x.sum() > 0:``,
``range(n)``, an integer traced array handed to numpy), compute it as dask does, but
count it and warn the first time, because each one runs the graph built so far.
"""

from __future__ import annotations

import dask.array as da

from .forced import run_forced


class CountedArray(da.Array):
    """A dask array whose Python conversions are counted (see the module docstring)."""

    __slots__ = ()

    def __bool__(self):
        return run_forced("bool()", lambda: da.Array.__bool__(self))

    def __int__(self):
        return run_forced("int()", lambda: da.Array.__int__(self))

    def __float__(self):
        return run_forced("float()", lambda: da.Array.__float__(self))

    def __complex__(self):
        return run_forced("complex()", lambda: da.Array.__complex__(self))

    def __index__(self):
        return run_forced("an index", lambda: da.Array.__index__(self))

    def __array__(self, dtype=None, copy=None, **kwargs):
        return run_forced("np.asarray()", lambda: da.Array.__array__(self, dtype=dtype, **kwargs))


def _state_names() -> tuple:
    """da.Array's slots as stored (private ones name-mangled), to copy an array cheaply."""
    names = tuple("_Array" + s if s.startswith("__") else s for s in da.Array.__slots__ if s != "__dict__")
    probe = da.zeros(1)
    needed = ("dask", "_Array__name", "_Array__chunks", "_meta")
    return names if all(n in names and hasattr(probe, n) for n in needed) else ()


_STATE = _state_names()  # () on a dask whose layout differs: the slower public constructor


def counted(value):
    """``value`` (a kernel result: an array, a tuple of them, or a host value) with its dask
    arrays as CountedArrays: a new object over the same graph, the input left as it was."""
    if type(value) is da.Array:
        if not _STATE:
            return da.Array.__new__(CountedArray, value.dask, value.name, value.chunks, meta=value._meta)
        new = object.__new__(CountedArray)  # ~6 us; the constructor re-validates (~90 us)
        for name in _STATE:
            try:
                object.__setattr__(new, name, object.__getattribute__(value, name))
            except AttributeError:  # a cache slot not filled yet
                pass
        new.__dict__.update(value.__dict__)
        return new
    if type(value) is tuple:
        return tuple(counted(v) for v in value)
    return value
