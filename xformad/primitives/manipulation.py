"""Index-producing primitives: their outputs are integers, so none has a derivative.

They stay nodes of the graph (rather than being computed once while tracing) because their
results depend on the values: a jitted program must recompute them on every call. The
values they select are then gathered with ``getitem``, which carries the derivative.
"""

from __future__ import annotations

from . import batch_rules
from .core import Primitive, nondifferentiable

# indices of the non-zero elements, one int array per axis (shape depends on the data)
nonzero_p = Primitive(
    "nonzero", lambda xp, x: tuple(xp.nonzero(x)), multiple_results=True, value_dependent_shape=True
)

searchsorted_p = Primitive(
    "searchsorted", lambda xp, a, v, side: xp.searchsorted(a, v, side=side), doc="np.searchsorted(a, v)"
)

argpartition_p = Primitive(
    "argpartition", lambda xp, x, kth, axis: xp.argpartition(x, kth, axis=axis), doc="np.argpartition"
)


def _unique_kernel(xp, x, axis, equal_nan):
    """(first-occurrence index, inverse, counts) of np.unique over ``axis`` (None: flat)."""
    _, index, inverse, counts = xp.unique(
        x, return_index=True, return_inverse=True, return_counts=True, axis=axis, equal_nan=equal_nan
    )
    return index, inverse, counts


# how many distinct values there are depends on the values
unique_p = Primitive("unique_indices", _unique_kernel, multiple_results=True, value_dependent_shape=True)

nondifferentiable(nonzero_p, searchsorted_p, argpartition_p, unique_p)

# vmap: searchsorted broadcasts over its values, not its sorted array; nonzero and unique
# give each member a result of its own shape, so they go member by member (and are refused
# where the shapes differ)
searchsorted_p.def_batch(batch_rules.unless_first_batched(batch_rules.batched_values))
argpartition_p.def_batch(batch_rules.shifted_axes("axis"))
nonzero_p.def_batch(batch_rules.looped)
unique_p.def_batch(batch_rules.looped)
