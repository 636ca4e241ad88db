"""Safe math expressions: ``"log(x1) + x1*x2 - sin(x2)"`` parsed into a numpy function.

The text is parsed with :mod:`ast` and every node is checked against a whitelist (numeric
constants, named variables, arithmetic, calls of numpy math functions by bare name); the
checked tree is then *interpreted* with numpy calls, never compiled or passed to ``eval``.
So the command line can accept an expression from anyone: ``__import__('os')``, attribute
access, subscripts, lambdas and comprehensions are refused with :class:`ExpressionError`.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import math
import unicodedata
from collections.abc import Callable

import numpy as np

from .errors import XformadError
from .primitives import elementwise
from .primitives.core import Primitive

MAX_LENGTH = 10_000  # characters: a math formula, not a program
MAX_DEPTH = 200  # nesting: keeps the interpreter's recursion far from Python's limit


class ExpressionError(XformadError, ValueError):
    """The expression uses something outside the safe math whitelist, or is malformed."""


def _declared_functions() -> dict[str, tuple[Callable, int]]:
    """name -> (numpy callable, number of arguments), from the built-in primitives that offer
    themselves to the language (``Primitive.def_expression``, beside their rules)."""
    functions = {}
    for module in (elementwise,):
        for prim in vars(module).values():
            if isinstance(prim, Primitive) and prim.expression:
                names, fn, arity = prim.expression
                functions.update((name, (fn, arity)) for name in names)
    return dict(sorted(functions.items()))


FUNCTIONS: dict[str, tuple[Callable, int]] = _declared_functions()

CONSTANTS = {"pi": float(np.pi), "e": float(np.e)}

FLOAT64_MAX_TEXT = "about 1.8e308"  # np.finfo(np.float64).max, for messages


def shorten(text: str, limit: int = 60) -> str:
    """``text`` quoted, cut in the middle past ``limit`` characters, for error messages
    (a 5000-digit number or a 10000-character expression must not fill the terminal)."""
    if len(text) > limit:
        text = text[: limit // 2] + "…" + text[-(limit // 2) :]
    return repr(text)


def variable_name(name: str) -> str:
    """``name`` as the expression parser spells it (Python folds identifiers to NFKC, so
    ``ｘ`` in an expression is ``x``), checked to be usable as a variable of an
    expression; raises :class:`ExpressionError` saying why not.

    >>> variable_name("x1")
    'x1'
    """
    name = unicodedata.normalize("NFKC", name.strip())
    if not name:
        raise ExpressionError("a variable name is missing: give NAME=VALUE, such as x=2.")
    if keyword.iskeyword(name):
        raise ExpressionError(
            f"{name} is a Python keyword, so an expression cannot use it as a variable; "
            f"pick another name (e.g. {name.lower()}_ or {name.lower()[:3]}1)."
        )
    if not name.isidentifier():
        raise ExpressionError(
            f"{shorten(name)} is not a variable name: use letters, digits and underscores, "
            "starting with a letter (x, x1, theta)."
        )
    if name.startswith("_"):
        raise ExpressionError(
            f"{name} starts with an underscore, which expressions do not allow; pick a name "
            "that starts with a letter."
        )
    if name in FUNCTIONS:
        raise ExpressionError(
            f"{name} is the name of a math function, so an expression cannot use it as a "
            "variable; pick another name."
        )
    return name


def finite_float(value, what: str, text: str | None = None) -> float:
    """``value`` (a number or its text) as a finite float64; raises :class:`ExpressionError`
    naming ``what`` for nan, inf and numbers beyond float64's range. ``text``: how the
    number was written, when ``value`` is already a number (``1e400`` parses to inf)."""
    try:
        number = float(value)
    except OverflowError:  # an int beyond float64's range
        number = math.inf
    if math.isnan(number):
        raise ExpressionError(
            f"{what} is nan: derivatives are evaluated at finite numbers; give one instead."
        )
    if math.isinf(number):
        written = str(value if text is None else text).strip().lower().lstrip("+-")
        if written in ("inf", "infinity"):
            raise ExpressionError(
                f"{what} is infinite: derivatives are evaluated at finite numbers; give one instead."
            )
        raise ExpressionError(
            f"{what} is too large for float64 (the largest is {FLOAT64_MAX_TEXT}); give a smaller number."
        )
    return number


_BINARY = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive}

_ALLOWED_TEXT = (
    "Allowed: numbers, variable names, + - * / **, parentheses and calls of "
    f"{', '.join(sorted(FUNCTIONS))} by bare name (write sin(x), not np.sin(x))."
)


class Expression:
    """A checked expression: its ``variables`` in order of first use, and ``evaluate``."""

    def __init__(self, text: str, tree: ast.Expression, variables: tuple[str, ...]):
        self.text = text
        self.tree = tree
        self.variables = variables

    def evaluate(self, env: dict):
        """The value with ``env`` mapping each variable to a number, array or tracer."""
        missing = [v for v in self.variables if v not in env]
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)}: give one for each variable.")
        return _interpret(self.tree.body, env)

    def as_function(self, names: tuple[str, ...] | None = None) -> Callable:
        """A numpy function of the variables (positional, in ``names`` order), with a
        signature naming them, so transforms and :func:`xformad.explain` can show them.

        >>> f = parse_expression("x*y + sin(y)").as_function()
        >>> float(f(2.0, 0.0))
        0.0
        """
        names = tuple(self.variables if names is None else names)
        missing = [v for v in self.variables if v not in names]
        if missing:
            raise ExpressionError(f"the expression uses {', '.join(missing)} but no value is given for it.")

        def expression(*values):
            return self.evaluate(dict(zip(names, values)))

        expression.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names]
        )
        expression.__doc__ = self.text
        return expression

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def parse_expression(text: str) -> Expression:
    """Parse and check ``text``; raises :class:`ExpressionError` for anything unsafe.

    >>> parse_expression("log(x1) + x1*x2 - sin(x2)").variables
    ('x1', 'x2')
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}.")
    if not text.strip():
        raise ExpressionError(
            "the expression is empty: give a formula in the variables, such as "
            f'"log(x1) + x1*x2 - sin(x2)". {_ALLOWED_TEXT}'
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes on the command line (surrogate escapes)
        raise ExpressionError(
            f"the expression {shorten(text)} contains bytes that are not UTF-8 text; type it "
            "again in a UTF-8 terminal or encoding."
        ) from None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except ValueError as exc:  # null bytes, in the Python versions that raise ValueError
        raise ExpressionError(f"cannot parse {shorten(text)}: {exc}. {_ALLOWED_TEXT}") from None
    except SyntaxError as exc:
        if "integer string conversion" in (exc.msg or ""):  # CPython's 4300-digit limit
            raise ExpressionError(
                "a number in the expression has thousands of digits: numbers must fit in "
                f"float64 (at most {FLOAT64_MAX_TEXT}); write it in e-notation, e.g. 1.5e300."
            ) from None
        raise ExpressionError(f"cannot parse {shorten(text)}: {exc.msg}. {_ALLOWED_TEXT}") from None
    except (MemoryError, RecursionError):  # how CPython's parser gives up on deep nesting
        raise ExpressionError(f"the expression nests deeper than {MAX_DEPTH} levels; simplify it.") from None
    variables: list[str] = []
    _check(tree.body, text, variables, 0)
    return Expression(text, tree, tuple(variables))


def _refuse(node: ast.AST, text: str, what: str) -> ExpressionError:
    fragment = ast.get_source_segment(text.strip(), node) or type(node).__name__
    return ExpressionError(f"{what} is not allowed in an expression: {shorten(fragment)}. {_ALLOWED_TEXT}")


def _check(node: ast.AST, text: str, variables: list, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression nests deeper than {MAX_DEPTH} levels; simplify it.")
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _refuse(node, text, f"a {type(value).__name__} constant")
        fragment = ast.get_source_segment(text.strip(), node) or repr(value)
        finite_float(value, f"the number {shorten(fragment, 30)} in the expression", fragment)
    elif isinstance(node, ast.Name):
        _check_name(node, text, variables)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise _refuse(node, text, f"the operator {type(node.op).__name__}")
        _check(node.left, text, variables, depth + 1)
        _check(node.right, text, variables, depth + 1)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise _refuse(node, text, f"the operator {type(node.op).__name__}")
        _check(node.operand, text, variables, depth + 1)
    elif isinstance(node, ast.Call):
        _check_call(node, text, variables, depth)
    elif isinstance(node, ast.Attribute):
        raise _refuse(node, text, "attribute access")
    elif isinstance(node, ast.Subscript):
        raise _refuse(node, text, "subscripting")
    elif isinstance(node, ast.Lambda):
        raise _refuse(node, text, "a lambda")
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        raise _refuse(node, text, "a comprehension")
    else:
        raise _refuse(node, text, f"a {type(node).__name__} node")


def _check_name(node: ast.Name, text: str, variables: list) -> None:
    name = node.id
    if name.startswith("_"):
        raise _refuse(node, text, "a name starting with an underscore (dunder names included)")
    if name in FUNCTIONS:
        raise _refuse(node, text, f"the function {name} used as a value (call it: {name}(x))")
    if name not in CONSTANTS and name not in variables:
        variables.append(name)


def _check_call(node: ast.Call, text: str, variables: list, depth: int) -> None:
    if not isinstance(node.func, ast.Name):
        raise _refuse(node.func, text, "calling anything but a math function by bare name")
    name = node.func.id
    if name not in FUNCTIONS:
        raise _refuse(node.func, text, f"the function {name}")
    if node.keywords:
        raise _refuse(node, text, "a keyword argument")
    arity = FUNCTIONS[name][1]
    if len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError(f"{name} takes {arity} argument(s), got {len(node.args)} in {shorten(text)}.")
    for arg in node.args:
        _check(arg, text, variables, depth + 1)


def _interpret(node: ast.AST, env: dict):
    # Only node kinds that _check admitted reach here.
    if isinstance(node, ast.Constant):
        # float64, so that 2**10**10 is inf at once instead of a Python bignum that never ends
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return CONSTANTS[node.id] if node.id in CONSTANTS and node.id not in env else env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_interpret(node.left, env), _interpret(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_interpret(node.operand, env))
    func = FUNCTIONS[node.func.id][0]
    return func(*(_interpret(a, env) for a in node.args))
