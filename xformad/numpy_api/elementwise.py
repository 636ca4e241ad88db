"""numpy ufuncs served by elementwise primitives, and those lowered onto them."""

from __future__ import annotations

import numpy as np

from ..errors import TracerConversionError
from ..primitives import elementwise as ew
from ..primitives.contraction import matmul_p
from ..tracing import FAST_UFUNCS
from ..views import as_view, mark_read_only, same_view
from .dispatch import implements
from .util import as_operand, dtype_of, is_tracer

_DIRECT = {
    np.add: ew.add_p,
    np.subtract: ew.sub_p,
    np.multiply: ew.mul_p,
    np.divide: ew.div_p,
    np.power: ew.pow_p,
    np.maximum: ew.maximum_p,
    np.minimum: ew.minimum_p,
    np.arctan2: ew.arctan2_p,
    np.hypot: ew.hypot_p,
    np.logaddexp: ew.logaddexp_p,
    np.logaddexp2: ew.logaddexp2_p,
    np.remainder: ew.remainder_p,
    np.fmod: ew.fmod_p,
    np.copysign: ew.copysign_p,
    np.heaviside: ew.heaviside_p,
    np.sign: ew.sign_p,
    np.nextafter: ew.nextafter_p,
    np.negative: ew.negative_p,
    np.exp: ew.exp_p,
    np.exp2: ew.exp2_p,
    np.expm1: ew.expm1_p,
    np.log: ew.log_p,
    np.log2: ew.log2_p,
    np.log10: ew.log10_p,
    np.log1p: ew.log1p_p,
    np.sqrt: ew.sqrt_p,
    np.cbrt: ew.cbrt_p,
    np.square: ew.square_p,
    np.reciprocal: ew.reciprocal_p,
    np.sin: ew.sin_p,
    np.cos: ew.cos_p,
    np.tan: ew.tan_p,
    np.sinh: ew.sinh_p,
    np.cosh: ew.cosh_p,
    np.tanh: ew.tanh_p,
    np.arcsin: ew.arcsin_p,
    np.arccos: ew.arccos_p,
    np.arctan: ew.arctan_p,
    np.arcsinh: ew.arcsinh_p,
    np.arccosh: ew.arccosh_p,
    np.arctanh: ew.arctanh_p,
    np.absolute: ew.abs_p,
    np.conjugate: ew.conj_p,
    np.matmul: matmul_p,
}
_DIRECT.update({getattr(np, name): p for name, p in ew.NONDIFF.items()})


def _bind_to(prim):
    def handler(*args):
        return prim.bind(*(as_operand(a) for a in args))

    handler.__name__ = prim.name
    return handler


for _ufunc, _prim in _DIRECT.items():
    implements(_ufunc)(_bind_to(_prim))
FAST_UFUNCS.update(_DIRECT)


@implements(np.positive)
def positive(x):
    return ew.copy_p.bind(x)


@implements(np.fabs)
def fabs(x):
    return np.abs(x)


def _scaled_as_numpy(ufunc, x):
    """``ufunc(x)`` for np.radians / np.degrees as numpy's loops compute it: ``x`` times
    the constant in the loop's own precision (``180.0f / NPY_PIf`` in float32, which is
    not float32(180 / pi)), float16 through the float32 loop."""
    x = as_operand(x)
    out = np.dtype(ufunc(np.zeros((), dtype=dtype_of(x))).dtype)  # numpy's loop (and errors)
    work = np.dtype(np.float32) if out == np.float16 else out
    constant = ufunc(work.type(1))  # 1 * c is c exactly
    y = astype(x, work) * constant
    return astype(y, out)


@implements(np.deg2rad, np.radians)
def deg2rad(x):
    return _scaled_as_numpy(np.radians, x)


@implements(np.rad2deg, np.degrees)
def rad2deg(x):
    return _scaled_as_numpy(np.degrees, x)


@implements(np.float_power)
def float_power(x, y):
    promoted = np.result_type(dtype_of(x), dtype_of(y), np.float64)
    return np.power(astype(x, promoted), astype(y, promoted))


@implements(np.real)
def real(x):
    """A view: ``z.real[0] = 1`` writes into ``z`` (for a real array, ``x.real`` is ``x``)."""
    if not is_tracer(x):
        return np.real(x)
    if not np.iscomplexobj(x):
        return same_view(x)
    return as_view(x, ew.real_p.bind(x), ew.real_p.bind, with_real)


@implements(np.imag)
def imag(x):
    """A view for a complex array; for a real one numpy's read-only zeros."""
    if not is_tracer(x):
        return np.imag(x)
    if np.iscomplexobj(x):
        return as_view(x, ew.imag_p.bind(x), ew.imag_p.bind, with_imag)
    return mark_read_only(np.zeros_like(x).snapshot())


def with_real(z, re):
    """``z`` with its real part replaced by ``re`` (of ``z``'s shape)."""
    if not np.iscomplexobj(z):
        return astype(re, z.dtype)
    return astype(astype(re, z.dtype) + 1j * ew.imag_p.bind(z), z.dtype)


def with_imag(z, im):
    """``z`` with its imaginary part replaced by ``im`` (of ``z``'s shape)."""
    return astype(ew.real_p.bind(z) + 1j * im, z.dtype)


@implements(np.iscomplexobj)
def iscomplexobj(x):
    return np.issubdtype(dtype_of(x), np.complexfloating)


@implements(np.isrealobj)
def isrealobj(x):
    return not iscomplexobj(x)


@implements(np.round, np.around)
def round_(x, decimals=0, out=None):
    return ew.round_p.bind(x, decimals=decimals)


@implements(np.where)
def where(condition, x=None, y=None):
    if x is None and y is None:
        return np.nonzero(condition)
    return ew.where_p.bind(as_operand(condition), as_operand(x), as_operand(y))


@implements(np.clip)
def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = np.maximum(a, lo)
    if hi is not None:
        a = np.minimum(a, hi)
    return a


def astype(x, dtype):
    dtype = np.dtype(dtype)
    if not is_tracer(x):
        return np.asarray(x).astype(dtype)
    if x.dtype == dtype:
        return x
    if dtype.kind not in "biufc":  # object, text, dates: no number left to differentiate
        raise TracerConversionError(
            f"a traced value was converted to dtype {dtype.name}: xformad traces arrays of "
            "numbers, and an array of that dtype would drop the derivative. Keep the values "
            "in a numeric array (np.array([a, b]) or np.stack([a, b]), without dtype=object) "
            "and convert after the differentiated function returns."
        )
    return ew.convert_p.bind(x, dtype=dtype)


@implements(np.copy)
def copy(a, order="K", subok=False):
    return ew.copy_p.bind(a) if order == "K" else ew.copy_p.bind(a, order=order)


def stop_gradient(x):
    """``x`` with its derivative cut: the value flows on, the derivative is zero."""
    from ..tree import tree_map

    return tree_map(lambda v: ew.stop_gradient_p.bind(v) if is_tracer(v) else v, x)


@implements(np.astype)
def astype_function(x, dtype, /, *, copy=True, device=None):
    """numpy 2's ``np.astype(x, dtype)``: the method's conversion, a copy unless copy=False."""
    if not is_tracer(x):
        raise TypeError(f"Input should be a NumPy array or scalar. It is a {type(x)} instead.")
    return x.astype(dtype, copy=copy)
