"""Where scipy's output lies inside the full convolution, and the transpose of that crop.

In exact arithmetic every function served here is a window of one *full* convolution
(checked against scipy's own outputs in tests/test_signal_geometry.py):

- along each convolved axis the full result has ``n + m - 1`` entries (``n``, ``m`` the
  two inputs' lengths); along an axis that fftconvolve's ``axes=`` leaves out, the inputs
  broadcast, so it has ``max(n, m)``;
- every mode keeps the centred window of the output's size (scipy's ``_centered``: start
  ``(full - out) // 2``), which is 0 for 'full', ``m - 1`` for 'valid' with ``n >= m`` and
  ``(m - 1) // 2`` for 'same';
- except correlate2d's 'same', which starts at ``m // 2``: one later than correlate's for
  even ``m`` (scipy's documentation notes the offset).

The window's size is the output's own shape, so the rules read it from the answer.
"""

from __future__ import annotations

import numpy as np


def full_shape(shape1: tuple, shape2: tuple, axes: tuple) -> tuple:
    """The shape of the full convolution of arrays of these shapes along ``axes``."""
    return tuple(n + m - 1 if axis in axes else max(n, m) for axis, (n, m) in enumerate(zip(shape1, shape2)))


def window_start(full: tuple, out: tuple, shape2: tuple, late_centre: bool = False) -> tuple:
    """Where the output of shape ``out`` starts inside the full result."""
    if late_centre:  # correlate2d's 'same'
        return tuple(m // 2 for m in shape2)
    return tuple((f - o) // 2 for f, o in zip(full, out))


def embed(window, full: tuple, start: tuple):
    """The transpose of cropping ``full`` to ``window``'s place: zeros around it."""
    widths = [(s, f - s - w) for s, f, w in zip(start, full, np.shape(window))]
    if not any(before or after for before, after in widths):
        return window
    return np.pad(window, widths)
