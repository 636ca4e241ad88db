"""xformad-numba: a compiling CPU backend for ``xformad.jit`` (``backend="numba"``)."""

from .backend import NumbaBackend

__all__ = ["NumbaBackend"]
