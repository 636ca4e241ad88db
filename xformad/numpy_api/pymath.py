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


def _rounded_as_math(traced, exact: float):
    """``traced`` (numpy's formula) with math's correctly rounded value: the difference is a
    constant, so the derivative is the formula's and the value math's to the last bit."""
    return traced + (exact - float(concrete(traced)))


def _frexp(x):
    _, e = math.frexp(_plain(x))
    return x * 2.0**-e, e  # a power of two: exact


def _modf(x):
    whole = float(math.trunc(_plain(x)))
    return x - whole, whole


def _remainder(x, y):
    return _rounded_as_math(x - np.rint(x / y) * y, math.remainder(_plain(x), _plain(y)))


def _nextafter(x, y, *args):
    return _rounded_as_math(x + 0.0 * y, math.nextafter(_plain(x), _plain(y), *args))


def _isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0):
    diff = np.abs(a - b)
    return (diff <= np.abs(rel_tol * b)) | (diff <= np.abs(rel_tol * a)) | (diff <= abs_tol) | (a == b)


_FUNCTIONS.update(
    {
        "fmod": np.fmod,
        "ldexp": np.ldexp,
        "frexp": _frexp,
        "modf": _modf,
        "remainder": _remainder,
        "nextafter": _nextafter,
    }
)
_FUNCTIONS.update({name: getattr(np, name) for name in ("cbrt", "exp2") if hasattr(math, name)})
_PREDICATES = {"isfinite": np.isfinite, "isnan": np.isnan, "isinf": np.isinf, "isclose": _isclose}


def _fsum(values):
    values = [_real_scalar(v) if type(v) is Tracer else v for v in values]
    return _rounded_as_math(np.sum(np.stack(values)), math.fsum([_plain(v) for v in values]))


def _dist(p, q):
    p = [_real_scalar(v) if type(v) is Tracer else v for v in p]
    q = [_real_scalar(v) if type(v) is Tracer else v for v in q]
    exact = math.dist([_plain(v) for v in p], [_plain(v) for v in q])
    return _rounded_as_math(np.sqrt(np.sum((np.stack(p) - np.stack(q)) ** 2)), exact)


def _sequence_handler(original, fn):
    """math functions of iterables (math.fsum, math.dist) holding traced scalars."""

    def handler(*args, **kwargs):
        # an iterator can be read once: from here on, its items as a list
        args = tuple(
            a if isinstance(a, (list, tuple, Tracer)) or not hasattr(a, "__iter__") else list(a) for a in args
        )
        if not any(type(a) in (list, tuple) and any(_live(v) for v in a) for a in args):
            return original(*args, **kwargs)
        return fn(*args, **kwargs)

    handler.__name__ = f"math.{original.__name__}"
    return handler


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
    for name, fn in (("fsum", _fsum), ("dist", _dist)):
        registry.intercept(math, name, _sequence_handler(getattr(math, name), fn))
