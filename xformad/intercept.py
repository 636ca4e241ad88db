"""Scoped interception of Python-level functions (``np.array``, ``math.exp``, ...).

numpy's protocols never reach array creation and conversion (``np.array([a, b])``,
``np.asarray(x)``) nor Python's ``math`` module, so a traced value met there would be
converted to a constant. While a trace is open anywhere in the process, the functions in the
registry's interception table (``Registry.intercept``, filled through the hook
``xformad_register_interceptions``) are replaced in their modules by thin wrappers; the
originals come back when the last trace in the process closes. ``import xformad`` changes
nothing, and outside traces numpy is numpy itself.

A wrapper looks at the calling thread's trace depth: zero (another thread traces) calls the
original at once; nonzero calls the handler, which returns ``NotImplemented`` (the original
is then called) when no argument is traced, so arrays built inside a trace that never meet a
traced value are plain ndarrays, exactly as numpy makes them.
"""

from __future__ import annotations

import functools
import operator
import sys
import threading
import types

from . import tracing
from .tracing import _stack

_lock = threading.Lock()
_open = 0  # outermost traces open in the process, all threads together
_plan: list = []  # per module: (its dict, get names, originals, wrappers, {name: wrapper}, {name: original})
_plan_for = None  # (registry, number of interceptions) the plan was made from
_installed = False
_wrappers: dict = {}  # (module name, name) -> (original, handler, wrapper), built once
_by_original: dict = {}  # id(original) -> (original, wrapper), for names bound before the trace
_by_method: dict = {}  # the same for functions of intercepted class attributes (bound methods)


def acquire() -> None:
    """An outermost trace opens in this thread (``tracing.new_trace``)."""
    global _open
    with _lock:
        if _open == 0:
            _install()
        _open += 1


def release() -> None:
    """An outermost trace closes in this thread."""
    global _open
    with _lock:
        _open -= 1
        if _open == 0:
            _uninstall()


def installed() -> bool:
    """Whether the wrappers are in place (some thread is tracing)."""
    return _installed


def _make_plan(registry) -> list:
    by_module: dict = {}
    kept: list = []
    for key, handler in registry.interceptions.items():
        module = registry.intercepted_owners.get(key) or sys.modules.get(key[0])
        original = getattr(module, key[1], None) if module is not None else None
        if original is None:
            continue
        cached = _wrappers.get(key)
        if cached is not None and original is cached[2]:  # a kept wrapper, installed already
            original = cached[0]
        if cached is None or cached[0] is not original or cached[1] is not handler:
            replacement = (
                handler if getattr(handler, "__xformad_replaces__", False) else _wrap(original, handler)
            )
            cached = _wrappers[key] = (original, handler, replacement)
        if key in registry.kept_interceptions:
            kept.append((module, key[1], cached))
        else:
            by_module.setdefault(module, {})[key[1]] = cached
    _by_original.clear()
    _by_method.clear()
    for module, entries in [*by_module.items(), *((m, {n: c}) for m, n, c in kept)]:
        # a function bound before the trace, or a method taken off an instance before it
        table = _by_method if isinstance(module, type) else _by_original
        table.update((id(e[0]), (e[0], e[2])) for e in entries.values())
    for module, name, (_, _, wrapper) in kept:  # installed once, kept from now on
        if module.__dict__.get(name) is not wrapper:
            setattr(module, name, wrapper)
    plan = []
    for module, entries in by_module.items():
        names = tuple(entries)
        originals = tuple(entries[n][0] for n in names)
        wrappers = tuple(entries[n][2] for n in names)
        plan.append(
            (
                _ClassDict(module) if isinstance(module, type) else module.__dict__,
                _getter(names),
                originals,
                wrappers,
                dict(zip(names, wrappers)),
                dict(zip(names, originals)),
            )
        )
    return plan


class _ClassDict:
    """A class's attributes as the dict operations the plan uses (a class's __dict__ is a
    read-only mapping proxy; attributes are set with setattr)."""

    __slots__ = ("cls",)

    def __init__(self, cls):
        self.cls = cls

    def __getitem__(self, name):
        try:
            return self.cls.__dict__[name]
        except KeyError:
            raise KeyError(name) from None

    def get(self, name, default=None):
        return self.cls.__dict__.get(name, default)

    def __setitem__(self, name, value):
        setattr(self.cls, name, value)

    def update(self, values: dict):
        for name, value in values.items():
            setattr(self.cls, name, value)


def prebound(value):
    """The wrapper standing in for ``value`` if it is an intercepted function bound before the
    trace (``from scipy.special import logsumexp``), else None (``reach.stand_in`` swaps it in
    the traced function's namespaces while the wrappers are installed)."""
    if not _installed:
        return None
    entry = _by_original.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    if type(value) is types.MethodType:  # norm_logpdf = scipy.stats.norm.logpdf, taken before
        entry = _by_method.get(id(value.__func__))
        if entry is not None and entry[0] is value.__func__:
            return types.MethodType(entry[1], value.__self__)
    return None


def _getter(names: tuple):
    """``names``' current values in a module dict, as a tuple, in one C call."""
    get = operator.itemgetter(*names)
    return get if len(names) > 1 else (lambda md: (get(md),))


_plugins = None  # xformad.plugins, imported on first use (it imports the tracer)


def _install() -> None:
    # a grad call opens and closes this once: one tuple check and one dict update per module
    global _plan, _plan_for, _installed, _plugins
    if _plugins is None:
        from . import plugins as _plugins
    registry = _plugins.registry()
    if _plan_for is None or _plan_for[0] is not registry or _plan_for[1] != len(registry.interceptions):
        _plan, _plan_for = _make_plan(registry), (registry, len(registry.interceptions))
    for md, current, originals, _, _, _ in _plan:
        if _values(current, md) != originals:  # rebound since the plan was made
            _plan, _plan_for = _make_plan(registry), (registry, len(registry.interceptions))
            break
    for md, _, _, _, wrappers, _ in _plan:
        md.update(wrappers)
    _installed = True


def _uninstall() -> None:
    global _installed
    for md, current, _, wrapper_values, wrappers, originals in _plan:
        if _values(current, md) == wrapper_values:
            md.update(originals)
        else:  # leave a monkeypatch made during the trace alone
            for name, wrapper in wrappers.items():
                if md.get(name) is wrapper:
                    md[name] = originals[name]
    _installed = False


def _values(current, md) -> tuple | None:
    try:
        return current(md)
    except KeyError:  # a name was deleted from the module
        return None


def _wrap(original, handler):
    stack = _stack

    def wrapper(*args, **kwargs):
        if stack.depth > stack.shielded:  # tracing, and not inside a plugin's kernel
            result = handler(*args, **kwargs)
            if result is not NotImplemented:
                return result
        return original(*args, **kwargs)

    try:
        functools.update_wrapper(wrapper, original)
    except (AttributeError, TypeError):  # pragma: no cover - builtins without a __dict__
        wrapper.__wrapped__ = original
    wrapper.__xformad_intercepted__ = True
    return wrapper


def original(fn):
    """The function ``fn`` wraps, if it is an interception wrapper (else ``fn``)."""
    return fn.__wrapped__ if getattr(fn, "__xformad_intercepted__", False) else fn


tracing.connect(open_interception=acquire, close_interception=release)
