"""The pluggy plugin manager: built-ins first, then the ``xformad`` entry-point group.

Set ``XFORMAD_BLOCK_PLUGINS=name1,name2`` to keep named plugins from loading (like pytest's
``-p no:name``). A plugin that fails to import is reported with a warning and skipped.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import warnings

import pluggy

from . import hookspecs
from .errors import PluginError
from .registry import Registry

ENTRY_POINT_GROUP = "xformad"
BUILTIN_PLUGINS = (
    "xformad.primitives.builtin",
    "xformad.numpy_api",
    "xformad.backends.numpy_backend",
    "xformad.backends.cupy_backend",
)

_manager: pluggy.PluginManager | None = None
_registry: Registry | None = None
load_failures: dict = {}


def blocked_plugins() -> set:
    raw = os.environ.get("XFORMAD_BLOCK_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def plugin_manager() -> pluggy.PluginManager:
    global _manager
    if _manager is None:
        pm = pluggy.PluginManager("xformad")
        pm.add_hookspecs(hookspecs)
        for name in BUILTIN_PLUGINS:
            pm.register(importlib.import_module(name), name=name)
        _load_entry_points(pm)
        pm.check_pending()
        _manager = pm
    return _manager


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    blocked = blocked_plugins()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in blocked or pm.is_registered(ep.name) or pm.get_plugin(ep.name):
            if ep.name in blocked:
                pm.set_blocked(ep.name)
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not break xformad
            load_failures[ep.name] = repr(exc)
            warnings.warn(
                f"xformad plugin {ep.name!r} ({ep.value}) failed to load and is skipped: "
                f"{exc!r}. Reinstall or fix it, or block it with XFORMAD_BLOCK_PLUGINS={ep.name}.",
                RuntimeWarning,
                stacklevel=3,
            )
            continue
        pm.register(plugin, name=ep.name)


def registry() -> Registry:
    """The registry filled by every registered plugin's hooks (built once, on first use)."""
    global _registry
    if _registry is None:
        _registry = build_registry(plugin_manager())
    return _registry


def build_registry(pm: pluggy.PluginManager) -> Registry:
    reg = Registry()
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        reg.current_plugin = name
        hook_callers = pm.get_hookcallers(plugin) or []
        for caller in hook_callers:
            impls = [i for i in caller.get_hookimpls() if i.plugin is plugin]
            for impl in impls:
                _apply(reg, caller.name, impl.function)
    reg.current_plugin = "xformad"
    from .primitives.core import check_rules

    check_rules(reg.primitives.values())
    return reg


def _apply(reg: Registry, hook: str, function) -> None:
    if hook == "xformad_backends":
        for backend in function() or []:
            reg.add_backend(backend)
    elif hook == "xformad_register_primitives":
        function(registry=reg)
    elif hook == "xformad_array_backend":
        pass  # consulted at call time through the manager
    else:  # pragma: no cover - check_pending rejects unknown hooks first
        raise PluginError(f"unknown hook {hook!r}")


def reset() -> None:
    """Forget the manager and registry (tests that install or block plugins use this)."""
    global _manager, _registry
    _manager = None
    _registry = None
    load_failures.clear()
