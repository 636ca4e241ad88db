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
from ..expr import ExpressionError, parse_expression


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.strip().splitlines()[0]
    parser.add_argument("expression", help='math in the variables, e.g. "log(x1) + x1*x2 - sin(x2)"')
    parser.add_argument(
        "--at",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="the point: one NAME=VALUE per variable; VALUE is a number or a comma list (an array)",
    )
    parser.add_argument("--mode", choices=("both", "forward", "reverse"), default="both")
    parser.add_argument("--digits", type=int, default=3, help="decimals shown (default 3)")
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
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--at takes NAME=VALUE pairs such as x1=2 or x=1,2,3; got {item!r}.")
        if name in point:
            raise ExpressionError(f"--at gives {name} twice; give each variable one value.")
        try:
            numbers = [float(part) for part in text.split(",")]
        except ValueError:
            raise ExpressionError(
                f"--at {item!r}: the value must be a number or a comma-separated list of numbers."
            ) from None
        point[name] = float(numbers[0]) if len(numbers) == 1 and "," not in text else np.array(numbers)
    return point


def build(args: argparse.Namespace):
    """The Explanation the command prints (separate from printing, for tests)."""
    from ..explain import explain

    expression = parse_expression(args.expression)
    point = parse_point(args.at)
    missing = [v for v in expression.variables if v not in point]
    if missing:
        raise ExpressionError(
            f"the expression uses {', '.join(missing)} but --at gives no value for it: add "
            + " ".join(f"{m}=..." for m in missing)
            + "."
        )
    if not point:
        raise ExpressionError("the expression has no variables: there is nothing to differentiate.")
    names = tuple(point)
    return explain(expression.as_function(names), *point.values(), mode=args.mode, digits=args.digits)


def run(args: argparse.Namespace) -> int:
    from ..render import render

    try:
        explanation = build(args)
        print(explanation)
        if args.dot or args.svg or args.png:
            dot_text = explanation.to_dot(derivative=args.graph == "derivative")
            if args.dot:
                print()
                print(dot_text)
            for path, fmt in ((args.svg, "svg"), (args.png, "png")):
                if path:
                    render(dot_text, path, fmt)
                    print(f"\nwrote {path}")
    except XformadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
