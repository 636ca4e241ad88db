"""Fused adjoint rules for the cupy backend: one ``cupy.ElementwiseKernel`` per rule.

The generic VJP of ``tanh`` is ``ct * (1 - y * y)``: three kernel launches and two
temporaries on a GPU, where one fused kernel reads ``ct`` and ``y`` once and writes once.
Each expression below is valid both as CUDA C (for the kernel) and as Python over numpy
(so a CPU test proves it equals the generic rule). A fused rule runs only on concrete cupy
arrays of one real dtype; anything else (tracers, when the derivative is itself being
differentiated; mixed or complex dtypes) takes the primitive's generic rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# primitive name -> (operands, expression); operands: ct (cotangent), y (ans), x (input)
FUSED_UNARY_VJPS: dict[str, tuple[tuple[str, ...], str]] = {
    "tanh": (("ct", "y"), "ct * (1 - y * y)"),
    "sin": (("ct", "x"), "ct * cos(x)"),
    "cos": (("ct", "x"), "ct * -sin(x)"),
    "sinh": (("ct", "x"), "ct * cosh(x)"),
    "cosh": (("ct", "x"), "ct * sinh(x)"),
    "square": (("ct", "x"), "ct * (2 * x)"),
}

_PYTHON_NAMES = {"cos": np.cos, "sin": np.sin, "cosh": np.cosh, "sinh": np.sinh}


def evaluate_on_host(name: str, ct, ans, x):
    """The fused expression of ``name`` evaluated with numpy (what the kernel computes)."""
    operands, expression = FUSED_UNARY_VJPS[name]
    values = {"ct": ct, "y": ans, "x": x}
    return eval(expression, {"__builtins__": {}}, {**_PYTHON_NAMES, **values})  # noqa: S307


def fused_rule(kernel: Callable, operands: tuple, generic: Callable, array_type: type) -> Callable:
    """A VJP rule calling ``kernel`` on concrete arrays of ``array_type`` and one real
    dtype, and ``generic`` otherwise."""

    def rule(ct, ans, x):
        args = tuple(ct if o == "ct" else ans if o == "y" else x for o in operands)
        if all(type(a) is array_type for a in args):
            dtype = args[0].dtype
            if dtype.kind == "f" and all(a.dtype == dtype for a in args):
                return kernel(*args)
        return generic(ct, ans, x)

    rule.__name__ = f"fused_{getattr(generic, '__name__', 'vjp')}"
    return rule


def fused_vjp_overrides(cupy) -> dict:
    """``{primitive name: (rule,)}`` for ``Backend.vjp_overrides``, kernels built with ``cupy``
    (compiled by cupy on first use, cached on disk by cupy)."""
    from ..primitives import elementwise

    prims = {p.name: p for p in vars(elementwise).values() if hasattr(p, "vjp_rules")}
    overrides = {}
    for name, (operands, expression) in FUSED_UNARY_VJPS.items():
        prim = prims.get(name)
        if prim is None or not prim.vjp_rules:
            continue
        kernel = cupy.ElementwiseKernel(
            ", ".join(f"T {o}" for o in operands), "T out", f"out = {expression}", f"xformad_{name}_vjp"
        )
        overrides[name] = (fused_rule(kernel, operands, prim.vjp_rules[0], cupy.ndarray),)
    return overrides
