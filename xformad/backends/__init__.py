"""Backend selection: which backend runs the primitives of the call in progress.

The selection is per thread: ``with using(backend):`` switches the backend of the calling
thread only, so transforms running at the same time in other threads keep their own (a
new thread starts on numpy), and nothing stays switched on once the block or the thread
ends. The selection is a ``threading.local`` rather than a ``ContextVar``: transforms are
synchronous, so there is nothing for asyncio tasks to interleave inside one ``using`` block,
and an attribute read of a ``threading.local`` is as quick as that of a plain object.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..errors import BackendUnavailable, DeviceMismatchError, UnknownBackend
from .base import Backend


class _Active(threading.local):
    """Per thread: ``backend`` is set only while a transform runs in that thread (the
    class attribute None is what every thread sees first)."""

    backend: Backend | None = None


_active = _Active()
_default: Backend | None = None  # the numpy backend, shared by all threads once looked up
_HOST_TYPES = frozenset((float, int, complex, bool, np.ndarray, np.float64, np.float32, np.complex128))


def active() -> Backend:
    """The backend of the transform in progress (numpy outside any transform)."""
    b = _active.backend
    if b is None:
        b = _default
        if b is None:
            b = _set_default()
    return b


def _set_default() -> Backend:
    global _default
    _default = get_backend("numpy")
    return _default


class using:
    """``with using(backend):`` runs primitives on ``backend`` in the calling thread (a
    class, not a generator context manager: it sits on the per-call path of every
    transform). Each ``using`` object remembers one previous backend: enter it in one
    thread at a time, as ``with using(b):`` does by making a fresh one."""

    __slots__ = ("backend", "previous")

    def __init__(self, backend: Backend):
        self.backend = backend

    def __enter__(self) -> Backend:
        self.previous = _active.backend
        _active.backend = self.backend
        return self.backend

    def __exit__(self, *exc) -> None:
        _active.backend = self.previous


def available_backends() -> dict:
    from ..plugins import registry

    return registry().backends


def get_backend(name: str) -> Backend:
    backends = available_backends()
    if name not in backends:
        raise UnknownBackend(
            f"no backend named {name!r}; registered backends: {sorted(backends)}. "
            "Use one of those, backend='auto', or install the plugin that provides it "
            "(`python -m xformad plugins` lists what is installed)."
        )
    backend = backends[name]
    ok, reason = backend.availability()
    if not ok:
        raise BackendUnavailable(f"backend {name!r} is not usable here: {reason}")
    return backend


def resolve(name: str | None, leaves: list) -> Backend:
    """The backend for a call: by name, "auto", or (None) from the arrays passed in."""
    if name is None and _active.backend is None and all(type(x) in _HOST_TYPES for x in leaves):
        return active()  # the common case: plain numpy and Python numbers
    backends = available_backends()
    if name is None:
        claimed = _claimed_by_a_plugin(leaves)
        if claimed is not None:
            return get_backend(claimed)
        for leaf in leaves:
            for b in backends.values():
                if b.name != "numpy" and b.owns(leaf):
                    chosen = get_backend(b.name)
                    for other in leaves:  # arrays of two devices in one call
                        _check_placement(chosen, other, backends)
                    return chosen
        return active()
    if name == "auto":
        usable = [b for b in backends.values() if b.is_available()]
        return max(usable, key=lambda b: b.priority)
    backend = get_backend(name)
    for leaf in leaves:
        _check_placement(backend, leaf, backends)
    return backend


def _claimed_by_a_plugin(leaves: list) -> str | None:
    """The backend a plugin's ``xformad_array_backend`` hook names for the first array it
    knows (the hook is firstresult: the first answer wins)."""
    from .. import plugins

    hook = plugins.plugin_manager().hook.xformad_array_backend
    for leaf in leaves:
        if type(leaf) not in _HOST_TYPES:
            name = hook(value=leaf)
            if name is not None:
                return name
    return None


def _check_placement(backend: Backend, leaf: Any, backends: dict) -> None:
    if backend.owns(leaf) or type(leaf) in (float, int, complex, bool):
        return
    for other in backends.values():
        if other is not backend and other.name != "numpy" and other.owns(leaf):
            raise DeviceMismatchError(
                f"an input is a {other.name} array but the transform runs on backend "
                f"{backend.name!r}. Pass backend={other.name!r} (or leave backend unset to "
                "follow the inputs), or move the arrays to one place first (cupy.asnumpy(x) "
                "copies a cupy array to the host, cupy.asarray(x) a numpy array to the GPU)."
            )
