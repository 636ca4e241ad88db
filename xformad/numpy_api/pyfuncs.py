"""Python functions applied element by element: ``np.vectorize`` and ``np.frompyfunc``.

Both run a Python function on every element (numpy's own documentation calls vectorize "a
for loop"), so on traced values xformad runs the same loop: the function is called on the
traced scalars of the broadcast arguments, in numpy's order, and the results are stacked
into one traced array. The loop is what numpy does too; so is the cost (one call per
element; with ``signature=``, one call per element of the loop dimensions, given the core
dimensions whole). ``np.vectorize`` is reached through its ``__call__`` (instances made at import time,
as by the decorator, are covered); ``np.frompyfunc``'s ufunc through ``__array_ufunc__``.
"""

from __future__ import annotations

import numpy as np

from .. import buffers
from ..errors import UnsupportedOperation
from .arrays import to_array
from .util import standin

_broadcast_shapes = np.broadcast_shapes


def _elementwise(fn, arrays: list, nout: int):
    """``fn`` on each element of the broadcast ``arrays``: ``nout`` lists of results, and the
    broadcast shape."""
    shape = _broadcast_shapes(*(np.shape(a) for a in arrays))
    full = [np.broadcast_to(a, shape) for a in arrays]
    outputs = [[] for _ in range(nout)]
    for index in np.ndindex(shape):
        result = fn(*(a[index] for a in full))
        results = (result,) if nout == 1 else tuple(result)
        for column, value in zip(outputs, results):
            column.append(value)
    return outputs, shape


def _stacked(values: list, shape: tuple, dtype):
    if not values:
        raise UnsupportedOperation("np.vectorize on an empty traced array", "pass otypes= or skip the call")
    result = np.reshape(np.stack([to_array(v) for v in values]), shape)
    return result if dtype is None or result.dtype == dtype else result.astype(dtype)


def _first_dtype(value):
    value = buffers.resolve(value, plain_constants=False)
    return standin(value).dtype if hasattr(value, "_var") else np.asarray(value).dtype


def vectorize_call(self, *args, **kwargs):
    """``np.vectorize.__call__`` with traced arguments."""
    if buffers.live_trace(args) is None and buffers.live_trace(kwargs) is None:
        return NotImplemented
    if self.signature is not None:
        return _call_with_signature(self, args, kwargs)
    excluded = self.excluded
    positions = [i for i in range(len(args)) if i not in excluded]
    names = [k for k in kwargs if k not in excluded]
    arrays = [to_array(buffers.resolve(args[i], plain_constants=False)) for i in positions]
    arrays += [to_array(buffers.resolve(kwargs[k], plain_constants=False)) for k in names]

    def one(*elements):
        call_args = list(args)
        call_kwargs = dict(kwargs)
        for i, e in zip(positions, elements):
            call_args[i] = e
        for k, e in zip(names, elements[len(positions) :]):
            call_kwargs[k] = e
        return self.pyfunc(*call_args, **call_kwargs)

    if self.otypes:
        dtypes = [np.dtype(t) for t in self.otypes]
        nout = len(dtypes)
        outputs, shape = _elementwise(one, arrays, nout)
    else:
        # numpy calls the function once on the first elements to learn the outputs'
        # number and dtypes: every output takes the dtype of the first one
        shape = _broadcast_shapes(*(np.shape(a) for a in arrays))
        if 0 in shape:
            raise ValueError("cannot call `vectorize` on size 0 inputs unless `otypes` is set")
        first = one(*(np.broadcast_to(a, shape)[(0,) * len(shape)] for a in arrays))
        firsts = first if isinstance(first, tuple) else (first,)
        nout = len(firsts)
        dtypes = [_first_dtype(v) for v in firsts]
        outputs, shape = _elementwise(one, arrays, nout)
    results = tuple(_stacked(column, shape, dtype) for column, dtype in zip(outputs, dtypes))
    return results[0] if nout == 1 else results


def _call_with_signature(self, args, kwargs):
    """numpy's generalised loop (``signature="(n),(n)->()"``): the function on each
    element of the broadcast loop dimensions, given the core dimensions whole; the results
    stacked, each output in the dtype of its first result (or ``otypes``)."""
    if kwargs or self.excluded:
        raise UnsupportedOperation(
            "np.vectorize with signature= and keyword or excluded arguments on traced values",
            "pass the arguments positionally",
        )
    input_core, output_core = self._in_and_out_core_dims  # numpy's parse of the signature
    if len(args) != len(input_core):
        raise TypeError(f"wrong number of positional arguments: expected {len(input_core)}, got {len(args)}")
    arrays = [to_array(buffers.resolve(a, plain_constants=False)) for a in args]
    sizes: dict = {}
    loops = []
    for a, core in zip(arrays, input_core):
        shape = np.shape(a)
        if len(shape) < len(core):
            raise ValueError(
                f"{len(shape)}-dimensional argument does not have enough dimensions for all core "
                f"dimensions {core!r}"
            )
        for name, size in zip(core, shape[len(shape) - len(core) :]):
            if sizes.setdefault(name, size) != size:
                raise ValueError(f"inconsistent size for core dimension {name!r}: {size} vs {sizes[name]}")
        loops.append(shape[: len(shape) - len(core)])
    loop_shape = _broadcast_shapes(*loops)
    if 0 in loop_shape:
        raise UnsupportedOperation("np.vectorize with signature= on an empty traced array", "skip the call")
    full = [
        np.broadcast_to(a, loop_shape + tuple(sizes[n] for n in core)) for a, core in zip(arrays, input_core)
    ]
    nout = len(output_core)
    outputs = [[] for _ in range(nout)]
    for index in np.ndindex(*loop_shape):
        results = self.pyfunc(*(a[index] for a in full))
        results = (results,) if nout == 1 else results
        if not isinstance(results, tuple) or len(results) != nout:
            raise ValueError(f"wrong number of outputs from pyfunc: expected {nout}")
        for column, value, core in zip(outputs, results, output_core):
            if np.ndim(value) != len(core):
                raise ValueError(
                    f"{np.ndim(value)}-dimensional argument does not have enough dimensions for "
                    f"all core dimensions {core!r}"
                )
            column.append(to_array(value))
    dtypes = [np.dtype(t) for t in self.otypes] if self.otypes else [_first_dtype(c[0]) for c in outputs]
    results = tuple(
        _stacked(column, loop_shape + np.shape(column[0]), dtype) for column, dtype in zip(outputs, dtypes)
    )
    return results[0] if nout == 1 else results


def is_pyfunc_ufunc(ufunc) -> bool:
    """Whether ``ufunc`` was made by ``np.frompyfunc`` (object loops only)."""
    return all(set(t.replace("->", "")) == {"O"} for t in ufunc.types)


def frompyfunc_call(ufunc, method: str, inputs: tuple, kwargs: dict):
    """A ``np.frompyfunc`` ufunc on traced values: its Python function on each element."""
    if method != "__call__" or kwargs:
        raise UnsupportedOperation(
            f"{ufunc.__name__}.{method} (a np.frompyfunc ufunc) on traced values",
            "call it directly, without out=/where= or ufunc methods",
        )
    arrays = [to_array(buffers.resolve(a, plain_constants=False)) for a in inputs]

    def one(*elements):
        holders = []
        for e in elements:  # a 0-d object array holds the traced scalar as it is
            holder = np.empty((), dtype=object)
            holder[()] = e
            holders.append(holder)
        return ufunc(*holders)

    outputs, shape = _elementwise(one, arrays, ufunc.nout)
    results = tuple(_stacked(column, shape, None) for column in outputs)
    return results[0] if ufunc.nout == 1 else results


def register(registry) -> None:
    registry.intercept(np.vectorize, "__call__", vectorize_call)
