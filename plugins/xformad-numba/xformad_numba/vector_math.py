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

Each function is a numba ``intrinsic``: its body is written once, below, as Python that
emits LLVM instructions at the call site (``_Emit``: fma, selects, bit casts), and the
functions compose as Python calls (tanh emits expm1's instructions). As ``@njit(inline=
"always")`` functions they were numba-IR inlined at every call site, each nested helper
copied and re-typed again: about 0.35 s of compile per tanh in a kernel. The instructions
are the same ones, in the same order, so results are bit for bit those of that form.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

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
_F64 = ir.DoubleType()
_I64 = ir.IntType(64)

# Taylor coefficients, highest order first (Horner's scheme, one fma a step)
_EXPM1_COEFFS = [1.0 / d for d in (87178291200.0, 6227020800.0, 479001600.0, 39916800.0, 3628800.0)]
_EXPM1_COEFFS += [1.0 / d for d in (362880.0, 40320.0, 5040.0, 720.0, 120.0, 24.0, 6.0)] + [0.5]
_SIN_COEFFS = [-1.0 / 51090942171709440000.0, 1.0 / 121645100408832000.0, -1.0 / 355687428096000.0]
_SIN_COEFFS += [1.0 / 1307674368000.0, -1.0 / 6227020800.0, 1.0 / 39916800.0, -1.0 / 362880.0]
_SIN_COEFFS += [1.0 / 5040.0, -1.0 / 120.0, 1.0 / 6.0]
_COS_COEFFS = [1.0 / 2432902008176640000.0, -1.0 / 6402373705728000.0, 1.0 / 20922789888000.0]
_COS_COEFFS += [-1.0 / 87178291200.0, 1.0 / 479001600.0, -1.0 / 3628800.0, 1.0 / 40320.0]
_COS_COEFFS += [-1.0 / 720.0, 1.0 / 24.0, -0.5]


class _Emit:
    """Float64 arithmetic on an LLVM builder, with Python's and numba's semantics:
    comparisons are ordered (false beside a NaN) except ``!=``; ``pick(c, a, b)`` is
    ``a if c else b``."""

    def __init__(self, builder):
        self.b = builder

    def c(self, value: float):
        return ir.Constant(_F64, value)

    def add(self, x, y):
        return self.b.fadd(x, y)

    def sub(self, x, y):
        return self.b.fsub(x, y)

    def mul(self, x, y):
        return self.b.fmul(x, y)

    def div(self, x, y):
        return self.b.fdiv(x, y)

    def neg(self, x):
        return self.b.fneg(x)

    def fma(self, x, y, z):
        """x * y + z rounded once (llvm.fma: one vectorisable instruction where the CPU has
        FMA). Only these polynomials use it; the user's arithmetic keeps numpy's roundings."""
        return self.b.fma(x, y, z)

    def lt(self, x, y):
        return self.b.fcmp_ordered("<", x, y)

    def gt(self, x, y):
        return self.b.fcmp_ordered(">", x, y)

    def ge(self, x, y):
        return self.b.fcmp_ordered(">=", x, y)

    def eq(self, x, y):
        return self.b.fcmp_ordered("==", x, y)

    def ne(self, x, y):
        return self.b.fcmp_unordered("!=", x, y)

    def pick(self, cond, x, y):
        return self.b.select(cond, x, y)

    def call(self, name: str, *args):
        signature = ir.FunctionType(_F64, [_F64] * len(args))
        fn = self.b.module.declare_intrinsic(name, [_F64], signature)
        return self.b.call(fn, list(args))

    def abs(self, x):
        return self.call("llvm.fabs", x)

    def floor(self, x):
        return self.call("llvm.floor", x)

    def copysign(self, x, y):
        return self.call("llvm.copysign", x, y)

    def horner(self, coeffs: list, r):
        p = self.c(coeffs[0])
        for a in coeffs[1:]:
            p = self.fma(p, r, self.c(a))
        return p


def _expm1_small(e: _Emit, r):
    """expm1(r) for |r| <= ln2 / 2."""
    return e.add(r, e.mul(e.mul(r, r), e.horner(_EXPM1_COEFFS, r)))


def _pow2(e: _Emit, k):
    """2^k for an integer-valued float k in [-1022, 1023], with integer arithmetic on the
    bits of k + 2^52 + 1023 rather than a float-to-int conversion, which AVX2 has only
    for one element at a time (it kept the loops that call exp from vectorising)."""
    bits = e.b.bitcast(e.add(k, e.c(_EXPONENT_BIAS)), _I64)
    shifted = e.b.shl(e.b.sub(bits, ir.Constant(_I64, _EXPONENT_BIAS_BITS)), ir.Constant(_I64, 52))
    return e.b.bitcast(shifted, _F64)


def _pow2_halves(e: _Emit, k):
    """2^k as two factors, 2^floor(k/2) and 2^(k - floor(k/2)): 2^k itself may be
    subnormal or overflow."""
    half = e.floor(e.mul(k, e.c(0.5)))
    return _pow2(e, half), _pow2(e, e.sub(k, half))


def _reduce_ln2(e: _Emit, x):
    """(k, r) with x = k ln2 + r, |r| <= ln2 / 2, for x clamped to [-746, 710]."""
    xc = e.pick(e.lt(x, e.c(710.0)), x, e.c(710.0))
    xc = e.pick(e.gt(xc, e.c(-746.0)), xc, e.c(-746.0))
    k = e.sub(e.add(e.mul(xc, e.c(_INV_LN2)), e.c(_ROUND)), e.c(_ROUND))
    return k, e.sub(e.sub(xc, e.mul(k, e.c(_LN2_HI))), e.mul(k, e.c(_LN2_LO)))


def _exp(e: _Emit, x):
    k, r = _reduce_ln2(e, x)
    low, high = _pow2_halves(e, k)
    y = e.mul(e.mul(e.add(e.c(1.0), _expm1_small(e, r)), low), high)
    y = e.pick(e.lt(x, e.c(710.0)), y, e.c(float("inf")))
    y = e.pick(e.gt(x, e.c(-746.0)), y, e.c(0.0))
    return e.pick(e.eq(x, x), y, x)


def _expm1(e: _Emit, x):
    xc = e.pick(e.gt(x, e.c(-40.0)), x, e.c(-40.0))  # expm1 is -1 below
    k, r = _reduce_ln2(e, xc)
    low, high = _pow2_halves(e, k)
    p = _expm1_small(e, r)
    scale = e.mul(low, high)
    y = e.add(e.mul(scale, p), e.sub(scale, e.c(1.0)))
    y = e.pick(e.ne(k, e.c(0.0)), y, p)  # no rounding of 1 + tiny
    # 2^k overflows: expm1 is exp there
    y = e.pick(e.lt(x, e.c(709.0)), y, e.mul(e.mul(e.add(e.c(1.0), p), low), high))
    y = e.pick(e.gt(x, e.c(-40.0)), y, e.c(-1.0))
    return e.pick(e.eq(x, x), y, x)


def _tanh(e: _Emit, x):
    a = e.abs(x)
    below = e.lt(a, e.c(20.0))
    u = _expm1(e, e.mul(e.c(-2.0), e.pick(below, a, e.c(20.0))))  # in (-1, 0]: tanh a = -u / (u + 2)
    t = e.div(e.neg(u), e.add(u, e.c(2.0)))
    t = e.pick(below, t, e.c(1.0))
    return e.pick(e.eq(x, x), e.copysign(t, x), x)


def _sin_small(e: _Emit, r):
    """sin(r) for |r| <= pi / 4."""
    z = e.mul(r, r)
    return e.sub(r, e.mul(e.mul(r, z), e.horner(_SIN_COEFFS, z)))


def _cos_small(e: _Emit, r):
    """cos(r) for |r| <= pi / 4."""
    z = e.mul(r, r)
    return e.add(e.c(1.0), e.mul(z, e.horner(_COS_COEFFS, z)))


def _reduce_half_pi(e: _Emit, x):
    """(quadrant as a float 0..3, r) with x = k pi/2 + r, |r| <= pi / 4 (exact for
    |x| < TRIG_BOUND; beyond, a wrong r flagged by ``trig_out_of_range``)."""
    xc = e.pick(e.lt(e.abs(x), e.c(TRIG_BOUND)), x, e.c(0.0))
    k = e.sub(e.add(e.mul(xc, e.c(_TWO_OVER_PI)), e.c(_ROUND)), e.c(_ROUND))
    r = e.sub(e.sub(e.sub(xc, e.mul(k, e.c(_PIO2_1))), e.mul(k, e.c(_PIO2_2))), e.mul(k, e.c(_PIO2_3)))
    return e.sub(k, e.mul(e.c(4.0), e.floor(e.mul(k, e.c(0.25))))), r


def _odd_quadrant(e: _Emit, q):
    return e.b.or_(e.eq(q, e.c(1.0)), e.eq(q, e.c(3.0)))


def _finite_or_nan(e: _Emit, x, y):
    """y where x is finite; sin(inf) and sin(nan) are nan, as numpy's."""
    return e.pick(e.lt(e.abs(x), e.c(float("inf"))), y, e.sub(x, x))


def _sin(e: _Emit, x):
    q, r = _reduce_half_pi(e, x)
    s, c = _sin_small(e, r), _cos_small(e, r)
    y = e.pick(_odd_quadrant(e, q), c, s)  # selects, not branches: the loop vectorises
    y = e.pick(e.ge(q, e.c(2.0)), e.neg(y), y)
    return _finite_or_nan(e, x, y)


def _cos(e: _Emit, x):
    q, r = _reduce_half_pi(e, x)
    s, c = _sin_small(e, r), _cos_small(e, r)
    y = e.pick(_odd_quadrant(e, q), s, c)
    y = e.pick(e.b.or_(e.eq(q, e.c(1.0)), e.eq(q, e.c(2.0))), e.neg(y), y)
    return _finite_or_nan(e, x, y)


def _trig_out_of_range(e: _Emit, x):
    a = e.abs(x)
    return e.b.and_(e.ge(a, e.c(TRIG_BOUND)), e.lt(a, e.c(float("inf"))))


def _unary(emit, result_type=types.float64):
    """An intrinsic of one float64 argument whose instructions ``emit(_Emit, x)`` writes."""

    def typer(typingctx, x):
        def codegen(context, builder, signature, args):
            return emit(_Emit(builder), args[0])

        return result_type(types.float64), codegen

    typer.__name__ = emit.__name__.lstrip("_")
    typer.__doc__ = emit.__doc__
    return intrinsic(typer)


exp = _unary(_exp)
expm1 = _unary(_expm1)
tanh = _unary(_tanh)
sin = _unary(_sin)
cos = _unary(_cos)
# True where the fast sin and cos are not exact: the loop's libm variant must run
trig_out_of_range = _unary(_trig_out_of_range, types.boolean)
