"""The core primitives. Everything else numpy offers is lowered onto them in numpy_api."""

from .core import Primitive, nondifferentiable

__all__ = ["Primitive", "nondifferentiable"]
