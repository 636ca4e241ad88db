"""The xformad plugin module (entry point ``scipy`` in the ``xformad`` group).

Each scipy family is its own subpackage with the same two functions, so the hooks below
only list them. A family registers once the program imports the scipy module it serves
(``Registry.when_imported``): loading the plugin imports no scipy, and a program that never
imports ``scipy.stats`` (half a second) does not pay for it on its first gradient.
"""

from __future__ import annotations

import importlib

from xformad.extend import hookimpl

FAMILIES = {  # the scipy module a family serves -> the family's subpackage
    "scipy.special": "special",
    "scipy.stats": "stats",
    "scipy.linalg": "linalg",
    "scipy.signal": "signal",
    "scipy.integrate": "integrate",
}


def family(name: str):
    """The family subpackage ``name`` (``"stats"``: ``xformad_scipy.stats``)."""
    return importlib.import_module(f"xformad_scipy.{name}")


@hookimpl
def xformad_register_primitives(registry):
    for module, name in FAMILIES.items():
        registry.when_imported(module, lambda reg, name=name: family(name).register_primitives(reg))


def register_interceptions(registry, module: str, name: str) -> None:
    """The family's interceptions, then the module's other public functions
    (``unserved``: scipy's code runs; where it fails on traced values, the error names it)."""
    family(name).register_interceptions(registry)
    from . import unserved

    unserved.register(registry, module)


# modules no family serves: their functions run scipy's code on traced values, and where
# that fails the error names the function (instead of a cython routine's TypeError)
UNSERVED_MODULES = (
    "scipy.fft",
    "scipy.fftpack",
    "scipy.interpolate",
    "scipy.optimize",
    "scipy.spatial.distance",
    "scipy.ndimage",
)


def _register_unserved(registry, module: str) -> None:
    from . import unserved

    unserved.register(registry, module)


@hookimpl
def xformad_register_interceptions(registry):
    for module, name in FAMILIES.items():
        registry.when_imported(
            module, lambda reg, module=module, name=name: register_interceptions(reg, module, name)
        )
    for module in UNSERVED_MODULES:
        registry.when_imported(module, lambda reg, module=module: _register_unserved(reg, module))
