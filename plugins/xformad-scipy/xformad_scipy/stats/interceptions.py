"""Every scipy.stats method the family stands in for while a trace is open, as
(class, method name, handler) triples for ``registry.intercept``."""

from __future__ import annotations

from . import dirichlet, multivariate_normal, univariate
from .multivariate_normal_frozen import freeze, frozen_method
from .refusals import refusing


def _multivariate(name: str, served: str):
    """A refusing handler for a multivariate distribution's method."""
    return lambda method: refusing(method, lambda dist: served, lambda dist: name)


def all_interceptions() -> list:
    from scipy.stats._multivariate import (
        dirichlet_gen,
        multivariate_normal_frozen,
        multivariate_normal_gen,
    )

    mvn_refusing = _multivariate("multivariate_normal", multivariate_normal.SERVED)
    dirichlet_refusing = _multivariate("dirichlet", dirichlet.SERVED)
    return [
        # rv_continuous / rv_discrete (norm, t, ..., poisson), served and refused methods
        *univariate.interceptions(),
        # multivariate_normal, its frozen form made with traced or with constant parameters
        (multivariate_normal_gen, "logpdf", multivariate_normal.logpdf),
        (multivariate_normal_gen, "pdf", multivariate_normal.pdf),
        (multivariate_normal_gen, "entropy", multivariate_normal.entropy),
        (multivariate_normal_gen, "__call__", freeze),
        (multivariate_normal_frozen, "logpdf", frozen_method("logpdf")),
        (multivariate_normal_frozen, "pdf", frozen_method("pdf")),
        *[(multivariate_normal_gen, m, mvn_refusing(m)) for m in ("cdf", "logcdf", "rvs", "fit")],
        *[(multivariate_normal_frozen, m, mvn_refusing(m)) for m in ("cdf", "logcdf")],
        # dirichlet (its frozen form is scipy's own object, whose methods call these)
        (dirichlet_gen, "logpdf", dirichlet.logpdf),
        (dirichlet_gen, "pdf", dirichlet.pdf),
        *[(dirichlet_gen, m, dirichlet_refusing(m)) for m in ("mean", "var", "cov", "entropy", "rvs")],
    ]
