"""The cupy backend (GPU). Offered always; usable only where cupy and a CUDA device are.

Kernels are shared with numpy through ``xp`` (cupy mirrors numpy's API); ``kernels`` holds
the few places where cupy's signature differs, and ``vjp_overrides`` the adjoint rules that
run as one fused cupy kernel (``fused.py``) instead of two or three unfused ones.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from .base import DeviceBackend, KernelTable
from .fused import fused_vjp_overrides

INSTALL_HINT = (
    "Install it with `pip install xformad[cuda12]` (CUDA 12) or `pip install xformad[cuda13]` "
    "(CUDA 13) on a machine with an NVIDIA GPU, or use backend='numpy' (backend='auto' picks "
    "cupy only where it is usable)."
)


def _argsort_kernel(xp, x, axis, stable):
    return xp.argsort(x, axis=axis)  # cupy's sort is always stable and takes no `stable=`


def _pinv_kernel(xp, a, rcond, hermitian):
    # cupy's pinv has no `hermitian=`; the SVD it uses gives the same pseudo-inverse
    return xp.linalg.pinv(a, rcond=rcond)


# where cupy's signature differs from numpy's: primitive name -> kernel(xp, *args, **params)
CUPY_KERNELS = {"argsort": _argsort_kernel, "pinv": _pinv_kernel}


class CupyBackend(DeviceBackend):
    name = "cupy"
    priority = 10

    def __init__(self):
        super().__init__()
        self._cupy = None
        self._availability: tuple[bool, str] | None = None
        self.kernels = KernelTable(CUPY_KERNELS)

    def _module(self):
        if self._cupy is None:
            import cupy

            self._cupy = cupy
        return self._cupy

    @property
    def xp(self):
        return self._module()

    def availability(self) -> tuple[bool, str]:
        # asked on every call with backend="cupy"/"auto": probe the driver once
        if self._availability is None:
            self._availability = self._probe()
        return self._availability

    def _probe(self) -> tuple[bool, str]:
        try:
            cupy = self._module()
        except ImportError as exc:
            return False, f"cupy is not installed ({exc}). {INSTALL_HINT}"
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # no driver, no device, driver too old for this cupy
            return False, (
                f"cupy is installed but no CUDA device is usable ({type(exc).__name__}: {exc}). "
                "Check `nvidia-smi` and that the cupy wheel matches the driver's CUDA "
                f"version. {INSTALL_HINT}"
            )
        if count < 1:
            return False, f"cupy is installed but no CUDA device is present. {INSTALL_HINT}"
        self.vjp_overrides = fused_vjp_overrides(cupy)  # kernels compile on first use
        return True, ""

    def owns(self, value) -> bool:
        # without importing cupy: an array of a library never imported cannot exist
        if self._cupy is None and not (type(value).__module__ or "").startswith("cupy"):
            return False
        return isinstance(value, self._module().ndarray)

    def host_to_device(self, value):
        return self._module().asarray(value)  # keeps the dtype: float32 stays float32

    def device_to_host(self, value):
        return self._module().asnumpy(value)


@hookimpl
def xformad_backends():
    return [CupyBackend()]
