"""Run a callback when a module is imported: at once if it is imported already, else right
after its import finishes, whenever and in whichever thread that happens.

A plugin serving a library registers what it knows about the library only once the user's
program has imported it (``Registry.when_imported``): registering the scipy plugin's tables
needs ``scipy.stats`` and ``scipy.signal`` imported, half a second that a program not using
them would otherwise pay on its first gradient.

While some callback waits, a finder at the front of ``sys.meta_path`` looks for the waited
module's spec through the finders behind it and chains the callback onto the spec's loader
(``exec_module``): the module runs as it would, then the callbacks run, before the import
statement returns. This is PEP 369's post-import hook, the pattern of ``wrapt.when_imported``.
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading
import warnings

_lock = threading.RLock()
_waiting: dict = {}  # module name -> [callback(module)], each called once
_done: set = set()  # modules whose import ran the callbacks (their spec may still say initialising)
_modules_seen = -1  # len(sys.modules) when settle() last looked


def when_imported(name: str, callback) -> None:
    """``callback(module)`` once the module ``name`` is imported (now, if it is)."""
    with _lock:
        now = imported(name)
        if not now:
            _waiting.setdefault(name, []).append(callback)
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
    if now:
        callback(sys.modules[name])


def settle() -> None:
    """Run the callbacks of waited modules that are imported by now without the finder
    having seen them (an import already under way in another thread when the wait began).
    Called at every outermost trace: it looks again only once ``sys.modules`` has grown."""
    global _modules_seen
    if not _waiting or len(sys.modules) == _modules_seen:
        return
    _modules_seen = len(sys.modules)
    for name in [n for n in list(_waiting) if imported(n)]:
        _imported(name)


def imported(name: str) -> bool:
    """Whether the module ``name`` is imported, its body run to the end."""
    module = sys.modules.get(name)
    return module is not None and (name in _done or not _initializing(module))


def waiting() -> list:
    """The names of the modules some callback waits for."""
    with _lock:
        return sorted(_waiting)


def _initializing(module) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _imported(name: str) -> None:
    module = sys.modules.get(name)
    if module is None:
        return
    with _lock:
        _done.add(name)
        callbacks = _waiting.pop(name, [])
        if not _waiting and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
    for callback in callbacks:
        try:
            callback(module)
        except Exception as exc:  # noqa: BLE001  (the user's import must not fail for xformad)
            warnings.warn(f"xformad: a callback on the import of {name} raised {exc!r}", RuntimeWarning, 2)


class _Finder:
    """Finds nothing itself: for a waited module, it asks the finders behind it and chains
    the callbacks onto the loader of the spec they return."""

    def find_spec(self, name, path=None, target=None):
        if name not in _waiting:
            return None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if isinstance(loader, _PER_MODULE):
            _chain(loader, name)
        elif loader is not None and hasattr(loader, "exec_module"):
            spec.loader = _Chained(loader, name)  # a loader shared by many modules: wrapped
        return spec

    def invalidate_caches(self) -> None:
        pass


# the file loaders a path finder makes afresh for each module it finds
_PER_MODULE = (
    importlib.machinery.SourceFileLoader,
    importlib.machinery.SourcelessFileLoader,
    importlib.machinery.ExtensionFileLoader,
)


def _chain(loader, name: str) -> None:
    run = loader.exec_module

    def exec_module(module):
        run(module)
        _imported(name)

    # on this module's own loader object, not its class: the loader's type (which
    # importlib.resources and others look at) stays what it was
    loader.exec_module = exec_module


class _Chained:
    """Another finder's loader, which may serve other modules too (a class such as
    ``BuiltinImporter``, a zip importer): left as it is, wrapped for this one module."""

    def __init__(self, loader, name: str):
        self._loader, self._name = loader, name

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module):
        self._loader.exec_module(module)
        _imported(self._name)

    def __getattr__(self, attribute):  # get_source, get_resource_reader, is_package, ...
        return getattr(self._loader, attribute)


_finder = _Finder()
