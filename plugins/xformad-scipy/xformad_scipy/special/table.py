"""The family's primitive table and the helpers that fill it.

``PRIMITIVES`` is every primitive of the family (registered with ``add_primitive``);
``SERVES`` maps a ``scipy.special`` ufunc's name to the primitive serving it (registered
with ``register_callable``). Primitive names are prefixed ``scipy.`` because names are
global across plugins (the built-ins already have an ``i0`` for ``np.i0``).
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, is_traced

from ..errors import SpecialFunctionError
from .kernels import kernels

PRIMITIVES: list[Primitive] = []
SERVES: dict = {}  # scipy.special attribute name -> the primitive serving it


def add(p: Primitive) -> Primitive:
    """Put a primitive that serves no ufunc itself (a derivative's kernel) in the table."""
    PRIMITIVES.append(p)
    return p


def special(name: str, *aliases: str, kernel=None) -> Primitive:
    """A primitive computing ``scipy.special.<name>`` (cupyx's on the cupy backend)."""
    generic, per_backend = kernels(name)
    p = add(Primitive(f"scipy.{name}", kernel or generic, kernels=per_backend))
    p.def_batch_elementwise()  # a scipy.special ufunc: vmap broadcasts it as numpy does
    for served in (name, *aliases):
        SERVES[served] = p
    return p


def unary(name: str, deriv, *aliases: str, safe: bool = False) -> Primitive:
    """A unary function with derivative ``deriv(ans, x)``; ``safe``: the derivative may be
    infinite where the function is finite, and a zero (co)tangent must stay zero there."""
    p = special(name, *aliases)
    p.def_pointwise(deriv, safe=safe)
    return p


def binary(name: str, deriv_x, deriv_y, safe: bool = True) -> Primitive:
    """A binary function with partial derivatives ``deriv_x(ans, x, y)``, ``deriv_y(...)``."""
    p = special(name)
    p.def_pointwise(deriv_x, deriv_y, safe=safe)
    return p


def no_derivative(call: str, argument: str, why: str, instead: str):
    """The JVP/VJP rule ``rule(g, ans, *args)`` of an argument whose derivative is not
    served: it raises, naming the argument.

    Rules run only for arguments being differentiated, so the function itself, and its
    derivatives in the other arguments, work with this argument traced or not. A tangent
    or cotangent that is concretely zero (``jvp`` given a zero tangent for it) contributes
    exactly zero, which needs no derivative."""

    def rule(g, ans, *args, **params):
        if not is_traced(g) and not np.any(g):
            return np.zeros_like(ans)
        raise SpecialFunctionError(
            f"scipy.special.{call} has no derivative with respect to {argument} here: {why}. {instead}"
        )

    return rule


def refuse(p: Primitive, index: int, rule) -> Primitive:
    """Make ``rule`` (a ``no_derivative`` rule) input ``index``'s rule in both modes, where
    ``def_pointwise`` was given None for it (None alone would mean a zero derivative)."""
    for attribute in ("jvp_rules", "vjp_rules"):
        rules = list(getattr(p, attribute))
        rules[index] = rule
        setattr(p, attribute, tuple(rules))
    return p


def no_order_derivative(name: str):
    """The rule for an integral order argument (polygamma's n)."""
    return no_derivative(
        f"{name}(n, x)",
        "its order n",
        "n is an integer",
        "Pass n as a constant (a Python int or an integer array) and differentiate with respect to x only.",
    )
