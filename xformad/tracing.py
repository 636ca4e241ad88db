"""Tracing: run an unmodified numpy program on Tracer values and record a Graph.

A Tracer belongs to one Trace (one level of nesting) and carries its value one level down:
a concrete array, or a Tracer of an outer trace. Each primitive applied to it is recorded
as a Node of its trace's graph and computed on the values, so Python control flow on
traced values works; each concretisation (bool, int, index) is recorded as a Guard.
"""

from __future__ import annotations

import copy
import itertools
import threading
from typing import Any

import numpy as np

from . import backends, views
from .errors import TracerAttributeError, TracerConversionError
from .ir import Graph, Guard, Literal, Node, Var


class Trace:
    """One level of tracing: a graph being recorded and the values of its vars."""

    __slots__ = ("level", "graph", "env", "live", "placed", "stamp")

    def __init__(self, level: int):
        self.level = level
        self.graph = Graph()
        self.env: dict = {}  # Var -> value one level down
        self.live = True
        self.placed: dict | None = None  # id(host constant) -> (it, its device copy)
        self.stamp: Var | None = None  # the primal var whose VJP rule records here (provenance)

    def new_input(self, value) -> Tracer:
        if type(value) is np.ndarray and value.flags.writeable:
            # the trace reads the caller's memory: a write into it through an alias (the
            # same array passed again, a global) would change the input behind the trace
            _freeze(value)
        var = Var(_shape(value), _dtype(value))
        self.graph.inputs.append(var)
        self.env[var] = value
        return Tracer(self, var, value)

    def process(self, prim, args, params):
        if prim.simplify is not None:
            simpler = prim.simplify(*args, **params)
            if simpler is not None:  # x * 1 is a new array in numpy, never an alias of x
                return simpler.snapshot() if type(simpler) is Tracer else simpler
        if not self.live:
            # an escaped tracer (kept in a global or a closure after its transform
            # returned) is the value it carried, one level down
            return prim.bind(
                *(a._value if type(a) is Tracer and a._trace is self else a for a in args), **params
            )
        in_atoms = []
        vals = []
        for a in args:
            kind = type(a)
            if kind is Tracer and a._trace is self:
                in_atoms.append(a._var)
                vals.append(a._value)
                continue
            if kind is Buffer:  # an array made in the trace (buffers.py)
                a = buffer_value(a)
                kind = type(a)
                if kind is Tracer and a._trace is self:
                    in_atoms.append(a._var)
                    vals.append(a._value)
                    continue
            if kind is Tracer:  # of an outer trace: a constant here
                a = a.snapshot()
            elif kind is np.ndarray:
                if a.flags.writeable:  # the graph holds it by reference: no writes until
                    _freeze(a)  # the trace ends (buffers.py tracks np.zeros & co. instead)
                a = _adopt(self, a)
            in_atoms.append(Literal(a))
            vals.append(a)
        if Tracer in map(type, vals):  # a value still carries an outer trace: bind it there
            out = prim.bind(*vals, **params)
        else:
            out = prim.impl(*vals, **params) if params else prim.impl(*vals)
        if type(out) in _PYTHON_SCALARS:  # 1j * np.float64(x) is a Python complex
            out = np.asarray(out)[()]
        env = self.env
        if prim.multiple_results:
            results = []
            out_vars = []
            for o in out:
                v = Var(_shape(o), _dtype(o))
                env[v] = o
                out_vars.append(v)
                results.append(Tracer(self, v, o))
            # stamp: the primal var whose derivative rule is recording (provenance)
            self.graph.nodes.append(Node(prim, in_atoms, params, out_vars, self.stamp))
            return tuple(results)
        var = Var(out.shape, out.dtype)
        env[var] = out
        self.graph.nodes.append(Node(prim, in_atoms, params, [var], self.stamp))
        return Tracer(self, var, out)

    def lift(self, value) -> Tracer:
        """A constant made a traced value of this trace (so it can be assigned into)."""
        if type(value) is np.ndarray:
            value = _adopt(self, value)
        var = Var(_shape(value), _dtype(value))
        self.env[var] = value
        self.graph.nodes.append(Node(lift_primitive, [Literal(value)], {}, [var]))
        return Tracer(self, var, value)

    def release(self) -> None:
        """Drop the recorded values once the transform is done with them, so a tracer
        that escaped (a loss appended to a global list) keeps only its own value."""
        self.live = False
        self.env = {}
        self.graph = Graph()


def _freeze(a: np.ndarray) -> None:
    """``a`` (a constant of the graph) is read-only until the outermost trace ends, so a
    later write into it inside the function cannot change the recorded value."""
    a.flags.writeable = False
    if _stack.frozen is None:
        _stack.frozen = []
    _stack.frozen.append(a)


def _thaw(frozen: list) -> None:
    for a in reversed(frozen):  # a view frozen before its base is thawed after it
        try:
            a.flags.writeable = True
        except ValueError:  # its base became read-only for another reason
            pass


def _adopt(trace: Trace, value):
    """A host constant met while tracing, copied to the active backend's device once per
    trace however many nodes use it (so kernels and derivative rules never mix host and
    device arrays); unchanged on numpy."""
    backend = backends.active()
    if not backend.device:
        return value
    if trace.placed is None:
        trace.placed = {}
    hit = trace.placed.get(id(value))
    if hit is None:  # keeping `value` alive keeps its id from being reused
        hit = trace.placed[id(value)] = (value, backend.adopt(value))
    return hit[1]


class _Provenance(threading.local):
    """Whether a VJP rule of a traced value is running in this thread (set by the reverse
    sweep), and on which trace. That trace's ``stamp`` holds the primal var: nodes recorded
    meanwhile are stamped with it, so codegen can mark each adjoint block with the primal
    line it comes from (``# Grad of: v3 = v1 * v2``)."""

    def __init__(self):
        self.trace = None


provenance = _Provenance()


def _shape(value) -> tuple:
    return value.shape


def _dtype(value):
    return value.dtype


class _TraceStack(threading.local):
    """How deep this thread is in nested transforms (each thread traces on its own)."""

    def __init__(self):
        self.depth = 0
        self.ids = itertools.count()
        self.outermost = None  # this thread's level-1 Trace while one is open
        self.promoted = None  # Buffers promoted under it (buffers.py), restored when it ends
        self.frozen = None  # constants made read-only under it (_freeze), writable again after
        self.recorded = 0  # nodes recorded by this thread's closed traces (jit's cost model)
        self.shielded = 0  # a plugin's kernel runs at this depth: no interception there


_stack = _TraceStack()


class new_trace:
    """Context manager opening a trace one level inside the current one."""

    __slots__ = ("trace",)

    def __enter__(self) -> Trace:
        if not _stack.depth:  # this thread's outermost trace: np.array & co. reach xformad
            open_interception()
        _stack.depth += 1
        self.trace = Trace(_stack.depth)
        if _stack.depth == 1:
            _stack.outermost = self.trace
        return self.trace

    def __exit__(self, *exc) -> None:
        self.trace.live = False
        _stack.depth -= 1
        _stack.recorded += len(self.trace.graph.nodes)
        if not _stack.depth:
            _stack.outermost = None
            # each step runs even if an earlier one raises (a demotion computing a value a
            # backend refuses): the process must not keep numpy intercepted or the caller's
            # constants read-only
            try:
                if _stack.promoted is not None:
                    promoted, _stack.promoted = _stack.promoted, None
                    demote_buffers(promoted)
            finally:
                try:
                    if _stack.frozen is not None:
                        frozen, _stack.frozen = _stack.frozen, None
                        _thaw(frozen)
                finally:
                    close_interception()


def concrete(x: Any) -> Any:
    """The concrete array under any number of tracer levels."""
    while type(x) is Tracer:
        x = x._value
    return x


def _record_guard(t: Tracer, kind: str, result: Any, refusal: Exception | None = None) -> None:
    while type(t) is Tracer:
        if t._trace.live:
            t._trace.graph.guards.append(Guard(t._var, kind, result, refusal))
        t = t._value


def refuse_if(condition, error: Exception) -> None:
    """Raise ``error`` where ``condition`` (a scalar bool, maybe traced) holds: a derivative
    that does not exist at this input. Traced, the check is a guard carrying ``error``, so a
    compiled program re-checks it on every call and a vmap member that reaches the case
    raises ``error`` itself (not a control-flow error about branches)."""
    if type(condition) is Tracer:
        result = bool(concrete(condition))
        _record_guard(condition, "bool", result, error)
    else:
        result = bool(condition)
    if result:
        raise fresh_error(error)


def fresh_error(error: Exception) -> Exception:
    """A new instance of a stored error, so each raise has its own traceback."""
    return copy.copy(error).with_traceback(None)


_CONVERSION_HINT = (
    "Keep the value as an array inside the function being differentiated: arrays made "
    "inside it (out = np.zeros(n); out[i] = v) take traced values and differentiate, an "
    "array made outside it (a global, a closure variable, a constant argument) cannot; "
    "build arrays with np.stack/np.concatenate, assign into a traced array (out = "
    "np.zeros_like(x)), or call xformad.stop_gradient(x) if you mean to drop the derivative."
)


class Tracer:
    """An ndarray-like value being traced. Numpy reaches it through its protocols."""

    __slots__ = ("_trace", "_var", "_value", "_alias", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, trace: Trace, var: Var, value: Any):
        self._trace = trace
        self._var = var
        self._value = value
        self._alias = None  # views.Alias once this is a view or has views

    def snapshot(self) -> Tracer:
        """A copy that later in-place assignment to ``self`` cannot change."""
        return Tracer(self._trace, self._var, self._value)

    def _rebind(self, other: Tracer) -> None:
        self._trace, self._var, self._value = other._trace, other._var, other._value

    def _assign(self, other: Tracer) -> None:
        """In-place update (x[i] = v, x += v): rebind to the new SSA value, keep identity,
        and carry the write to the arrays this one shares memory with (``views.py``)."""
        if type(other) is not Tracer:
            other = self._trace.lift(other)
        if self._alias is None:
            self._trace, self._var, self._value = other._trace, other._var, other._value
        else:
            views.write(self, other)

    # -- array attributes ---------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._var.shape

    @property
    def dtype(self):
        return self._var.dtype

    @property
    def ndim(self) -> int:
        return len(self._var.shape)

    @property
    def size(self) -> int:
        return self._var.size

    def __len__(self) -> int:
        if not self._var.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self._var.shape[0]

    def __iter__(self):
        if not self._var.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self._var.shape[0]))

    def __repr__(self) -> str:
        return f"Tracer<{self._var!r} level={self._trace.level}>({concrete(self)!r})"

    __hash__ = None  # like ndarray: unhashable

    # -- concretisation: allowed for control flow, recorded as guards ------------------
    def __bool__(self) -> bool:
        result = bool(concrete(self))
        _record_guard(self, "bool", result)
        return result

    def __index__(self) -> int:
        if not np.issubdtype(self.dtype, np.integer):
            raise TypeError(f"only integer traced arrays can be used as an index, not {self.dtype}")
        result = int(concrete(self))
        _record_guard(self, "int", result)
        return result

    def __int__(self) -> int:
        if not self._trace.live:
            return int(self._value)
        if np.issubdtype(self.dtype, np.inexact):
            raise TracerConversionError(
                "int() on a traced floating-point value drops its derivative. Use np.floor(x) "
                "or x.astype(int) to stay traced. " + _CONVERSION_HINT
            )
        return self.__index__()

    def __float__(self) -> float:
        if not self._trace.live:  # an escaped tracer converts to the value it carried
            return float(self._value)
        if self._var.dtype.kind in "iub":  # no derivative to drop: the value, guarded
            return float(self.observed())
        raise TracerConversionError(
            "float() on a traced value, or writing it into a plain ndarray (out[i] = x), "
            "drops its derivative (the result would be a constant). " + _CONVERSION_HINT
        )

    def __complex__(self) -> complex:
        if not self._trace.live:
            return complex(self._value)
        raise TracerConversionError("complex() on a traced value drops its derivative. " + _CONVERSION_HINT)

    def observed(self) -> np.ndarray:
        """The value as a host array that Python code looks at (numpy given an integer
        array, ``.item()``, a formatted string), guarded in every enclosing trace: a
        compiled program re-checks it, so it never bakes in a stale one."""
        value = concrete(self)
        if not isinstance(value, (np.ndarray, np.generic)):  # a device array: a host copy
            value = backends.active().to_host(value)
        value = np.array(value)
        _record_guard(self, "array", value)
        return value

    def __array__(self, dtype=None, copy=None):
        if not self._trace.live:
            return np.asarray(self._value, dtype=dtype)
        if self._var.dtype.kind in "iub":
            # no derivative to drop (labels, indices, masks): numpy gets the value, which
            # every enclosing trace guards on, so a compiled program never bakes in a stale one
            value = self.observed()
            return value if dtype is None else value.astype(dtype)
        raise TracerConversionError(
            "a traced value was converted to a plain ndarray (writing it into a plain "
            "ndarray such as out[i] = x, a list of traced values passed to a numpy function, "
            "as in np.sum([a, b]): numpy converts the list before xformad sees it; write "
            "np.stack([a, b]) instead; or np.asarray/np.array reached through another "
            "module's attribute (mymodule.asarray after `from numpy import asarray` there): "
            "call np.asarray instead; or a random draw "
            "with a traced parameter from a generator made outside the function, as in "
            "rng.normal(mu, sigma): write mu + sigma * rng.standard_normal(size)), which "
            "would drop its derivative. " + _CONVERSION_HINT
        )

    def item(self, *args):
        if args:
            return self[args if len(args) > 1 else args[0]].item()
        if not self._trace.live:
            return self._value.item()
        if np.issubdtype(self.dtype, np.inexact):
            raise TracerConversionError(".item() on a traced value drops its derivative. " + _CONVERSION_HINT)
        return self.observed().item()

    def __getattr__(self, name: str):
        # only reached for names Tracer lacks: an ndarray attribute gets a clear message
        if hasattr(np.ndarray, name):
            raise TracerAttributeError(
                f"ndarray.{name} is not available on a traced array (it exposes memory or "
                "internals that a traced value does not have). Compute with numpy functions "
                "on the value instead, or call xformad.stop_gradient(x) and use the result."
            )
        raise AttributeError(f"'Tracer' object (a traced numpy array) has no attribute {name!r}")

    def tolist(self):
        if not self._trace.live:
            return np.asarray(self._value).tolist()
        if self._var.dtype.kind in "iub":  # labels, counts, masks: the values, guarded
            return self.observed().tolist()
        raise TracerConversionError(".tolist() on a traced value drops its derivative. " + _CONVERSION_HINT)

    # -- numpy protocols --------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__" and not kwargs:
            prim = FAST_UFUNCS.get(ufunc)
            if prim is not None:
                if len(inputs) == 1:  # np.log(x) and friends: x is this tracer
                    return self._trace.process(prim, inputs, _NO_PARAMS)
                if not any(type(a) in _SEQUENCES for a in inputs):
                    return prim.bind(*inputs)
        if _has_buffer(inputs, kwargs):  # let Buffer.__array_ufunc__ resolve it first
            return NotImplemented
        return dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if Buffer in types:  # let Buffer.__array_function__ resolve it first
            return NotImplemented
        return dispatch_function(func, args, kwargs)

    # -- indexing -----------------------------------------------------------------------------
    def __getitem__(self, index):
        return getitem(self, index)

    def __setitem__(self, index, value) -> None:
        self._assign(setitem(self, index, value))


# ufunc -> primitive for ufuncs that are one primitive; filled by numpy_api.elementwise.
# Operators and plain ufunc calls bind these directly, skipping the generic dispatch.
FAST_UFUNCS: dict = {}
_PYTHON_SCALARS = frozenset((float, complex, int, bool))
_NO_PARAMS: dict = {}  # shared by parameterless nodes; never mutated
_SEQUENCES = (list, tuple)


def _has_buffer(inputs: tuple, kwargs: dict) -> bool:
    for a in inputs:
        if type(a) is Buffer:
            return True
    out = kwargs.get("out")
    if out is not None:
        return any(type(o) is Buffer for o in (out if type(out) is tuple else (out,)))
    return type(kwargs.get("where")) is Buffer


def _binary(ufunc_name: str, reflected: bool = False):
    ufunc = getattr(np, ufunc_name)
    if reflected:

        def op(self, other):
            prim = FAST_UFUNCS.get(ufunc)
            if prim is not None and type(other) not in _SEQUENCES:
                if type(other) is not Tracer or other._trace is self._trace:
                    return self._trace.process(prim, (other, self), _NO_PARAMS)
                return prim.bind(other, self)  # tracers of two levels: bind picks the inner
            return ufunc(other, self)
    else:

        def op(self, other):
            prim = FAST_UFUNCS.get(ufunc)
            if prim is not None and type(other) not in _SEQUENCES:
                if type(other) is not Tracer or other._trace is self._trace:
                    return self._trace.process(prim, (self, other), _NO_PARAMS)
                return prim.bind(self, other)  # tracers of two levels: bind picks the inner
            return ufunc(self, other)

    op.__name__ = f"__{'r' if reflected else ''}{ufunc_name}__"
    return op


def _inplace(ufunc_name: str):
    ufunc = getattr(np, ufunc_name)

    def op(self, other):
        result = ufunc(self, other)
        if isinstance(concrete(self), np.generic):
            # a numpy scalar (a float argument, x.sum(), x[0]) is immutable: y -= d binds y
            # to a new value, as numpy does, and every alias of the old one keeps it
            return result
        if np.shape(result) != self.shape:  # a += m with m broader than a: numpy refuses
            raise ValueError(
                f"non-broadcastable output operand with shape {self.shape} doesn't match the "
                f"broadcast shape {np.shape(result)}"
            )
        if type(result) is Tracer and result.dtype != self.dtype:
            if not np.can_cast(result.dtype, self.dtype, "same_kind"):
                # x_int += 1.5: numpy refuses; let it raise its own error
                ufunc(np.zeros((), self.dtype), np.zeros((), result.dtype), out=np.zeros((), self.dtype))
            result = result.astype(self.dtype)
        self._assign(result)
        return self

    return op


for _name, _ufunc in [
    ("add", "add"),
    ("sub", "subtract"),
    ("mul", "multiply"),
    ("truediv", "true_divide"),
    ("floordiv", "floor_divide"),
    ("mod", "remainder"),
    ("pow", "power"),
    ("matmul", "matmul"),
    ("and", "bitwise_and"),
    ("or", "bitwise_or"),
    ("xor", "bitwise_xor"),
    ("lshift", "left_shift"),
    ("rshift", "right_shift"),
]:
    setattr(Tracer, f"__{_name}__", _binary(_ufunc))
    setattr(Tracer, f"__r{_name}__", _binary(_ufunc, reflected=True))
    setattr(Tracer, f"__i{_name}__", _inplace(_ufunc))

for _name, _ufunc in [
    ("lt", "less"),
    ("le", "less_equal"),
    ("gt", "greater"),
    ("ge", "greater_equal"),
    ("eq", "equal"),
    ("ne", "not_equal"),
]:
    setattr(Tracer, f"__{_name}__", _binary(_ufunc))

Tracer.__neg__ = lambda self: np.negative(self)
Tracer.__pos__ = lambda self: self.snapshot()  # +x is a new array, as in numpy
Tracer.__abs__ = lambda self: np.abs(self)
Tracer.__invert__ = lambda self: np.invert(self)
Tracer.__divmod__ = lambda self, other: (np.floor_divide(self, other), np.remainder(self, other))


# --- what the layers above connect here -------------------------------------------------------
# This module imports nothing above it. The modules that build on the tracer hand it, when
# they are imported (``connect``), the few things it calls back: buffers.py the Buffer type
# and its resolution, intercept.py the opening and closing of interception, the numpy front
# end (numpy_api/dispatch.py, numpy_api/indexing.py) the handlers of numpy's protocols, and
# primitives/elementwise.py the copy primitive Trace.lift records. ``import xformad`` imports
# them all (xformad/__init__.py); they are module globals, so a call costs one lookup.


class Buffer:
    """Stands for ``buffers.Buffer`` until buffers.py connects it (no value is one)."""


def _not_connected(*args, **kwargs):
    raise RuntimeError("xformad.tracing is used before the modules above it connected: import xformad")


buffer_value = demote_buffers = _not_connected
open_interception = close_interception = _not_connected
dispatch_ufunc = dispatch_function = getitem = setitem = _not_connected
lift_primitive = None

_CONNECTABLE = frozenset(
    (
        "Buffer",
        "buffer_value",
        "demote_buffers",
        "open_interception",
        "close_interception",
        "dispatch_ufunc",
        "dispatch_function",
        "getitem",
        "setitem",
        "lift_primitive",
    )
)


def connect(**parts) -> None:
    """Called once by each module above at its import, with the names it provides."""
    unknown = set(parts) - _CONNECTABLE
    if unknown:
        raise TypeError(f"tracing.connect: unknown parts {sorted(unknown)}")
    globals().update(parts)
