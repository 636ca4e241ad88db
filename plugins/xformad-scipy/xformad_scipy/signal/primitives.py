"""The five primitives (scipy's kernels for the values, ``rules`` for the derivatives) and
the layout of each: which axes it convolves, how its inputs enter the full convolution,
where its window is centred, and which convolution its transposes use.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from . import kernels
from .boundaries import Padding, needs_padding
from .rules import AS_IS, CONJUGATED, REVERSED, REVERSED_CONJUGATE, attach_rules

convolve_p = Primitive("scipy.signal.convolve", kernels.convolve)
correlate_p = Primitive("scipy.signal.correlate", kernels.correlate)
fftconvolve_p = Primitive("scipy.signal.fftconvolve", kernels.fftconvolve)
convolve2d_p = Primitive("scipy.signal.convolve2d", kernels.convolve2d)
correlate2d_p = Primitive("scipy.signal.correlate2d", kernels.correlate2d)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (convolve_p, correlate_p, fftconvolve_p, convolve2d_p, correlate2d_p):
    _p.def_batch(batch_rules.looped)


class Layout:
    """scipy.signal.convolve: ``window(full(in1, in2))`` over every axis."""

    def axes(self, ndim: int, params: dict) -> tuple:
        return tuple(range(ndim))

    def maps(self, shape1: tuple, shape2: tuple, params: dict) -> tuple:
        return AS_IS, AS_IS

    def late_centre(self, params: dict) -> bool:
        return False

    def convolve(self, x, y, mode: str, params: dict):
        """The convolution the transposes are written with (a primitive, so they
        differentiate again): same method as the call."""
        return convolve_p.bind(x, y, mode=mode, method=params["method"])

    def linear_params(self, params: dict) -> dict:
        """The call's options for the tangent of in1 (without its constant part)."""
        return params

    def padding(self, in1, in2, params: dict) -> Padding | None:
        """The extension of in1 the result reads beyond zeros, if any."""
        return None


class CorrelateLayout(Layout):
    """scipy.signal.correlate: in2 enters reversed and conjugated."""

    def maps(self, shape1, shape2, params):
        return AS_IS, REVERSED_CONJUGATE


class FFTConvolveLayout(Layout):
    """scipy.signal.fftconvolve: only ``axes`` are convolved; the others broadcast."""

    def axes(self, ndim, params):
        if params["axes"] is None:
            return tuple(range(ndim))
        return tuple(sorted({axis % ndim for axis in params["axes"]}))

    def convolve(self, x, y, mode, params):
        return fftconvolve_p.bind(x, y, mode=mode, axes=params["axes"])


class Convolve2DLayout(Layout):
    """scipy.signal.convolve2d: a boundary other than zeros pads in1 first (``boundaries``)."""

    def convolve(self, x, y, mode, params):
        return convolve2d_p.bind(x, y, mode=mode, boundary="fill", fillvalue=0)

    def linear_params(self, params):
        return params if params["fillvalue"] == 0 else {**params, "fillvalue": 0}

    def padding(self, in1, in2, params):
        if not needs_padding(params["mode"], params["boundary"], params["fillvalue"]):
            return None
        dtype = np.result_type(in1.dtype, in2.dtype)
        return Padding(params["boundary"], params["fillvalue"], np.shape(in2), dtype)


class Correlate2DLayout(Convolve2DLayout):
    """scipy.signal.correlate2d: in2 reversed and conjugated; 'same' centred at m // 2.

    In 'valid' mode with in2 the larger, scipy correlates the other way round and reverses
    the result without conjugating it: the conjugate of the correlation, which is in1
    conjugated convolved with in2 reversed.
    """

    def maps(self, shape1, shape2, params):
        if params["mode"] == "valid" and not all(n >= m for n, m in zip(shape1, shape2)):
            return CONJUGATED, REVERSED
        return AS_IS, REVERSED_CONJUGATE

    def late_centre(self, params):
        return params["mode"] == "same"


for _primitive, _layout in (
    (convolve_p, Layout()),
    (correlate_p, CorrelateLayout()),
    (fftconvolve_p, FFTConvolveLayout()),
    (convolve2d_p, Convolve2DLayout()),
    (correlate2d_p, Correlate2DLayout()),
):
    attach_rules(_primitive, _layout)

PRIMITIVES = (convolve_p, correlate_p, fftconvolve_p, convolve2d_p, correlate2d_p)
