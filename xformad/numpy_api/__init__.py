"""The numpy front end: every numpy callable xformad serves, as a built-in plugin.

Each module of this package declares handlers with ``@implements(np.fn)``; all modules are
imported here and the hook below registers their handlers, so plugins and built-ins share
one lookup table. A new area of numpy is a new module in this folder.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..hookspecs import hookimpl
from .dispatch import HANDLERS

_INFRASTRUCTURE = {"dispatch", "util"}

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name not in _INFRASTRUCTURE:
        importlib.import_module(f"{__name__}.{_info.name}")


@hookimpl
def xformad_register_primitives(registry):
    for fn, handler in HANDLERS.items():
        if fn is not None:
            registry.register_callable(fn, handler)


@hookimpl
def xformad_register_interceptions(registry):
    from . import arrays, draws, lists, pyfuncs, pymath, scalar_types

    arrays.register(registry)
    lists.register(registry)
    pymath.register(registry)
    pyfuncs.register(registry)
    draws.register(registry)
    scalar_types.register(registry)
