"""Each fusible primitive as one scalar expression of numba source, per loop element.

A primitive is served only while its kernel is still the one xformad registered (a plugin
that overrides it, or a backend kernel, changes what it computes): the table holds the
kernel it was written for. Operands are float64 or bool; numba evaluates the same IEEE
operations numpy's ufunc loops do (``error_model="numpy"``: 1/0 is inf, not an error),
calling libm where numpy may call its own SIMD routines, so transcendental results can
differ from numpy's in the last bit (the backend's ``result_tolerance``).
"""

from __future__ import annotations

import numpy as np

from xformad.ir import Literal, Node, Var
from xformad.primitives import elementwise as ew
from xformad.primitives.core import Primitive
from xformad.primitives.reductions import sum_p
from xformad.primitives.safe_multiply import safe_multiply_p

_PRIMS = {p.name: p for p in vars(ew).values() if isinstance(p, Primitive)}
_PRIMS.update(ew.NONDIFF)
_PRIMS[safe_multiply_p.name] = safe_multiply_p

_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/"}
_OPERATORS.update({"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="})
_OPERATORS.update({"equal": "==", "not_equal": "!="})
# numba's np.<name> on float64 scalars: the libm function numpy's loop computes too
_UFUNCS = (
    "exp expm1 log log1p log2 log10 sqrt sin cos tan sinh cosh tanh arcsin arccos arctan "
    "arcsinh arccosh arctanh sign maximum minimum arctan2 hypot copysign fmod absolute "
    "floor ceil trunc isnan isinf isfinite logical_not logical_and logical_or"
).split()
_OTHERS = {
    "negative": "(-{0})",
    "square": "({0} * {0})",
    "reciprocal": "(1.0 / {0})",
    "where": "({1} if {0} else {2})",
    "stop_gradient": "{0}",
    "power": "({0} ** {1})",
    "safe_multiply": "_safe_multiply({0}, {1})",
}
# numpy's power takes a fast path for these scalar exponents (``x ** 2`` is ``x * x``)
_POWER_FAST = {2: "({0} * {0})", 1: "(+{0})", 0.5: "np.sqrt({0})", -1: "(1.0 / {0})"}

TEMPLATES: dict = {}  # primitive -> (kernel it was written for, template over {0}, {1}, ...)
for _name, _text in {
    **{k: "({0} " + v + " {1})" for k, v in _OPERATORS.items()},
    **{k: f"np.{k}({{args}})" for k in _UFUNCS},
    **_OTHERS,
}.items():
    if _name in _PRIMS:
        TEMPLATES[_PRIMS[_name]] = (_PRIMS[_name].kernel, _text)

REDUCTIONS = {sum_p: sum_p.kernel}

# helpers the generated module defines (numba inlines them)
PRELUDE = """
@njit(inline="always")
def _safe_multiply(c, d):
    r = c * d
    return r if c != 0.0 or r == r else 0.0  # a zero cotangent stays zero beside inf/nan
"""


def served(node: Node) -> bool:
    entry = TEMPLATES.get(node.primitive)
    return entry is not None and node.primitive.kernel is entry[0] and not node.params


# the vectorisable forms (vector_math.py); sin and cos also need their range checked
VECTOR_FORMS = {name: f"vm.{name}({{0}})" for name in ("exp", "expm1", "tanh", "sin", "cos")}
RANGE_CHECKED = ("sin", "cos")


def scalar_expression(node: Node, operands: list[str], *, vector_math: bool = False) -> str:
    """The node's value at one element, given its operands' texts (``vector_math``: the
    polynomial forms LLVM vectorises, instead of libm's calls)."""
    prim = node.primitive
    if vector_math and prim.name in VECTOR_FORMS:
        return VECTOR_FORMS[prim.name].format(*operands)
    if prim.name == "power":
        exponent = node.inputs[1]
        if (
            type(exponent) is Literal
            and type(exponent.value) in (int, float, np.float64)
            and exponent.value in _POWER_FAST
        ):
            return _POWER_FAST[exponent.value].format(operands[0])
        if type(exponent) is Literal and isinstance(exponent.value, (int, np.integer)):
            # as a float, as numpy promotes it: numba's integer power raises
            # ZeroDivisionError at x = 0 for a negative exponent, where numpy gives inf
            return f"({operands[0]} ** {float(exponent.value)!r})"
    template = TEMPLATES[prim][1]
    if "{args}" in template:
        return template.replace("{args}", ", ".join(operands))
    return template.format(*operands)


def is_reduction(node: Node) -> bool:
    """A sum of every element to a scalar, as fusible after an elementwise chain."""
    prim = node.primitive
    if REDUCTIONS.get(prim) is not prim.kernel or prim not in REDUCTIONS:
        return False
    x = node.inputs[0]
    axis = node.params.get("axis")
    whole = axis is None or (type(x) is Var and tuple(axis) == tuple(range(len(x.shape))))
    return whole and not node.params.get("keepdims") and node.outputs[0].shape == ()
