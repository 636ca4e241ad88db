"""The univariate distributions: handlers for the methods of rv_continuous and rv_discrete.

``scipy.stats.norm`` is an instance of ``norm_gen``, a subclass of ``rv_continuous``, whose
``logpdf``, ``cdf``, ... are the methods every continuous distribution uses; a frozen
distribution (``norm(mu, s).logpdf(x)``) calls them too, with its stored parameters. So the
handlers stand in for those base-class methods and dispatch on the instance: a served
distribution's traced call returns scipy's value with the composite's derivative
(``exact.py``); any other distribution's traced call raises StatsError. Shape parameters,
``loc`` and ``scale`` are parsed by scipy's own ``_parse_args`` (positional or keyword,
scipy's TypeError for a wrong keyword).
"""

from __future__ import annotations

from ..errors import StatsError
from . import location_scale, poisson, quantiles
from .arguments import as_arrays, has_traced
from .exact import scipy_value, with_derivative
from .models import CONTINUOUS
from .refusals import SERVED_CONTINUOUS, SERVED_DISCRETE, refusing

DISCRETE = ("poisson",)
NOT_REFUSED = {"freeze"}  # freezing stores traced parameters; the frozen methods call ours
SERVED = tuple(CONTINUOUS) + DISCRETE


def served_name(dist, method: str) -> str:
    """The scipy.stats name of a served distribution instance, or StatsError."""
    import scipy.stats

    name = getattr(dist, "name", None)
    reference = getattr(scipy.stats, name, None) if name in SERVED else None
    if reference is None or type(dist) is not type(reference):
        raise StatsError(
            f"scipy.stats.{name}.{method} with traced arguments is not served. Served "
            f"distributions: {', '.join(SERVED)}; for another one, write its log density "
            "with numpy and scipy.special."
        )
    if (dist.a, dist.b) != (reference.a, reference.b):
        raise StatsError(
            f"scipy.stats.{name}.{method}: an instance made with its own support "
            f"(a={dist.a}, b={dist.b}) is not served for traced arguments; use "
            f"scipy.stats.{name} itself."
        )
    return name


def continuous_method(method: str):
    """The handler of rv_continuous.<method> (pdf, logpdf, cdf, logcdf, sf, logsf)."""

    def handler(dist, x, *args, **kwds):
        if not has_traced(x, args, kwds):
            return NotImplemented
        name = served_name(dist, method)
        call = f"scipy.stats.{name}.{method}"
        shapes, loc, scale = dist._parse_args(*args, **kwds)
        x, loc, scale, *shapes = as_arrays(call, x, loc, scale, *shapes)
        value = scipy_value(call, x, *shapes, loc, scale)
        model = CONTINUOUS[name]
        return with_derivative(
            call, value, location_scale.stand_in(model, method, x, tuple(shapes), loc, scale, value)
        )

    handler.__name__ = method
    return handler


def discrete_method(method: str):
    """The handler of rv_discrete.<method> (pmf, logpmf, cdf, logcdf, sf, logsf)."""

    def handler(dist, k, *args, **kwds):
        if not has_traced(k, args, kwds):
            return NotImplemented
        name = served_name(dist, method)
        call = f"scipy.stats.{name}.{method}"
        shapes, loc, _ = dist._parse_args(*args, **kwds)  # (scale is 1 for discrete ones)
        k, loc, *shapes = as_arrays(call, k, loc, *shapes)
        value = scipy_value(call, k, *shapes, loc)
        return with_derivative(call, value, poisson.stand_in(method, k, *shapes, loc, value))

    handler.__name__ = method
    return handler


def _owners(method: str, classes) -> set:
    """The classes whose ``method`` the given classes' instances actually call."""
    return {next(c for c in cls.__mro__ if method in c.__dict__) for cls in classes if hasattr(cls, method)}


def interceptions():
    """(class, method name, handler) for every method of the served distributions."""
    import scipy.stats
    from scipy.stats import rv_continuous, rv_discrete

    continuous = [rv_continuous] + [type(getattr(scipy.stats, n)) for n in CONTINUOUS]
    discrete = [rv_discrete] + [type(getattr(scipy.stats, n)) for n in DISCRETE]
    entries = [(rv_continuous, m, continuous_method(m)) for m in location_scale.METHODS]
    entries += [(rv_discrete, m, discrete_method(m)) for m in poisson.METHODS]

    def served_of(dist):
        return SERVED_DISCRETE if isinstance(dist, rv_discrete) else SERVED_CONTINUOUS

    # ppf and isf: served for norm (quantiles.py), refused for the others
    for method in quantiles.METHODS:
        refused = refusing(method, served_of)
        entries += [
            (owner, method, quantiles.quantile_method(method, refused))
            for owner in _owners(method, continuous)
        ]

    # every other public method (rvs, mean, fit, ...), wherever its classes define it
    # (rv_generic's are shared by both families: one entry each; the continuous quantile
    # entries above come first, so _unique keeps them)
    for classes in (continuous, discrete):
        names = {n for cls in classes for n in dir(cls) if not n.startswith("_")}
        for method in sorted(names - set(location_scale.METHODS) - set(poisson.METHODS) - NOT_REFUSED):
            if callable(getattr(classes[0], method, None)):
                entries += [
                    (owner, method, refusing(method, served_of)) for owner in _owners(method, classes)
                ]
    return _unique(entries)


def _unique(entries):
    """One entry per (class, method): rv_generic's methods are shared by both families."""
    seen, out = set(), []
    for owner, method, handler in entries:
        if (owner, method) not in seen:
            seen.add((owner, method))
            out.append((owner, method, handler))
    return out
