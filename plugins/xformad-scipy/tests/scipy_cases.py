"""One row per scipy.special function the plugin serves: how to call it and where.

ROWS also run on the cupy backend (tests/test_scipy_plugin_loading.py); HOST_ONLY_ROWS are
the functions cupyx.scipy.special lacks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
# orders of the general-order Bessel functions, one per element of a drawn argument
# (float32, so that float32 arguments keep scipy's float32 loop)
ORDERS = np.array([0.0, 1.0, 2.5, -1.5], dtype=np.float32)
INTEGER_ORDERS = np.array([0.0, 1.0, 2.0, -3.0], dtype=np.float32)

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
    Row("yn", lambda x: sp.yn(2.0, x), ((0.5, 8.0),)),  # a float order keeps the float32 loop
    Row("entr", sp.entr, ((0.05, 3.0),)),
    Row("rel_entr", sp.rel_entr, (POS, POS)),
    # both series (x < a) and continued-fraction (x > a) regions of the a-derivative
    Row("gammainc", sp.gammainc, (POS, (0.2, 6.0))),
    Row("gammaincc", sp.gammaincc, (POS, (0.2, 6.0))),
    # both sides of the symmetry point x = (a + 1) / (a + b + 2)
    Row("betainc", sp.betainc, (POS, POS, (0.05, 0.95))),
]


def row_id(row: Row) -> str:
    lo, hi = row.domains[0]
    return f"{row.name}[{lo},{hi}]"


# general-order Bessel functions, with an order per element (4 elements): cupyx.scipy.special
# has no kernels for them, so they are checked on the host only
HOST_ONLY_ROWS = [
    Row("iv", lambda z: sp.iv(ORDERS, z), ((0.2, 4.0),), complex_ok=True),
    Row("iv", lambda z: sp.iv(INTEGER_ORDERS, z), ((-4.0, 4.0),)),
    Row("ive", lambda z: sp.ive(ORDERS, z), ((0.2, 4.0),)),
    Row("ive", lambda z: sp.ive(INTEGER_ORDERS, z), ((-4.0, -0.2),)),
    Row("kv", lambda z: sp.kv(ORDERS, z), ((0.3, 4.0),), complex_ok=True),
    Row("kve", lambda z: sp.kve(ORDERS, z), ((0.3, 4.0),), complex_ok=True),
    Row("jv", lambda z: sp.jv(ORDERS, z), ((0.5, 8.0),)),
    Row("jv", lambda z: sp.jn(INTEGER_ORDERS, z), ((-8.0, 8.0),)),
    Row("yv", lambda z: sp.yv(ORDERS, z), ((0.5, 8.0),)),
    Row("yn", lambda x: sp.yn(INTEGER_ORDERS, x), ((0.5, 8.0),)),
]
