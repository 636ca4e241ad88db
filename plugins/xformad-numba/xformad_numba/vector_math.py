"""exp, expm1, tanh, sin and cos as straight-line float arithmetic LLVM can vectorise.

numba calls libm for ``np.exp(x)`` on a scalar, one element at a time: a loop holding one
is never vectorised (numba's pip wheels have no SVML), and libm's calls dominate the fused
loop. XLA's CPU backend writes these functions as polynomials instead; so do these:
Cody-Waite range reduction, a Taylor polynomial on the reduced range (truncation below
1e-17 relative), and the scaling by 2^k through the exponent bits. They agree with libm
within a few ulps (``tests/test_numba_vector_math.py`` measures it), inside the backend's
``result_tolerance``. Special values (inf, nan, overflow, subnormal results) follow numpy.

sin and cos reduce exactly only for |x| < ``TRIG_BOUND``: a loop using them also returns
whether any argument lay beyond, and its caller then runs the loop's libm variant instead.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _bits_as_float(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _float_bits(typingctx, x):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c, rounded once (llvm.fma: one vectorisable instruction where the CPU has
    FMA). Only these polynomials use it; the user's arithmetic keeps numpy's roundings."""

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


_INV_LN2 = 1.44269504088896338700e00
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0  # 1.5 * 2^52: (x + _ROUND) - _ROUND rounds x to an integer
_TWO_OVER_PI = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e00  # pi/2 in three parts of 33 bits: k * part is exact
_PIO2_2 = 6.07710050630396597660e-11
_PIO2_3 = 2.02226624871116645580e-21
TRIG_BOUND = 1e5  # k < 2^17: the three-part reduction stays exact
_EXPONENT_BIAS = 4503599627371519.0  # 2^52 + 1023: k + this holds k + 1023 in its low bits
_EXPONENT_BIAS_BITS = 0x4330000000000000  # the bits of 2^52


@njit(inline="always")
def _expm1_small(r):
    """expm1(r) for |r| <= ln2 / 2."""
    p = 1.0 / 87178291200.0
    p = _fma(p, r, 1.0 / 6227020800.0)
    p = _fma(p, r, 1.0 / 479001600.0)
    p = _fma(p, r, 1.0 / 39916800.0)
    p = _fma(p, r, 1.0 / 3628800.0)
    p = _fma(p, r, 1.0 / 362880.0)
    p = _fma(p, r, 1.0 / 40320.0)
    p = _fma(p, r, 1.0 / 5040.0)
    p = _fma(p, r, 1.0 / 720.0)
    p = _fma(p, r, 1.0 / 120.0)
    p = _fma(p, r, 1.0 / 24.0)
    p = _fma(p, r, 1.0 / 6.0)
    p = _fma(p, r, 0.5)
    return r + r * r * p


@njit(inline="always")
def _pow2(k):
    """2^k for an integer-valued float k in [-1022, 1023], with integer arithmetic on the
    bits of k + 2^52 + 1023 rather than a float-to-int conversion, which AVX2 has only
    for one element at a time (it kept the loops that call exp from vectorising)."""
    return _bits_as_float((_float_bits(k + _EXPONENT_BIAS) - _EXPONENT_BIAS_BITS) << 52)


@njit(inline="always")
def _reduce_ln2(x):
    """(k, r) with x = k ln2 + r, |r| <= ln2 / 2, for x clamped to [-746, 710]."""
    xc = x if x < 710.0 else 710.0
    xc = xc if xc > -746.0 else -746.0
    k = (xc * _INV_LN2 + _ROUND) - _ROUND
    return k, (xc - k * _LN2_HI) - k * _LN2_LO


@njit(inline="always")
def exp(x):
    k, r = _reduce_ln2(x)
    half = np.floor(k * 0.5)  # two factors: 2^k itself may be subnormal or overflow
    y = (1.0 + _expm1_small(r)) * _pow2(half) * _pow2(k - half)
    y = y if x < 710.0 else np.inf
    y = y if x > -746.0 else 0.0
    return y if x == x else x


@njit(inline="always")
def expm1(x):
    xc = x if x > -40.0 else -40.0  # expm1 is -1 below
    k, r = _reduce_ln2(xc)
    half = np.floor(k * 0.5)
    low, high = _pow2(half), _pow2(k - half)
    p = _expm1_small(r)
    scale = low * high
    y = scale * p + (scale - 1.0)
    y = y if k != 0.0 else p  # no rounding of 1 + tiny
    y = y if x < 709.0 else (1.0 + p) * low * high  # 2^k overflows: expm1 is exp there
    y = y if x > -40.0 else -1.0
    return y if x == x else x


@njit(inline="always")
def tanh(x):
    a = np.abs(x)
    u = expm1(-2.0 * (a if a < 20.0 else 20.0))  # in (-1, 0]: tanh a = -u / (u + 2)
    t = -u / (u + 2.0)
    t = t if a < 20.0 else 1.0
    return np.copysign(t, x) if x == x else x


@njit(inline="always")
def _sin_small(r):
    """sin(r) for |r| <= pi / 4."""
    z = r * r
    p = -1.0 / 51090942171709440000.0
    p = _fma(p, z, 1.0 / 121645100408832000.0)
    p = _fma(p, z, -1.0 / 355687428096000.0)
    p = _fma(p, z, 1.0 / 1307674368000.0)
    p = _fma(p, z, -1.0 / 6227020800.0)
    p = _fma(p, z, 1.0 / 39916800.0)
    p = _fma(p, z, -1.0 / 362880.0)
    p = _fma(p, z, 1.0 / 5040.0)
    p = _fma(p, z, -1.0 / 120.0)
    p = _fma(p, z, 1.0 / 6.0)
    return r - r * z * p


@njit(inline="always")
def _cos_small(r):
    """cos(r) for |r| <= pi / 4."""
    z = r * r
    p = 1.0 / 2432902008176640000.0
    p = _fma(p, z, -1.0 / 6402373705728000.0)
    p = _fma(p, z, 1.0 / 20922789888000.0)
    p = _fma(p, z, -1.0 / 87178291200.0)
    p = _fma(p, z, 1.0 / 479001600.0)
    p = _fma(p, z, -1.0 / 3628800.0)
    p = _fma(p, z, 1.0 / 40320.0)
    p = _fma(p, z, -1.0 / 720.0)
    p = _fma(p, z, 1.0 / 24.0)
    p = _fma(p, z, -0.5)
    return 1.0 + z * p


@njit(inline="always")
def _reduce_half_pi(x):
    """(quadrant as a float 0..3, r) with x = k pi/2 + r, |r| <= pi / 4 (exact for
    |x| < TRIG_BOUND; beyond, a wrong r flagged by ``trig_out_of_range``)."""
    xc = x if np.abs(x) < TRIG_BOUND else 0.0
    k = (xc * _TWO_OVER_PI + _ROUND) - _ROUND
    r = ((xc - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    return k - 4.0 * np.floor(k * 0.25), r


@njit(inline="always")
def sin(x):
    q, r = _reduce_half_pi(x)
    s, c = _sin_small(r), _cos_small(r)
    y = c if (q == 1.0) | (q == 3.0) else s  # selects, not branches: the loop vectorises
    y = -y if q >= 2.0 else y
    return y if np.abs(x) < np.inf else x - x  # sin(inf) and sin(nan) are nan, as numpy's


@njit(inline="always")
def cos(x):
    q, r = _reduce_half_pi(x)
    s, c = _sin_small(r), _cos_small(r)
    y = s if (q == 1.0) | (q == 3.0) else c
    y = -y if (q == 1.0) | (q == 2.0) else y
    return y if np.abs(x) < np.inf else x - x


@njit(inline="always")
def trig_out_of_range(x):
    """True where the fast sin and cos are not exact: the loop's libm variant must run."""
    return (np.abs(x) >= TRIG_BOUND) & (np.abs(x) < np.inf)
