"""np.geomspace and np.unwrap on traced values, in numpy's own order of operations (so the
values are numpy's bit for bit) and written with numpy calls (so they differentiate).
"""

from __future__ import annotations

import numpy as np

from .dispatch import implements
from .util import ndim_of, operand


@implements(np.geomspace)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    start, stop = operand(start), operand(stop)
    if np.any(start == 0) or np.any(stop == 0):
        raise ValueError("Geometric sequence cannot include zero")
    # numpy: result_type(start, stop, float(num), zeros((), dtype)), the arrays strong
    work = np.result_type(start.dtype, stop.dtype, float(num), np.dtype(dtype))
    dtype = work if dtype is None else np.dtype(dtype)
    start, stop = start.astype(work), stop.astype(work)
    # rotated onto the positive reals (negative and complex ends), computed, rotated back
    sign = np.sign(start)
    start, stop = start / sign, stop / sign
    result = np.logspace(np.log10(start), np.log10(stop), num=num, endpoint=endpoint, base=10.0, dtype=work)
    if num > 0:  # the ends exactly (10 ** log10(x) need not be x)
        result[0] = start
        if num > 1 and endpoint:
            result[-1] = stop
    result = result * sign
    if axis != 0:
        result = np.moveaxis(result, 0, axis)
    return result.astype(dtype, copy=False)


@implements(np.unwrap)
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    p = operand(p)
    jumps = np.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(jumps.dtype, period)
    if np.issubdtype(dtype, np.integer):
        high, remainder = divmod(period, 2)
        ambiguous = remainder == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    wrapped = np.mod(jumps - low, period) + low
    if ambiguous:  # a jump of exactly half a period keeps its sign
        wrapped = np.where((wrapped == low) & (jumps > 0), high, wrapped)
    correction = np.where(np.abs(jumps) < discont, 0, wrapped - jumps)
    later = (slice(None),) * (axis % ndim_of(p)) + (slice(1, None),)
    unwrapped = np.array(p, dtype=dtype)
    unwrapped[later] = p[later] + np.cumsum(correction, axis=axis)
    return unwrapped
