"""np.pad in every numpy mode but a callable one, lowered onto slices, flips, reductions,
broadcasts and concatenates (so both sweeps stay cheap).

numpy pads axis by axis, each axis on the array already padded along the axes before it
(its corners come from the later axis): padding one axis at a time on the traced array
does the same, and gives numpy's values bit for bit.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperation
from .dispatch import implements
from .indexing import setitem
from .manipulation import _gather, _labels, _operand
from .util import along, is_tracer, ndim_of, shape_of, static_ints

_COPYING_MODES = ("edge", "reflect", "symmetric", "wrap")
_STATISTICS = {"maximum": np.amax, "minimum": np.amin, "mean": np.mean, "median": np.median}
_MODE_OPTIONS = {  # the keywords numpy accepts for each mode
    "constant": {"constant_values"},
    "empty": set(),
    "edge": set(),
    "wrap": set(),
    "reflect": {"reflect_type"},
    "symmetric": {"reflect_type"},
    "linear_ramp": {"end_values"},
    **{mode: {"stat_length"} for mode in _STATISTICS},
}


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    a = _operand(array)
    nd = ndim_of(a)
    widths = np.broadcast_to(static_ints(pad_width), (nd, 2))
    if not isinstance(mode, str) or mode not in _MODE_OPTIONS:
        raise UnsupportedOperation(
            f"np.pad(mode={mode!r})", f"supported modes: {', '.join(map(repr, _MODE_OPTIONS))}"
        )
    unexpected = set(kwargs) - _MODE_OPTIONS[mode]
    if unexpected:  # numpy's own message
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unexpected}")
    if mode in ("constant", "empty"):
        return _pad_constant(a, widths, kwargs.get("constant_values", 0) if mode == "constant" else 0)
    shape = shape_of(a)
    if int(np.prod(shape)) == 0:  # numpy: only the constant modes can extend an empty axis
        for axis, (n, (before, after)) in enumerate(zip(shape, widths)):
            if n == 0 and (before or after):
                raise ValueError(
                    f"can't extend empty axis {axis} using modes other than 'constant' or 'empty'"
                )
        return np.zeros(tuple(int(n + b + e) for n, (b, e) in zip(shape, widths)), dtype=a.dtype)
    if mode in _STATISTICS:
        return _pad_statistic(a, widths, _STATISTICS[mode], kwargs.get("stat_length"))
    if mode == "linear_ramp":
        return _pad_linear_ramp(a, widths, kwargs.get("end_values", 0))
    return _pad_copying(a, widths, mode, kwargs.get("reflect_type", "even"))


def _pad_copying(a, widths, mode: str, reflect_type: str):
    """Copies of a's elements; numpy takes any reflect_type but 'odd' as 'even'."""
    if all(_fits_one_reflection(b, e, n, mode) for (b, e), n in zip(widths, shape_of(a))):
        for axis, (b, e) in enumerate(widths):
            a = _pad_axis(a, axis, int(b), int(e), mode, odd=reflect_type == "odd")
        return a
    if reflect_type == "odd":  # numpy reflects a reflection about its new edge, pass by pass
        raise UnsupportedOperation(
            f"np.pad(mode={mode!r}, reflect_type='odd') wider than the axis",
            "reflect_type='odd' with pads no wider than the axis (one reflection)",
        )
    # wider pads repeat the pattern: one gather, its index learned from np.pad itself
    return _gather(a, np.pad(_labels(shape_of(a)), widths, mode=mode))


def _fits_one_reflection(before, after, n: int, mode: str) -> bool:
    if mode == "edge":
        return n > 0
    if mode == "reflect":
        return n > 1 and before <= n - 1 and after <= n - 1
    return before <= n and after <= n


def _pad_axis(a, axis: int, before: int, after: int, mode: str, odd: bool = False):
    """One axis of a copying pad as slices, flips and a concatenate: cheap in both sweeps.
    ``odd``: the reflection is also mirrored through the edge value (2 * edge - x)."""
    n = shape_of(a)[axis]

    def part(start, stop, flipped):
        piece = a[along(axis, slice(start, stop))]
        return np.flip(piece, axis) if flipped else piece

    def edge(start, count):
        return np.broadcast_to(part(start, start + 1, False), _with(shape_of(a), axis, count))

    if mode == "edge":
        head, tail = edge(0, before), edge(n - 1, after)
    elif mode == "reflect":
        head, tail = part(1, before + 1, True), part(n - 1 - after, n - 1, True)
    elif mode == "symmetric":
        head, tail = part(0, before, True), part(n - after, n, True)
    else:  # wrap
        head, tail = part(n - before, n, False), part(0, after, False)
    if odd and mode in ("reflect", "symmetric"):
        head = 2 * part(0, 1, False) - head
        tail = 2 * part(n - 1, n, False) - tail
    return _joined(head, a, tail, before, after, axis)


def _pad_statistic(a, widths, statistic, stat_length):
    """numpy's 'maximum', 'minimum', 'mean' and 'median' modes: each side of an axis is
    filled with the statistic of the ``stat_length`` elements nearest it (all by default)."""
    nd = ndim_of(a)
    lengths = [(None, None)] * nd if stat_length is None else _pairs(_lengths(stat_length), nd)
    for axis, ((before, after), (left_length, right_length)) in enumerate(zip(widths, lengths)):
        n = shape_of(a)[axis]
        left_length = n if left_length is None or left_length > n else int(left_length)
        right_length = n if right_length is None or right_length > n else int(right_length)
        if (left_length == 0 or right_length == 0) and statistic in (np.amax, np.amin):
            raise ValueError("stat_length of 0 yields no value for padding")
        left = _statistic(a[along(axis, slice(0, left_length))], statistic, axis, a.dtype)
        if left_length == right_length == n:
            right = left
        else:
            right = _statistic(a[along(axis, slice(n - right_length, n))], statistic, axis, a.dtype)
        shape = shape_of(a)
        head = np.broadcast_to(left, _with(shape, axis, int(before)))
        tail = np.broadcast_to(right, _with(shape, axis, int(after)))
        a = _joined(head, a, tail, int(before), int(after), axis)
    return a


def _statistic(chunk, statistic, axis: int, dtype):
    value = statistic(chunk, axis=axis, keepdims=True)
    if np.issubdtype(dtype, np.integer):  # numpy rounds to the nearest integer, then casts
        value = np.round(value)
    return value.astype(dtype, copy=False)


def _pad_linear_ramp(a, widths, end_values):
    """numpy's 'linear_ramp': from the end value to the edge, without the edge itself."""
    nd = ndim_of(a)
    if is_tracer(end_values) and ndim_of(end_values) == 0:
        ends = [(end_values, end_values)] * nd
    elif is_tracer(end_values):
        raise UnsupportedOperation(
            "np.pad(mode='linear_ramp') with traced end_values of several values",
            "traced end_values as one scalar, or plain numbers",
        )
    else:
        ends = _pairs(end_values, nd)
    for axis, ((before, after), (start, stop)) in enumerate(zip(widths, ends)):
        n = shape_of(a)[axis]
        ramps = []
        for end, edge_at, count in ((start, 0, int(before)), (stop, n - 1, int(after))):
            edge = np.squeeze(a[along(axis, slice(edge_at, edge_at + 1))], axis)
            ramps.append(np.linspace(end, edge, num=count, endpoint=False, dtype=a.dtype, axis=axis))
        a = _joined(ramps[0], a, np.flip(ramps[1], axis), int(before), int(after), axis)
    return a


def _pad_constant(a, widths, constant_values):
    """The constant frame first, then ``a`` written into its interior (a slice setitem)."""
    shape = shape_of(a)
    interior = tuple(slice(int(b), int(b) + s) for (b, _), s in zip(widths, shape))
    dtype = a.dtype
    if is_tracer(constant_values):
        nd = len(shape)
        table = np.ravel(np.broadcast_to(constant_values, (nd, 2)).astype(dtype))
        # numpy pads axis by axis, so corners take the later axis's value: let np.pad decide
        markers = np.arange(2 * nd).reshape(nd, 2)
        frame = table[np.pad(np.zeros(shape, np.intp), widths, constant_values=markers)]
    else:
        frame = np.pad(np.zeros(shape, dtype), widths, constant_values=constant_values)
    return setitem(frame, interior, a)


def _lengths(stat_length) -> np.ndarray:
    lengths = np.round(np.asarray(stat_length)).astype(np.intp)  # as numpy: rounded
    if (lengths < 0).any():
        raise ValueError("index can't contain negative values")
    return lengths


def _pairs(value, nd: int) -> list:
    """numpy's (before, after) per axis from a scalar, a pair or one pair per axis, typed
    as numpy's ``_as_pairs`` types them (numpy scalars, or Python numbers from a table):
    the ramp's arithmetic promotes by them."""
    table = np.array(value)
    if table.ndim < 3 and table.size == 1:
        table = table.ravel()
        return [(table[0], table[0])] * nd
    if table.ndim < 3 and table.size == 2 and table.shape != (2, 1):
        table = table.ravel()
        return [(table[0], table[1])] * nd
    return np.broadcast_to(table, (nd, 2)).tolist()


def _joined(head, a, tail, before: int, after: int, axis: int):
    pieces = ([head] if before else []) + [a] + ([tail] if after else [])
    return np.concatenate(pieces, axis=axis) if len(pieces) > 1 else a


def _with(shape: tuple, axis: int, count: int) -> tuple:
    return shape[:axis] + (count,) + shape[axis + 1 :]
