"""The public functions of a scipy module that no family serves.

Each is intercepted too (after the family's own interceptions, in the same deferred
registration, ``plugin.py``). Called with no traced argument, the handler returns
``NotImplemented`` and scipy's function runs as it always does. Called with one, scipy's
own implementation runs on the traced values: much of scipy is Python over numpy calls
and differentiates unchanged (``scipy.linalg.block_diag``). Where it fails because a
traced value reached code that cannot take one (a cython routine's "No matching
signature found", an array-API helper's "not a supported array type", a write into a
plain ndarray, an ndarray attribute a traced value has not, a numpy or private scipy
function xformad does not differentiate), the error becomes ``UnsupportedOperation``
naming ``scipy.<module>.<function>`` (the original chained to it), with what to call
instead where xformad serves an equivalent (``ALTERNATIVES``). Errors that already say
what is wrong pass unchanged: scipy's own ValueError/LinAlgError about the arguments, the
plugin's errors, and xformad's control errors (a jit guard, a batching refusal).

ufuncs are left alone (xformad already names an unserved public ufunc
``scipy.special.<name>``, and a wrapper function would hide the ufunc's attributes), so
are classes and objects (the distributions, whose methods the stats family intercepts).
"""

from __future__ import annotations

import inspect
import sys
import types

import xformad
from xformad.extend import UnsupportedOperation, XformadError, is_traced, plain_values

from . import errors as _plugin_errors
from .errors import UnservedAttributeError, UnservedFunctionError, UnservedTypeError

# what xformad serves in place of an unserved scipy function (the advice in the message)
# (svd, qr, pinv and eig are served: linalg/decompositions.py)
_NUMPY_LINALG = ("norm", "lstsq", "eigvals", "eigvalsh", "svdvals")
ALTERNATIVES = {f"scipy.linalg.{n}": f"use np.linalg.{n}, which xformad serves" for n in _NUMPY_LINALG}
_NUMPY_FFT = ("fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn")
_NUMPY_FFT += ("rfftn", "irfftn", "hfft", "ihfft")
ALTERNATIVES.update({f"scipy.fft.{n}": f"use np.fft.{n}, which xformad serves" for n in _NUMPY_FFT})
ALTERNATIVES.update({f"scipy.fftpack.{n}": f"use np.fft.{n}, which xformad serves" for n in _NUMPY_FFT[:2]})
_SYMMETRIC_F = "w, V = np.linalg.eigh(A); V @ np.diag(f(w)) @ V.T"
ALTERNATIVES.update(
    {
        "scipy.linalg.eigvalsh": (
            "use np.linalg.eigvalsh or scipy.linalg.eigh(a, eigvals_only=True), which xformad serves"
        ),
        "scipy.linalg.pinvh": "use np.linalg.pinv(a, hermitian=True), which xformad serves",
        "scipy.linalg.kron": "use np.kron, which xformad serves",
        "scipy.linalg.lu": "use scipy.linalg.lu_factor (and lu_solve), which xformad serves",
        "scipy.linalg.expm_frechet": (
            "differentiate scipy.linalg.expm (served) instead: the Frechet derivative in the "
            "direction E is xformad.jvp(scipy.linalg.expm, (A,), (E,))[1]"
        ),
        "scipy.linalg.cosm": (
            "for real A, cosm(A) is scipy.linalg.expm(1j * A).real (expm is served, real or "
            f"complex); for a symmetric A, {_SYMMETRIC_F.replace('f(w)', 'np.cos(w)')}"
        ),
        "scipy.linalg.sinm": (
            "for real A, sinm(A) is scipy.linalg.expm(1j * A).imag (expm is served, real or "
            f"complex); for a symmetric A, {_SYMMETRIC_F.replace('f(w)', 'np.sin(w)')}"
        ),
        "scipy.linalg.funm": (
            f"scipy.linalg.expm, sqrtm and logm are served; for a symmetric A write f(A) as {_SYMMETRIC_F}"
        ),
        "scipy.special.spherical_jn": (
            "write it with scipy.special.jv (served): spherical_jn(n, x) = "
            "np.sqrt(np.pi / (2 * x)) * scipy.special.jv(n + 0.5, x)"
        ),
        "scipy.special.spherical_yn": (
            "write it with scipy.special.yv (served): spherical_yn(n, x) = "
            "np.sqrt(np.pi / (2 * x)) * scipy.special.yv(n + 0.5, x)"
        ),
        "scipy.stats.pearsonr": "use np.corrcoef(x, y)[0, 1], which xformad serves",
        "scipy.stats.zscore": (
            "write it as (a - np.mean(a, axis, keepdims=True)) / np.std(a, axis, ddof=ddof, keepdims=True)"
        ),
        "scipy.stats.skew": "write it with numpy: d = a - np.mean(a); np.mean(d**3) / np.mean(d**2) ** 1.5",
        "scipy.stats.kurtosis": (
            "write it with numpy: d = a - np.mean(a); np.mean(d**4) / np.mean(d**2) ** 2 - 3"
        ),
        "scipy.stats.variation": "write it as np.std(a, ddof=ddof) / np.mean(a)",
        "scipy.stats.moment": "write it as np.mean((a - np.mean(a)) ** order)",
        "scipy.stats.sem": "write it as np.std(a, ddof=1) / np.sqrt(len(a))",
        "scipy.stats.gmean": "write it as np.exp(np.mean(np.log(a)))",
        "scipy.stats.hmean": "write it as len(a) / np.sum(1 / a)",
        "scipy.stats.entropy": "write it as np.sum(scipy.special.entr(p / np.sum(p))) (entr is served)",
        "scipy.integrate.quad": "use fixed Gauss-Legendre nodes (np.polynomial.legendre.leggauss(n)) "
        "and sum the weighted integrand, or scipy.integrate.solve_ivp (served)",
    }
)

# the plugin's own errors say what to do already
_PLUGIN_ERRORS = tuple(
    v for v in vars(_plugin_errors).values() if isinstance(v, type) and issubclass(v, XformadError)
)
# (uarray's _Function: scipy.fft's multimethods)
_CALLABLE_TYPES = (
    "builtin_function_or_method",
    "cython_function_or_method",
    "fused_cython_function",
    "_Function",
)


def public_functions(module) -> list:
    """The names of ``module``'s public functions (Python, builtin or cython): its
    ``__all__`` less ufuncs, classes, modules, objects and numpy's own functions."""
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    found = []
    for name in names:
        fn = vars(module).get(name)  # not getattr: a module's __getattr__ may warn
        if isinstance(fn, types.FunctionType) or type(fn).__name__ in _CALLABLE_TYPES:
            if not (getattr(fn, "__module__", None) or "").startswith("numpy"):
                found.append(name)
    return found


def register(registry, module_name: str) -> None:
    """Intercept ``module_name``'s public functions that nothing intercepts or serves yet."""
    module = sys.modules[module_name]
    for name in public_functions(module):
        fn = vars(module)[name]
        if (module_name, name) in registry.interceptions or fn in registry.handlers:
            continue
        registry.intercept(module, name, unserved(f"{module_name}.{name}", fn), fallback=True)


def _has_traced(values) -> bool:
    for value in values:
        if is_traced(value):
            return True
        if isinstance(value, (list, tuple)) and _has_traced(value):
            return True
        if isinstance(value, dict) and _has_traced(value.values()):
            return True
    return False


def unserved(qualified: str, fn):
    """The interception handler of the unserved function ``fn`` (``qualified`` its name)."""

    def handler(*args, **kwargs):
        if not (_has_traced(args) or _has_traced(kwargs.values())):
            try:
                return fn(*args, **kwargs)
            except xformad.TracerConversionError as exc:  # a callable it was given returned
                # a traced value (an integrand closing over one): scipy's C code converts it
                reason = "a function it calls returned a traced value (one it closes over)"
                raise unsupported(qualified, reason, exc) from exc
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            reason = _tracer_failure(exc, qualified, fn, args, kwargs)
            if reason is None:
                raise
            raise unsupported(qualified, reason, exc) from exc

    handler.__name__ = handler.__qualname__ = f"unserved_{fn.__name__}"
    return handler


def unsupported(qualified: str, reason: str, exc: Exception | None = None) -> UnservedFunctionError:
    """The error for ``qualified`` having failed on traced values because of ``reason``
    (scipy's ``exc``: a TypeError or AttributeError gives one of those too, so that
    ``except TypeError`` around the call still catches it)."""
    detail = (
        "the xformad-scipy plugin does not serve it, and scipy's own code does not run on "
        f"traced values: {reason}"
    )
    advice = ALTERNATIVES.get(qualified)
    kind = UnservedFunctionError
    if isinstance(exc, TypeError):
        kind = UnservedTypeError
    elif isinstance(exc, AttributeError):
        kind = UnservedAttributeError
    return kind(qualified, f"{detail}. Instead, {advice}" if advice else detail)


def _tracer_failure(exc: Exception, qualified: str, fn, args, kwargs) -> str | None:
    """Why ``exc`` (raised by scipy's code on traced arguments) means that code cannot take
    traced values, or None if it is an error to pass on unchanged."""
    if isinstance(exc, UnsupportedOperation):
        if exc.name == qualified:
            return None  # named already (the function called itself)
        name = exc.name
        if name.startswith("np._"):  # a private ufunc of scipy's (np._zeta): say so
            name = f"scipy's private ufunc {name[3:]}"
        return f"it calls {name}, which xformad does not differentiate"
    if isinstance(exc, xformad.TracerConversionError):
        return "it converts a traced value to a plain array (a write into an ndarray, a C routine)"
    if isinstance(exc, XformadError) and isinstance(exc, AttributeError):  # TracerAttributeError
        return f"it reads an ndarray attribute a traced value has not ({_first_line(exc).split(' (')[0]})"
    if isinstance(exc, (XformadError, _PLUGIN_ERRORS)):
        return None  # says what is wrong already, or is xformad's control flow (jit guards)
    if isinstance(exc, (TypeError, AttributeError, NotImplementedError)):
        if not _binds(fn, args, kwargs):
            return None  # a wrong call, which scipy refuses without traced values too
        return f"{type(exc).__name__}: {_first_line(exc)}"
    if isinstance(exc, ValueError) and _binds(fn, args, kwargs) and _runs_on_plain(fn, args, kwargs):
        # a C routine's "could not convert ... to a common type" (lfilter's IIR path): the
        # same call on the plain values runs, so the traced values were what it refused
        return f"{type(exc).__name__}: {_first_line(exc)}"
    return None  # scipy's own ValueError, LinAlgError, ... about the arguments


def _runs_on_plain(fn, args, kwargs) -> bool:
    try:
        fn(*plain_values(list(args)), **plain_values(dict(kwargs)))
    except Exception:
        return False
    return True


def _binds(fn, args, kwargs) -> bool:
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:  # no signature to check against
        pass
    return True


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= 160 else line[:157] + "..."


__all__ = ["ALTERNATIVES", "public_functions", "register", "unserved", "unsupported"]
