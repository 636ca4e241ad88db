"""Methods of a distribution that are not served for traced arguments: each raises
StatsError saying what to write instead (called with plain values, scipy runs as usual)."""

from __future__ import annotations

from ..errors import StatsError
from .arguments import has_traced

SERVED_CONTINUOUS = "pdf, logpdf, cdf, logcdf, sf, logsf; norm also ppf, isf"
SERVED_DISCRETE = "pmf, logpmf, cdf, logcdf, sf, logsf"

# what to write instead, per method
HINTS = {
    "rvs": (
        "A draw with traced parameters has no derivative here. Draw the standardized "
        "variable and transform it, which differentiates in loc and scale: "
        "loc + scale * rng.standard_normal(size) for norm, or in general "
        "loc + scale * scipy.stats.<name>.rvs(<constant shapes>, size=size, random_state=rng)."
    ),
    "fit": (
        "fit is an optimisation, not a differentiable function. Write the negative log "
        "likelihood, e.g. -np.sum(scipy.stats.norm.logpdf(data, loc, scale)), and "
        "minimise it with its gradient."
    ),
    "fit_loc_scale": "Estimate loc and scale with numpy (np.mean, np.std) on the traced data.",
    "nnlf": "Write it as -np.sum(<dist>.logpdf(x, *shapes, loc=loc, scale=scale)).",
    "expect": "Write the expectation as an average or a quadrature sum with numpy.",
}
DEFAULT_HINT = (
    "Write it with numpy from the parameters (for example, norm's mean is loc and its "
    "standard deviation scale; poisson's mean and variance are mu), or call it with "
    "constant arguments."
)
# the multivariate distributions' own advice
MULTIVARIATE_HINTS = {
    "rvs": {
        "multivariate_normal": (
            "Transform standard normal draws, which differentiates in mean and cov: "
            "mean + np.linalg.cholesky(cov) @ rng.standard_normal(dim)."
        ),
        "dirichlet": (
            "A Dirichlet draw (normalized gamma draws) has no derivative in alpha here; "
            "draw with constant alpha."
        ),
    },
    "cdf": {"multivariate_normal": "It is a numerical integral; call it with constant arguments."},
    "logcdf": {"multivariate_normal": "It is a numerical integral; call it with constant arguments."},
}
MULTIVARIATE_DEFAULT = (
    "Write it with numpy from the parameters (multivariate_normal's mean and cov are the "
    "parameters themselves; dirichlet's mean is alpha / alpha.sum()), or call it with "
    "constant arguments."
)


POISSON_DRAWS = "Poisson draws are integers, without a derivative in mu: draw with a constant mu."


def hint(name: str, method: str) -> str:
    """What to write instead of ``scipy.stats.<name>.<method>`` on traced arguments."""
    if (name, method) == ("poisson", "rvs"):
        return POISSON_DRAWS
    if name in ("multivariate_normal", "dirichlet"):
        return MULTIVARIATE_HINTS.get(method, {}).get(name, MULTIVARIATE_DEFAULT)
    return HINTS.get(method, DEFAULT_HINT)


def refusing(method: str, served_of, name_of=lambda dist: dist.name):
    """An interception handler for ``method`` that raises for traced arguments.

    ``dist`` is the instance the method was called on: ``name_of(dist)`` names it in the
    message, ``served_of(dist)`` lists the methods that are served for it."""

    def handler(dist, *args, **kwargs):
        if not has_traced(args, kwargs):
            return NotImplemented
        name = name_of(dist)
        raise StatsError(
            f"scipy.stats.{name}.{method} with traced arguments is not served "
            f"(served: {served_of(dist)}). {hint(name, method)}"
        )

    return handler
