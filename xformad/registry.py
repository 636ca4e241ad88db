"""The one registry: primitives, the numpy callables they serve, and backends.

Built-in primitives and backends are registered through the same plugin hooks as
third-party ones, so any kernel or rule a plugin supplies is looked up here. Every entry
remembers the plugin that made it: a second plugin claiming it is an error naming both,
and a plugin whose hook fails can be taken out again whole (``rollback``).
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable
from typing import Any

from .errors import PluginError, UnsupportedOperation


class Registry:
    def __init__(self):
        self.primitives: dict = {}  # name -> Primitive
        self.handlers: dict = {}  # numpy callable -> handler(*args, **kwargs)
        self.backends: dict = {}  # name -> Backend
        self.interceptions: dict = {}  # (module, attribute name) -> handler (xformad/intercept.py)
        self.intercepted_owners: dict = {}  # the same keys -> the module or class itself
        self.kept_interceptions: set = set()  # keys installed at the first trace and kept
        self.owner: dict = {}  # (kind, primitive name / callable / backend name) -> plugin name
        self.current_plugin = "xformad"

    def add_primitive(self, primitive) -> None:
        """Register a Primitive under its name (names are global: prefix yours, e.g. ``scipy.erf``)."""
        self._claim(("primitive", primitive.name), f"primitive {primitive.name!r}")
        self.primitives[primitive.name] = primitive

    def register_callable(self, fn: Any, handler) -> None:
        """Serve the numpy-protocol callable ``fn`` (a ufunc, or a function numpy dispatches
        through ``__array_function__``) when it meets a traced value.

        ``handler`` receives the call's arguments and returns the result (usually by binding
        primitives); a Primitive may be passed instead, for the common case of one callable
        served by one primitive with the same positional arguments.
        """
        if _is_primitive(handler):
            handler = binding_handler(handler, fn)
        name = getattr(fn, "__name__", repr(fn))
        self._claim(("callable", fn), f"callable {name!r}")
        self.handlers[fn] = handler

    def intercept(self, module, name: str, handler, *, always: bool = False) -> None:
        """Replace ``module.name`` (a Python-level function, e.g. ``math.exp`` or
        ``np.asarray``) by ``handler`` while a trace is open in the calling thread.

        ``module`` is a module or its name. The attribute is swapped only while some thread
        traces (outside traces the module holds its original object); ``handler(*args,
        **kwargs)`` gets the call's arguments and returns the result, or ``NotImplemented``
        to have the original called (do so when no argument is traced). See
        ``xformad/intercept.py``.

        ``module`` may also be a class (``np.vectorize``, to reach its ``__call__``). A
        handler with ``__xformad_replaces__ = True`` is installed as it is (an object such
        as ``np.r_`` or a scalar type, not a function); it checks the calling thread's trace
        depth itself (``xformad.tracing._stack.depth``).

        ``always=True``: installed when the first trace opens and kept from then on (the
        wrapper calls the original outside traces). For class attributes in numbers (the
        methods of scipy.stats' distributions): each costs a class attribute write per swap,
        which would otherwise be paid twice by every trace.
        """
        if isinstance(module, str):
            module = importlib.import_module(module)
        replaces = getattr(handler, "__xformad_replaces__", False)
        if not hasattr(module, name) or not (replaces or callable(getattr(module, name))):
            raise PluginError(f"cannot intercept {module.__name__}.{name}: no such function")
        owner = (
            module.__name__
            if isinstance(module, types.ModuleType)
            else f"{module.__module__}.{module.__qualname__}"
        )
        key = (owner, name)
        self._claim(("interception", key), f"interception of {key[0]}.{name}")
        self.interceptions[key] = handler
        self.intercepted_owners[key] = module
        if always:
            self.kept_interceptions.add(key)

    def add_backend(self, backend) -> None:
        self._claim(("backend", backend.name), f"backend {backend.name!r}")
        self.backends[backend.name] = backend

    def _claim(self, key, what: str) -> None:
        previous = self.owner.get(key)
        if previous is not None and previous != self.current_plugin:
            raise PluginError(
                f"{what} is claimed by two plugins: {previous!r} and {self.current_plugin!r}. "
                f"Uninstall one, or block one with XFORMAD_BLOCK_PLUGINS={self.current_plugin} "
                "(a comma-separated list of plugin names)."
            )
        self.owner[key] = self.current_plugin

    def rollback(self, plugin: str) -> None:
        """Remove every entry ``plugin`` made (its hook failed half way)."""
        tables = {
            "primitive": self.primitives,
            "callable": self.handlers,
            "backend": self.backends,
            "interception": self.interceptions,
        }
        for key, owner in list(self.owner.items()):
            if owner == plugin:
                kind, item = key
                tables[kind].pop(item, None)
                del self.owner[key]

    def provided_by(self, plugin: str) -> dict:
        """What ``plugin`` registered: counts of primitives and callables, backend names."""
        out: dict = {"primitives": 0, "callables": 0, "interceptions": 0, "backends": []}
        for (kind, item), owner in self.owner.items():
            if owner != plugin:
                continue
            if kind == "backend":
                out["backends"].append(item)
            else:
                out[kind + "s"] += 1
        return out

    def plugin_counts(self) -> dict:
        """plugin name -> number of primitives it registered."""
        counts: dict = {}
        for (kind, _), plugin in self.owner.items():
            if kind == "primitive":
                counts[plugin] = counts.get(plugin, 0) + 1
        return counts


def _is_primitive(value) -> bool:
    from .primitives.core import Primitive

    return isinstance(value, Primitive)


def binding_handler(primitive, fn: Any = None) -> Callable:
    """The handler that binds ``primitive`` to a call's positional arguments (lists of
    traced values are stacked first, as numpy would turn them into arrays)."""
    from .numpy_api.util import as_operand

    label = getattr(fn, "__name__", primitive.name)

    def handler(*args, **kwargs):
        if kwargs:
            raise UnsupportedOperation(
                f"{label} with keyword arguments {sorted(kwargs)}",
                f"xformad's {primitive.name} takes positional arguments only",
            )
        return primitive.bind(*(as_operand(a) for a in args))

    handler.__name__ = label
    handler.primitive = primitive
    return handler
