"""The one registry: primitives, the numpy callables they serve, and backends.

Built-in primitives and backends are registered through the same plugin hooks as
third-party ones, so any kernel or rule a plugin supplies is looked up here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import PluginError


class Registry:
    def __init__(self):
        self.primitives: dict = {}  # name -> Primitive
        self.handlers: dict = {}  # numpy callable -> handler(*args, **kwargs)
        self.backends: dict = {}  # name -> Backend
        self.owner: dict = {}  # primitive name / callable / backend name -> plugin name
        self.current_plugin = "xformad"

    def add_primitive(self, primitive) -> None:
        self._claim(("primitive", primitive.name), f"primitive {primitive.name!r}")
        self.primitives[primitive.name] = primitive

    def register_callable(self, fn: Any, handler: Callable) -> None:
        name = getattr(fn, "__name__", repr(fn))
        self._claim(("callable", fn), f"numpy callable {name!r}")
        self.handlers[fn] = handler

    def add_backend(self, backend) -> None:
        self._claim(("backend", backend.name), f"backend {backend.name!r}")
        self.backends[backend.name] = backend

    def _claim(self, key, what: str) -> None:
        previous = self.owner.get(key)
        if previous is not None and previous != self.current_plugin:
            raise PluginError(
                f"{what} is claimed by two plugins: {previous!r} and {self.current_plugin!r}. "
                "Uninstall one, or block it with XFORMAD_BLOCK_PLUGINS="
                f"{self.current_plugin}."
            )
        self.owner[key] = self.current_plugin

    def plugin_counts(self) -> dict:
        counts: dict = {}
        for (kind, _), plugin in self.owner.items():
            if kind == "primitive":
                counts[plugin] = counts.get(plugin, 0) + 1
        return counts
