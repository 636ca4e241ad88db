"""Elementwise primitives: kernels and derivative rules, one declaration each.

Broadcasting is numpy's; rules return cotangents of the broadcast shape and the reverse
sweep un-broadcasts them. Complex numbers follow JAX and autograd: a VJP is the transpose
of the JVP (no conjugation), so for real-valued f of complex z, grad gives df/dx - i df/dy.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import tracing
from ..tracing import Tracer
from . import diagonal
from .core import Primitive, nondifferentiable
from .rules import is_traced, safe_mul

LN2 = float(np.log(2.0))
LN10 = float(np.log(10.0))


def _ufunc_kernel(name: str):
    numpy_fn = getattr(np, name)

    def kernel(xp, *args):
        return (numpy_fn if xp is np else getattr(xp, name))(*args)

    kernel.ufunc_name = name  # codegen writes such a node as xp.<name>(...)
    kernel.direct = lambda xp: numpy_fn if xp is np else getattr(xp, name)
    return kernel


# Arithmetic and comparisons run as Python operators: on arrays (numpy or cupy) they call
# the same ufunc, and on numpy scalars they take numpy's scalar fast path, about ten times
# quicker than a ufunc call. Every value reaching a kernel is an array or a numpy scalar.
_OPERATORS = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "power": operator.pow,
    "remainder": operator.mod,
    "floor_divide": operator.floordiv,
    "less": operator.lt,
    "less_equal": operator.le,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "equal": operator.eq,
    "not_equal": operator.ne,
}


# the same operators as Python source, for codegen: emitted code must compute exactly what
# the kernel does (on numpy scalars, x ** 3 and np.power(x, 3) can differ in the last bit)
OPERATOR_SYMBOLS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "power": "**",
    "remainder": "%",
    "floor_divide": "//",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
    "equal": "==",
    "not_equal": "!=",
}


def _operator_kernel(name: str):
    op = _OPERATORS[name]

    def kernel(xp, x, y):
        return op(x, y)

    kernel.direct = lambda xp: op
    kernel.operator_symbol = OPERATOR_SYMBOLS[name]
    kernel.ufunc_name = name
    return kernel


def _kernel_for(name: str):
    return _operator_kernel(name) if name in _OPERATORS else _ufunc_kernel(name)


def unary(name: str, deriv, *, safe: bool = False, also: tuple = ()) -> Primitive:
    """A smooth unary primitive whose derivative is ``deriv(ans, x)``, offered in the
    expression language under its name (and the names ``also``)."""
    p = Primitive(name, _ufunc_kernel(name))
    p.def_pointwise(deriv, safe=safe)
    p.def_expression(name, *also)
    return p


# --- unary, smooth ------------------------------------------------------------------------
exp_p = unary("exp", lambda ans, x: ans)
exp_p.def_notation(forward=("{d} × {y}",))
exp2_p = unary("exp2", lambda ans, x: ans * LN2)
expm1_p = unary("expm1", lambda ans, x: ans + 1)
log_p = unary("log", lambda ans, x: 1 / x, safe=True, also=("ln",))
log_p.def_notation("ln{params} {0}", forward=("{d} / {a}",))
log2_p = unary("log2", lambda ans, x: 1 / (x * LN2), safe=True)
log10_p = unary("log10", lambda ans, x: 1 / (x * LN10), safe=True)
log1p_p = unary("log1p", lambda ans, x: 1 / (x + 1), safe=True)
log1p_p.def_notation(forward=("{d} / (1 + {a})",))
sqrt_p = unary("sqrt", lambda ans, x: 0.5 / ans, safe=True)
sqrt_p.def_notation("√{0}", forward=("{d} / (2 × {y})",))
cbrt_p = unary("cbrt", lambda ans, x: 1 / (3 * ans * ans), safe=True)
square_p = unary("square", lambda ans, x: 2 * x)
square_p.def_notation("{0}²", forward=("{d} × (2 × {a})",))
reciprocal_p = unary("reciprocal", lambda ans, x: -(ans * ans), safe=True)
reciprocal_p.def_notation(forward=("{d} × (−{y}²)",))
sin_p = unary("sin", lambda ans, x: np.cos(x))
sin_p.def_notation(forward=("{d} × cos {a}",))
cos_p = unary("cos", lambda ans, x: -np.sin(x))
cos_p.def_notation(forward=("{d} × (−sin {a})",))
tan_p = unary("tan", lambda ans, x: 1 + ans * ans)
tan_p.def_notation(forward=("{d} × (1 + {y}²)",))
sinh_p = unary("sinh", lambda ans, x: np.cosh(x))
sinh_p.def_notation(forward=("{d} × cosh {a}",))
cosh_p = unary("cosh", lambda ans, x: np.sinh(x))
cosh_p.def_notation(forward=("{d} × sinh {a}",))
tanh_p = unary("tanh", lambda ans, x: 1 - ans * ans)
tanh_p.def_notation(forward=("{d} × (1 − {y}²)",))
arcsin_p = unary("arcsin", lambda ans, x: 1 / np.sqrt(1 - x * x), safe=True)
arccos_p = unary("arccos", lambda ans, x: -1 / np.sqrt(1 - x * x), safe=True)
arctan_p = unary("arctan", lambda ans, x: 1 / (1 + x * x))
arctan_p.def_notation(forward=("{d} / (1 + {a}²)",))
arcsinh_p = unary("arcsinh", lambda ans, x: 1 / np.sqrt(x * x + 1))
arccosh_p = unary("arccosh", lambda ans, x: 1 / np.sqrt(x * x - 1), safe=True)
arctanh_p = unary("arctanh", lambda ans, x: 1 / (1 - x * x), safe=True)

# --- linear -----------------------------------------------------------------------------
negative_p = Primitive("negative", lambda xp, x: -x)
negative_p.def_notation("−{0}", forward=("−{d}",))
negative_p.def_expression()
negative_p.def_linear(lambda g: -g)
negative_p.def_diagonal(diagonal.per_band)

conj_p = Primitive("conjugate", _ufunc_kernel("conjugate"))
conj_p.def_linear(np.conjugate)
conj_p.def_diagonal(diagonal.per_band)

real_p = Primitive("real", _ufunc_kernel("real"))
real_p.def_jvp(lambda t, ans, x: np.real(t))
real_p.def_vjp(lambda ct, ans, x: ct)

imag_p = Primitive("imag", _ufunc_kernel("imag"))
imag_p.def_jvp(lambda t, ans, x: np.imag(t))
imag_p.def_vjp(lambda ct, ans, x: -1j * ct if np.iscomplexobj(x) else None)


def _copy_kernel(xp, x, order="K"):
    """A new array; ``order`` as numpy's copies take it (a layout decides whether a later
    reshape of the copy is a view)."""
    return xp.array(x, copy=True, order=order) if hasattr(x, "shape") else xp.asarray(x)


copy_p = Primitive("copy", _copy_kernel)
copy_p.def_notation(forward=("{d}",))
copy_p.def_linear(lambda g: g)


def _convert_kernel(xp, x, dtype):
    return xp.asarray(x).astype(dtype) if not hasattr(x, "astype") else x.astype(dtype)


convert_p = Primitive("convert", _convert_kernel)
convert_p.def_notation(forward=("{d}",))
convert_p.def_jvp(lambda t, ans, x, dtype: t.astype(dtype) if np.issubdtype(dtype, np.inexact) else None)
convert_p.def_vjp(lambda ct, ans, x, dtype: ct)


# --- abs: sign(x) for real, conj(z)/|z| for complex (0 at z = 0, as JAX) -----------------
abs_p = Primitive("absolute", _ufunc_kernel("absolute"))
abs_p.def_notation("abs{params} {0}")
abs_p.def_expression("absolute", "abs")


def _abs_direction(x, ans):
    """``conj(z) / |z|``, and 0 where z = 0: |z| is divided by 1 there, as JAX does (its
    ``_replace_zero``), so forward and reverse mode agree and neither gives nan."""
    return np.conjugate(x) / np.where(ans == 0, 1.0, ans)


def _abs_jvp(t, ans, x):
    if np.iscomplexobj(x):
        return np.real(_abs_direction(x, ans) * t)
    return t * np.sign(x)


def _abs_vjp(ct, ans, x):
    if np.iscomplexobj(x):
        return ct * _abs_direction(x, ans)
    return ct * np.sign(x)


abs_p.def_jvp(_abs_jvp)
abs_p.def_vjp(_abs_vjp)

# --- binary ------------------------------------------------------------------------------
add_p = Primitive("add", _kernel_for("add"))
add_p.def_notation("{0} + {1}", forward=("{d}", "{d}"))
add_p.def_linear(lambda g: g, lambda g: g)

sub_p = Primitive("subtract", _kernel_for("subtract"))
sub_p.def_notation("{0} − {1}", forward=("{d}", "−{d}"))
sub_p.def_linear(lambda g: g, lambda g: -g)
for _p in (add_p, sub_p):
    _p.def_diagonal(diagonal.summed)

mul_p = Primitive("multiply", _kernel_for("multiply"))
mul_p.def_notation("{0} × {1}", forward=("{d} × {b}", "{d} × {a}"))
mul_p.def_jvp(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
# safe_mul: a zero cotangent stays zero beside an infinite factor, so the entropy idiom
# np.where(p > 0, p * np.log(p), 0) has a finite gradient at p = 0 (and so does reverse
# over forward, which transposes the JVP's multiplications with this rule)
mul_p.def_vjp(lambda ct, ans, x, y: safe_mul(ct, y), lambda ct, ans, x, y: safe_mul(ct, x))

div_p = Primitive("divide", _kernel_for("divide"))
div_p.def_notation("{0} / {1}", forward=("{d} / {b}", "{d} × (−{a} / {b}²)"))
div_p.def_pointwise(lambda ans, x, y: 1 / y, lambda ans, x, y: -ans / y)
for _p in (mul_p, div_p):
    _p.def_diagonal(diagonal.scaling)


def _dpow_dx(ans, x, y):
    if not is_traced(y) and np.ndim(y) == 0:
        if y == 0:
            return np.zeros_like(ans)
        if y == 1:
            return np.ones_like(ans)
        if y == 2:
            return 2 * x
    # 0 ** 0 with its slope 0 (y * 0 ** -1 is 0 * inf): guarded elementwise, so polynomial
    # features x[:, None] ** np.arange(d) differentiate at x = 0 to every order
    flat = (y == 0) & (x == 0)
    return np.where(flat, 0, y * np.power(x, np.where(flat, 1, y - 1)))


def _dpow_dy(ans, x, y):
    # d(x**y)/dy = x**y log x; taken as 0 at x == 0 (the limit for y > 0), as JAX does
    zero = x == 0
    return np.where(zero, 0, ans * np.log(np.where(zero, 1, x)))


pow_p = Primitive("power", _kernel_for("power"))
pow_p.def_notation("{0} ^ {1}", forward=("{d} × {b} × {a}^({b} − 1)", "{d} × {y} × ln {a}"))
pow_p.def_expression(arity=2)
pow_p.def_pointwise(_dpow_dx, _dpow_dy)


def _share(x, y, ans):
    """Derivative of max/min w.r.t. x: 1 where x wins, 0.5 on ties (as JAX), 0 elsewhere."""
    return (x == ans) * np.where(x == y, 0.5, 1.0)


maximum_p = Primitive("maximum", _ufunc_kernel("maximum"))
maximum_p.def_expression(arity=2)
minimum_p = Primitive("minimum", _ufunc_kernel("minimum"))
minimum_p.def_expression(arity=2)
for _p in (maximum_p, minimum_p):
    # safe_mul: a losing input's tangent may be inf (log at 0); 0 * inf must stay 0, not NaN
    _p.def_jvp(
        lambda t, ans, x, y: safe_mul(_share(x, y, ans), t),
        lambda t, ans, x, y: safe_mul(_share(y, x, ans), t),
    )
    _p.def_vjp(
        lambda ct, ans, x, y: ct * _share(x, y, ans),
        lambda ct, ans, x, y: ct * _share(y, x, ans),
    )

arctan2_p = Primitive("arctan2", _ufunc_kernel("arctan2"))
arctan2_p.def_expression(arity=2)
arctan2_p.def_pointwise(lambda ans, y, x: x / (x * x + y * y), lambda ans, y, x: -y / (x * x + y * y))

hypot_p = Primitive("hypot", _ufunc_kernel("hypot"))
hypot_p.def_expression(arity=2)
# at the origin, where no derivative exists, the slope is 0, as |x|'s is at 0 (x / ans
# would be 0 / 0 there)
hypot_p.def_pointwise(
    lambda ans, x, y: x / np.where(ans == 0, 1, ans), lambda ans, x, y: y / np.where(ans == 0, 1, ans)
)

logaddexp_p = Primitive("logaddexp", _ufunc_kernel("logaddexp"))
logaddexp_p.def_expression(arity=2)
logaddexp_p.def_pointwise(lambda ans, x, y: np.exp(x - ans), lambda ans, x, y: np.exp(y - ans), safe=False)

logaddexp2_p = Primitive("logaddexp2", _ufunc_kernel("logaddexp2"))
logaddexp2_p.def_pointwise(lambda ans, x, y: np.exp2(x - ans), lambda ans, x, y: np.exp2(y - ans), safe=False)

remainder_p = Primitive("remainder", _kernel_for("remainder"))
remainder_p.def_pointwise(lambda ans, x, y: 1, lambda ans, x, y: -np.floor_divide(x, y), safe=False)

fmod_p = Primitive("fmod", _ufunc_kernel("fmod"))
fmod_p.def_pointwise(lambda ans, x, y: 1, lambda ans, x, y: -np.trunc(x / y), safe=False)


# sign is flat for real x; numpy >= 2 defines sign(z) = z / |z| for complex z, smooth away
# from 0: its tangent is the part of dz across the unit direction s, over |z|
def _complex_sign_map(g, s, z, transposed: bool):
    if np.dtype(z.dtype).kind != "c":
        return None
    across = np.real(g * s) * np.conj(s) if transposed else s * np.real(np.conj(s) * g)
    return np.where(z == 0, 0, (g - across) / np.where(z == 0, 1, np.abs(z)))


sign_p = Primitive("sign", _ufunc_kernel("sign"))
sign_p.def_jvp(lambda t, ans, z: _complex_sign_map(t, ans, z, transposed=False))
sign_p.def_vjp(lambda ct, ans, z: _complex_sign_map(ct, ans, z, transposed=True))

# heaviside(x1, x2) is x2 itself where x1 == 0 (a step in x1, flat elsewhere)
heaviside_p = Primitive("heaviside", _ufunc_kernel("heaviside"))
heaviside_p.def_pointwise(None, lambda ans, x1, x2: (x1 == 0).astype(ans.dtype), safe=False)

copysign_p = Primitive("copysign", _ufunc_kernel("copysign"))
copysign_p.def_pointwise(lambda ans, x, y: np.sign(x) * np.sign(ans), None, safe=False)

# x moved one step of its floating-point grid towards y: slope 1 in x (as math.nextafter's,
# and as finite differences say), none in y
nextafter_p = Primitive("nextafter", _ufunc_kernel("nextafter"))
nextafter_p.def_pointwise(lambda ans, x, y: 1, None, safe=False)

# --- select --------------------------------------------------------------------------------
where_p = Primitive("where", lambda xp, c, x, y: xp.where(c, x, y))
where_p.def_notation(forward=("{d}", "where({a}, {d}, 0)", "where({a}, 0, {d})"))


def _zero_like_ct(ct):
    # a numpy scalar, not a 0-d array: device libraries (cupy) accept scalars beside their arrays
    return ct.dtype.type(0) if not is_traced(ct) else np.zeros_like(ct)


where_p.def_jvp(
    None,
    lambda t, ans, c, x, y: np.where(c, t, _zero_like_ct(t)),
    lambda t, ans, c, x, y: np.where(c, _zero_like_ct(t), t),
)
where_p.def_vjp(
    None,
    lambda ct, ans, c, x, y: np.where(c, ct, _zero_like_ct(ct)),
    lambda ct, ans, c, x, y: np.where(c, _zero_like_ct(ct), ct),
)
where_p.def_emit(lambda args, params, text: f"xp.where({args[0]}, {args[1]}, {args[2]})")
where_p.def_diagonal(diagonal.selected)

# --- piecewise constant and logical: no derivative -----------------------------------------
_ND_UNARY = (
    "floor",
    "ceil",
    "rint",
    "trunc",
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
    "logical_not",
    "invert",
    "spacing",
)
_ND_BINARY = (
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "equal",
    "not_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "floor_divide",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "left_shift",
    "right_shift",
    "gcd",
    "lcm",
)
NONDIFF = {name: Primitive(name, _kernel_for(name)) for name in _ND_UNARY + _ND_BINARY}
nondifferentiable(*NONDIFF.values())

round_p = Primitive("round", lambda xp, x, decimals: xp.round(x, decimals))
nondifferentiable(round_p)

# the identity with no derivative: xformad.stop_gradient
stop_gradient_p = Primitive("stop_gradient", lambda xp, x: x)
nondifferentiable(stop_gradient_p)


def _multiply_by_one(x, y):
    """x * 1 is x when neither shape nor dtype changes: keeps seeds out of derivative graphs.
    (Runs on every traced product: the common cases return after two type checks.)"""
    if type(x) is Tracer:
        if type(y) is Tracer:
            return None
        t, c = x, y
    elif type(y) is Tracer:
        t, c = y, x
    else:
        return None
    kind = type(c)
    if kind is float or kind is int:  # the common constant: no numpy call
        if c != 1:
            return None
    elif getattr(c, "ndim", None) != 0 or not c == 1:
        return None
    if np.result_type(t.dtype, c) == t.dtype:
        return t.snapshot()  # a new object: y = x * 1.0; y[0] = v must not change x
    return None


mul_p.simplify = _multiply_by_one

# every primitive here is elementwise (ufuncs, where, casts, copies): one batching rule
for _p in [v for v in list(globals().values()) if isinstance(v, Primitive)] + list(NONDIFF.values()):
    _p.def_batch_elementwise()


tracing.connect(lift_primitive=copy_p)  # the node Trace.lift records
