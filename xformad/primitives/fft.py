"""The discrete Fourier transform as one primitive, ``fft``, of four kinds.

``kind`` is "fft" or "ifft" (complex to complex), "rfft" (real to half spectrum) or
"irfft" (half spectrum to real, of length ``n`` along the last axis); ``axes`` is a tuple
of non-negative axes, the real transform on the last of them; ``norm`` is "backward",
"ortho" or "forward". Cropping and zero-padding (numpy's ``n``/``s``) are done by the
numpy layer with slices and concatenation, so the primitive never resizes.

The transforms are linear, so each JVP is the transform itself. Each VJP is the transpose,
without conjugation (the JAX and autograd convention): the DFT matrix is symmetric, so
fft and ifft are their own transposes; rfft's is the fft of the zero-padded cotangent
(the real part is taken when it meets the real input); irfft's is the ifft of the
cotangent, cropped to the half spectrum and weighted by 2 on the bins that stand for two
conjugate frequencies (docs/linalg_fft.md).
"""

from __future__ import annotations

import numpy as np

from .batch_rules import shifted_axes
from .core import Primitive
from .rules import device_constant


def _fft_kernel(xp, x, kind, axes, norm, n):
    if kind == "fft":
        return xp.fft.fftn(x, axes=axes, norm=norm)
    if kind == "ifft":
        return xp.fft.ifftn(x, axes=axes, norm=norm)
    if kind == "rfft":
        return xp.fft.rfftn(x, axes=axes, norm=norm)
    sizes = [x.shape[a] for a in axes[:-1]] + [n]
    return xp.fft.irfftn(x, s=sizes, axes=axes, norm=norm)


fft_p = Primitive("fft", _fft_kernel)
fft_p.def_batch(shifted_axes("axes"))  # vmap: the batch axis first, the transformed axes behind


def resize_axis(x, axis: int, size: int):
    """``x`` cropped or zero-padded at the end of ``axis`` to ``size``, as numpy's n/s do."""
    have = x.shape[axis]
    if have == size:
        return x
    index = [slice(None)] * x.ndim
    if have > size:
        index[axis] = slice(0, size)
        return x[tuple(index)]
    pad_shape = list(x.shape)
    pad_shape[axis] = size - have
    return np.concatenate([x, device_constant(np.zeros(pad_shape, dtype=x.dtype), x)], axis=axis)


def hermitian_weights(n: int, m: int, dtype):
    """Weights of the m = n//2 + 1 bins of a length-n real signal's half spectrum: 1 for
    the zero frequency (and Nyquist, n even), 2 for bins standing for a conjugate pair."""
    w = np.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w.astype(np.finfo(dtype).dtype)  # the real dtype of a complex one


def _fft_jvp(t, ans, x, kind, axes, norm, n):
    return fft_p.bind(t, kind=kind, axes=axes, norm=norm, n=n)


def _fft_vjp(ct, ans, x, kind, axes, norm, n):
    if kind in ("fft", "ifft"):
        return fft_p.bind(ct, kind=kind, axes=axes, norm=norm, n=None)
    last = axes[-1]
    if kind == "rfft":
        full = resize_axis(ct, last, x.shape[last])
        return fft_p.bind(full, kind="fft", axes=axes, norm=norm, n=None)
    m = x.shape[last]
    spectrum = resize_axis(fft_p.bind(ct, kind="ifft", axes=axes, norm=norm, n=None), last, m)
    shape = [1] * spectrum.ndim
    shape[last] = m
    weights = np.reshape(hermitian_weights(n, m, spectrum.dtype), shape)
    return spectrum * device_constant(weights, spectrum)


fft_p.def_jvp(_fft_jvp)
fft_p.def_vjp(_fft_vjp)
