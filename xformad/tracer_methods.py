"""The ndarray methods and properties of Tracer, each a call of the numpy function.

Methods go through numpy's own dispatch (``np.sum(t)`` reaches ``__array_function__``),
so a method and its function can never disagree.
"""

from __future__ import annotations

import builtins

import numpy as np

from .errors import UnsupportedOperation
from .numpy_api.elementwise import astype, with_imag, with_real
from .numpy_api.shape import flat_copy
from .tracing import Tracer, concrete

builtins_type = builtins.type


def _method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = fn.__name__
    return method


_DIRECT = {
    "sum": np.sum,
    "mean": np.mean,
    "prod": np.prod,
    "max": np.max,
    "min": np.min,
    "std": np.std,
    "var": np.var,
    "cumsum": np.cumsum,
    "cumprod": np.cumprod,
    "dot": np.dot,
    "transpose_": np.transpose,
    "swapaxes": np.swapaxes,
    "squeeze": np.squeeze,
    "ravel": np.ravel,
    "clip": np.clip,
    "all": np.all,
    "any": np.any,
    "argmax": np.argmax,
    "argmin": np.argmin,
    "argsort": np.argsort,
    "round": np.round,
    "nonzero": np.nonzero,
    "diagonal": np.diagonal,
    "trace": np.trace,
    "repeat": np.repeat,
    "take": np.take,
    "ptp": np.ptp,
    "searchsorted": np.searchsorted,
    "choose": np.choose,
}

for _name, _fn in _DIRECT.items():
    setattr(Tracer, _name.rstrip("_"), _method(_fn))


def _reshape(self, *shape, order="C", copy=None):
    if len(shape) == 1 and not isinstance(shape[0], int) and shape[0] is not None:
        shape = shape[0]
    return np.reshape(self, shape, order=order, copy=copy)


def _conj(self):
    """ndarray.conj() of a real array is the array itself (np.conj would copy)."""
    return np.conj(self) if np.iscomplexobj(self) else self


def _transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
        axes = axes[0]
    return np.transpose(self, axes or None)


def _astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    result = astype(self, dtype)
    # numpy's astype copies by default: y = x.astype(float); y[0] = v must not change x
    return result.snapshot() if copy and result is self else result


def _flatten(self, order="C"):
    return np.ravel(self, order=order).snapshot()  # always a copy, unlike ravel


def _copy(self, order="C"):
    return np.copy(self, order=order)  # ndarray.copy is C order unless told otherwise


def _sort(self, axis=-1, kind=None, order=None):
    """ndarray.sort sorts in place."""
    self._assign(np.sort(self, axis=axis))


def _partition(self, kth, axis=-1, kind="introselect", order=None):
    """ndarray.partition partitions in place."""
    self._assign(np.partition(self, kth, axis=axis))


def _put(self, indices, values, mode="raise"):
    np.put(self, indices, values, mode=mode)  # np.put on a tracer rebinds it


def _fill(self, value):
    if not isinstance(value, Tracer):
        self._assign(np.full_like(self, value))
        return
    # the array keeps its dtype: an int array filled with 11.6 holds 11, as numpy's
    filled = np.broadcast_to(value, self.shape) + np.zeros(self.shape, np.result_type(value))
    self._assign(filled if filled.dtype == self.dtype else filled.astype(self.dtype))


Tracer.reshape = _reshape
Tracer.transpose = _transpose
Tracer.astype = _astype
Tracer.flatten = _flatten
Tracer.conj = Tracer.conjugate = _conj
Tracer.copy = _copy
Tracer.__copy__ = lambda self: np.copy(self)  # copy.copy keeps the layout, as ndarray's
Tracer.__deepcopy__ = lambda self, memo: np.copy(self)
Tracer.sort = _sort
Tracer.partition = _partition
Tracer.put = _put
Tracer.fill = _fill
Tracer.T = property(lambda self: np.transpose(self))
Tracer.mT = property(lambda self: np.swapaxes(self, -1, -2))


# -- .real / .imag: views (read and written) ------------------------------------------------
def _set_real(self, value):
    self._assign(with_real(self, _fitted(self, value, np.real)))


def _set_imag(self, value):
    if not np.iscomplexobj(self):
        raise TypeError("array does not have imaginary part to set")
    self._assign(with_imag(self, _fitted(self, value, np.imag)))


def _fitted(self, value, part):
    """``value`` broadcast to this array's shape, in the dtype of its real/imaginary part."""
    part_dtype = np.empty((), dtype=self.dtype).real.dtype
    value = np.broadcast_to(value, self.shape)
    return value if value.dtype == part_dtype else astype(value, part_dtype)


Tracer.real = property(lambda self: np.real(self), _set_real)
Tracer.imag = property(lambda self: np.imag(self), _set_imag)


# -- .flat ---------------------------------------------------------------------------------
class TracedFlat:
    """``x.flat`` of a traced array: reads are copies, writes go into ``x`` (numpy's
    flatiter, which repeats the values cyclically when fewer are given)."""

    __slots__ = ("array", "_at", "_flat")

    def __init__(self, array):
        self.array = array
        self._at = 0  # next() steps through it, as a flatiter (np.ndenumerate reads coords)
        self._flat = None

    def __len__(self) -> int:
        return self.array.size

    def __next__(self):
        if self._at >= self.array.size:
            raise StopIteration
        if self._flat is None:
            self._flat = flat_copy(self.array)
        value = self._flat[self._at]
        self._at += 1
        return value

    @property
    def index(self) -> int:
        return self._at

    @property
    def coords(self) -> tuple:
        shape = self.array.shape
        return (
            tuple(int(i) for i in np.unravel_index(self._at, shape)) if self._at < self.array.size else shape
        )

    def __iter__(self):
        flat = flat_copy(self.array)
        return (flat[i] for i in range(self.array.size))

    def __getitem__(self, index):
        return flat_copy(self.array)[index]

    def __setitem__(self, index, value):
        x = self.array
        positions = np.arange(x.size)[index]  # which flat positions numpy writes
        count = np.size(positions)
        value = np.ravel(value)
        if np.size(value) not in (1, count):
            value = value[np.arange(count) % np.size(value)] if np.size(value) else value
        flat = flat_copy(x)
        flat[positions] = np.reshape(value, np.shape(positions)) if np.size(value) == count else value
        x._assign(np.reshape(flat, x.shape).snapshot())

    def __array__(self, dtype=None, copy=None):
        return np.asarray(flat_copy(self.array), dtype=dtype)

    def __repr__(self) -> str:
        return f"TracedFlat({self.array!r})"


def _set_flat(self, value):
    TracedFlat(self)[...] = value


Tracer.flat = property(TracedFlat, _set_flat)


# -- the rest of ndarray's surface --------------------------------------------------------
def _view(self, dtype=None, type=None):
    if dtype is not None and isinstance(dtype, builtins_type) and issubclass(dtype, np.ndarray):
        dtype = None  # x.view(np.ndarray): the same values
    if dtype is not None and np.dtype(dtype) != self.dtype:
        raise UnsupportedOperation(
            f"x.view({np.dtype(dtype).name}) on a traced {self.dtype} array",
            "reinterpreting the bytes has no derivative; use x.astype(dtype) to convert values",
        )
    return self[...]  # a view of the whole array


def _set_shape(self, shape):
    if self._alias is not None:
        raise UnsupportedOperation(
            "setting .shape of a traced array that is a view or has views",
            "write x = x.reshape(shape) instead",
        )
    self._rebind(np.reshape(self, shape))


def _round(self, ndigits=None):
    if self.ndim or isinstance(concrete(self), np.ndarray):  # numpy: arrays, 0-d too
        raise TypeError("type numpy.ndarray doesn't define __round__ method")
    rounded = np.round(self, 0 if ndigits is None else ndigits)
    if ndigits is not None:
        return rounded
    # round(x) of a numpy scalar is a Python int (a dict key, a count): the value, guarded
    return int(astype(rounded, np.int64))


def _format(self, spec):
    return format(_value_for_display(self), spec)


def _str(self):
    return str(_value_for_display(self))


def _value_for_display(self):
    """What numpy would format: the value, guarded (a string the program branches on, or
    returns, changes with it), a scalar for a 0-d value."""
    value = self.observed() if self._trace.live else np.asarray(self._value)
    return value[()] if value.ndim == 0 else value


class _Flags:
    """The flags a traced array reports (read-only; a traced value owns no memory)."""

    def __init__(self, tracer):
        value = concrete(tracer)
        flags = getattr(value, "flags", None)
        self.c_contiguous = bool(getattr(flags, "c_contiguous", True))
        self.f_contiguous = bool(getattr(flags, "f_contiguous", tracer.ndim <= 1))
        self.writeable = tracer._alias is None or tracer._alias.readonly is None
        self.owndata = tracer._alias is None or tracer._alias.base is None
        self.aligned = True
        self.writebackifcopy = False

    # numpy's flag keys: x.flags["C"], x.flags["C_CONTIGUOUS"], x.flags["WRITEABLE"], ...
    _KEYS = {
        "C": "c_contiguous",
        "CONTIGUOUS": "c_contiguous",
        "F": "f_contiguous",
        "FORTRAN": "f_contiguous",
    }
    _KEYS |= {"W": "writeable", "O": "owndata", "A": "aligned", "X": "writebackifcopy"}

    def __getitem__(self, key: str):
        key = key.upper()
        name = self._KEYS.get(key, key.lower())
        if name not in self.__dict__:
            raise KeyError(key)
        return self.__dict__[name]

    def __repr__(self) -> str:
        return "\n".join(
            f"  {n.upper()} : {getattr(self, n)}"
            for n in ("c_contiguous", "f_contiguous", "owndata", "writeable", "aligned", "writebackifcopy")
        )


Tracer.compress = lambda self, condition, axis=None, out=None: np.compress(condition, self, axis, out)
Tracer.view = _view
Tracer.shape = property(lambda self: self._var.shape, _set_shape)
Tracer.__round__ = _round
Tracer.__format__ = _format
Tracer.__str__ = _str
Tracer.__contains__ = lambda self, value: bool(np.any(self == value))
Tracer.__rdivmod__ = lambda self, other: (np.floor_divide(other, self), np.remainder(other, self))
Tracer.itemsize = property(lambda self: self.dtype.itemsize)
Tracer.nbytes = property(lambda self: self.size * self.dtype.itemsize)
Tracer.strides = property(lambda self: concrete(self).strides)
Tracer.flags = property(_Flags)
Tracer.base = property(lambda self: None if self._alias is None else self._alias.base)
