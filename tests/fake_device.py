"""A fake device backend for testing placement without a GPU.

``DeviceArray`` wraps a host ndarray and behaves the way a cupy array does where it matters
to xformad: numpy's protocols reach it (``np.sin(d)`` runs "on the device" and returns a
DeviceArray), reductions return 0-d arrays, and mixing it with a plain numpy array raises
TypeError, as cupy does, instead of silently computing on the host. Converting it to numpy
implicitly (``np.asarray(d)``) raises too. ``FakeXP`` is its array module (the ``xp`` that
kernels see) and ``FakeDeviceBackend`` counts every host<->device copy, so a test can prove
that a loop on device arrays never touches the host.
"""

from __future__ import annotations

import types

import numpy as np

from xformad import plugins
from xformad.backends.base import DeviceBackend
from xformad.hookspecs import hookimpl

_SCALARS = (int, float, complex, bool, np.generic)


class HostDeviceMixError(TypeError):
    """What cupy raises (a TypeError) when a numpy array meets a device array."""


def _is_host_array(x) -> bool:
    return isinstance(x, np.ndarray)


def _is_host_data(x) -> bool:
    """A host array of float/complex data. Host integer arrays may still be axes, shapes or
    indices, which cupy accepts as such (np.transpose(d, np.argsort(perm)) works on cupy)."""
    return isinstance(x, np.ndarray) and x.dtype.kind in "fc"


def _any_host_data(obj) -> bool:
    if _is_host_data(obj):
        return True
    if isinstance(obj, (list, tuple)):
        return any(_any_host_data(o) for o in obj)
    return False


def _unwrap(obj):
    if type(obj) is DeviceArray:
        return obj._a
    if isinstance(obj, list):
        return [_unwrap(o) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_unwrap(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap(v) for k, v in obj.items()}
    return obj


def _wrap(obj, scalars_to_arrays: bool = True):
    """Results on the device: arrays wrapped, and (as cupy) numpy scalars as 0-d arrays."""
    if isinstance(obj, np.ndarray):
        return DeviceArray(obj)
    if scalars_to_arrays and isinstance(obj, np.generic):
        return DeviceArray(np.asarray(obj))
    if isinstance(obj, tuple):
        return tuple(_wrap(o, scalars_to_arrays) for o in obj)
    if isinstance(obj, list):
        return [_wrap(o, scalars_to_arrays) for o in obj]
    return obj


def _mix_error(where: str) -> HostDeviceMixError:
    return HostDeviceMixError(
        f"fake device: a host numpy array was passed to {where} together with device arrays "
        "(cupy raises TypeError 'Unsupported type numpy.ndarray' here). A derivative rule or "
        "lowering that builds a numpy constant (np.zeros, np.eye, a table) must place it with "
        "xformad.primitives.rules.device_constant(value, like), or use a numpy scalar"
    )


class DeviceArray(np.lib.mixins.NDArrayOperatorsMixin):
    """A host ndarray dressed as a device array (see the module docstring)."""

    __slots__ = ("_a",)
    __array_priority__ = 10  # below Tracer's, so a tracer operand takes over

    def __init__(self, host: np.ndarray):
        self._a = host

    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("fake device: implicit conversion to a NumPy array is not allowed (as in cupy)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        operands = inputs + tuple(kwargs.get("out", ()) or ())
        for x in operands:
            if not (type(x) is DeviceArray or _is_host_array(x) or isinstance(x, _SCALARS)):
                return NotImplemented  # e.g. a Tracer: let it handle the call
        if any(_is_host_array(x) for x in operands):
            raise _mix_error(f"np.{ufunc.__name__}")
        if "out" in kwargs:
            kwargs["out"] = _unwrap(kwargs["out"])
        return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        if any(t not in (DeviceArray, np.ndarray) for t in types):
            return NotImplemented
        if _any_host_data(args) or _any_host_data(tuple(kwargs.values())):
            raise _mix_error(f"np.{func.__name__}")
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index)])

    def __setitem__(self, index, value):
        self._a[_unwrap(index)] = _unwrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __complex__(self):
        return complex(self._a)

    def __repr__(self):
        return f"DeviceArray({self._a!r})"

    def __getattr__(self, name):
        # ndarray methods and properties (reshape, astype, T, sum, ...), results on the device;
        # never the host buffer protocols (__array_interface__ ...), which would leak it
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if callable(attr):

            def method(*args, **kwargs):
                return _wrap(attr(*_unwrap(args), **_unwrap(kwargs)))

            return method
        return _wrap(attr, scalars_to_arrays=False)


class _UfuncShim:
    def __init__(self, ufunc, xp):
        self._ufunc = ufunc
        self._xp = xp

    def __call__(self, *args, **kwargs):
        return self._xp._call(self._ufunc, f"xp.{self._ufunc.__name__}", args, kwargs)

    def __getattr__(self, method):  # xp.add.at, xp.add.reduce, ...
        fn = getattr(self._ufunc, method)
        return lambda *args, **kwargs: self._xp._call(fn, f"xp.{self._ufunc.__name__}.{method}", args, kwargs)


class FakeXP:
    """The fake device's array module: numpy's API, arguments and results on the device.

    ``asarray``/``array`` accept host data (an explicit host-to-device copy, counted in
    ``host_conversions``); every other function rejects host arrays, as cupy does.
    """

    _HOST_ENTRY = frozenset({"asarray", "array", "ascontiguousarray"})

    def __init__(self, module=np, root=None):
        self._module = module
        self._root = root if root is not None else self
        self.host_conversions = 0

    def _call(self, fn, where, args, kwargs):
        if _any_host_data(args) or _any_host_data(tuple(kwargs.values())):
            raise _mix_error(where)
        return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))

    def __getattr__(self, name):
        if name == "ndarray":
            return DeviceArray
        attr = getattr(self._module, name)
        if isinstance(attr, types.ModuleType):
            return FakeXP(attr, self._root)
        if isinstance(attr, np.ufunc):
            return _UfuncShim(attr, self)
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes (xp.float32), constants (xp.pi, xp.newaxis)
        if name in self._HOST_ENTRY:

            def entry(obj, *args, **kwargs):
                if _is_host_array(obj) or isinstance(obj, _SCALARS + (list, tuple)):
                    self._root.host_conversions += 1
                return _wrap(attr(_unwrap(obj), *args, **_unwrap(kwargs)))

            return entry
        return lambda *args, **kwargs: self._call(attr, f"xp.{name}", args, kwargs)


class FakeDeviceBackend(DeviceBackend):
    """A device backend whose device is the fake one above."""

    name = "fakedevice"
    priority = 5  # below cupy, above numpy: "auto" picks it when cupy is unusable

    def __init__(self):
        super().__init__()
        self._xp = FakeXP()

    @property
    def xp(self):
        return self._xp

    def owns(self, value) -> bool:
        return type(value) is DeviceArray

    def host_to_device(self, value):
        return DeviceArray(np.array(value, copy=True))

    def device_to_host(self, value):
        return value._a.copy()


class _Plugin:
    def __init__(self, backend):
        self.backend = backend

    @hookimpl
    def xformad_backends(self):
        return [self.backend]


def install(*others: DeviceBackend) -> FakeDeviceBackend:
    """Register a fresh fake device backend, and any ``others``, rebuilding the plugin
    registry; returns the fake device backend."""
    plugins.reset()
    backend = FakeDeviceBackend()
    manager = plugins.plugin_manager()
    for b in (backend, *others):
        manager.register(_Plugin(b), name=b.name)
    return backend


def uninstall() -> None:
    plugins.reset()


def to_device(x) -> DeviceArray:
    """A test's explicit upload (not counted: the backend's counters see only xformad's)."""
    return DeviceArray(np.array(x, copy=True))


def to_host(x) -> np.ndarray:
    assert type(x) is DeviceArray, f"expected a DeviceArray, got {type(x).__name__}"
    return x._a.copy()
