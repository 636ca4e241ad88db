"""One IR node as one Python expression over ``xp``: operators where numpy's own operators
mean exactly the primitive's kernel, direct ``xp`` calls for ufuncs, the primitive's own
emission rule where it declares one (``Primitive.def_emit``: reductions, reshape, matmul,
indexing, ...), and otherwise a call of the primitive's kernel itself (so emitted code can never disagree with
what the eager path computes).

Constants are held by reference in a ``ConstantPool`` and named ``c0, c1, ...`` in the
source; only finite Python numbers (and float64 scalars where numpy's promotion cannot
tell the difference) are written inline.
"""

from __future__ import annotations

import keyword
import math
from typing import Any

import numpy as np

from ..ir import Literal, Node, Var

# binary primitives whose numpy operator is the very same ufunc (a + b is np.add(a, b))
OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/"}
UNARY_OPERATORS = {"negative": "-"}

RESERVED = {"xp", "float", "int", "GuardFailed", "np"}


def is_ufunc_node(node: Node, backend) -> bool:
    """True when the node's kernel is ``xp.<name>(*args)`` of a numpy ufunc of that name."""
    prim = node.primitive
    kernel = prim.kernel
    return (
        getattr(kernel, "ufunc_name", None) == prim.name  # declared by the kernel itself
        and prim.name not in backend.kernels
        and isinstance(getattr(np, prim.name, None), np.ufunc)
    )


class ConstantPool:
    """Constants named in the source and kept by reference in the namespace."""

    def __init__(self, place=None):
        self.namespace: dict = {}
        self.described: list[str] = []
        self._by_id: dict = {}
        self._place = place or (lambda v: v)

    def name_of(self, value: Any, prefix: str = "c") -> str:
        key = id(value)
        if key in self._by_id:
            return self._by_id[key][0]
        name = f"{prefix}{len(self._by_id)}"
        self._by_id[key] = (name, value)  # keeps value alive, so its id stays unique
        self.namespace[name] = self._place(value)
        self.described.append(f"{name}: {_describe(value)}")
        return name


def _describe(value: Any) -> str:
    from ..ir import type_string

    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"const {type_string(tuple(value.shape), value.dtype)}"
    return f"const {type(value).__name__}"


def _finite_number(value) -> bool:
    return type(value) in (int, float) and (type(value) is int or math.isfinite(value))


def inline_f64(value) -> float | None:
    """A float64 scalar constant as a Python float (exact), or None."""
    if type(value) is np.float64 or (
        type(value) is np.ndarray and value.shape == () and value.dtype == np.float64
    ):
        f = float(value)
        return f if math.isfinite(f) else None
    return None


def promotion_safe(node: Node) -> bool:
    """All operands float64 (or weak Python numbers): numpy's promotion then gives the same
    result whether a float64 scalar operand is a Python float or a numpy float64."""
    for a in node.inputs:
        if type(a) is Var:
            if a.dtype != np.float64:
                return False
        elif not _finite_number(a.value) and inline_f64(a.value) is None:
            return False
    return all(v.dtype == np.float64 for v in node.outputs)


def literal_text(lit: Literal, node: Node, pool: ConstantPool, *, inline_ok: bool) -> str:
    """Source text of a constant operand: inline when exact and promotion-neutral."""
    value = lit.value
    if type(value) is bool:
        return repr(value)
    if _finite_number(value):
        return repr(value)
    if inline_ok and promotion_safe(node):
        f = inline_f64(value)
        if f is not None:
            return repr(f)
    return pool.name_of(value)


def param_text(value: Any, pool: ConstantPool) -> str:
    """A primitive parameter as source: literals for plain data, pool names otherwise."""
    if value is None or type(value) in (bool, str) or _finite_number(value):
        return repr(value)
    if type(value) is tuple:
        inner = ", ".join(param_text(v, pool) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, (np.dtype, type)):
        try:
            return pool.name_of(np.dtype(value), prefix=f"dtype_{np.dtype(value).name}_")
        except TypeError:
            pass
    return pool.name_of(value)


def kernel_name(prim, namespace: dict, backend) -> str:
    """The namespace name under which the node's kernel is reachable (the primitive name)."""
    name = prim.name if prim.name.isidentifier() and not keyword.iskeyword(prim.name) else "prim"
    if name in RESERVED or name[0] in "vxc" and name[1:].isdigit():
        name = f"p_{name}"
    kernel = prim.kernel_for(backend)
    base, k = name, 1
    while name in namespace and namespace[name] is not kernel:
        name, k = f"{base}_{k}", k + 1
    namespace[name] = kernel
    return name


def _operand(text: str) -> str:
    """An operand text safe beside ``**``, which binds tighter than a unary minus."""
    return text if text.isidentifier() or text.replace(".", "", 1).isdigit() else f"({text})"


def expression(node: Node, args: list[str], pool: ConstantPool, backend, *, operator: bool) -> str:
    """The right-hand side for ``node`` applied to operand texts ``args``.

    ``operator``: write add/subtract/multiply/divide/negative as Python operators (exactly
    numpy's ufunc on numpy values; on Python floats, IEEE arithmetic with the same result).
    """
    prim = node.primitive
    name = prim.name
    params = node.params
    if operator and name in OPERATORS and len(args) == 2 and name not in backend.kernels:
        return f"{args[0]} {OPERATORS[name]} {args[1]}"
    symbol = getattr(prim.kernel, "operator_symbol", None)
    if symbol is not None and name not in OPERATORS and len(args) == 2 and name not in backend.kernels:
        # x ** y, x % y, x < y: the kernel is this Python operator, and on numpy scalars it
        # can round differently from the ufunc (x ** 3 vs np.power(x, 3)): emit the operator,
        # so the program computes bit for bit what the trace computed (+ - * / are exact
        # either way, and keep the rule above for Python floats)
        if symbol == "**":  # -1.0 ** x is -(1.0 ** x)
            return f"{_operand(args[0])} ** {_operand(args[1])}"
        return f"{args[0]} {symbol} {args[1]}"
    if operator and name in UNARY_OPERATORS and len(args) == 1 and name not in backend.kernels:
        return f"-{args[0]}"
    if is_ufunc_node(node, backend):
        return f"xp.{name}({', '.join(args)})"
    rule = prim.emit_rule_for(backend)  # declared beside the primitive (def_emit)
    if rule is not None:
        return rule(args, params, lambda value: param_text(value, pool))
    fn = kernel_name(prim, pool.namespace, backend)
    kw = "".join(f", {k}={param_text(v, pool)}" for k, v in params.items())
    return f"{fn}(xp{''.join(', ' + a for a in args)}{kw})"
