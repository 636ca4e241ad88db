"""The cache key of a jitted call: what a traced program depends on besides values.

Per dynamic argument: its pytree structure and, per leaf, the Python type with shape and
dtype for arrays (a float and a 0-d array trace alike but return differently typed
results); static arguments and keyword arguments by value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import XformadError
from ..tree import tree_flatten

_PY_SCALARS = (float, int, bool, complex)
_CONTAINERS = (tuple, list, dict)


class SignatureError(XformadError, TypeError):
    """An argument jit cannot key its cache on (unhashable static value, non-array leaf)."""


def leaf_signature(x: Any, where: str) -> Any:
    t = type(x)
    if t in _PY_SCALARS:
        return t
    shape = getattr(x, "shape", None)
    if shape is not None and hasattr(x, "dtype"):
        if t is np.ndarray and not x.flags.c_contiguous:
            return (t, tuple(shape), x.dtype, x.strides)  # see plain_key
        return (t, tuple(shape), x.dtype)
    raise SignatureError(
        f"jit: {where} is a {t.__name__}, which cannot be traced as an array. Pass arrays or "
        "numbers (or tuples/lists/dicts of them) as dynamic arguments, and mark other values "
        "static: jit(f, static_argnums=(...)), so they become part of the cache key."
    )


def static_key(value: Any, where: str) -> Any:
    try:
        hash(value)
    except TypeError:
        keyword = where.startswith("keyword")
        how = (
            "pass the array positionally: jit's keyword arguments are static"
            if keyword
            else "make the argument dynamic (leave it out of static_argnums)"
        )
        raise SignatureError(
            f"jit: {where} is static but unhashable ({type(value).__name__}); static values key "
            f"the cache. Pass a hashable value (a tuple instead of a list), or, for an array, {how}."
        ) from None
    return _typed(value)


def _typed(value: Any) -> Any:
    """A key that tells apart what == does not: 0.0 from -0.0 (np.copysign, np.arctan2 see
    the sign), and (1, 2) from (1.0, 2) (np.array of it has another dtype)."""
    kind = type(value)
    if isinstance(value, (float, np.floating)):
        return (kind, float(value).hex())
    if isinstance(value, (complex, np.complexfloating)):
        return (kind, complex(value).real.hex(), complex(value).imag.hex())
    if isinstance(value, tuple):
        return (kind, tuple(_typed(v) for v in value))
    if isinstance(value, frozenset):
        return (kind, frozenset(_typed(v) for v in value))
    return (kind, value)


def value_key(x: Any) -> Any:
    """An integer/boolean leaf traced as a constant keys the cache by its value."""
    if isinstance(x, (bool, int)):
        return (type(x), x)
    host = x if isinstance(x, np.ndarray) else np.asarray(x)
    return (type(x), host.shape, host.dtype, host.tobytes())


def call_signature(args: tuple, kwargs: dict, static: frozenset, by_value=None) -> tuple[tuple, list]:
    """``(key, leaves)``: the hashable signature and the dynamic leaves in trace order.
    ``by_value(leaf)``: leaves keyed by value and left out of ``leaves`` (constants)."""
    if by_value is not None:
        key, leaves = _general_signature(args, kwargs, static)
        consts = tuple(value_key(x) if by_value(x) else None for x in leaves)
        return (key, consts), [x for x in leaves if not by_value(x)]
    if not static and not kwargs:  # the common case, kept short: floats and ndarrays
        key = plain_key(args)
        if key is not None:
            return key, args
    return _general_signature(args, kwargs, static)


def plain_key(args: tuple):
    """The signature of positional floats and ndarrays, or None when another type is met."""
    key = []
    for a in args:
        t = type(a)
        if t is float:
            key.append(t)
        elif t is np.ndarray:
            # a layout other than C order is part of the key: whether reshape or ravel
            # gives a view (which a later write goes through) follows the input's strides
            key.append((t, a.shape, a.dtype) if a.flags.c_contiguous else (t, a.shape, a.dtype, a.strides))
        else:
            return None
    return tuple(key)


def _general_signature(args: tuple, kwargs: dict, static: frozenset) -> tuple[tuple, list]:
    key = []
    leaves = []
    for i, a in enumerate(args):
        if i in static:
            key.append(static_key(a, f"argument {i}"))
            continue
        t = type(a)
        if t in _CONTAINERS or a is None or (isinstance(a, tuple) and hasattr(a, "_fields")):
            sub, treedef = tree_flatten(a)
            key.append((treedef, tuple(leaf_signature(x, f"a leaf of argument {i}") for x in sub)))
            leaves.extend(sub)
        else:
            key.append(leaf_signature(a, f"argument {i}"))
            leaves.append(a)
    if kwargs:
        key.append(tuple((k, static_key(v, f"keyword argument {k!r}")) for k, v in sorted(kwargs.items())))
    return tuple(key), leaves
