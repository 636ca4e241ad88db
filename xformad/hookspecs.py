"""The hooks a plugin implements. Each is called with keyword arguments only.

A plugin is a module (or object) with functions decorated by ``xformad.hookimpl`` whose
names match these specs (a misspelt name is caught by pluggy's ``check_pending`` and the
plugin is skipped with a warning); third-party plugins are found through the entry-point
group ``xformad``. xformad's own primitives, numpy front end and backends are plugins of
exactly this kind. See docs/plugins.md for a complete, copyable example.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("xformad")
hookimpl = pluggy.HookimplMarker("xformad")


@hookspec
def xformad_backends():
    """Return a list of the ``xformad.backends.base.Backend`` objects this plugin provides.

    Called once, when the registry is built. Every plugin's list is used (not only the
    first). A backend is offered even when unusable here: its ``availability()`` returns
    ``(False, reason)`` so that ``backend="cupy"`` answers with the reason ("cupy is not
    installed") rather than "no such backend". Two backends with one name are an error
    naming both plugins.
    """


@hookspec
def xformad_register_primitives(registry):
    """Register primitives, their kernels and derivative rules, and the callables they serve.

    Called once, when the registry is built, for every plugin. Return nothing.

    :param registry: the ``xformad.registry.Registry``. Call ``registry.add_primitive(p)``
        for each new ``Primitive`` (its per-backend kernels in ``Primitive(...,
        kernels={"cupy": fn})``) and ``registry.register_callable(fn, handler)`` for each
        numpy-protocol callable it serves (a ufunc such as ``scipy.special.erf``, or a
        function numpy dispatches through ``__array_function__``); ``handler`` receives the
        call's arguments, or is a Primitive to bind them to directly. A primitive name or
        callable claimed by two plugins is an error naming both. If this hook raises, the
        plugin's registrations are undone and it is skipped with a warning.
    """


@hookspec
def xformad_register_interceptions(registry):
    """Make Python-level functions (which numpy's protocols never reach) differentiable.

    Called once, when the registry is built, for every plugin. Return nothing.

    :param registry: the ``xformad.registry.Registry``. Call
        ``registry.intercept(module, name, handler)`` (``module`` a module or its name) for
        each function to serve: while a trace is open in the calling thread,
        ``module.name(*args, **kwargs)`` calls ``handler(*args, **kwargs)``, which returns
        the (traced) result, or ``NotImplemented`` to have the original function called
        (return it when no argument is traced). Outside traces the module holds its own
        function, untouched. Code that bound the function before the trace
        (``from math import exp``) keeps the original. xformad's own ``np.array`` family
        and ``math`` functions are registered this way (``xformad/intercept.py``).
    """


@hookspec(firstresult=True)
def xformad_array_backend(value):
    """Return the name of the backend that owns ``value``'s array type, or None.

    The first non-None answer wins (later plugins are not asked). Return None for types
    you do not know. Backends are also asked directly through ``Backend.owns``.
    """
