"""The one registry: primitives, the numpy callables they serve, and backends.

Built-in primitives and backends are registered through the same plugin hooks as
third-party ones, so any kernel or rule a plugin supplies is looked up here. Every entry
remembers the plugin that made it: a second plugin claiming it is an error naming both,
and a plugin whose hook fails can be taken out again whole (``rollback``).
"""

from __future__ import annotations

import importlib
import types
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from . import intercept, post_import
from .errors import PluginError, UnsupportedOperation


class Registry:
    def __init__(self):
        self.primitives: dict = {}  # name -> Primitive
        self.handlers: dict = {}  # numpy callable -> handler(*args, **kwargs)
        self.backends: dict = {}  # name -> Backend
        self.interceptions: dict = {}  # (module, attribute name) -> handler (xformad/intercept.py)
        self.intercepted_owners: dict = {}  # the same keys -> the module or class itself
        self.kept_interceptions: set = set()  # keys installed at the first trace and kept
        self.fallback_interceptions: set = set()  # keys any other interception replaces
        self.owner: dict = {}  # (kind, primitive name / callable / backend name) -> plugin name
        self.current_plugin = "xformad"
        self.deferred_failures: list = []  # what deferred registrations raised (validate() shows it)

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

    def intercept(self, module, name: str, handler, *, always: bool = False, fallback: bool = False) -> None:
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

        ``fallback=True``: a stand-in for what nobody serves (the scipy plugin's clear error
        for a scipy function it does not differentiate): skipped where an interception is
        registered already, and replaced by any later one, from any plugin, without a
        conflict.
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
        claim = ("interception", key)
        if fallback:
            if claim in self.owner:
                return
            self.fallback_interceptions.add(key)
        elif key in self.fallback_interceptions:  # a real interception replaces a stand-in
            self.fallback_interceptions.discard(key)
            self.owner.pop(claim, None)
        self._claim(claim, f"interception of {key[0]}.{name}")
        # the handler last: a plan made meanwhile in another thread (a registration deferred
        # to an import, intercept._make_plan) sees the entry whole or not at all
        self.intercepted_owners[key] = module
        if always:
            self.kept_interceptions.add(key)
        self.interceptions[key] = handler

    def when_imported(self, module_name: str, register: Callable) -> None:
        """Call ``register(registry)`` once the module ``module_name`` is imported: now if it
        is, else right after the program imports it, even inside a trace
        (``xformad/post_import.py``). A plugin serving a library registers its tables this
        way, so that a program not using the library never imports it (the scipy plugin:
        ``registry.when_imported("scipy.stats", stats.register)``). What ``register``
        makes belongs to the plugin whose hook called this; if a deferred ``register``
        raises, what it made is removed again and a PluginWarning says so (the program's
        import itself never fails)."""
        if post_import.imported(module_name):
            register(self)  # within the plugin's hook: its failure is the hook's
            return
        plugin, this = self.current_plugin, weakref.ref(self)

        def later(module):
            registry = this()
            if registry is not None:
                registry._register_deferred(plugin, module_name, register)

        post_import.when_imported(module_name, later)

    def import_deferred(self) -> None:
        """Import every module a deferred registration waits for, so that the tables are
        complete (what ``xformad plugins`` and the coverage report list)."""
        for name in post_import.waiting():
            try:
                importlib.import_module(name)
            except ImportError:
                pass  # the library is not installed: nothing of it can be served

    def _register_deferred(self, plugin: str, module_name: str, register: Callable) -> None:
        from .plugins import PluginWarning
        from .primitives.core import check_rules

        previous, self.current_plugin = self.current_plugin, plugin
        before = set(self.owner)
        try:
            register(self)
            check_rules(self.primitives[k[1]] for k in set(self.owner) - before if k[0] == "primitive")
        except Exception as exc:  # noqa: BLE001  (reported; the user's import goes on)
            self._remove(set(self.owner) - before)
            what = f"xformad plugin {plugin!r}: its registration for {module_name} raised {exc!r}"
            self.deferred_failures.append(what)
            warnings.warn(
                f"{what} when the program imported {module_name}; what it registered is removed "
                f"and {module_name}'s functions are not served. Fix or reinstall the plugin.",
                PluginWarning,
                stacklevel=3,
            )
        finally:
            self.current_plugin = previous
        intercept.refresh(self)

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
        self._remove({key for key, owner in self.owner.items() if owner == plugin})

    def _remove(self, keys: set) -> None:
        tables = {
            "primitive": self.primitives,
            "callable": self.handlers,
            "backend": self.backends,
            "interception": self.interceptions,
        }
        for key in keys:
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
