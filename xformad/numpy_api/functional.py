"""numpy functions that call a user function: np.piecewise and np.apply_along_axis.

numpy's own implementations fill a plain buffer, which a traced value cannot be written
into; these build the same result from traced pieces, calling the user's functions on the
same arguments numpy would (``func(x[cond])``, ``func1d(arr[i, :, j])``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .dispatch import implements
from .util import as_operand, is_tracer, ndim_of, shape_of


def _operand(x):
    x = as_operand(x)
    return x if is_tracer(x) or hasattr(x, "shape") else np.asarray(x)


@implements(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    x = _operand(x)
    if not isinstance(condlist, (list, tuple)) or (
        ndim_of(x) != 0
        and not isinstance(condlist[0], (list, tuple, np.ndarray))
        and not is_tracer(condlist[0])
    ):
        condlist = [condlist]
    conds = [np.broadcast_to(_operand(c), shape_of(x)) for c in condlist]
    conds = [c if c.dtype == np.bool_ else c.astype(bool) for c in conds]
    if len(conds) == len(funclist) - 1:  # the last function is "otherwise"
        conds.append(np.logical_not(np.any(np.stack(conds), axis=0)))
    elif len(conds) != len(funclist):
        raise ValueError(
            f"with {len(conds)} condition(s), either {len(conds)} or {len(conds) + 1} functions are expected"
        )
    y = np.zeros_like(x)
    for cond, func in zip(conds, funclist):
        if not isinstance(func, Callable):
            y = np.where(cond, func, y).astype(y.dtype)  # later conditions win, as in numpy
            continue
        values = x[cond]
        if np.size(values) > 0:
            y[cond] = func(values, *args, **kw)
    return y


@implements(np.apply_along_axis)
def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    arr = _operand(arr)
    nd = ndim_of(arr)
    if not -nd <= int(axis) < nd:
        raise np.exceptions.AxisError(axis, nd)
    axis = int(axis) % nd
    moved = np.moveaxis(arr, axis, -1)
    outer = shape_of(moved)[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    results = [_operand(func1d(moved[index], *args, **kwargs)) for index in np.ndindex(*outer)]
    result_shape = shape_of(results[0])
    stacked = np.reshape(np.stack(results), outer + result_shape)
    # numpy puts the result's dimensions where ``axis`` was
    k = len(result_shape)
    order = list(range(axis)) + list(range(len(outer), len(outer) + k)) + list(range(axis, len(outer)))
    return np.transpose(stacked, order)


@implements(np.apply_over_axes)
def apply_over_axes(func, a, axes):
    """``func(a, axis)`` once per axis, each result (with the axis kept or put back) the next
    one's input, as numpy does."""
    value = _operand(a)
    nd = ndim_of(value)
    for axis in (axes,) if np.ndim(axes) == 0 else axes:
        axis = int(axis) + nd if axis < 0 else int(axis)
        result = func(value, axis)
        if ndim_of(result) != ndim_of(value):
            result = np.expand_dims(result, axis)
            if ndim_of(result) != ndim_of(value):
                raise ValueError("function is not returning an array of the correct shape")
        value = result
    return value
