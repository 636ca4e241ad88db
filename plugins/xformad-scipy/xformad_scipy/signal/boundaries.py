"""convolve2d's and correlate2d's boundaries other than zeros: the padding and its transpose.

In 'full' and 'same' mode scipy's result with ``boundary=B`` is the 'valid' convolution of
``in1`` padded by ``m - 1`` on each side (``m`` the kernel's length on that axis) the way
``np.pad`` pads with the matching mode, cropped as with zeros (tests/test_signal_geometry.py
checks this against scipy for kernels smaller and larger than the image). 'valid' mode
never reads the padding.

The padding is a gather from ``in1`` (plus a constant for a nonzero fill), so its
transpose adds each padded cell's cotangent back onto the cell it was copied from.
"""

from __future__ import annotations

import numpy as np

# scipy's boundary names (with their aliases) and np.pad's mode for each
NUMPY_PAD_MODE = {
    "fill": "constant",
    "pad": "constant",
    "wrap": "wrap",
    "circular": "wrap",
    "symm": "symmetric",
    "symmetric": "symmetric",
}


def needs_padding(mode: str, boundary: str, fillvalue) -> bool:
    """Whether the result reads padding other than zeros (else the zero-fill rules apply)."""
    if mode == "valid":
        return False
    return NUMPY_PAD_MODE[boundary] != "constant" or fillvalue != 0


class Padding:
    """``in1`` extended beyond its edges as scipy extends it for one call."""

    def __init__(self, boundary: str, fillvalue, kernel_shape: tuple, dtype):
        self.mode = NUMPY_PAD_MODE[boundary]
        self.fillvalue = fillvalue
        self.widths = [(m - 1, m - 1) for m in kernel_shape]
        self.dtype = dtype  # scipy pads in the result's type (a fill value is cast to it)

    def apply(self, x):
        x = x if x.dtype == self.dtype else x.astype(self.dtype)
        if self.mode == "constant":
            return np.pad(x, self.widths, constant_values=self.fillvalue)
        return np.pad(x, self.widths, mode=self.mode)

    def transpose(self, h, shape: tuple):
        """The cotangent of the unpadded ``x`` (of ``shape``) from that of its padding."""
        if self.mode == "constant":  # the fill is a constant: only the interior came from x
            return h[tuple(slice(before, before + n) for (before, _), n in zip(self.widths, shape))]
        # which cell of x each padded cell copies, as np.pad itself copies them
        sources = np.pad(np.arange(int(np.prod(shape))).reshape(shape), self.widths, mode=self.mode)
        summed = np.zeros_like(h, shape=(int(np.prod(shape)),))  # traced where h is
        np.add.at(summed, sources.ravel(), np.ravel(h))
        return summed.reshape(shape)
