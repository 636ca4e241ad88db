"""Transforms: interpreters over a traced Graph (forward and backward sweeps)."""

from .forward import forward
from .reverse import backward

__all__ = ["backward", "forward"]
