"""The values: scipy's own functions, called on the concrete arrays a primitive receives.

Each kernel calls the function the user called, with the same options, so a traced call
returns scipy's number to the last bit.

A plugin's kernel runs outside the interception of the trace it is part of (xformad
shields it: ``np.zeros`` inside scipy is numpy's own), so scipy is simply called.
"""

from __future__ import annotations

from xformad.extend import original


def call_scipy(name: str, *args, **kwargs):
    """``scipy.signal.<name>(*args, **kwargs)``: scipy's own function, on plain numpy."""
    import scipy.signal  # imported on first use, not when xformad loads the plugin

    return original(getattr(scipy.signal, name))(*args, **kwargs)  # scipy's, not the stand-in


def convolve(xp, in1, in2, *, mode, method):
    return call_scipy("convolve", in1, in2, mode=mode, method=method)


def correlate(xp, in1, in2, *, mode, method):
    return call_scipy("correlate", in1, in2, mode=mode, method=method)


def fftconvolve(xp, in1, in2, *, mode, axes):
    return call_scipy("fftconvolve", in1, in2, mode=mode, axes=None if axes is None else list(axes))


def convolve2d(xp, in1, in2, *, mode, boundary, fillvalue):
    return call_scipy("convolve2d", in1, in2, mode=mode, boundary=boundary, fillvalue=fillvalue)


def correlate2d(xp, in1, in2, *, mode, boundary, fillvalue):
    return call_scipy("correlate2d", in1, in2, mode=mode, boundary=boundary, fillvalue=fillvalue)
