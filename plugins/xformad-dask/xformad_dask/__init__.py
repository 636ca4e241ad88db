"""xformad-dask: a dask backend for xformad.

Installed, it registers backend ``"dask"``: plain numpy code differentiated with
``backend="dask"`` (or given dask arrays) builds one lazy dask graph for its forward pass
and reverse sweep, which the current dask scheduler (a ``dask.distributed.Client``) runs
when the results are computed::

    g = xformad.grad(nll)(w, X, y)        # X, y dask arrays: a lazy dask array
    loss, g = xformad_dask.compute(loss, g)  # one dask.compute for both

See docs/dask.md in this plugin.
"""

from __future__ import annotations

from .compute import compute, persist
from .errors import ComputeWarning, NoDaskKernel
from .forced import computes, reset_computes

__version__ = "0.1.0"
__all__ = ["ComputeWarning", "NoDaskKernel", "backend", "compute", "computes", "persist", "reset_computes"]


def backend():
    """The registered dask backend (its ``kernels`` table takes dask kernels of your own)."""
    from xformad.backends import get_backend

    return get_backend("dask")
