"""The xformad plugin module (entry point ``numba`` in the ``xformad`` group)."""

from __future__ import annotations

from xformad.extend import hookimpl

from .backend import NumbaBackend


@hookimpl
def xformad_backends():
    return [NumbaBackend()]
