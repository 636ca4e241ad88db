"""Scoped interception of Python-level functions (``np.array``, ``math.exp``, ...).

numpy's protocols never reach array creation and conversion (``np.array([a, b])``,
``np.asarray(x)``) nor Python's ``math`` module, so a traced value met there would be
converted to a constant. While a trace is open anywhere in the process, the functions in the
registry's interception table (``Registry.intercept``, filled through the hook
``xformad_register_interceptions``) are served by thin wrappers; the originals come back
when the last trace in the process closes. ``import xformad`` changes nothing, and outside
traces numpy is numpy itself. A module is switched in one step, by swapping its
``__class__`` for a subclass whose data descriptors serve the wrappers (``_swap``): a grad
call opens and closes a trace, so this is on every call's path, and setting and restoring
~150 names one by one cost more than a small program's whole gradient.

A wrapper looks at the calling thread's trace depth: zero (another thread traces) calls the
original at once; nonzero calls the handler, which returns ``NotImplemented`` (the original
is then called) when no argument is traced, so arrays built inside a trace that never meet a
traced value are plain ndarrays, exactly as numpy makes them.
"""

from __future__ import annotations

import collections
import functools
import operator
import sys
import threading
import types

from . import post_import, tracing
from .tracing import _stack

_lock = threading.RLock()  # re-entered: refresh() may run inside _install's registry build
_open = 0  # outermost traces open in the process, all threads together
_plan = None  # a _Plan: the modules whose class is swapped, and the attributes set one by one
_plan_for = None  # (registry, number of interceptions) the plan was made from
_installed = False
_wrappers: dict = {}  # (module name, name) -> (original, handler, wrapper), built once
_by_original: dict = {}  # id(original) -> (original, wrapper), for names bound before the trace
_by_method: dict = {}  # the same for functions of intercepted class attributes (bound methods)
_by_token: dict = {}  # wrapped.<token> -> the wrapper of a module function (how pickle finds it)


class _Wrapped:
    """Where pickle finds a module function's wrapper: ``xformad.intercept.wrapped.<token>``
    (``numpy__where``; dots of the module's name as ``_dot_``). A wrapper is what numpy's
    module serves while a trace is open, so code run then may keep it (dask stores
    ``np.where`` in the task graphs it builds); pickled by reference under this name, it is
    the wrapper itself in the process that made it and the original function in another (a
    dask worker), which is what the wrapper calls outside a trace."""

    def __getattr__(self, token: str):
        if token.startswith("__"):
            raise AttributeError(token)
        wrapper = _by_token.get(token)
        if wrapper is not None:
            return wrapper
        module_name, _, name = token.rpartition("__")
        import importlib

        return getattr(importlib.import_module(module_name.replace("_dot_", ".")), name)


wrapped = _Wrapped()


def _pickled_by_name(module, name: str, wrapper) -> None:
    token = f"{module.__name__.replace('.', '_dot_')}__{name}"
    _by_token[token] = wrapper
    wrapper.__module__, wrapper.__qualname__ = __name__, f"wrapped.{token}"


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


def refresh(registry) -> None:
    """``registry`` gained interceptions (a deferred registration ran, ``Registry.when_imported``):
    if a trace is open now, it gets them at once, not from the next trace on. (The wrappers
    are lifted and put back: a traced value that reaches an intercepted function in another
    thread at that instant meets the original, which refuses it with a clear error.)"""
    with _lock:
        if _installed and _plan_for is not None and _plan_for[0] is registry:
            _uninstall()
            _install()


def installed() -> bool:
    """Whether the wrappers are in place (some thread is tracing)."""
    return _installed


def _make_plan(registry) -> _Plan:
    by_module: dict = {}
    kept: list = []
    # a snapshot: another thread's import may be adding a deferred registration's entries
    for key, handler in list(registry.interceptions.items()):
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
            if isinstance(module, types.ModuleType) and replacement is not handler:
                _pickled_by_name(module, key[1], replacement)
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
    swaps, attributes = [], []
    for module, entries in by_module.items():
        swap = _swap(module, entries)
        if swap is not None:
            swaps.append(swap)
        else:  # a class (np.vectorize.__call__), or a module that cannot be swapped
            attributes.extend((module, name, entry[0], entry[2]) for name, entry in entries.items())
    return _Plan(*_columns(swaps, 3), *_columns(attributes, 4))


def _columns(rows: list, width: int) -> tuple:
    return tuple(tuple(column) for column in zip(*rows)) if rows else ((),) * width


class _Plan:
    """What a trace installs, as parallel tuples so that installing and removing it are a few
    ``map`` calls in C, not loops of bytecode (they run twice per grad call): the modules
    whose classes are swapped (with their classes and stand-ins), and the attributes set one
    by one (owner, name, original, wrapper). A binding changed meanwhile by someone else (a
    monkeypatch, another class swap) is left alone."""

    __slots__ = ("modules", "plain", "intercepting", "class_", "owners", "names", "originals", "wrappers")

    def __init__(self, modules, plain, intercepting, owners, names, originals, wrappers):
        self.modules, self.plain, self.intercepting = modules, plain, intercepting
        self.class_ = ("__class__",) * len(modules)
        self.owners, self.names, self.originals, self.wrappers = owners, names, originals, wrappers

    def current(self) -> bool:
        """Whether the modules have the classes, and the attributes the values, the plan was
        made from."""
        return all(map(operator.is_, map(type, self.modules), self.plain)) and all(
            map(operator.is_, map(_own_attribute, self.owners, self.names), self.originals)
        )

    def install(self) -> None:
        _consume(map(setattr, self.modules, self.class_, self.intercepting))
        _consume(map(setattr, self.owners, self.names, self.wrappers))

    def uninstall(self) -> None:
        if all(map(operator.is_, map(type, self.modules), self.intercepting)):
            _consume(map(setattr, self.modules, self.class_, self.plain))
        else:
            for module, plain, intercepting in zip(self.modules, self.plain, self.intercepting):
                if type(module) is intercepting:
                    module.__class__ = plain
        if all(map(operator.is_, map(_own_attribute, self.owners, self.names), self.wrappers)):
            _consume(map(setattr, self.owners, self.names, self.originals))
        else:
            for owner, name, original, wrapper in zip(self.owners, self.names, self.originals, self.wrappers):
                if _own_attribute(owner, name) is wrapper:
                    setattr(owner, name, original)


def _own_attribute(owner, name: str):
    return owner.__dict__.get(name)


_consume = functools.partial(collections.deque, maxlen=0)  # run an iterator for its effects, in C


def _swap(module, entries: dict) -> tuple | None:
    """(module, its class, the stand-in class) installing a module's interceptions as one
    ``__class__`` assignment: the stand-in subclass's data descriptors serve the wrappers
    (names not intercepted are looked up as before, at C speed). None for a class, or a
    module whose class cannot be swapped (it is then set name by name)."""
    if not isinstance(module, types.ModuleType):
        return None
    plain = type(module)
    descriptors = {name: _Intercepted(name, entry[0], entry[2]) for name, entry in entries.items()}
    try:
        intercepting = type(plain.__name__, (plain,), {"__slots__": (), **descriptors})
        module.__class__ = intercepting
        module.__class__ = plain
    except TypeError:
        return None
    return module, plain, intercepting


class _Intercepted:
    """One intercepted name of a module while a trace is open: a data descriptor on the
    module's stand-in class, so ``np.array`` reads the wrapper while ``np.__dict__`` keeps
    numpy's own binding. A binding changed meanwhile (a monkeypatch) is what it reads."""

    __slots__ = ("name", "original", "wrapper")

    def __init__(self, name: str, original, wrapper):
        self.name, self.original, self.wrapper = name, original, wrapper

    def __get__(self, module, owner=None):
        if module is None:
            return self
        try:
            value = module.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"module {module.__name__!r} has no attribute {self.name!r}") from None
        return self.wrapper if value is self.original else value

    def __set__(self, module, value):
        module.__dict__[self.name] = value

    def __delete__(self, module):
        del module.__dict__[self.name]


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


_plugins = None  # xformad.plugins, imported on first use (it imports the tracer)


def _install() -> None:
    # a grad call opens and closes this once: one check and one assignment per module
    global _plan, _plan_for, _installed, _plugins
    if _plugins is None:
        from . import plugins as _plugins
    registry = _plugins.registry()
    post_import.settle()  # a waited module imported in a way the finder did not see
    if _plan_for is None or _plan_for[0] is not registry or _plan_for[1] != len(registry.interceptions):
        _plan, _plan_for = _make_plan(registry), (registry, len(registry.interceptions))
    if not _plan.current():  # a module's class or a class attribute changed since the plan
        _plan = _make_plan(registry)
    _plan.install()
    _installed = True


def _uninstall() -> None:
    global _installed
    _plan.uninstall()
    _installed = False


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
