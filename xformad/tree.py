"""Pytrees: nested tuples, lists and dicts of arrays, flattened to leaves and rebuilt.

A gradient comes back in the structure of the argument it was taken with respect to,
so transforms flatten their arguments, work on leaves, and unflatten the results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class TreeDef:
    """The shape of a pytree with its leaves taken out."""

    __slots__ = ("kind", "meta", "children")

    def __init__(self, kind: str, meta: Any = None, children: tuple = ()):
        self.kind = kind  # "leaf", "none", "tuple", "list", "dict", "namedtuple"
        self.meta = meta
        self.children = children

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(child.num_leaves for child in self.children)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, TreeDef)
            and self.kind == other.kind
            and self.meta == other.meta
            and self.children == other.children
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.meta if self.kind != "dict" else tuple(self.meta), self.children))

    def __repr__(self) -> str:
        return f"TreeDef({self.kind}, {self.meta!r}, {self.children!r})"


LEAF = TreeDef("leaf")  # the structure of every single leaf (one object: compared by identity)
# leaves met most often, recognised without the walk
_PLAIN_LEAVES = frozenset((float, int, complex, bool, np.ndarray, np.float64, np.float32))


def tree_flatten(tree: Any) -> tuple[list, TreeDef]:
    """Return the leaves of ``tree`` in order and its structure."""
    if type(tree) in _PLAIN_LEAVES:  # the common argument: no walk
        return [tree], LEAF
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> TreeDef:
    if tree is None:
        return TreeDef("none")
    kind = type(tree)
    if kind is tuple or kind is list:
        return TreeDef(kind.__name__, None, tuple(_flatten(x, leaves) for x in tree))
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return TreeDef("namedtuple", kind, tuple(_flatten(x, leaves) for x in tree))
    if isinstance(tree, dict):
        keys = tuple(sorted(tree, key=repr)) if type(tree) is not dict else tuple(tree)
        return TreeDef("dict", keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return LEAF


def tree_unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``."""
    if treedef is LEAF:
        return next(iter(leaves))
    return _unflatten(treedef, iter(leaves))


def _unflatten(td: TreeDef, it) -> Any:
    if td.kind == "leaf":
        return next(it)
    if td.kind == "none":
        return None
    children = [_unflatten(c, it) for c in td.children]
    if td.kind == "tuple":
        return tuple(children)
    if td.kind == "list":
        return children
    if td.kind == "namedtuple":
        return td.meta(*children)
    return dict(zip(td.meta, children))


def tree_map(fn: Callable, tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf to ``tree`` (and trees of the same structure in ``rest``)."""
    leaves, td = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(td, [fn(*xs) for xs in zip(leaves, *others)])


def tree_leaves(tree: Any) -> list:
    return tree_flatten(tree)[0]
