"""The dask backend: derivative programs as lazy dask graphs.

Kernels build dask.array graphs instead of computing (``kernels.py``), so the traced
forward pass and the reverse sweep together make one lazy graph per result; the user's
scheduler (a ``dask.distributed.Client``, or dask's local ones) runs it when the results
are computed. Nothing here schedules work.

It is a device backend in xformad's sense: arrays live off the host (in the graph, then on
the workers), so xformad seeds cotangents with dask arrays and keeps host constants in
their place. ``to_host`` is the one departure: it leaves a result lazy (a dask array, for
numpy inputs too), because computing each result on its own would run the shared forward
work once per result; ``xformad_dask.compute`` computes them all at once.
"""

from __future__ import annotations

import numpy as np

from xformad.backends.base import DeviceBackend

INSTALL_HINT = "Install it with `pip install xformad-dask` (which brings dask[array,distributed])."


def _registered_primitives():
    from xformad import plugins

    return plugins.registry().primitives


class DaskBackend(DeviceBackend):
    name = "dask"
    priority = -10  # never chosen by backend="auto": dask is asked for, or its arrays passed

    def __init__(self):
        super().__init__()
        self._da = None
        self._availability: tuple[bool, str] | None = None
        self._kernels_ready = False

    def _module(self):
        if self._da is None:
            import dask.array

            self._da = dask.array
        return self._da

    def availability(self) -> tuple[bool, str]:
        if self._availability is None:
            try:
                self._module()
                import dask.distributed  # noqa: F401  (the plugin promises both)
            except ImportError as exc:
                self._availability = (False, f"dask is not installed ({exc}). {INSTALL_HINT}")
            else:
                self._install_kernels()
                self._availability = (True, "")
        return self._availability

    def _install_kernels(self) -> None:
        if not self._kernels_ready:
            from .adjoints import vjp_overrides
            from .kernels import DASK_KERNELS, DaskKernels

            self.kernels = DaskKernels(_registered_primitives, {**DASK_KERNELS, **self.kernels})
            self.vjp_overrides = {**vjp_overrides(_registered_primitives()), **self.vjp_overrides}
            self._kernels_ready = True

    @property
    def xp(self):
        from .namespace import DASK_XP

        return DASK_XP

    def owns(self, value) -> bool:
        # without importing dask: an array of a library never imported cannot exist
        if self._da is None and not (type(value).__module__ or "").startswith("dask"):
            return False
        return isinstance(value, self._module().Array)

    def host_to_device(self, value):
        from .counted import counted

        value = np.asarray(value)
        return counted(self._module().from_array(value, chunks="auto"))

    def device_to_host(self, value):
        return value  # lazy: computed by the caller, all results in one dask.compute

    def adopt(self, value):
        """Host constants stay numpy beside dask arrays (dask takes them as operands),
        except broadcast views (stride 0), which become lazy chunked broadcasts: shipped
        as they are, they would be copied out at full size into the graph."""
        if isinstance(value, np.ndarray) and value.ndim and 0 in value.strides and value.size > 1:
            self.transfers.adopted += 1
            from .counted import counted

            return counted(lazy_broadcast(self._module(), value))
        return value


def lazy_broadcast(da, view: np.ndarray):
    """A numpy broadcast view as a dask broadcast of its one stored copy, with dask's
    automatic chunk sizes along the broadcast axes (not one chunk of the full size)."""
    kept = tuple(1 if s == 0 else n for s, n in zip(view.strides, view.shape))
    core = view[tuple(slice(0, 1) if s == 0 else slice(None) for s in view.strides)].reshape(kept)
    auto = da.core.normalize_chunks("auto", view.shape, dtype=view.dtype)
    chunks = tuple(c if k == 1 else (k,) for c, k in zip(auto, kept))
    return da.broadcast_to(core, view.shape, chunks=chunks)
