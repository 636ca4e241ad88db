"""What a backend supplies: an array module, device transfers, the array types it owns."""

from __future__ import annotations

from typing import Any


class Backend:
    """A place to run primitives. Subclass it (or duck-type it) in a plugin.

    ``xp`` is the array module kernels are written against (numpy, cupy, ...).
    ``kernels`` maps a primitive name to a kernel ``fn(xp, *args, **params)`` that
    replaces the primitive's generic one on this backend; ``vjp_overrides`` likewise maps
    a primitive name to a tuple of per-input VJP rules.
    """

    name: str = "abstract"
    priority: int = 0  # "auto" picks the usable backend with the highest priority

    def __init__(self):
        self.kernels: dict = {}
        self.vjp_overrides: dict = {}

    @property
    def xp(self):
        raise NotImplementedError

    def availability(self) -> tuple[bool, str]:
        """(usable, reason): the reason says why not and how to fix it."""
        return True, ""

    def is_available(self) -> bool:
        return self.availability()[0]

    def owns(self, value: Any) -> bool:
        """True when ``value`` is an array of this backend's type."""
        return False

    def to_device(self, value: Any) -> Any:
        """Move a host (numpy) array or scalar onto this backend's device."""
        return value

    def to_host(self, value: Any) -> Any:
        """Move one of this backend's arrays back to a numpy array."""
        return value

    def __repr__(self) -> str:
        return f"<xformad backend {self.name!r}>"
