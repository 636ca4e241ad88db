"""Frozen multivariate normals: ``multivariate_normal(mean, cov)`` with a traced mean or
cov (scipy's frozen object would factorize the traced cov at once), and the methods of a
frozen distribution made with constant parameters, called on traced x."""

from __future__ import annotations

from ..errors import StatsError
from .arguments import has_traced
from .multivariate_normal import SERVED, entropy_value, method_value, parameters, refuse_covariance_object
from .refusals import hint


def freeze(dist, mean=None, cov=1, allow_singular=False, seed=None, **kwds):
    """``multivariate_normal(mean, cov)`` with a traced mean or cov."""
    if not has_traced(mean, cov):
        return NotImplemented
    return TracedMultivariateNormal(mean, cov, allow_singular)


class TracedMultivariateNormal:
    """A frozen multivariate normal whose mean or cov is traced: logpdf and pdf are
    served; the other methods of scipy's frozen distribution raise StatsError."""

    def __init__(self, mean, cov, allow_singular=False):
        refuse_covariance_object(cov, "multivariate_normal")
        self._given = (mean, cov)
        self.allow_singular = allow_singular
        self.dim, self.mean, self.cov = parameters(mean, cov)

    def logpdf(self, x):
        return method_value("logpdf", x, *self._given, self.allow_singular)

    def pdf(self, x):
        return method_value("pdf", x, *self._given, self.allow_singular)

    def entropy(self):
        return entropy_value(*self._given)

    def __getattr__(self, name):
        if name in ("cdf", "logcdf", "rvs", "marginal"):
            raise StatsError(
                f"scipy.stats.multivariate_normal(mean, cov).{name} with a traced mean or cov "
                f"is not served (served: {SERVED}). {hint('multivariate_normal', name)}"
            )
        raise AttributeError(name)


def frozen_method(method: str):
    """The handler of multivariate_normal_frozen.<method> (a frozen distribution made
    with constant parameters, called on traced x)."""

    def handler(frozen, x):
        if not has_traced(x):
            return NotImplemented
        from scipy.stats._covariance import CovViaPSD

        call = f"scipy.stats.multivariate_normal.{method}"
        if not isinstance(frozen.cov_object, CovViaPSD):  # frozen with a Covariance object
            refuse_covariance_object(frozen.cov_object, call)
        if frozen.cov_object.rank < frozen.dim:
            raise StatsError(
                f"{call}: the frozen distribution's cov is singular; a density "
                "on a subspace is not served for traced x. Use a positive definite cov."
            )
        return method_value(method, x, frozen.mean, frozen.cov, False)

    handler.__name__ = method
    return handler
