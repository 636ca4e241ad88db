"""The xformad plugin module (entry point ``scipy`` in the ``xformad`` group).

Each scipy family is its own subpackage with the same two functions, so the hooks below
only list them.
"""

from __future__ import annotations

from xformad.extend import hookimpl

from . import integrate, linalg, signal, special, stats

FAMILIES = (special, stats, linalg, signal, integrate)


@hookimpl
def xformad_register_primitives(registry):
    for family in FAMILIES:
        family.register_primitives(registry)


@hookimpl
def xformad_register_interceptions(registry):
    for family in FAMILIES:
        family.register_interceptions(registry)
