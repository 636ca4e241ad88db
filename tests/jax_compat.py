"""jax as a test oracle across its versions (pip resolves an older jax on Python 3.10)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def x64(jax):
    """Double precision inside the block: ``jax.enable_x64`` where it exists, else the
    config flag, restored afterwards."""
    enable = getattr(jax, "enable_x64", None)
    if enable is not None:
        with enable(True):
            yield
        return
    previous = bool(jax.config.read("jax_enable_x64"))
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)
