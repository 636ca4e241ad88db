"""What the family serves: (qualified scipy name, differentiable arguments, note) triples,
from which the lead generates docs/coverage.md."""

from __future__ import annotations

_PARAMETER_NOTE = "parameter derivatives by a series, to second order (third raises)"
_ORDER_NOTE = "v: raises (no derivative in the order served)"

COVERAGE = [
    # error function and normal distribution
    ("scipy.special.erf", "z", "complex too"),
    ("scipy.special.erfc", "x", "complex too"),
    ("scipy.special.erfcx", "x", ""),
    ("scipy.special.erfinv", "y", ""),
    ("scipy.special.erfcinv", "y", ""),
    ("scipy.special.ndtr", "x", "complex too"),
    ("scipy.special.log_ndtr", "x", "finite in both tails"),
    ("scipy.special.ndtri", "y", ""),
    # logistic
    ("scipy.special.expit", "x", ""),
    ("scipy.special.logit", "x", ""),
    ("scipy.special.log_expit", "x", ""),
    # gamma and beta
    ("scipy.special.gamma", "z", "complex: first order only"),
    ("scipy.special.gammaln", "x", ""),
    (
        "scipy.special.rgamma",
        "z",
        ("1/Gamma; finite derivative at the poles of Gamma ((-1)^n n! at -n); complex: first order only"),
    ),
    ("scipy.special.gammasgn", "x", "piecewise constant: derivative 0"),
    ("scipy.special.digamma", "z", "also psi; complex: first order only"),
    ("scipy.special.polygamma", "x", "n: raises (an integer order)"),
    ("scipy.special.multigammaln", "a", "d: raises (an integer dimension)"),
    ("scipy.special.beta", "a, b", ""),
    ("scipy.special.betaln", "a, b", ""),
    ("scipy.special.gammainc", "a, x", f"a: {_PARAMETER_NOTE}"),
    ("scipy.special.gammaincc", "a, x", f"a: {_PARAMETER_NOTE}"),
    ("scipy.special.betainc", "a, b, x", f"a, b: {_PARAMETER_NOTE}"),
    # zeta
    (
        "scipy.special.zeta",
        "q",
        ("zeta(x, q) and Riemann zeta(x); d/dx raises (no derivative in x in scipy); out= raises"),
    ),
    # x log y and entropy
    ("scipy.special.xlogy", "x, y", "d/dy is 0 where x is 0"),
    ("scipy.special.xlog1py", "x, y", "d/dy is 0 where x is 0"),
    ("scipy.special.entr", "x", "scipy's values at 0 and below; derivative NaN where the value is -inf"),
    ("scipy.special.rel_entr", "x, y", "scipy's values; derivative NaN where the value is inf"),
    # reductions
    ("scipy.special.logsumexp", "a, b", "every keyword; return_sign: the magnitude differentiates"),
    ("scipy.special.softmax", "x", ""),
    ("scipy.special.log_softmax", "x", ""),
    # Bessel functions of fixed order
    *((f"scipy.special.{name}", "x", "") for name in ("i0", "i1", "i0e", "i1e", "j0", "j1")),
    *((f"scipy.special.{name}", "x", "x > 0") for name in ("y0", "y1", "k0", "k1", "k0e", "k1e")),
    # Bessel functions of general order
    ("scipy.special.iv", "z", _ORDER_NOTE),
    ("scipy.special.ive", "z", f"{_ORDER_NOTE}; real z only"),
    ("scipy.special.kv", "z", _ORDER_NOTE),
    ("scipy.special.kve", "z", _ORDER_NOTE),
    ("scipy.special.jv", "z", f"also jn; {_ORDER_NOTE}"),
    ("scipy.special.yv", "z", _ORDER_NOTE),
    ("scipy.special.yn", "x", "n: raises (an integer order)"),
]
