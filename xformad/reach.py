"""What a traced function reaches by name, and swapping some of it for the length of a trace.

A function reads objects through its globals, its closure cells and its default arguments,
and through the same places of the Python functions it names. Some of those objects must
be stood in for while xformad traces: a ``np.random.Generator`` made outside (its methods
are compiled code), or a function bound before the trace (``from scipy.special import
logsumexp``, ``from math import exp``), which the interception swap of module attributes
(``intercept.py``) never reaches. ``stand_in`` finds them three calls deep, swaps them and
returns a function that puts the originals back (leaving anything rebound meanwhile alone).
"""

from __future__ import annotations

import types
from collections.abc import Callable

DEPTH = 3  # calls deep: the traced function, what it calls, and two more levels


def stand_in(fn, replacement: Callable) -> Callable[[], None]:
    """Swap every object ``fn`` reaches by name for ``replacement(obj)`` where that is not
    None; return the function that undoes it."""
    slots: list = []
    _collect(fn, replacement, slots, set(), 0)
    for where, name, _, new in slots:
        _put(where, name, new)

    def restore() -> None:
        for where, name, old, new in slots:
            if _get(where, name) is new:  # not rebound meanwhile
                _put(where, name, old)

    return restore


def _collect(fn, replacement, found: list, seen: set, depth: int) -> None:
    code = getattr(fn, "__code__", None)
    if code is None or depth > DEPTH or id(fn) in seen or getattr(fn, "__xformad_intercepted__", False):
        return
    seen.add(id(fn))
    # xformad's own functions (grad's and jit's wrappers of the user's function) are passed
    # through, not counted as a call and never changed: they hold originals on purpose
    own = fn.__module__ is not None and fn.__module__.startswith("xformad.")
    if own:
        depth -= 1
    namespace = getattr(fn, "__globals__", {})
    if not own:
        for name in names_read(code):
            _visit(namespace, name, namespace.get(name), replacement, found, seen, depth, own)
    for k, value in enumerate(getattr(fn, "__defaults__", None) or ()):
        _visit(fn, k, value, replacement, found, seen, depth, own)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        _visit(cell, None, value, replacement, found, seen, depth, own)


def _visit(where, name, value, replacement, found, seen, depth, own) -> None:
    if value is None:
        return
    new = None if own else replacement(value)
    if new is not None:
        if not any(w is where and n == name for w, n, _, _ in found):
            found.append((where, name, value, new))
    elif type(value) is types.FunctionType:
        _collect(value, replacement, found, seen, depth + 1)


# a slot is (a namespace dict, a name), (a function, a default's index) or (a cell, None)
def _get(where, name):
    if name is None:
        try:
            return where.cell_contents
        except ValueError:
            return None
    if type(name) is int:
        defaults = where.__defaults__
        return defaults[name] if defaults is not None and len(defaults) > name else None
    return where.get(name)


def _put(where, name, value) -> None:
    if name is None:
        where.cell_contents = value
    elif type(name) is int:
        where.__defaults__ = where.__defaults__[:name] + (value,) + where.__defaults__[name + 1 :]
    else:
        where[name] = value


def names_read(code) -> frozenset:
    """The global names a code object and the code nested in it (comprehensions, lambdas)
    may read (cached: a code object never changes)."""
    names = _NAMES.get(code)
    if names is None:
        found = set(code.co_names)
        for const in code.co_consts:
            if type(const) is types.CodeType:
                found |= names_read(const)
        names = _NAMES[code] = frozenset(found)
    return names


_NAMES: dict = {}
