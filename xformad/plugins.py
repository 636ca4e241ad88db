"""The pluggy plugin manager: built-ins first, then the ``xformad`` entry-point group.

Set ``XFORMAD_BLOCK_PLUGINS=name1,name2`` to keep named plugins from loading (like pytest's
``-p no:name``); the names are entry-point names (``scipy``), distribution names (what
``pip install`` takes, ``xformad-scipy``) or built-in module names
(``xformad.backends.cupy_backend``), compared as pip compares distribution names: case
ignored, and ``-``, ``_`` and ``.`` alike (:func:`normalize_name`). A third-party plugin
that fails to import, declares a hook xformad does not have (a misspelt name, found by
pluggy's ``check_pending``) or whose hook raises is reported with a ``PluginWarning``
naming it, and skipped: xformad keeps working with the rest. Two plugins claiming one
primitive, callable or backend is an error naming both. Plugin authors check their plugin
strictly with :func:`validate`.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import os
import re
import warnings

import pluggy

from . import hookspecs
from .errors import PluginError
from .registry import Registry

ENTRY_POINT_GROUP = "xformad"
BLOCK_ENV = "XFORMAD_BLOCK_PLUGINS"
BUILTIN_PLUGINS = (
    "xformad.primitives.builtin",
    "xformad.numpy_api",
    "xformad.backends.numpy_backend",
    "xformad.backends.cupy_backend",
)

_manager: pluggy.PluginManager | None = None
_registry: Registry | None = None
load_failures: dict = {}  # plugin name -> why it was skipped
sources: dict = {}  # plugin name -> "distribution version" (third-party plugins)
blocked: dict = {}  # plugin name -> the XFORMAD_BLOCK_PLUGINS entry that blocked it


class PluginWarning(RuntimeWarning):
    """A third-party plugin was skipped; the message names it and says why."""


def blocked_plugins() -> set:
    """The names in XFORMAD_BLOCK_PLUGINS, as written."""
    raw = os.environ.get(BLOCK_ENV, "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def normalize_name(name: str) -> str:
    """``name`` as pip compares distribution names (PEP 503): lower case, and every run of
    ``-``, ``_`` and ``.`` one ``-``. ``Xformad_SciPy`` and ``xformad-scipy`` are one name.

    >>> normalize_name("Xformad_SciPy")
    'xformad-scipy'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def _block_keys(names: set) -> dict:
    """normalized name -> the name as written in XFORMAD_BLOCK_PLUGINS."""
    return {normalize_name(name): name for name in sorted(names)}


def unmatched_blocks() -> list[str]:
    """Names in XFORMAD_BLOCK_PLUGINS that blocked nothing (a typo, or not installed)."""
    plugin_manager()
    used = set(blocked.values())
    return sorted(name for name in blocked_plugins() if name not in used)


def plugin_manager() -> pluggy.PluginManager:
    """The manager with every plugin that loaded (built once, on first use)."""
    global _manager
    if _manager is None:
        pm = _new_manager()
        blocked.clear()
        keys = _block_keys(blocked_plugins())
        _register_builtins(pm, keys)
        _load_entry_points(pm, keys)
        _drop_invalid(pm)
        _manager = pm
    return _manager


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    return pm


def _register_builtins(pm: pluggy.PluginManager, keys: dict) -> None:
    for name in BUILTIN_PLUGINS:
        key = normalize_name(name)
        if key in keys:
            pm.set_blocked(name)
            blocked[name] = keys[key]
            continue
        pm.register(importlib.import_module(name), name=name)


def _skip(name: str, why: str) -> None:
    load_failures[name] = why
    warnings.warn(
        f"xformad plugin {name!r} is skipped: {why}. Fix or reinstall it, or block it with "
        f"{BLOCK_ENV}={name}.",
        PluginWarning,
        stacklevel=4,
    )


def _load_entry_points(pm: pluggy.PluginManager, keys: dict) -> None:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = normalize_name(ep.name)
        if key in keys:  # by plugin (entry-point) name: that name is blocked for all
            pm.set_blocked(ep.name)
            blocked[ep.name] = keys[key]
            continue
        dist_name = _distribution_name(ep)
        if dist_name is not None and normalize_name(dist_name) in keys:
            # by distribution: only this distribution's entry points are left out
            blocked[ep.name] = keys[normalize_name(dist_name)]
            continue
        dist = _distribution(ep)
        if pm.has_plugin(ep.name):  # a second distribution uses the same plugin name
            _skip(ep.name, f"the name is already taken by {sources.get(ep.name, 'xformad')}; {dist} ignored")
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not break xformad
            _skip(ep.name, f"importing {ep.value} ({dist}) raised {exc!r}")
            continue
        try:
            pm.register(plugin, name=ep.name)
        except pluggy.PluginValidationError as exc:  # a hook with the wrong arguments
            _skip(ep.name, str(exc))
            continue
        sources[ep.name] = dist


def _distribution_name(ep) -> str | None:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None
    try:
        return dist.metadata["Name"] or dist.name
    except Exception:  # a distribution with broken metadata
        return getattr(dist, "name", None)


def _distribution(ep) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "unknown distribution"
    return f"{dist.metadata['Name'] or dist.name} {dist.version}"


def unknown_hooks(pm: pluggy.PluginManager, plugin) -> list[str]:
    """Hook implementations of ``plugin`` that match no hookspec, each with a suggestion."""
    specs = [name for name in dir(hookspecs) if name.startswith("xformad_")]
    found = []
    for caller in pm.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            close = difflib.get_close_matches(caller.name, specs, n=1)
            found.append(caller.name + (f" (did you mean {close[0]}?)" if close else ""))
    return found


def _drop_invalid(pm: pluggy.PluginManager) -> None:
    """pluggy's check_pending, with each offending third-party plugin skipped, not fatal."""
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or repr(exc.plugin)
            hooks = ", ".join(unknown_hooks(pm, exc.plugin)) or str(exc)
            if name in BUILTIN_PLUGINS:
                raise PluginError(f"built-in plugin {name} implements unknown hooks: {hooks}") from exc
            pm.unregister(exc.plugin)
            sources.pop(name, None)
            _skip(name, f"it implements hooks xformad does not define: {hooks}")


def registry() -> Registry:
    """The registry filled by every registered plugin's hooks (built once, on first use)."""
    global _registry
    if _registry is None:
        _registry = build_registry(plugin_manager())
    return _registry


def build_registry(pm: pluggy.PluginManager, *, strict: bool = False) -> Registry:
    """Run every plugin's hooks into a new Registry. A conflict between plugins is an error;
    a third-party hook that raises skips that plugin with a warning (``strict``: raises)."""
    from .primitives.core import check_rules

    reg = Registry()
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        reg.current_plugin = name
        try:
            # one plugin at a time, so that a failure is that plugin's alone
            for caller in pm.get_hookcallers(plugin) or []:
                impls = [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]
                _apply(reg, caller.name, _calling(impls))
            check_rules(
                reg.primitives[key[1]]
                for key, owner in reg.owner.items()
                if owner == name and key[0] == "primitive"
            )
        except PluginError:
            raise
        except Exception as exc:
            if strict or name in BUILTIN_PLUGINS:
                raise
            reg.rollback(name)
            _skip(name, f"its hook raised {exc!r}")
    reg.current_plugin = "xformad"
    return reg


def _calling(impls: list):
    """Call hook implementations as pluggy does: each gets the arguments it declares (a
    hook may declare fewer than its spec), and the results come back as a list."""

    def call(**kwargs):
        return [impl.function(*(kwargs[name] for name in impl.argnames)) for impl in impls]

    return call


def _apply(reg: Registry, hook: str, call) -> None:
    if hook == "xformad_backends":
        for backends in call():
            for backend in backends or []:
                reg.add_backend(backend)
    elif hook in ("xformad_register_primitives", "xformad_register_interceptions"):
        call(registry=reg)
    elif hook == "xformad_array_backend":
        pass  # asked at call time, through pm.hook (backends.resolve)
    else:  # pragma: no cover - unknown hooks are dropped by _drop_invalid first
        raise PluginError(f"unknown hook {hook!r}")


def validate(plugin, name: str = "plugin-under-test") -> Registry:
    """Load ``plugin`` (a module or object with hook implementations) next to the built-ins
    the way xformad would, but strictly: a misspelt hook, a hook with wrong arguments, a
    hook that raises, a conflict with a built-in, or a differentiable primitive without
    rules raises instead of warning. Registrations deferred to a library's import
    (``Registry.when_imported``) are run too, by importing the library. Returns the
    registry it builds, to inspect.

    >>> import xformad.plugins
    >>> reg = xformad.plugins.validate(object())  # a plugin with no hooks is valid
    >>> "numpy" in reg.backends
    True
    """
    pm = _new_manager()
    _register_builtins(pm, set())
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        hooks = ", ".join(unknown_hooks(pm, plugin)) or str(exc)
        raise PluginError(f"plugin {name!r} is invalid: {hooks}") from exc
    reg = build_registry(pm, strict=True)
    reg.import_deferred()  # registrations waiting for a library's import run now, checked too
    if reg.deferred_failures:
        raise PluginError("; ".join(reg.deferred_failures))
    return reg


def reset() -> None:
    """Forget the manager and registry (tests that install or block plugins use this)."""
    global _manager, _registry
    from . import backends

    _manager = None
    _registry = None
    backends._default = None  # the numpy backend is looked up again, in the new registry
    load_failures.clear()
    sources.clear()
    blocked.clear()
