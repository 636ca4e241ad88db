"""The traces of Baydin et al., printed from xformad's own IR and sweeps.

``explain(f, *args)`` traces ``f`` once and shows, as aligned tables in the notation of
"Automatic differentiation in machine learning: a survey" (Baydin, Pearlmutter, Radul,
Siskind, 2018):

- the forward primal trace (the Wengert list with values): ``v₁ = ln v₋₁ = 0.693``;
- one forward tangent trace per input (``ẋ1 = 1, ẋ2 = 0`` gives ``ẏ = ∂y/∂x1``);
- the reverse adjoint trace, one line per edge of the graph (``v̄₀ = v̄₀ + v̄₂ × v₋₁``).

Nothing here differentiates by itself: the lines are the traced graph's nodes, the values
come from the trace, the tangents from :func:`xformad.transforms.forward` and the adjoints
from :func:`xformad.transforms.backward`, run one node at a time so that every edge's
contribution can be shown. The formulas beside the values are a rendering of each
primitive's local derivative for reading; primitives without one are shown as ∂vᵢ/∂vⱼ.
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np

from . import backends
from .api import _backend_for, grad, make_graph
from .errors import InvalidArgumentError, XformadError
from .ir import Graph, Literal, Var, _params_text
from .primitives.indexing import index_text
from .tracing import concrete
from .transforms.call import normalize_argnums, trace_call
from .transforms.forward import forward
from .transforms.reverse import backward
from .tree import tree_flatten

MODES = ("both", "forward", "reverse")
MAX_DIGITS = 20  # float64 has about 17 significant digits; more decimals are rounding noise

# --- names in Baydin et al.'s notation -------------------------------------------------------
_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_DOT = "\u0307"  # combining dot above: v̇ (tangent)
_BAR = "\u0304"  # combining macron: v̄ (adjoint)


def _decorate(name: str, mark: str) -> str:
    """``x1`` -> ``ẋ1``: the mark goes on the first letter, as in the article (composed
    into one character where Unicode has one, so text compares equal to typed text)."""
    return unicodedata.normalize("NFC", name[0] + mark + name[1:])


class _Names:
    """Display names of a graph's vars: v₋₁ (primal), v̇₋₁ (tangent), v̄₋₁ (adjoint)."""

    def __init__(self, graph: Graph):
        self.index = {v: int(text[1:]) for v, text in graph.names().items()}

    def primal(self, var: Var) -> str:
        return "v" + str(self.index[var]).translate(_SUBSCRIPT)

    def dot(self, var: Var) -> str:
        return _decorate(self.primal(var), _DOT)

    def bar(self, var: Var) -> str:
        return _decorate(self.primal(var), _BAR)


# --- values, compactly ---------------------------------------------------------------------
def format_value(value: Any, digits: int = 3) -> str:
    """A number to ``digits`` decimals (trailing zeros dropped); an array as a short list.

    >>> format_value(0.6931471805599453), format_value(np.arange(6.0))
    ('0.693', 'f64[6] [0, 1, 2, …, 5]')
    """
    value = concrete(value)
    if hasattr(value, "get") and not isinstance(value, (np.ndarray, np.generic)):
        value = value.get()  # a device (cupy) array: show it from a host copy
    array = np.asarray(value)
    if array.ndim == 0:
        return _number(array[()], digits)
    flat = array.reshape(-1)
    shown = flat if flat.size <= 4 else np.concatenate([flat[:3], flat[-1:]])
    items = [_number(x, digits) for x in shown]
    if flat.size > 4:
        items.insert(3, "…")
    from .ir import type_string

    return f"{type_string(array.shape, array.dtype)} [{', '.join(items)}]"


def _number(x: Any, digits: int) -> str:
    if isinstance(x, (bool, np.bool_)) or np.dtype(type(x)).kind in "iub":
        return str(x)
    if np.iscomplexobj(x):
        re, im = _number(float(np.real(x)), digits), _number(abs(float(np.imag(x))), digits)
        return f"{re}{'−' if np.imag(x) < 0 else '+'}{im}i"
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    if x != 0 and not 10.0**-digits <= abs(x) < 1e6:
        return f"{x:.{digits}e}".replace("-", "−")
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return text.replace("-", "−")


# --- the math text of a node and of its local derivatives -----------------------------------
# each primitive declares its notation beside its rules (``Primitive.def_notation``)


def _operand(atom, names: _Names, digits: int) -> str:
    if isinstance(atom, Var):
        return names.primal(atom)
    value = atom.value
    if np.ndim(concrete(value)) == 0:
        text = format_value(value, digits)
        return f"({text})" if text.startswith("−") else text
    from .ir import _literal_text

    return _literal_text(value)


def _operand_count(template: str) -> int:
    """How many operands a template names ({0}, {1}): the rest of the inputs are index arrays."""
    return sum(1 for k in range(4) if f"{{{k}}}" in template)


def node_text(node, names: _Names, digits: int = 3) -> str:
    """The right-hand side of a node's line: ``v₋₁ × v₀``, ``ln v₋₁``, ``reshape[shape=(3,)] v₁``."""
    prim = node.primitive
    args = [_operand(a, names, digits) for a in node.inputs]
    # keepdims=False is the default a reader assumes; every other parameter is shown
    params = _params_text({k: v for k, v in node.params.items() if not (k == "keepdims" and v is False)})
    template = prim.notation.text if prim.notation is not None else None
    if template is not None and "{i}" in template and "spec" in node.params:
        operands = _operand_count(template)
        index = index_text(node.params["spec"], args[operands:], python=False)
        return template.format(*args[:operands], i=index)
    fits = template is not None and "{i}" not in template and _operand_count(template) == len(args)
    if fits and ("{params}" in template or not params):
        return template.format(*args, params=params)
    if len(args) == 1:
        return f"{prim.name}{params} {args[0]}"
    return f"{prim.name}{params}({', '.join(args)})"


def _contribution(node, i: int, names: _Names, d: str, direction: str, digits: int, out=None) -> str:
    """The text of input ``i``'s share in a tangent (``d`` = v̇ᵢ) or an adjoint (``d`` = v̄ of
    output ``out``) of ``node``."""
    out = node.outputs[0] if out is None else out
    notation = node.primitive.notation
    templates = () if notation is None else notation.forward if direction == "forward" else notation.reverse
    if i < len(templates) and len(node.outputs) == 1:
        ins = [_operand(x, names, digits) for x in node.inputs]
        spec = node.params.get("spec")
        index = index_text(spec, ins[1:], python=False) if spec is not None else "…"
        a = ins[0] if ins else ""
        b = ins[1] if len(ins) > 1 else ""
        return templates[i].format(d=d, a=a, b=b, y=names.primal(out), i=index)
    y = names.primal(out)
    partial = f"∂{y}/∂{names.primal(node.inputs[i])}"
    return f"{partial} {d}" if direction == "forward" else f"{d} {partial}"


def _join_terms(terms: list[str]) -> str:
    text = " + ".join(terms) if terms else "0"
    return text.replace("+ −", "− ")


# --- tables ---------------------------------------------------------------------------------
def _width(text: str) -> int:
    """Columns on a terminal: combining marks (the dot of v̇, the bar of v̄) take none."""
    return sum(0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Table:
    """A titled list of ``name = formula = value`` lines, printed aligned."""

    def __init__(self, title: str):
        self.title = title
        self.rows: list[tuple[str, str, str]] = []

    def add(self, name: str, formula: str, value: str) -> None:
        self.rows.append((name, formula, value))

    def __str__(self) -> str:
        wn = max((_width(r[0]) for r in self.rows), default=0)
        wf = max((_width(r[1]) for r in self.rows), default=0)
        lines = [self.title, "─" * max(_width(self.title), wn + wf + 12)]
        for name, formula, value in self.rows:
            lines.append(f"  {_pad(name, wn)} = {_pad(formula, wf)} = {value}".rstrip())
        return "\n".join(lines)


class Explanation:
    """The traces of one call: printable tables and the numbers behind them.

    Attributes: ``graph`` (the traced Graph, outputs set), ``inputs`` (display names),
    ``value`` (f's output), ``primal`` (Table), ``forward`` (one Table per input),
    ``reverse`` (Table or None), ``tangents`` (input name -> ẏ for that seed) and
    ``gradient`` (input name -> x̄).
    """

    def __init__(self, f, args, argnums, graph, values, inputs, value, primal, fwd, rev, tangents, gradient):
        self._f, self._args, self._argnums = f, args, argnums
        self._values = values  # var -> concrete value, for labelling pictures
        self.graph = graph
        self.inputs = inputs
        self.value = value
        self.primal = primal
        self.forward = fwd
        self.reverse = rev
        self.tangents = tangents
        self.gradient = gradient

    def __str__(self) -> str:
        tables = [self.primal, *self.forward] + ([self.reverse] if self.reverse is not None else [])
        return "\n\n".join(str(t) for t in tables)

    __repr__ = __str__  # so the traces show at an interactive prompt

    def to_dot(self, derivative: bool = False) -> str:
        """The primal graph in dot, each var labelled with its value; or, with
        ``derivative=True``, the graph of the derivative program ``grad(f)``."""
        if derivative:
            return self.derivative_graph().to_dot(title="derivative program")
        notes = {v: "= " + format_value(val) for v, val in self._values.items()}
        for var, name in zip(self.graph.inputs, self.inputs):
            notes[var] = f"{name} = {format_value(self._values[var])}"
        return self.graph.to_dot(title="primal", notes=notes)

    def derivative_graph(self) -> Graph:
        """The graph of ``grad`` of f (of ``sum(f)`` for a non-scalar output): forward
        sweep then adjoints, as xformad runs it."""
        f = self._f
        if np.shape(concrete(self.value)) != ():
            if len(self.graph.outputs) != 1:
                raise XformadError(
                    "derivative_graph needs f to return one array; return a single array or "
                    "the scalar you want to differentiate."
                )
            f = _summed(self._f)
        static = tuple(i for i in range(len(self._args)) if i not in self._argnums)
        return make_graph(grad(f, argnums=self._argnums), static_argnums=static)(*self._args)


def _summed(f):
    def summed(*args):
        return np.sum(f(*args))

    return summed


def _input_names(f, args, argnums, in_trees) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for k, (n, tree) in enumerate(zip(argnums, in_trees)):
        positional = n < len(params) and params[n].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        base = params[n].name if positional else f"x{k + 1}"
        leaves = tree.num_leaves
        names.extend(
            [base] if leaves == 1 and tree.kind == "leaf" else [f"{base}[{i}]" for i in range(leaves)]
        )
    return names


def explain(f: Callable, *args, mode: str = "both", argnums=None, digits: int = 3) -> Explanation:
    """Trace ``f(*args)`` and return its primal, tangent and adjoint traces as tables.

    ``mode``: "forward", "reverse" or "both" (which sweeps to show; the primal trace is
    always shown). ``argnums``: the arguments that are inputs (default: all). ``digits``:
    decimals shown. Print the result, or read its ``tangents`` and ``gradient``.

    >>> import numpy as np, xformad
    >>> def f(x1, x2):
    ...     return np.log(x1) + x1 * x2 - np.sin(x2)
    >>> e = xformad.explain(f, 2.0, 5.0)
    >>> print(e.primal)
    Forward primal trace
    ───────────────────────
      v₋₁ = x1       = 2
      v₀  = x2       = 5
      v₁  = ln v₋₁   = 0.693
      v₂  = v₋₁ × v₀ = 10
      v₃  = v₁ + v₂  = 10.693
      v₄  = sin v₀   = −0.959
      v₅  = v₃ − v₄  = 11.652
      y   = v₅       = 11.652
    >>> round(float(e.gradient["x2"]), 3)
    1.716
    """
    if mode not in MODES:
        raise XformadError(f"explain: mode must be one of {', '.join(MODES)}, got {mode!r}.")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 0 <= digits <= MAX_DIGITS:
        raise InvalidArgumentError(
            f"explain: digits (the decimals shown, --digits on the command line) must be a whole "
            f"number from 0 to {MAX_DIGITS}, got {digits!r}."
        )
    digits = int(digits)
    if not callable(f):
        raise XformadError(f"explain takes the function first, then its arguments; got {type(f).__name__}.")
    nums = tuple(range(len(args))) if argnums is None else normalize_argnums(argnums, len(args))
    be = _backend_for(None, args)
    call = trace_call(f, args, {}, nums, be)
    trace, graph = call.trace, call.trace.graph
    out_leaves, _ = tree_flatten(call.out)
    graph.outputs = [
        leaf._var if getattr(leaf, "_trace", None) is trace else Literal(concrete(leaf))
        for leaf in out_leaves
    ]
    inputs = _input_names(f, args, nums, call.in_trees)
    names = _Names(graph)
    out_names = _output_names(len(out_leaves), inputs)
    values = {v: concrete(x) for v, x in trace.env.items()}
    primal = _primal_table(graph, names, inputs, out_names, values, digits)
    fwd, tangents, rev, gradient = [], {}, None, {}
    with backends.using(be):
        if mode in ("both", "forward"):
            for var, name in zip(graph.inputs, inputs):
                table, tangent = _tangent_table(trace, names, inputs, out_names, var, name, digits, be.xp)
                fwd.append(table)
                tangents[name] = tangent
        if mode in ("both", "reverse"):
            rev, gradient = _adjoint_table(trace, names, inputs, out_names, digits, be.xp)
    value = concrete(out_leaves[0]) if len(out_leaves) == 1 else tuple(concrete(x) for x in out_leaves)
    return Explanation(f, args, nums, graph, values, inputs, value, primal, fwd, rev, tangents, gradient)


def _output_names(count: int, inputs: list[str]) -> list[str]:
    """y (or y1, y2, ...), unless an input is already called so: then f, then out."""
    for base in ("y", "f", "out"):
        names = [base] if count == 1 else [f"{base}{i + 1}" for i in range(count)]
        if not set(names) & set(inputs):
            return names
    return [f"out_{i + 1}" for i in range(count)]


def _output_rows(table, graph, names, out_names, pick, label, value_of, digits) -> None:
    for name, atom in zip(out_names, graph.outputs):
        if isinstance(atom, Var):
            table.add(label(name), pick(atom), format_value(value_of(atom), digits))
        else:
            table.add(label(name), "a constant", format_value(value_of(atom), digits))


def _primal_table(graph, names, inputs, out_names, values, digits) -> Table:
    table = Table("Forward primal trace")
    for var, name in zip(graph.inputs, inputs):
        table.add(names.primal(var), name, format_value(values[var], digits))
    for node in graph.nodes:
        text = node_text(node, names, digits)
        for i, var in enumerate(node.outputs):
            formula = text if len(node.outputs) == 1 else f"{text} [{i}]"
            table.add(names.primal(var), formula, format_value(values[var], digits))
    _output_rows(
        table, graph, names, out_names, names.primal, lambda n: n, lambda a: _atom_value(a, values), digits
    )
    return table


def _atom_value(atom, values):
    return values[atom] if isinstance(atom, Var) else atom.value


def _differentiable(atom) -> bool:
    return isinstance(atom, Var) and atom.dtype.kind in "fc"


def _zero(var, xp):
    return xp.zeros(var.shape, var.dtype)


def _tangent_table(trace, names, inputs, out_names, seed_var, seed_name, digits, xp):
    graph = trace.graph
    seed = xp.ones(seed_var.shape, seed_var.dtype)
    tangents = forward(trace, {seed_var: seed})
    seeds = ", ".join(
        f"{_decorate(n, _DOT)} = {'1' if v is seed_var else '0'}" for v, n in zip(graph.inputs, inputs)
    )
    ones_note = "" if seed_var.shape == () else " (ones: the derivative along all elements at once)"
    out = out_names[0] if len(out_names) == 1 else out_names[0].rstrip("1")
    table = Table(f"Forward tangent trace, {seeds}{ones_note}: gives ∂{out}/∂{seed_name}")

    def tangent(var):
        t = tangents.get(var)
        return _zero(var, xp) if t is None else t

    for var, name in zip(graph.inputs, inputs):
        table.add(names.dot(var), _decorate(name, _DOT), format_value(tangent(var), digits))
    for node in graph.nodes:
        for var in node.outputs:
            if var.dtype.kind not in "fc":
                continue
            if not node.primitive.differentiable:
                table.add(names.dot(var), "0 (no derivative)", format_value(tangent(var), digits))
                continue
            terms = [
                _contribution(node, i, names, names.dot(a), "forward", digits, var)
                for i, a in enumerate(node.inputs)
                if _differentiable(a)
            ]
            text = _join_terms(terms)
            table.add(names.dot(var), text, format_value(tangent(var), digits))
    _output_rows(
        table,
        graph,
        names,
        out_names,
        names.dot,
        lambda n: _decorate(n, _DOT),
        lambda a: tangent(a) if isinstance(a, Var) else 0.0,
        digits,
    )
    outs = [tangent(a) if isinstance(a, Var) else 0.0 for a in graph.outputs]
    return table, outs[0] if len(outs) == 1 else tuple(outs)


class _OneNode:
    """A view of a trace holding a single node, so the reverse sweep can be run (and its
    result shown) one node at a time, with the engine's own VJP rules and un-broadcasting."""

    class _Graph:
        def __init__(self, node):
            self.nodes = [node]

    def __init__(self, trace, node):
        self.env = trace.env
        self.graph = self._Graph(node)


def _adjoint_table(trace, names, inputs, out_names, digits, xp):
    graph = trace.graph
    out_vars = [a for a in graph.outputs if isinstance(a, Var)]
    ones = "ones" if any(v.shape != () for v in out_vars) else "1"
    table = Table(f"Reverse adjoint trace, {', '.join(_decorate(n, _BAR) for n in out_names)} = {ones}")
    adjoints: dict = {}
    for name, atom in zip(out_names, graph.outputs):
        if isinstance(atom, Var) and atom.dtype.kind in "fc":
            seed = xp.ones(atom.shape, atom.dtype)
            first = atom not in adjoints
            adjoints[atom] = seed if first else adjoints[atom] + seed
            text = _decorate(name, _BAR) if first else f"{names.bar(atom)} + {_decorate(name, _BAR)}"
            table.add(names.bar(atom), text, format_value(adjoints[atom], digits))
    for node in reversed(graph.nodes):
        ct = {v: adjoints[v] for v in node.outputs if v in adjoints}
        if not ct or not node.primitive.differentiable:
            continue
        contributions = backward(_OneNode(trace, node), ct, free=False)
        seen = set()
        for atom in node.inputs:
            if not _differentiable(atom) or atom in seen or atom not in contributions:
                continue
            seen.add(atom)  # an input used twice (x * x): one line, both terms
            terms = [
                _contribution(node, j, names, names.bar(out), "reverse", digits, out)
                for out in node.outputs
                if out in ct
                for j, other in enumerate(node.inputs)
                if other is atom
            ]
            text = _join_terms(terms)
            if atom in adjoints:
                adjoints[atom] = adjoints[atom] + contributions[atom]
                text = f"{names.bar(atom)} + {text}" if len(terms) == 1 else f"{names.bar(atom)} + ({text})"
            else:
                adjoints[atom] = contributions[atom]
            table.add(names.bar(atom), text, format_value(adjoints[atom], digits))
    gradient = {}
    for var, name in zip(graph.inputs, inputs):
        gradient[name] = adjoints.get(var, _zero(var, xp))
        table.add(_decorate(name, _BAR), names.bar(var), format_value(gradient[name], digits))
    return table, gradient
