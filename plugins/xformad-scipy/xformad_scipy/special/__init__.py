"""scipy.special: ufuncs served as primitives, Python-level functions intercepted."""

from __future__ import annotations

from . import python_level
from .functions import PRIMITIVES, SERVES


def register_primitives(registry) -> None:
    """Register every scipy.special primitive and the scipy ufuncs it serves."""
    import scipy.special

    for primitive in PRIMITIVES:
        registry.add_primitive(primitive)
    for name, primitive in SERVES.items():
        if name != "polygamma":  # a Python function, not a ufunc: see python_level
            registry.register_callable(getattr(scipy.special, name), primitive)
    python_level.install()


def register_interceptions(registry) -> None:
    """Python-level scipy.special functions (none yet beyond python_level's polygamma)."""
