"""The array module dask kernels see: dask.array, and nothing that would compute.

A name dask.array lacks raises ``MissingFunction`` instead of falling through to numpy,
except numpy's metadata helpers (dtypes, ``finfo``, ``result_type``, constants), which
never touch array data.
"""

from __future__ import annotations

import types

import dask.array as da
import numpy as np

# numpy names that describe types and constants only: safe beside dask arrays
_METADATA = frozenset({"finfo", "iinfo", "result_type", "promote_types", "dtype", "can_cast", "issubdtype"})


class MissingFunction(AttributeError):
    """dask.array has no function of this name."""


class DaskNamespace:
    """``xp`` for kernels on the dask backend (``xp.linalg``, ``xp.fft`` likewise)."""

    def __init__(self, module=da, numpy_module=np, path: str = "dask.array"):
        self._module = module
        self._numpy = numpy_module
        self._path = path

    def __getattr__(self, name: str):
        attr = getattr(self._module, name, None)
        if isinstance(attr, types.ModuleType):
            sub = DaskNamespace(attr, getattr(self._numpy, name, None), f"{self._path}.{name}")
            setattr(self, name, sub)
            return sub
        if attr is not None:
            return attr
        host = getattr(self._numpy, name, None)
        if host is not None and (name in _METADATA or not callable(host) or isinstance(host, type)):
            return host  # np.pi, np.newaxis, np.float64
        raise MissingFunction(f"{self._path} has no {name!r}")

    def __repr__(self) -> str:
        return f"<xformad dask namespace over {self._path}>"


DASK_XP = DaskNamespace()
