"""Show the primal, tangent and adjoint traces of a math expression (Baydin et al.'s tables).

    python -m xformad explain "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5
    python -m xformad explain "sum(x)" ...        (refused: only whitelisted math functions)
    python -m xformad explain "x*y" --at x=1,2,3 y=4 --mode reverse --svg graph.svg

The expression is parsed by a whitelist over Python's ast (xformad.expr), never evaluated
as code, so it is safe to pass untrusted text.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..errors import XformadError
from ..expr import ExpressionError, finite_float, parse_expression, shorten, variable_name


class _EncodingError(XformadError):
    """The terminal cannot show the output's characters."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.strip().splitlines()[0]
    parser.add_argument("expression", help='math in the variables, e.g. "log(x1) + x1*x2 - sin(x2)"')
    parser.add_argument(
        "--at",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help=(
            "the point: one NAME=VALUE per variable; VALUE is a finite number or a comma list "
            "(an array; the lists of one call have one length)"
        ),
    )
    parser.add_argument("--mode", choices=("both", "forward", "reverse"), default="both")
    parser.add_argument("--digits", type=int, default=3, help="decimals shown, 0 to 20 (default 3)")
    parser.add_argument(
        "--graph",
        choices=("primal", "derivative"),
        default="primal",
        help="which graph --dot/--svg/--png draw: f's, or the derivative program grad(f)'s",
    )
    parser.add_argument("--dot", action="store_true", help="print the graph in Graphviz's dot language")
    parser.add_argument("--svg", metavar="PATH", help="draw the graph to an SVG file (needs Graphviz)")
    parser.add_argument("--png", metavar="PATH", help="draw the graph to a PNG file (needs Graphviz)")


def parse_point(items: list[str]) -> dict:
    """``["x1=2", "x2=1,2,3"]`` -> ``{"x1": 2.0, "x2": array([1., 2., 3.])}`` (float64)."""
    point: dict = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise ExpressionError(
                f"--at takes NAME=VALUE pairs such as x1=2 or x=1,2,3; got {shorten(item)}."
            )
        if not name.strip():
            raise ExpressionError(
                f"--at {shorten(item)}: the variable name before = is missing; give NAME=VALUE such as x=3."
            )
        try:
            name = variable_name(name)
        except ExpressionError as exc:
            raise ExpressionError(f"--at {shorten(item)}: {exc}") from None
        if name in point:
            raise ExpressionError(f"--at gives {name} twice; give each variable one value.")
        if not text.strip():
            raise ExpressionError(
                f"--at {shorten(item)}: no value after =; give a number (x=2) or a "
                "comma-separated list of numbers (x=1,2,3)."
            )
        parts = text.split(",")
        if any(not part.strip() for part in parts):
            raise ExpressionError(
                f"--at {shorten(item)}: an entry of the list is empty (a doubled or trailing "
                "comma?); give numbers separated by single commas, such as x=1,2,3."
            )
        numbers = []
        for k, part in enumerate(parts):
            try:
                float(part)
            except ValueError:
                raise ExpressionError(
                    f"--at {shorten(item)}: the value must be a number or a comma-separated "
                    f"list of numbers; {shorten(part.strip(), 30)} is not a number."
                ) from None
            what = f"--at {name}" if len(parts) == 1 else f"--at {name}: entry {k + 1}"
            numbers.append(finite_float(part, f"{what} ({shorten(part.strip(), 30)})"))
        point[name] = float(numbers[0]) if len(numbers) == 1 else np.array(numbers)
    return point


def check_shapes(point: dict, variables: tuple) -> None:
    """The arrays an expression combines must broadcast: here, lists of one length."""
    lengths = {n: len(point[n]) for n in variables if isinstance(point.get(n), np.ndarray)}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{n} has {k}" for n, k in lengths.items())
        raise ExpressionError(
            f"--at gives lists of different lengths ({shown} values), which cannot be "
            "combined elementwise; give the lists one length, or give a single number, "
            "which is used for every element."
        )


def build(args: argparse.Namespace):
    """The Explanation the command prints (separate from printing, for tests)."""
    from ..explain import explain

    expression = parse_expression(args.expression)
    point = parse_point(args.at)
    missing = [v for v in expression.variables if v not in point]
    if missing:
        hint = ""
        folded = {n.casefold(): n for n in point}
        near = [f"{folded[m.casefold()]} for {m}" for m in missing if m.casefold() in folded]
        if near:
            hint = f" (names are case-sensitive: --at gives {', '.join(near)})"
        raise ExpressionError(
            f"the expression uses {', '.join(missing)} but --at gives no value for it: add "
            + " ".join(f"{m}=..." for m in missing)
            + hint
            + "."
        )
    if not point:
        raise ExpressionError("the expression has no variables: there is nothing to differentiate.")
    check_shapes(point, expression.variables)
    names = tuple(point)
    with np.errstate(all="ignore"):  # nan and inf show in the tables; see the note below
        explanation = explain(
            expression.as_function(names), *point.values(), mode=args.mode, digits=args.digits
        )
    return explanation


def _not_finite(explanation) -> bool:
    values = [explanation.value, *explanation.tangents.values(), *explanation.gradient.values()]
    return not all(np.all(np.isfinite(v)) for v in values)


def _show(text: str, stream=None) -> None:
    """Print ``text``; a terminal whose encoding lacks the tables' notation (v₁, ẋ, ȳ) is
    an error that says how to fix it, not a UnicodeEncodeError traceback."""
    stream = sys.stdout if stream is None else stream
    try:
        print(text, file=stream)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "this encoding"
        raise _EncodingError(
            f"the output uses Unicode notation (v₁, ẋ, ȳ) that the terminal's encoding "
            f"({encoding}) cannot show; run with PYTHONIOENCODING=utf-8 or in a UTF-8 locale."
        ) from None


def _say_error(message: str) -> None:
    """The one-line error, readable in any terminal encoding."""
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    try:
        message.encode(encoding)
    except LookupError:
        message = message.encode("ascii", "backslashreplace").decode("ascii")
    except UnicodeEncodeError:
        message = message.encode(encoding, "backslashreplace").decode(encoding)
    print(f"error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from ..render import render

    try:
        explanation = build(args)
        _show(str(explanation))
        if _not_finite(explanation):
            _show(
                "note: the value or a derivative is nan or inf at this point: the expression is "
                "undefined or singular there (a log or sqrt of a negative number, a division "
                "by zero, an overflow).",
                sys.stderr,
            )
        if args.dot or args.svg or args.png:
            dot_text = explanation.to_dot(derivative=args.graph == "derivative")
            if args.dot:
                _show("")
                _show(dot_text)
            for path, fmt in ((args.svg, "svg"), (args.png, "png")):
                if path:
                    render(dot_text, path, fmt)
                    _show(f"\nwrote {path}")
    except XformadError as exc:
        _say_error(str(exc))
        return 2
    return 0
