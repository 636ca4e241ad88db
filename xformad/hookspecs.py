"""The hooks a plugin implements. Each is called with keyword arguments only.

A plugin is a module (or object) with functions decorated by ``xformad.hookimpl`` whose
names match these specs; third-party plugins are found through the entry-point group
``xformad``. See docs/plugins.md for a complete example.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("xformad")
hookimpl = pluggy.HookimplMarker("xformad")


@hookspec
def xformad_backends():
    """Return a list of ``xformad.backends.base.Backend`` objects this plugin provides.

    A backend is offered even when unusable here; its ``availability()`` says why, so that
    ``backend="cupy"`` can answer "cupy is not installed" rather than "no such backend".
    Two backends with the same name are an error naming both plugins.
    """


@hookspec
def xformad_register_primitives(registry):
    """Add primitives, their kernels and derivative rules, and the numpy callables they serve.

    :param registry: the ``xformad.registry.Registry``. Call ``registry.add_primitive(p)``
        for each new ``Primitive`` and ``registry.register_callable(np_callable, handler)``
        for each numpy ufunc or function it implements (``handler`` receives the call's
        arguments). A primitive name or callable claimed twice is an error naming both
        plugins. Return nothing.
    """


@hookspec(firstresult=True)
def xformad_array_backend(value):
    """Return the name of the backend that owns ``value``'s array type, or None.

    The first non-None answer wins; used with ``backend=None`` to follow the inputs.
    """
