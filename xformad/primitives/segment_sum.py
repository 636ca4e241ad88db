"""np.add.reduceat: numpy sums each segment pairwise after its first element, in an order
no other public call reproduces, so its own kernel computes the value. The sums are linear:
the tangent is reduced alike, and the cotangent goes back to every element of each segment
(a gather of the segments' cotangents, scattered onto the elements)."""

from __future__ import annotations

import numpy as np

from .batch_rules import shifted_axes
from .core import Primitive
from .indexing import scatter_add_p
from .rules import device_constant


def _segment_members(indices: tuple, n: int):
    """(element, segment) pairs: segment k is [i_k, i_k+1) where that is not empty, else
    the element i_k alone (numpy's rule); segments may overlap."""
    elements, segments = [], []
    for k, start in enumerate(indices):
        stop = indices[k + 1] if k + 1 < len(indices) else n
        members = range(start, stop) if stop > start else (start,)
        elements.extend(members)
        segments.extend([k] * len(members))
    return np.array(elements, dtype=np.intp), np.array(segments, dtype=np.intp)


def _add_reduceat_vjp(ct, ans, x, indices, axis):
    elements, segments = _segment_members(indices, np.shape(x)[axis])
    spread = np.take(ct, device_constant(segments, ct), axis=axis)
    spec = (("s", None, None, None),) * axis + (("a", 0),)  # x[:, ..., elements] += spread
    zeros = np.zeros_like(x, dtype=ct.dtype)
    return scatter_add_p.bind(zeros, spread, device_constant(elements, ct), spec=spec)


add_reduceat_p = Primitive(
    "add_reduceat", lambda xp, x, indices, axis: xp.add.reduceat(x, np.asarray(indices, np.intp), axis=axis)
)
add_reduceat_p.def_jvp(lambda t, ans, x, indices, axis: add_reduceat_p.bind(t, indices=indices, axis=axis))
add_reduceat_p.def_vjp(_add_reduceat_vjp)


add_reduceat_p.def_batch(shifted_axes("axis"))
