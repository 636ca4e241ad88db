"""The xformad plugin module (entry point ``dask`` in the ``xformad`` group).

Importing it imports no dask: the backend is offered always and answers "not installed"
through ``availability()`` where dask is missing.
"""

from __future__ import annotations

import sys

from xformad.extend import hookimpl

from .lazy_backend import DaskBackend

BACKEND = DaskBackend()


@hookimpl
def xformad_backends():
    return [BACKEND]


@hookimpl
def xformad_array_backend(value):
    """Dask arrays select the dask backend, as cupy arrays select cupy."""
    dask_array = sys.modules.get("dask.array")
    if dask_array is not None and isinstance(value, dask_array.Array):
        return "dask"
    return None
