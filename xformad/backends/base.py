"""What a backend supplies: an array module, device transfers, the array types it owns."""

from __future__ import annotations

from typing import Any

import numpy as np


class KernelTable(dict):
    """A name -> kernel mapping that counts its changes, so the kernels primitives have
    looked up (and cached) are looked up again after any override is added or removed."""

    version = 0  # one counter for all tables: any change anywhere invalidates every cache

    def _changed(self) -> None:
        KernelTable.version += 1

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args, **kwargs) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def pop(self, *args):
        self._changed()
        return super().pop(*args)

    def clear(self) -> None:
        super().clear()
        self._changed()


class Backend:
    """A place to run primitives. Subclass it (or duck-type it) in a plugin.

    ``xp`` is the array module kernels are written against (numpy, cupy, ...).
    ``kernels`` maps a primitive name to a kernel ``fn(xp, *args, **params)`` that
    replaces the primitive's generic one on this backend; ``vjp_overrides`` likewise maps
    a primitive name to a tuple of per-input VJP rules.
    """

    name: str = "abstract"
    priority: int = 0  # "auto" picks the usable backend with the highest priority
    device: bool = False  # True: arrays live off the host, so host arrays must be moved over

    # how far (relative) results of this backend's emitted programs may lie from the
    # reference numpy kernels': 0.0 is bit for bit; a compiling backend whose loops sum in
    # another order or call another math library declares its bound here, and jit checks
    # each new program against the traced results within it
    result_tolerance: float = 0.0
    # what emitting a program costs here beyond writing its source (a compiling backend's
    # compile, seconds): jit's tiering starts from it, so that a signature graduates to
    # emitted code only where that still keeps its calls within 10% over eager ones
    emission_seconds: float = 0.0

    def __init__(self):
        self.kernels: dict = KernelTable()
        self.vjp_overrides: dict = {}

    def emission_graph(self, graph):
        """The graph codegen writes for this backend: ``graph`` itself, or a copy in which
        groups of nodes are replaced by nodes of the backend's own primitives computing
        the same outputs (one compiled loop for a chain of elementwise nodes). Called once
        per emission, after simplification; guards, inputs and outputs must be kept."""
        return graph

    @property
    def xp(self):
        raise NotImplementedError

    def availability(self) -> tuple[bool, str]:
        """(usable, reason): the reason says why not and how to fix it."""
        return True, ""

    def is_available(self) -> bool:
        return self.availability()[0]

    def owns(self, value: Any) -> bool:
        """True when ``value`` is an array of this backend's type."""
        return False

    def to_device(self, value: Any) -> Any:
        """Move a host (numpy) array or scalar onto this backend's device."""
        return value

    def to_host(self, value: Any) -> Any:
        """Move one of this backend's arrays back to a numpy array."""
        return value

    def adopt(self, value: Any) -> Any:
        """``value`` made fit to be a kernel argument on this backend (host: unchanged)."""
        return value

    def __repr__(self) -> str:
        return f"<xformad backend {self.name!r}>"


class Transfers:
    """Counts of host<->device copies made by a DeviceBackend (tests and benchmarks read it).

    ``to_device``/``to_host``: explicit placement of inputs, constants and results;
    ``adopted``: host arrays met as kernel arguments or graph constants during a call
    (e.g. an ``np.zeros`` made inside a lowering or a rule) and moved over one by one.
    """

    __slots__ = ("to_device", "to_host", "adopted")

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.to_device = 0
        self.to_host = 0
        self.adopted = 0

    def total(self) -> int:
        return self.to_device + self.to_host

    def __repr__(self) -> str:
        return f"Transfers(to_device={self.to_device}, to_host={self.to_host}, adopted={self.adopted})"


class DeviceBackend(Backend):
    """A backend whose arrays live on a device (cupy, or a test double of one).

    Subclasses implement ``host_to_device``/``device_to_host``; this class counts every copy
    in ``transfers`` and moves host arrays that reach a kernel (numpy constants made by
    lowerings and rules) onto the device, because device libraries refuse to mix the two.
    """

    device = True

    def __init__(self):
        super().__init__()
        self.transfers = Transfers()

    def host_to_device(self, value: Any) -> Any:
        raise NotImplementedError

    def device_to_host(self, value: Any) -> Any:
        raise NotImplementedError

    def to_device(self, value: Any) -> Any:
        self.transfers.to_device += 1
        return self.host_to_device(value)

    def to_host(self, value: Any) -> Any:
        self.transfers.to_host += 1
        return self.device_to_host(value)

    def adopt(self, value: Any) -> Any:
        """``value`` as a kernel argument here: a host ndarray is copied over (and counted);
        device arrays, tracers, Python and numpy scalars pass unchanged."""
        if isinstance(value, np.ndarray) and not self.owns(value):
            self.transfers.adopted += 1
            return self.host_to_device(value)
        return value

    def kernel_placement(self, args: tuple) -> tuple:
        """(backend, args) for one kernel call: where any argument is on this device, host
        ndarrays join it (counted in ``adopted``); where the arrays are all host ones (a
        lowering's bookkeeping on numpy data, e.g. np.interp's knots), the kernel runs on
        the host, so the lowering's own numpy arithmetic on the result stays host-only."""
        on_host = on_device = False
        for a in args:
            if self.owns(a):
                on_device = True
            elif isinstance(a, np.ndarray):
                on_host = True
        if not on_host:
            return self, args
        if not on_device:
            from . import get_backend

            return get_backend("numpy"), args
        return self, tuple(self.adopt(a) for a in args)
