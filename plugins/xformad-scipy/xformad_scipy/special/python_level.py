"""scipy.special functions written in Python rather than as ufuncs (``polygamma``).

numpy's protocols only show a tracer to ufuncs and ``__array_function__`` functions, and
scipy's ``polygamma`` starts with ``np.asarray(x)``, which a tracer refuses. So the plugin
replaces the module attribute ``scipy.special.polygamma`` by a wrapper that binds the
primitive when an argument is traced and calls scipy's own function otherwise (same
results, same signature; the original stays reachable as ``__wrapped__``). Code that did
``from scipy.special import polygamma`` before xformad first loaded its plugins holds the
original: ``import xformad_scipy`` first, or use ``xformad_scipy.polygamma``.
"""

from __future__ import annotations

import functools

from xformad.extend import is_traced

from .functions import polygamma_p


def _traced(*args) -> bool:
    return any(is_traced(a) for a in args)


def _wrap(original, primitive):
    if getattr(original, "__xformad_primitive__", None) is not None:
        return original  # already wrapped

    @functools.wraps(original)
    def wrapper(*args):
        if _traced(*args):
            return primitive.bind(*args)
        return original(*args)

    wrapper.__xformad_primitive__ = primitive
    return wrapper


def install() -> None:
    """Make ``scipy.special.polygamma`` differentiable (idempotent)."""
    import scipy.special

    scipy.special.polygamma = _wrap(scipy.special.polygamma, polygamma_p)


def polygamma(n, x):
    """``scipy.special.polygamma`` that also accepts traced values."""
    import scipy.special

    original = getattr(scipy.special.polygamma, "__wrapped__", scipy.special.polygamma)
    return polygamma_p.bind(n, x) if _traced(n, x) else original(n, x)
