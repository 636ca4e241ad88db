"""One row per scipy.special function the plugin serves: how to call it and where."""

from __future__ import annotations

from dataclasses import dataclass

import scipy.special as sp


@dataclass
class Row:
    name: str  # the primitive is "scipy.<name>"
    fn: object  # a function of the differentiated arguments
    domains: tuple  # (low, high) per argument
    complex_ok: bool = False  # also checked on complex inputs

    @property
    def arity(self) -> int:
        return len(self.domains)


WHOLE = (-2.0, 2.0)
POS = (0.5, 3.0)
UNIT = (-0.9, 0.9)
PROB = (0.05, 0.95)

ROWS = [
    Row("erf", sp.erf, (WHOLE,), complex_ok=True),
    Row("erfc", sp.erfc, (WHOLE,), complex_ok=True),
    Row("erfcx", sp.erfcx, (WHOLE,)),
    Row("erfinv", sp.erfinv, (UNIT,)),
    Row("erfcinv", sp.erfcinv, ((0.1, 1.9),)),
    Row("ndtr", sp.ndtr, (WHOLE,), complex_ok=True),
    Row("log_ndtr", sp.log_ndtr, ((-6.0, 3.0),)),
    Row("ndtri", sp.ndtri, (PROB,)),
    Row("expit", sp.expit, ((-3.0, 3.0),)),
    Row("logit", sp.logit, ((0.1, 0.9),)),
    Row("log_expit", sp.log_expit, ((-3.0, 3.0),)),
    Row("gammaln", sp.gammaln, (POS,)),
    Row("digamma", sp.digamma, (POS,)),
    Row("digamma", sp.psi, (POS,)),
    Row("polygamma", lambda x: sp.polygamma(1, x), (POS,)),
    Row("polygamma", lambda x: sp.polygamma(3, x), (POS,)),
    Row("gamma", sp.gamma, ((0.5, 2.5),)),
    Row("beta", sp.beta, (POS, POS)),
    Row("betaln", sp.betaln, (POS, POS)),
    Row("xlogy", sp.xlogy, (WHOLE, POS)),
    Row("xlog1py", sp.xlog1py, (WHOLE, (-0.5, 2.0))),
    Row("i0", sp.i0, ((-3.0, 3.0),)),
    Row("i1", sp.i1, ((-3.0, 3.0),)),
    Row("i0e", sp.i0e, ((0.2, 3.0),)),
    Row("i0e", sp.i0e, ((-3.0, -0.2),)),
    Row("i1e", sp.i1e, ((0.2, 3.0),)),
    Row("i1e", sp.i1e, ((-3.0, -0.2),)),
    Row("j0", sp.j0, ((-6.0, 6.0),)),
    Row("j1", sp.j1, ((-6.0, 6.0),)),
    Row("y0", sp.y0, ((0.5, 6.0),)),
    Row("y1", sp.y1, ((0.5, 6.0),)),
    Row("k0", sp.k0, ((0.5, 4.0),)),
    Row("k1", sp.k1, ((0.5, 4.0),)),
    Row("k0e", sp.k0e, ((0.5, 4.0),)),
    Row("k1e", sp.k1e, ((0.5, 4.0),)),
]


def row_id(row: Row) -> str:
    lo, hi = row.domains[0]
    return f"{row.name}[{lo},{hi}]"
