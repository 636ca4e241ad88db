"""``safe_multiply``: a product in which a zero cotangent stays zero beside inf or nan.

It is what derivative rules use (through ``rules.safe_mul``) where a local derivative can be
infinite: one node, computed as a plain product plus a cheap NaN test, masked only when the
test finds 0 * inf. Its own rules treat the mask as constant, so the guarantee holds at
second order too (grad of grad stays NaN-free), and are exact where nothing was masked.
"""

from __future__ import annotations

import math

import numpy as np

from . import diagonal
from .core import Primitive


def masked_product(xp, ct, d):
    """``ct * d`` with 0 wherever ``ct == 0`` (where the plain product would be NaN)."""
    r = ct * d
    kind = type(r)
    if kind is np.float64:  # scalar fast path: math.isfinite is ~30x cheaper than numpy
        return r if math.isfinite(r) or ct != 0 else np.float64(0.0)
    if r.dtype.kind not in "fc" or not r.size:
        return r
    # 0 * inf shows as NaN and one NaN makes the sum NaN: a cheap test that allocates
    # nothing (an inf - inf in the sum only costs a harmless masking pass). Python's sum of
    # a small array's elements costs a tenth of numpy's reduction, whose fixed cost is ~2 µs.
    if kind is np.ndarray and r.size <= _SUMMED_IN_PYTHON:
        total = sum(r.ravel().tolist())
    else:
        total = r.sum()
    if _isnan(total):
        return xp.where(ct == 0, r.dtype.type(0), r)
    return r


_SUMMED_IN_PYTHON = 64  # elements: tolist() costs ~20 ns each


def _isnan(s) -> bool:
    return bool(s != s)


safe_multiply_p = Primitive("safe_multiply", masked_product)
safe_multiply_p.def_batch_elementwise()
safe_multiply_p.def_diagonal(diagonal.scaling)


def _masked_other(ct, d):
    """d(ct * d)/dct = d, taken as 0 only where the product was masked (ct == 0 beside an
    infinite or NaN d): where d is finite the derivative is d itself, at ct == 0 too."""
    masked = (ct == 0) & ~np.isfinite(d)
    return np.where(masked, np.result_type(d).type(0), d)  # a scalar: fine on any device


def _by_ct(t, ans, ct, d):
    # safe again: t (an upstream cotangent) may be 0 exactly where d is inf or nan
    return safe_mul(t, _masked_other(ct, d))


def _by_d(t, ans, ct, d):
    # d(ct * d)/dd = ct, times the incoming t: 0 where either is 0 (a zero ct masked the
    # product, so it is flat in d there; a zero t is a (co)tangent that stays zero), though
    # the other is inf or nan (reverse over forward over reverse meets both)
    # (only where the product is not finite: elsewhere it is itself, and so differentiates)
    product = ct * t
    return np.where(((ct == 0) | (t == 0)) & ~np.isfinite(product), 0, product)


safe_multiply_p.def_jvp(_by_ct, _by_d)
safe_multiply_p.def_vjp(_by_ct, _by_d)

# rules.safe_mul binds this module's primitive: imported after it is defined
from .rules import safe_mul  # noqa: E402
