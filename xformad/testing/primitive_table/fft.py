"""Spec rows for the ``fft`` primitive, one per kind (fft, ifft, rfft, irfft), over 1-D,
batched and n-D shapes, even and odd lengths, real and complex inputs."""

from __future__ import annotations

import numpy as np

from .case import Case

C128 = np.complex128

CASES: list[Case] = [
    Case("fft", np.fft.fft, [((6,),), ((2, 5),)]),
    Case("fft", np.fft.fft, [((6,),), ((2, 5),)], dtype=C128),
    Case("fft", lambda z: np.fft.fftn(z, norm="ortho"), [((3, 4),), ((2, 3, 2),)], dtype=C128),
    Case("fft", lambda z: np.fft.ifft(z, axis=0), [((4, 3),)], dtype=C128),
    Case("fft", lambda z: np.fft.ifft2(z, norm="forward"), [((3, 4),)], dtype=C128),
    Case("fft", np.fft.rfft, [((6,),), ((5,),), ((2, 6),)]),
    Case("fft", lambda x: np.fft.rfftn(x, norm="ortho"), [((4, 5),), ((2, 3, 4),)]),
    Case("fft", np.fft.irfft, [((4,),), ((2, 4),)], dtype=C128),
    Case("fft", lambda z: np.fft.irfft(z, n=7), [((4,),)], dtype=C128),
    Case("fft", lambda z: np.fft.irfftn(z, axes=(0, 1)), [((3, 4),), ((2, 3, 3),)], dtype=C128),
]
