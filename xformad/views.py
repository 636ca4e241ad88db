"""numpy's views under tracing: functionalisation with view replay.

A traced value is an SSA variable, so it cannot share memory with another. numpy code
relies on sharing all the same: ``row = M[0]; row += v`` changes ``M``, and a later read
of ``row`` sees writes made through ``M``. So a Tracer made by a view operation (a basic
slice, ``.T``, a reshape that numpy does without copying, ...) remembers its base and two
functions (PyTorch's functionalization pass works the same way):

- ``derive(base)``: the view recomputed from the base's current value;
- ``writeback(base, new)``: the base's new value once the view's elements are ``new``.

A write into any tracer (``_assign``) climbs to the root base, rebinding each tracer on the
way to its new value, then re-derives every live view hanging off that chain, so reads
after the write see it, whichever alias was written. Every step is an ordinary recorded
primitive, so the derivative program stays functional. Views are held weakly: a view
nobody holds costs nothing on later writes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable


class Alias:
    """How a Tracer relates to others: its base (if it is a view) and its live views."""

    __slots__ = ("base", "derive", "writeback", "readonly", "children", "_prune_at")

    def __init__(self, base=None, derive=None, writeback=None, readonly: Callable | None = None):
        self.base = base
        self.derive = derive
        self.writeback = writeback
        self.readonly = readonly  # None, or a function returning the exception a write raises
        self.children: list | None = None  # weak references to views of this tracer
        self._prune_at = 16

    def add_child(self, view) -> None:
        children = self.children
        if children is None:
            self.children = [weakref.ref(view)]
            return
        children.append(weakref.ref(view))
        if len(children) >= self._prune_at:  # read-only loops make many short-lived views
            alive = [r for r in children if r() is not None]
            self.children = alive
            self._prune_at = max(16, 2 * len(alive))


def read_only(message: str, error: type = ValueError) -> Callable:
    """A ``readonly`` marker: writes raise ``error(message)``."""
    return lambda: error(message)


# numpy's own message and type for a write into a read-only view
NUMPY_READ_ONLY = read_only("assignment destination is read-only")


def mark_read_only(tracer, readonly: Callable = NUMPY_READ_ONLY):
    """``tracer`` (a fresh result, not a view) refuses writes, as numpy's array would."""
    tracer._alias = Alias(readonly=readonly)
    return tracer


def as_view(base, result, derive: Callable, writeback: Callable | None, readonly: Callable | None = None):
    """Register ``result`` (computed from the Tracer ``base``) as a view of it and return
    the view: a fresh Tracer, so a view is never the same object as its base."""
    view = result.snapshot()
    parent = base._alias
    if parent is None:
        parent = base._alias = Alias()
    elif readonly is None and parent.readonly is not None:
        readonly = parent.readonly  # a view of a read-only view is read-only too
    view._alias = Alias(base, derive, writeback, readonly)
    parent.add_child(view)
    return view


def same_view(base, readonly: Callable | None = None):
    """A view of all of ``base`` as it is (a no-op reshape or transpose, ``x.real`` of a
    real array): a new object sharing base's elements."""
    return as_view(base, base, _itself, _replaced, readonly)


def _itself(base):
    return base


def _replaced(base, new):
    return new


def write(target, new) -> None:
    """``target`` now holds ``new`` (a Tracer of its shape and dtype): update its bases
    through their writebacks, then re-derive every view that shares memory with them."""
    chain = [(target, new)]
    node = target
    alias = node._alias
    while alias is not None:
        if alias.readonly is not None:
            raise alias.readonly()
        if alias.base is None:
            break
        new = alias.writeback(alias.base, new)
        node = alias.base
        chain.append((node, new))
        alias = node._alias
    for tracer, value in chain:
        tracer._rebind(value)
    written = {id(tracer) for tracer, _ in chain}
    for tracer, _ in chain:
        _refresh_views(tracer, written)


def _refresh_views(tracer, skip: set) -> None:
    alias = tracer._alias
    if alias is None or not alias.children:
        return
    alive = []
    for ref in alias.children:
        view = ref()
        if view is None:
            continue
        alive.append(ref)
        if id(view) in skip:
            continue
        view._rebind(view._alias.derive(tracer))
        _refresh_views(view, skip)
    alias.children = alive
