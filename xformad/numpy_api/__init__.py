"""The numpy front end: every numpy callable xformad serves, as a built-in plugin.

Each module declares handlers with ``@implements(np.fn)``; the hook below registers them,
so plugins and built-ins share one lookup table.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from . import creation, elementwise, linear, reductions, shape  # noqa: F401  (fill HANDLERS)
from .dispatch import HANDLERS


@hookimpl
def xformad_register_primitives(registry):
    for fn, handler in HANDLERS.items():
        if fn is not None:
            registry.register_callable(fn, handler)
