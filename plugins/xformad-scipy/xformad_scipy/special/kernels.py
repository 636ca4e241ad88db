"""Kernels per backend: ``scipy.special`` on the host, ``cupyx.scipy.special`` on the GPU.

Both libraries are imported on first use, so a machine without cupy never imports it, and
registering the plugin costs no import of either until a kernel runs.
"""

from __future__ import annotations

import importlib

from xformad.extend import original

from ..errors import SpecialFunctionError

_modules: dict = {}


def _module(name: str):
    module = _modules.get(name)
    if module is None:
        module = _modules[name] = importlib.import_module(name)
    return module


def host_kernel(name: str):
    """A kernel calling ``scipy.special.<name>`` (numpy arrays in, numpy arrays out)."""

    def kernel(xp, *args):
        # original(): during a trace an intercepted name (polygamma) is xformad's wrapper
        return original(getattr(_module("scipy.special"), name))(*args)

    kernel.__name__ = f"scipy_special_{name}"
    return kernel


def cupy_kernel(name: str):
    """A kernel calling ``cupyx.scipy.special.<name>`` on cupy arrays."""

    def kernel(xp, *args):
        fn = getattr(_module("cupyx.scipy.special"), name, None)
        if fn is None:
            version = getattr(_module("cupy"), "__version__", "?")
            raise SpecialFunctionError(
                f"cupyx.scipy.special in cupy {version} has no {name}, so scipy.special.{name} "
                "cannot run on the cupy backend: upgrade cupy, or use backend='numpy'."
            )
        return fn(*args)

    kernel.__name__ = f"cupyx_special_{name}"
    return kernel


def kernels(name: str) -> tuple:
    """(generic kernel, {backend name: kernel}) for a Primitive serving ``scipy.special.<name>``."""
    return host_kernel(name), {"cupy": cupy_kernel(name)}
