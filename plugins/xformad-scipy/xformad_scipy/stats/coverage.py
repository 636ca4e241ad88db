"""What the family serves, for the lead's docs/coverage.md: (scipy name, differentiable
arguments, note) per function or method."""

from __future__ import annotations

_LOC_SCALE = "also frozen: dist(*shapes, loc, scale).method(x); broadcasting"
_CONTINUOUS = {
    "norm": "",
    "t": "df",
    "gamma": "a",
    "beta": "a, b",
    "chi2": "df",
    "expon": "",
    "lognorm": "s",
    "cauchy": "",
    "laplace": "",
}
_NOTES = {
    "t": "df = inf is the normal distribution; cdf/sf shape derivative numeric (betainc), to order 2",
    "gamma": "cdf/sf a-derivative numeric (gammainc), to order 2",
    "beta": "cdf/sf a, b derivatives numeric (betainc), to order 2",
    "chi2": "cdf/sf df-derivative numeric (gammainc), to order 2",
}


def _continuous():
    rows = []
    for name, shapes in _CONTINUOUS.items():
        arguments = ", ".join(a for a in ("x", shapes, "loc", "scale") if a)
        note = "; ".join(n for n in (_NOTES.get(name, ""), _LOC_SCALE) if n)
        for method in ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"):
            rows.append((f"scipy.stats.{name}.{method}", arguments, note))
    return rows


def _poisson():
    note = "k, loc: raise if differentiated (integer-valued); also frozen poisson(mu).method(k)"
    return [
        (f"scipy.stats.poisson.{m}", "mu", note) for m in ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf")
    ]


_MVN = (
    "cov a full matrix (also scalar or diagonal vector, as scipy); scipy reads its lower "
    "triangle, so d/dcov is zero above the diagonal; allow_singular=True with a constant "
    "singular cov: the density on its subspace (x, mean traced), a traced singular cov "
    "raises; also frozen multivariate_normal(mean, cov).method(x)"
)
_MVN_ENTROPY = (
    "scipy reads cov's lower triangle, so d/dcov is zero above the diagonal; a singular cov "
    "raises; also frozen multivariate_normal(mean, cov).entropy()"
)
_DIRICHLET = "x may leave out its last component (1 - sum); also frozen dirichlet(alpha).method(x)"

_QUANTILE = (
    "derivative in q: scale / pdf(ppf(q)); zero at q = 0, 1; NaN where scipy's value is NaN; "
    "also frozen norm(loc, scale).method(q); broadcasting"
)

COVERAGE = (
    _continuous()
    + [(f"scipy.stats.norm.{m}", "q, loc, scale", _QUANTILE) for m in ("ppf", "isf")]
    + _poisson()
    + [
        ("scipy.stats.multivariate_normal.logpdf", "x, mean, cov", _MVN),
        ("scipy.stats.multivariate_normal.pdf", "x, mean, cov", _MVN),
        ("scipy.stats.multivariate_normal.entropy", "cov", _MVN_ENTROPY),
        ("scipy.stats.dirichlet.logpdf", "x, alpha", _DIRICHLET),
        ("scipy.stats.dirichlet.pdf", "x, alpha", _DIRICHLET),
    ]
)
