"""The errors and warnings the dask backend raises, each an xformad one."""

from __future__ import annotations

from xformad.extend import XformadError


class NoDaskKernel(XformadError, NotImplementedError):
    """A primitive has no dask kernel: dask.array lacks the function its kernel calls, or
    refuses these arguments. Raised instead of computing the array on the client."""

    def __init__(self, primitive: str, why: str):
        self.primitive = primitive
        super().__init__(
            f"primitive {primitive!r} has no dask kernel ({why}). Run this function on "
            "backend='numpy' (x.compute() first), write it with functions dask.array offers, "
            f"or give the dask backend a kernel: xformad_dask.backend().kernels[{primitive!r}] = "
            "fn(xp, *args, **params), written with dask.array."
        )


class ComputeWarning(RuntimeWarning):
    """Python control flow on a traced dask value (``if x.sum() > 0``) computed it."""
