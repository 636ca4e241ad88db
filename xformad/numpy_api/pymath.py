"""Python's ``math`` module on traced scalars: interception handlers (``xformad/intercept.py``).

``math.exp(x)`` of a traced size-1 value is the traced 0-d float64 ``np.exp(x)``, so a loss
written with ``math`` differentiates. As in ``math``: an array of size > 1 raises
``TypeError`` ("only length-1 arrays can be converted to Python scalars"), a complex value
raises ``TypeError``, an argument outside the domain raises math's own ``ValueError`` (the
function is first run on the plain values). ``floor``/``ceil``/``trunc`` give numpy's float
result (derivative zero), not a Python int; ``isfinite``/``isnan``/``isinf`` give a Python
bool, recorded as a guard like any branch on a traced value. ``erf``, ``erfc``, ``gamma``
and ``lgamma`` go through ``scipy.special`` (the xformad-scipy plugin differentiates them).
"""

from __future__ import annotations

import math

import numpy as np

from ..tracing import Tracer, concrete


def _live(x) -> bool:
    return type(x) is Tracer and x._trace.live


def _real_scalar(x):
    """A traced argument as math sees it: a real 0-d float64 value."""
    if x.size != 1:
        raise TypeError("only length-1 arrays can be converted to Python scalars")
    if x.dtype.kind == "c":
        raise TypeError("must be real number, not complex")
    if x.shape != ():
        x = np.reshape(x, ())
    return x if x.dtype == np.float64 else x.astype(np.float64)


def _plain(x):
    return float(concrete(x)) if type(x) is Tracer else x


def _special(name: str):
    def fn(x):
        import scipy.special

        return getattr(scipy.special, name)(x)

    return fn


def _hypot(*coords):
    out = coords[0] * 0.0 if coords else 0.0
    for c in coords:
        out = np.hypot(out, c)
    return np.abs(out)


def _log(x, base=None):
    return np.log(x) if base is None else np.log(x) / np.log(base)


_FUNCTIONS = {
    "exp": np.exp,
    "expm1": np.expm1,
    "log": _log,
    "log1p": np.log1p,
    "log2": np.log2,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "atan2": np.arctan2,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
    "hypot": _hypot,
    "pow": np.power,
    "fabs": np.fabs,
    "copysign": np.copysign,
    "degrees": np.degrees,
    "radians": np.radians,
    "floor": np.floor,
    "ceil": np.ceil,
    "trunc": np.trunc,
    "erf": _special("erf"),
    "erfc": _special("erfc"),
    "gamma": _special("gamma"),
    "lgamma": _special("gammaln"),
}
_PREDICATES = {"isfinite": np.isfinite, "isnan": np.isnan, "isinf": np.isinf}


def _handler(original, fn, predicate: bool = False):
    def handler(*args, **kwargs):
        if not any(_live(a) for a in args) and not any(_live(v) for v in kwargs.values()):
            return NotImplemented
        args = tuple(_real_scalar(a) if type(a) is Tracer else a for a in args)
        kwargs = {k: _real_scalar(v) if type(v) is Tracer else v for k, v in kwargs.items()}
        # math's own errors (domain, overflow, argument count) on the plain values
        original(*(_plain(a) for a in args), **{k: _plain(v) for k, v in kwargs.items()})
        result = fn(*args, **kwargs)
        return bool(result) if predicate else result

    handler.__name__ = f"math.{original.__name__}"
    return handler


def register(registry) -> None:
    for name, fn in _FUNCTIONS.items():
        registry.intercept(math, name, _handler(getattr(math, name), fn))
    for name, fn in _PREDICATES.items():
        registry.intercept(math, name, _handler(getattr(math, name), fn, predicate=True))
