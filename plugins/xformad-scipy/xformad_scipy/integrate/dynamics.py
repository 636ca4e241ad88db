"""The right-hand side of an ODE: the user's function, its ``args=``, and how to call it.

A solve is a primitive whose inputs are arrays: ``y0``, the times and the *traced* entries
of ``args=``. Every other entry of ``args=`` (plain numbers, arrays, strings, objects) is
static: kept in the primitive's parameters and handed to the function exactly as the user
gave it, so the function sees what scipy would show it.
"""

from __future__ import annotations

import functools

import numpy as np

from xformad.extend import is_traced

from ..errors import IntegrateError

_INPUT = object()  # marks an args= position filled from the primitive's inputs


def holds_traced(value, depth: int = 3) -> bool:
    """Whether ``value`` is traced or a list/tuple/dict holding a traced value."""
    if is_traced(value):
        return True
    if depth and isinstance(value, (list, tuple)):
        return any(holds_traced(v, depth - 1) for v in value)
    if depth and isinstance(value, dict):
        return any(holds_traced(v, depth - 1) for v in value.values())
    return False


def refuse_traced_options(function: str, options: dict) -> None:
    """Solver options (tolerances, step limits, flags) have no derivative: traced, refused."""
    for name, value in options.items():
        if holds_traced(value):
            raise IntegrateError(
                f"{function}: {name}= is a traced value; pass a plain value (it has no derivative)."
            )


class ArgsLayout:
    """Which entries of ``args=`` are primitive inputs (traced) and which are static."""

    __slots__ = ("given", "slots")

    def __init__(self, args, *, what: str):
        self.given = args is not None  # solve_ivp tells args=None from args=()
        slots = []
        for k, value in enumerate(() if args is None else tuple(args)):
            if is_traced(value):
                slots.append(_INPUT)
            elif holds_traced(value):
                raise IntegrateError(
                    f"{what}: args[{k}] is a {type(value).__name__} holding a traced value. Pass each "
                    "traced array as its own entry of args= (args=(a, b), not args=([a, b],))."
                )
            else:
                slots.append(_static_copy(value))
        self.slots = tuple(slots)

    def inputs_of(self, args) -> list:
        """The traced entries of ``args``, in order: the primitive's trailing inputs."""
        return [
            value for value, slot in zip(() if args is None else tuple(args), self.slots) if slot is _INPUT
        ]

    def build(self, inputs) -> tuple:
        """The args tuple the function is called with, traced entries taken from ``inputs``."""
        it = iter(inputs)
        return tuple(next(it) if slot is _INPUT else slot for slot in self.slots)


def _static_copy(value):
    # a plain array the traced program may write into later must not change the solve
    # the backward pass re-runs, so the layout keeps its own copy (a base-class ndarray)
    if isinstance(value, np.ndarray):
        return value.astype(value.dtype, subok=False)
    return value


class Dynamics:
    """The user's ``f``: ``f(y, t, *args)`` (odeint), ``f(t, y, *args)`` (solve_ivp or
    ``tfirst=True``), its args layout, and ``vectorized`` (solve_ivp: ``f`` takes ``y`` of
    shape (n, k))."""

    __slots__ = ("fn", "tfirst", "layout", "vectorized", "name", "__weakref__")
    label = "the ODE"  # in messages
    derived = False  # the user's own system (the adjoint and sensitivity ODEs are derived)

    def __init__(self, fn, *, tfirst: bool, layout: ArgsLayout, vectorized: bool = False, name: str):
        if not callable(fn):
            raise IntegrateError(f"{name}: the right-hand side must be a function, got {type(fn).__name__}.")
        self.fn = fn
        self.tfirst = tfirst
        self.layout = layout
        self.vectorized = vectorized
        self.name = name

    def uses_input(self, k: int, count: int) -> bool:
        return True

    def anchor(self, state, inputs):
        """(part of ``state``, the value it must equal), or None: the user's system is
        solved forwards, where nothing is known in advance."""
        return None

    def __repr__(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))

    def solver_fn(self):
        """The function handed to scipy: the user's, checked for traced closures."""
        return checked(self.fn, self.name)

    def solver_args(self, inputs):
        args = self.layout.build(inputs)
        return args if self.layout.given else None

    def rhs(self, y, t, inputs):
        """``f(y, t)`` as a float array of y's shape, on plain or traced values alike."""
        args = self.layout.build(inputs)
        if self.vectorized:  # as scipy's own single-column call of a vectorized f
            out = self.fn(t, y[:, None], *args) if self.tfirst else self.fn(y[:, None], t, *args)
        else:
            out = self.fn(t, y, *args) if self.tfirst else self.fn(y, t, *args)
        return np.reshape(np.asarray(out, dtype=np.float64), np.shape(y))


def checked(fn, name: str):
    """``fn`` returning what it returns, refusing a traced result: the solver calls it on
    plain arrays, so a traced result can only come from a traced value ``fn`` closes over,
    whose derivative the solve would silently drop."""

    @functools.wraps(fn)  # keeps an event function's terminal/direction attributes
    def call(*args):
        out = fn(*args)
        if holds_traced(out, depth=1):
            raise IntegrateError(
                f"{name}: the function {getattr(fn, '__qualname__', fn)!r} returned a traced value "
                "when called on plain arrays: it closes over (or reads a global holding) a value "
                "being differentiated. Pass that value through args= instead (f(y, t, k) with "
                "args=(k,)), so its derivative is computed."
            )
        return out

    return call
