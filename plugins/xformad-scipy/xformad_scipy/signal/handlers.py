"""What a traced call of a scipy.signal convolution does: check its options, then bind.

Each handler has the signature of the scipy function it stands in for (so a misspelt
keyword is scipy's own TypeError) and returns ``NotImplemented``, which calls scipy
itself, when no input is traced. Options scipy rejects are left to scipy: its kernel runs
when the primitive is bound and raises scipy's own error; options whose derivative this
plugin does not serve raise ``SignalError`` saying what to do instead.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import is_traced

from ..errors import SignalError
from .kernels import call_scipy
from .primitives import convolve2d_p, convolve_p, correlate2d_p, correlate_p, fftconvolve_p

MODES = ("full", "same", "valid")


def convolve(in1, in2, mode="full", method="auto"):
    return _bind(convolve_p, "convolve", in1, in2, mode, method=method)


def correlate(in1, in2, mode="full", method="auto"):
    return _bind(correlate_p, "correlate", in1, in2, mode, method=method)


def fftconvolve(in1, in2, mode="full", axes=None):
    if axes is not None:  # scipy takes an int or a sequence; scipy checks their range
        axes = tuple(int(axis) for axis in np.atleast_1d(axes))
    return _bind(fftconvolve_p, "fftconvolve", in1, in2, mode, axes=axes)


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    fillvalue = _constant_fill("convolve2d", fillvalue, in1, in2)
    return _bind(convolve2d_p, "convolve2d", in1, in2, mode, boundary=boundary, fillvalue=fillvalue)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    fillvalue = _constant_fill("correlate2d", fillvalue, in1, in2)
    return _bind(correlate2d_p, "correlate2d", in1, in2, mode, boundary=boundary, fillvalue=fillvalue)


HANDLERS = {
    "convolve": convolve,
    "correlate": correlate,
    "fftconvolve": fftconvolve,
    "convolve2d": convolve2d,
    "correlate2d": correlate2d,
}


def _bind(primitive, name: str, in1, in2, mode, **options):
    in1, in2 = np.asarray(in1), np.asarray(in2)  # lists, also lists holding traced values
    if not (is_traced(in1) or is_traced(in2)):
        return NotImplemented
    if mode not in MODES:  # np.convolve's abbreviations reach some of scipy's paths only
        raise SignalError(
            f"scipy.signal.{name}: mode={mode!r} is not served for traced inputs; "
            "use 'full', 'same' or 'valid'"
        )
    if np.size(in1) == 0 or np.size(in2) == 0:
        # an empty result does not depend on the inputs: scipy's answer (or error) for them
        stand_ins = (np.zeros(np.shape(x), dtype=x.dtype) for x in (in1, in2))
        return call_scipy(name, *stand_ins, mode=mode, **options)
    return primitive.bind(in1, in2, mode=mode, **options)


def _constant_fill(name: str, fillvalue, in1, in2):
    """The fill value as a plain Python number (a primitive's parameter)."""
    if is_traced(fillvalue):
        raise SignalError(
            f"scipy.signal.{name}: a traced fillvalue is not served (its derivative is not "
            "computed); pad in1 yourself with np.pad(in1, ..., constant_values=fillvalue) "
            "and call it with mode='valid', which differentiates in the fill value too"
        )
    fill = np.asarray(fillvalue)
    if fill.size != 1:
        raise ValueError("`fillvalue` must be scalar or an array with one element.")
    return fill.reshape(()).item()
