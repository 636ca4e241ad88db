"""The cupy backend (GPU). Offered always; usable only where cupy and a CUDA device are."""

from __future__ import annotations

from ..hookspecs import hookimpl
from .base import Backend


class CupyBackend(Backend):
    name = "cupy"
    priority = 10

    def __init__(self):
        super().__init__()
        self._cupy = None

    def _module(self):
        if self._cupy is None:
            import cupy

            self._cupy = cupy
        return self._cupy

    @property
    def xp(self):
        return self._module()

    def availability(self) -> tuple[bool, str]:
        try:
            cupy = self._module()
        except ImportError:
            return False, (
                "cupy is not installed. Install it with `pip install xformad[cuda12]` "
                "(or `[cuda13]`) on a machine with an NVIDIA GPU, or use backend='numpy'."
            )
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # no driver, no device
            return False, f"cupy is installed but no CUDA device is usable ({exc}); use backend='numpy'."
        if count < 1:
            return False, "cupy is installed but no CUDA device is present; use backend='numpy'."
        return True, ""

    def owns(self, value) -> bool:
        if self._cupy is None:
            module = type(value).__module__ or ""
            if not module.startswith("cupy"):
                return False
        return isinstance(value, self._module().ndarray)

    def to_device(self, value):
        return self._module().asarray(value)

    def to_host(self, value):
        return self._module().asnumpy(value)


@hookimpl
def xformad_backends():
    return [CupyBackend()]
