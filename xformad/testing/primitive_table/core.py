"""Spec rows for the core primitives (elementwise, reductions, shape, indexing, contraction)."""

from __future__ import annotations

import numpy as np

import xformad

from .case import Case

UNARY_SHAPES = [((),), ((3,),), ((2, 3),)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]

POS = (0.5, 2.0)
UNIT = (-0.9, 0.9)


def _same_and_valid(a, v):
    return np.concatenate([np.convolve(a, v, "same"), np.convolve(v, a, "valid")])


CASES: list[Case] = [
    Case("exp", np.exp, UNARY_SHAPES),
    Case("exp2", np.exp2, UNARY_SHAPES),
    Case("expm1", np.expm1, UNARY_SHAPES),
    Case("log", np.log, UNARY_SHAPES, POS),
    Case("log2", np.log2, UNARY_SHAPES, POS),
    Case("log10", np.log10, UNARY_SHAPES, POS),
    Case("log1p", np.log1p, UNARY_SHAPES, POS),
    Case("sqrt", np.sqrt, UNARY_SHAPES, POS),
    Case("cbrt", np.cbrt, UNARY_SHAPES, POS),
    Case("square", np.square, UNARY_SHAPES),
    Case("reciprocal", np.reciprocal, UNARY_SHAPES, POS),
    Case("sin", np.sin, UNARY_SHAPES),
    Case("cos", np.cos, UNARY_SHAPES),
    Case("tan", np.tan, UNARY_SHAPES, UNIT),
    Case("sinh", np.sinh, UNARY_SHAPES),
    Case("cosh", np.cosh, UNARY_SHAPES),
    Case("tanh", np.tanh, UNARY_SHAPES),
    Case("arcsin", np.arcsin, UNARY_SHAPES, UNIT),
    Case("arccos", np.arccos, UNARY_SHAPES, UNIT),
    Case("arctan", np.arctan, UNARY_SHAPES),
    Case("arcsinh", np.arcsinh, UNARY_SHAPES),
    Case("arccosh", np.arccosh, UNARY_SHAPES, (1.2, 3.0)),
    Case("arctanh", np.arctanh, UNARY_SHAPES, UNIT),
    Case("negative", lambda x: -x, UNARY_SHAPES),
    Case("absolute", np.abs, UNARY_SHAPES, POS),
    Case("absolute", lambda x: -np.abs(-x), UNARY_SHAPES, POS),
    Case("absolute", np.abs, [((3,),)], dtype=np.complex128),
    Case("conjugate", lambda z: np.conj(z) * z, [((3,),)], dtype=np.complex128),
    Case("real", lambda z: np.real(z) ** 2, [((3,),)], dtype=np.complex128),
    Case("imag", lambda z: np.imag(z) * np.real(z), [((3,),)], dtype=np.complex128),
    Case("exp", lambda z: np.exp(z), [((3,),)], dtype=np.complex128),
    Case("copy", np.copy, UNARY_SHAPES),
    Case("convert", lambda x: np.real(x.astype(np.complex128) * (1 + 2j)) ** 2, UNARY_SHAPES),
    Case("add", np.add, BINARY_SHAPES),
    Case("subtract", np.subtract, BINARY_SHAPES),
    Case("multiply", np.multiply, BINARY_SHAPES),
    Case("divide", np.divide, BINARY_SHAPES, POS),
    Case("power", np.power, BINARY_SHAPES, POS),
    Case("power", lambda x: x**3, UNARY_SHAPES),
    Case("maximum", np.maximum, BINARY_SHAPES),
    Case("minimum", np.minimum, BINARY_SHAPES),
    Case("arctan2", np.arctan2, BINARY_SHAPES, POS),
    Case("hypot", np.hypot, BINARY_SHAPES, POS),
    Case("logaddexp", np.logaddexp, BINARY_SHAPES),
    Case("logaddexp2", np.logaddexp2, BINARY_SHAPES),
    Case("remainder", np.remainder, [((3,), (3,))], (2.1, 2.9), extra={"shift": [(0, 0), (3.3, 0)]}),
    Case("fmod", np.fmod, [((3,), (3,))], (2.1, 2.9), extra={"shift": [(3.3, 0), (0, 0)]}),
    Case("copysign", lambda x, y: np.copysign(x, y), [((3,), (3,))], POS),
    Case("convolve", lambda a, v: np.convolve(a, v), [((5,), (3,)), ((2,), (4,))]),
    Case("convolve", _same_and_valid, [((5,), (3,))]),
    Case("convolve", lambda a, v: np.correlate(a, v, "same"), [((4,), (7,)), ((5,), (3,)), ((6,), (6,))]),
    Case("convolve", lambda a, v: np.correlate(a, v, "full"), [((3,), (3,))], dtype=np.complex128),
    Case("convolve", lambda a, v: np.correlate(a, v, "valid"), [((2,), (5,))]),
    Case("sign", lambda z: np.sign(z) * z, [((3,),)], dtype=np.complex128),
    Case("sign", lambda x: np.sign(x) * x, UNARY_SHAPES, POS),
    Case("heaviside", lambda x, y: np.heaviside(np.round(x) * x, y), [((4,), (4,)), ((4,), ())], (-1.4, 1.4)),
    Case("nextafter", lambda x: np.nextafter(x, 10.0) + np.nextafter(x, -10.0), UNARY_SHAPES),
    Case("where", lambda x, y: np.where(x > y, x * y, x - y), BINARY_SHAPES),
    Case("reduce_sum", lambda x: np.sum(x), UNARY_SHAPES),
    Case("reduce_sum", lambda x: np.sum(x, axis=0), [((2, 3),), ((2, 3, 4),)]),
    Case("reduce_sum", lambda x: np.sum(x, axis=(0, 2), keepdims=True), [((2, 3, 4),)]),
    Case("reduce_sum", lambda x: x.mean(axis=-1), [((2, 3),)]),
    Case("reduce_max", lambda x: np.max(x, axis=1), [((2, 3),)]),
    Case("reduce_max", lambda x: x.max(), UNARY_SHAPES),
    Case("reduce_min", lambda x: np.min(x, axis=0, keepdims=True), [((2, 3),)]),
    Case("reduce_prod", lambda x: np.prod(x), UNARY_SHAPES),
    Case("reduce_prod", lambda x: np.prod(x, axis=(0, 2)), [((2, 3, 2),)]),
    Case("cumsum", lambda x: np.cumsum(x, axis=0), [((3,),), ((2, 3),)]),
    Case("add_reduceat", lambda x: np.add.reduceat(x, [0, 2, 1], axis=-1), [((5,),), ((2, 5),)]),
    Case("cumprod", lambda x: np.cumprod(x, axis=-1), [((3,),), ((2, 3),)], POS),
    Case("reshape", lambda x: np.reshape(x, (3, 2)) * np.arange(6.0).reshape(3, 2), [((2, 3),), ((6,),)]),
    Case("transpose", lambda x: x.T @ x, [((2, 3),)]),
    Case("transpose", lambda x: np.transpose(x, (2, 0, 1)), [((2, 3, 4),)]),
    Case("broadcast_to", lambda x: np.broadcast_to(x, (4, 3)), [((3,),), ((1, 3),)]),
    Case("flip", lambda x: np.flip(x, 0) * np.arange(1.0, 1.0 + x.shape[0]), [((3,),)]),
    Case("concatenate", lambda x, y: np.concatenate([x, y, x], axis=0), [((3,), (2,)), ((2, 3), (1, 3))]),
    Case("concatenate", lambda x, y: np.stack([x, y], axis=1), [((3,), (3,))]),
    Case("getitem", lambda x: x[1:, ::2] * x[0, 1], [((3, 4),)]),
    Case("getitem", lambda x: x[np.array([0, 2, 0])], [((3,),), ((3, 2),)]),
    Case("getitem", lambda x: x[x > 0.1], [((5,),)]),
    Case("getitem", lambda x: x[..., None, 1], [((2, 3),)]),
    Case("setitem", lambda x, v: _assign(x, v), [((4,), ())]),
    Case("scatter_add", lambda x, v: _add_at(x, v), [((4,), (3,))]),
    Case(
        "matmul",
        np.matmul,
        [
            ((2, 3), (3, 4)),
            ((3,), (3, 2)),
            ((2, 3), (3,)),
            ((3,), (3,)),
            ((2, 2, 3), (3, 2)),
            ((4, 2, 3), (4, 3, 2)),
        ],
    ),
    Case("einsum", lambda a, b: np.einsum("ij,jk->ik", a, b), [((2, 3), (3, 4))]),
    Case("einsum", lambda a: np.einsum("ii->i", a), [((3, 3),)]),
    Case("einsum", lambda a, b: np.einsum("i,j->", a, b), [((3,), (2,))]),
    Case("einsum", lambda a, b: np.einsum("...ij,...jk", a, b), [((2, 2, 3), (2, 3, 2))]),
]


def _assign(x, v):
    y = x * 1.0
    y[1] = v
    y[2:] = v * y[0]
    return y


def _add_at(x, v):
    y = x * 1.0
    np.add.at(y, np.array([0, 2, 0]), v)
    return y


# Primitives with no derivative: their value is checked against numpy and their
# derivative is zero (a function built on them has gradient 0 through them).
NONDIFF_CASES = {
    "sign": np.sign,
    "floor": np.floor,
    "ceil": np.ceil,
    "rint": np.rint,
    "trunc": np.trunc,
    "round": lambda x: np.round(x, 1),
    "stop_gradient": xformad.stop_gradient,
    "isnan": np.isnan,
    "isinf": np.isinf,
    "isfinite": np.isfinite,
    "signbit": np.signbit,
    "logical_not": lambda x: np.logical_not(x > 0),
    "invert": lambda x: ~(x > 0),
    "spacing": np.spacing,
    "less": lambda x: x < 0.1,
    "less_equal": lambda x: x <= 0.1,
    "greater": lambda x: x > 0.1,
    "greater_equal": lambda x: x >= 0.1,
    "equal": lambda x: x == x[0],
    "not_equal": lambda x: x != x[0],
    "logical_and": lambda x: np.logical_and(x > 0, x < 1),
    "logical_or": lambda x: np.logical_or(x > 0, x < -1),
    "logical_xor": lambda x: np.logical_xor(x > 0, x < 1),
    "floor_divide": lambda x: x // 0.3,
    "bitwise_and": lambda x: (x > 0) & (x < 1),
    "bitwise_or": lambda x: (x > 0) | (x < -1),
    "bitwise_xor": lambda x: (x > 0) ^ (x < 1),
    "left_shift": lambda x: np.left_shift(np.floor(x * 3).astype(int) + 10, 1),
    "right_shift": lambda x: np.right_shift(np.floor(x * 3).astype(int) + 10, 1),
    "gcd": lambda x: np.gcd(np.floor(x * 3).astype(int) + 10, 4),
    "lcm": lambda x: np.lcm(np.floor(x * 3).astype(int) + 10, 4),
    "heaviside": lambda x: np.heaviside(x, 0.5),
    "reduce_all": lambda x: np.all(x > 0, axis=0),
    "reduce_any": lambda x: np.any(x > 0),
    "argmax": lambda x: np.argmax(x),
    "argmin": lambda x: np.argmin(x, axis=0),
    "argsort": np.argsort,
}


def _safe_mul(ct, d):
    from xformad.primitives.rules import safe_mul

    return safe_mul(ct, d)


CASES.append(Case("safe_multiply", _safe_mul, BINARY_SHAPES))


def _slice_products_gradient(x):
    # the gradient's program places cotangents of slices and a gather into zeros:
    # getitem_transpose nodes, differentiated again by the second-order check
    return xformad.grad(lambda y: np.sum(y[1:] * y[:-1]) + np.sum(y[np.array([0, 0, 2])] ** 2))(x)


CASES.append(Case("getitem_transpose", _slice_products_gradient, [((4,),)]))
