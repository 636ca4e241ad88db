"""numpy.fft on traced arrays: every transform lowers to the ``fft`` primitive.

``n``/``s`` crop or zero-pad first (slices and concatenation, which differentiate), then
one primitive call transforms all axes; hfft/ihfft are irfft/rfft with the conjugate and
the swapped norm, as numpy defines them; the shifts are rolls. fftfreq and rfftfreq need
nothing here: they build constants (and a traced ``d`` flows through their arithmetic).
"""

from __future__ import annotations

import numpy as np

from ..primitives.fft import fft_p, resize_axis
from .dispatch import implements
from .util import as_operand, ndim_of, shape_of

_NORMS = {None: "backward", "backward": "backward", "ortho": "ortho", "forward": "forward"}
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _norm(norm) -> str:
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or "forward".')
    return _NORMS[norm]


def _axes_and_sizes(a, s, axes, inverse_real: bool):
    """numpy's rules for (s, axes): the transformed axes and the output size along each."""
    shape = shape_of(a)
    nd = len(shape)
    if axes is None:
        axes = list(range(nd)) if s is None else list(range(-len(s), 0))
    axes = [int(ax) % nd if nd else int(ax) for ax in axes]
    if s is None:
        sizes = [shape[ax] for ax in axes]
        if inverse_real and axes:
            sizes[-1] = 2 * (shape[axes[-1]] - 1)
    else:
        sizes = [shape[ax] if size is None or size == -1 else int(size) for size, ax in zip(s, axes)]
    if len(sizes) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    for size in sizes:
        if size < 1:
            raise ValueError(f"Invalid number of FFT data points ({size}) specified.")
    return tuple(axes), sizes


def _transform(kind: str, a, s, axes, norm, out=None):
    # out= never reaches here: numpy_api.dispatch writes the result into its target
    a = as_operand(a)
    axes, sizes = _axes_and_sizes(a, s, axes, inverse_real=kind == "irfft")
    if not axes:
        return a
    n = None
    if kind == "irfft":
        if not np.iscomplexobj(a):
            a = a.astype(np.result_type(a.dtype, np.complex64))
        n = sizes[-1]
        sizes = sizes[:-1] + [n // 2 + 1]
    for ax, size in zip(axes, sizes):
        a = resize_axis(a, ax, size)
    return fft_p.bind(a, kind=kind, axes=axes, norm=_norm(norm), n=n)


def _one_axis(n, axis):
    return None if n is None else (n,), (axis,)


@implements(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    return _transform("fft", a, *_one_axis(n, axis), norm, out)


@implements(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    return _transform("ifft", a, *_one_axis(n, axis), norm, out)


@implements(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    return _transform("rfft", a, *_one_axis(n, axis), norm, out)


@implements(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    return _transform("irfft", a, *_one_axis(n, axis), norm, out)


@implements(np.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    return _transform("fft", a, s, axes, norm, out)


@implements(np.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    return _transform("ifft", a, s, axes, norm, out)


@implements(np.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    return _transform("rfft", a, s, axes, norm, out)


@implements(np.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    return _transform("irfft", a, s, axes, norm, out)


@implements(np.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform("fft", a, s, axes, norm, out)


@implements(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform("ifft", a, s, axes, norm, out)


@implements(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform("rfft", a, s, axes, norm, out)


@implements(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform("irfft", a, s, axes, norm, out)


@implements(np.fft.hfft)
def hfft(a, n=None, axis=-1, norm=None, out=None):
    a = as_operand(a)
    if n is None:
        n = 2 * (shape_of(a)[axis] - 1)
    return irfft(np.conjugate(a), n, axis, norm=_SWAPPED[_norm(norm)])


@implements(np.fft.ihfft)
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    return np.conjugate(rfft(a, n, axis, norm=_SWAPPED[_norm(norm)]))


def _roll(x, shift: int, axis: int):
    size = shape_of(x)[axis]
    shift %= size if size else 1
    if shift == 0:
        return x
    head = [slice(None)] * ndim_of(x)
    tail = list(head)
    head[axis] = slice(size - shift, None)
    tail[axis] = slice(0, size - shift)
    return np.concatenate([x[tuple(head)], x[tuple(tail)]], axis=axis)


def _shift(x, axes, sign: int):
    x = as_operand(x)
    nd = ndim_of(x)
    if axes is None:
        axes = range(nd)
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    for ax in axes:
        ax = int(ax) % nd
        x = _roll(x, sign * (shape_of(x)[ax] // 2), ax)
    return x


@implements(np.fft.fftshift)
def fftshift(x, axes=None):
    return _shift(x, axes, 1)


@implements(np.fft.ifftshift)
def ifftshift(x, axes=None):
    return _shift(x, axes, -1)
