"""The xformad plugin module (entry point ``scipy`` in the ``xformad`` group)."""

from __future__ import annotations

from xformad.extend import hookimpl

from . import python_level
from .functions import PRIMITIVES, SERVES


@hookimpl
def xformad_register_primitives(registry):
    """Register every scipy.special primitive and the scipy callables it serves."""
    import scipy.special

    for primitive in PRIMITIVES:
        registry.add_primitive(primitive)
    for name, primitive in SERVES.items():
        if name != "polygamma":  # a Python function, not a ufunc: see python_level
            registry.register_callable(getattr(scipy.special, name), primitive)
    python_level.install()
