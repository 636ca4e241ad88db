"""Graphs as Python source: the derivative program, readable and runnable.

``emit(graph, backend)`` writes one line per IR node over the backend's array module
``xp``, named as in the Wengert list (inputs ``x1..xn`` stand for ``v-(n-1)..v0``; node
results keep their ``vK`` names), with each adjoint block headed by the primal line it
comes from (``# Grad of: v2 = x1 * x2``, after Tangent). Constants are referenced by name
(``c0``), never printed. Guards recorded on Python control flow become ``if ...: raise
GuardFailed(k)`` checks, and so do the shapes of value-dependent results (``x[mask]``,
``np.nonzero``: ``compile/shapes.py``), right after the line computing them; arrays are
deleted after their last use, so the program holds no more memory than the eager sweep
does. Dead code is dropped first (``graph.prune()``).

``source(fn, *args)`` traces ``fn`` (any transformed function: ``grad(f)``,
``hessian(f)``, ...) and returns the emitted text; it executes to the same result as
``fn(*args)``, bit for bit on the numpy backend:

>>> import numpy as np, xformad
>>> def f(x1, x2):
...     return np.log(x1) + x1 * x2 - np.sin(x2)
>>> src = xformad.source(xformad.grad(f, argnums=(0, 1)), 2.0, 5.0)
>>> print(src)  # doctest: +ELLIPSIS
def grad_f(x1, x2):
...
>>> [float(g) for g in src.compile()(2.0, 5.0)]
[5.5, 1.7163378145367738]
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable

import numpy as np

from .. import backends
from ..errors import GuardFailed
from ..ir import Graph, Node, Var, type_string
from .lines import ConstantPool, expression, literal_text
from .peephole import simplify
from .scalars import ScalarPlan, maybe_python, plan_scalars
from .shapes import with_shape_guards


class Source(str):
    """Emitted source text; ``namespace`` holds what it refers to (``xp``, constants,
    kernels), ``compile()`` returns the function, ``graph`` the (pruned) graph emitted."""

    namespace: dict
    fn_name: str
    graph: Graph
    input_leaves: list | None = None  # set by source(): this call's parameter values

    def compile(self) -> Callable:
        code = compile(str(self), f"<xformad:{self.fn_name}>", "exec")
        scope = dict(self.namespace)
        exec(code, scope)
        return scope[self.fn_name]


def _identifier(name: str) -> str:
    text = re.sub(r"\W+", "_", name).strip("_") or "program"
    if text[0].isdigit() or keyword.iskeyword(text):
        text = f"f_{text}"
    return text


def _names(graph: Graph, original_names: dict) -> dict:
    names = {}
    for i, v in enumerate(graph.inputs):
        names[v] = f"x{i + 1}"
    made = 0  # values a backend's rewrite added (a rolled loop's stacks): w1, w2, ...
    for node in graph.nodes:
        for v in node.outputs:
            name = original_names.get(v)
            if name is None:
                made += 1
                name = f"w{made}"
            names[v] = name.replace("-", "m")
    return names


class _Writer:
    def __init__(self, graph: Graph, backend, pool: ConstantPool, scalars: ScalarPlan, names: dict):
        self.graph = graph
        self.backend = backend
        self.pool = pool
        self.floats = scalars.floats
        self.masks = scalars.masks
        self.products = scalars.products
        self.names = names

    def operand(self, atom, node: Node, inline_ok: bool = True) -> str:
        if type(atom) is Var:
            return self.names[atom]
        return literal_text(atom, node, self.pool, inline_ok=inline_ok)

    def rhs(self, node: Node, *, display: bool = False) -> str:
        mask = self.masks.get(node)
        if mask is not None and not display:  # where(c == 0, 0.0, d) on float64 scalars
            return f"{self.operand(mask[1], node)} if {self.names[mask[0]]} else 0.0"
        args = [self.operand(a, node) for a in node.inputs]
        if display:  # a comment: the most readable form
            return expression(node, args, self.pool, self.backend, operator=True)
        if node in self.products:  # safe_multiply of float64 scalars (see scalars.py)
            c, d = args
            return f"{c} * {d} if {c} or {d} - {d} == 0 else 0.0"
        name = node.primitive.name
        arith = name in ("add", "subtract", "multiply", "divide", "negative")
        out = node.outputs[0]
        # Two Python floats give a Python float: fine where the result may be one,
        # otherwise ask numpy (np.multiply(2.0, 3.0) is a float64, as the eager path's).
        all_python = all(maybe_python(a, self.floats) for a in node.inputs)
        symbol = getattr(node.primitive.kernel, "operator_symbol", None)
        if symbol is not None and not arith and all_python and name not in self.backend.kernels:
            # x ** y, x % y, x < y on two Python floats follow Python's rules (a complex
            # power, ZeroDivisionError, a bool): make the first a numpy scalar, as in the trace
            return f"xp.float64({args[0]}) {symbol} {args[1]}"
        operator = arith and (out in self.floats or not all_python)
        text = expression(node, args, self.pool, self.backend, operator=operator)
        if operator and all_python and name == "divide":
            # Python raises ZeroDivisionError where numpy gives inf or nan: ask numpy then
            den = node.inputs[1]
            if type(den) is Var:
                return f"{text} if {args[1]} else xp.divide({args[0]}, {args[1]})"
            if not den.value:
                return expression(node, args, self.pool, self.backend, operator=False)
        return text

    def primal_text(self, var: Var, producer: dict) -> str:
        node = producer.get(var)
        if node is None:
            return self.names.get(var, "?")
        outs = ", ".join(self.names.get(v, "_") for v in node.outputs)
        return f"{outs} = {self.rhs(node, display=True)}"


def emit(
    graph: Graph,
    backend=None,
    *,
    name: str = "program",
    python_floats: bool = True,
    prune: bool = True,  # drop dead code, common subexpressions and products with ones
    out_wrappers: list | None = None,
    single: bool = False,
    compact: bool = False,
) -> Source:
    """Emit ``graph`` as the source of a Python function ``name(x1, ..., xn)`` returning a
    tuple of its outputs. ``python_floats``: keep float64 scalars as Python floats where
    that is exact (fast scalar code; see ``compile/scalars.py``). ``out_wrappers``: per
    output, None or the name of a namespace function applied on return (jit's type
    fix-ups); ``single``: return the one output itself, not a 1-tuple. ``compact``: for
    running rather than reading: names are reused once dead (``r0, r1, ...``, so a long
    program keeps few objects alive and a small frame) and no comments are written.

    A pipeline: prepare the graph and the names, write the input lines, one line per node
    (with its guards and the ``del`` of what dies there), the return line, and assemble."""
    program = emission(graph, backend, python_floats=python_floats, prune=prune, compact=compact)
    return program.source(name, out_wrappers=out_wrappers, single=single)


def emission(graph: Graph, backend=None, *, python_floats=True, prune=True, compact=False) -> _Program:
    """``graph``'s program emitted once, up to its return line: ``.source(name, out_wrappers=,
    single=)`` assembles a ``Source`` (jit asks for two returns of one emission)."""
    return _Program(graph, backend or backends.get_backend("numpy"), prune, python_floats, compact)


class _Program:
    """What one emission shares between its steps: the graphs, the names, the constants."""

    def __init__(self, graph: Graph, backend, prune: bool, python_floats: bool, compact: bool):
        self.backend = backend
        self.compact = compact
        original_names = graph.names()
        full = with_shape_guards(graph)  # x[mask], np.nonzero: check the traced shapes
        graph = simplify(full.prune()) if prune else full
        rewrite = getattr(backend, "emission_graph", None)  # a compiling backend's fused nodes
        self.graph = graph = rewrite(graph) if rewrite is not None else graph
        device = getattr(backend, "device", False)
        self.pool = ConstantPool(backend.adopt if device else None)
        self.pool.namespace["xp"] = backend.xp
        self.pool.namespace["GuardFailed"] = GuardFailed
        # device libraries want arrays (cupy.cos(2.0) is an error): Python floats on the host only
        use_floats = python_floats and not device
        self.scalars = plan_scalars(graph, backend) if use_floats else ScalarPlan(set(), {}, set())
        self.names = names = _names(graph, original_names)
        self.writer = _Writer(graph, backend, self.pool, self.scalars, names)
        self.producer = {v: n for n in full.nodes for v in n.outputs}
        for n in full.nodes:  # pruned primal lines may still be named in `# Grad of:` comments
            for v in n.outputs:
                names.setdefault(v, original_names[v].replace("-", "m"))
        self.mapping = ", ".join(
            f"{names[v]} = {original_names[v]}:{type_string(v.shape, v.dtype)}" for v in graph.inputs
        )
        self.guards_at: dict = {}
        for k, guard in enumerate(graph.guards):
            self.guards_at.setdefault(guard.var, []).append((k, guard))
        self.last = _last_uses(graph, self.scalars)
        if compact:
            _reuse_names(graph, self.scalars, self.last, names)
        self.body = self.input_lines() + self.node_lines()

    def source(self, name: str, *, out_wrappers: list | None = None, single: bool = False) -> Source:
        return self.assemble(name, self.body + [self.return_line(out_wrappers, single)])

    def input_lines(self) -> list:
        graph, names, device = self.graph, self.names, getattr(self.backend, "device", False)
        lines = [f"# inputs: {self.mapping}"] if self.mapping else []
        for v in graph.inputs:
            # a scalar input may be a Python float only where the scalar plan allows it
            if (v.shape == () and v not in self.scalars.floats) or (v.shape != () and device):
                lines.append(f"{names[v]} = xp.asarray({names[v]})")
        for v in graph.inputs:
            lines.extend(_guard_lines(v, self.guards_at, names))
        return lines

    def node_lines(self) -> list:
        graph, names, lines = self.graph, self.names, []
        frees = self._deaths()
        origin, adjoint_started = None, False
        for i, node in enumerate(graph.nodes):
            if node in self.scalars.skipped:  # folded into the conditional expressions using it
                continue
            if not self.compact:
                if node.origin is not None and node.origin is not origin:
                    lines.append(f"# Grad of: {self.writer.primal_text(node.origin, self.producer)}")
                    adjoint_started = True
                elif node.origin is None and adjoint_started and origin is not None:
                    lines.append("# (adjoint bookkeeping)")
            origin = node.origin
            outs = ", ".join(names[v] for v in node.outputs)
            lines.append(f"{outs}{',' if node.primitive.multiple_results else ''} = {self.writer.rhs(node)}")
            for v in node.outputs:
                lines.extend(_guard_lines(v, self.guards_at, names))
                if v not in self.last and v.shape != ():  # an unused output of a multi-output node
                    frees.setdefault(i, []).append(v)
            lines.extend(self._del_line(node, frees.get(i)))
        return lines

    def _deaths(self) -> dict:
        """Node index -> the arrays read there for the last time (deleted after the line)."""
        frees: dict = {}
        inputs = set(self.graph.inputs)
        for var, i in self.last.items():
            if var not in inputs and var.shape != () and i < len(self.graph.nodes):
                frees.setdefault(i, []).append(var)
        return frees

    def _del_line(self, node: Node, dead: list | None) -> list:
        if not dead:
            return []
        rebound = {self.names[v] for v in node.outputs}  # compact names: reused at once
        # (an output read only by its guard, as x[mask] kept for its shape, dies here)
        dead = [self.names[v] for v in dead if v in node.outputs or self.names[v] not in rebound]
        return ["del " + ", ".join(dead)] if dead else []

    def return_line(self, out_wrappers: list | None, single: bool) -> str:
        outs = []
        for atom in self.graph.outputs:
            if type(atom) is Var:
                outs.append(self.names[atom])
            else:
                text = literal_text(atom, Node(None, [], {}, []), self.pool, inline_ok=False)
                # a fresh array per call, as the eager path returns (callers may write to it)
                outs.append(f"{text}.copy()" if isinstance(atom.value, np.ndarray) else text)
        if out_wrappers is not None:
            outs = [o if w is None else f"{w}({o})" for o, w in zip(outs, out_wrappers)]
        if single and len(outs) == 1:
            return f"return {outs[0]}"
        return f"return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"

    def assemble(self, name: str, body: list) -> Source:
        fn_name = _identifier(name)
        while fn_name in self.pool.namespace:  # a kernel of the same name must not be shadowed
            fn_name += "_"
        header = []
        if self.pool.described:
            header.append("# constants (held by reference): " + "; ".join(self.pool.described))
        params = ", ".join(self.names[v] for v in self.graph.inputs)
        text = "\n".join(header + [f"def {fn_name}({params}):"] + ["    " + line for line in body])
        src = Source(text + "\n")
        src.namespace = self.pool.namespace
        src.fn_name = fn_name
        src.graph = self.graph
        return src


def _reads(node: Node, scalars: ScalarPlan) -> list:
    """The vars a node's emitted line reads (a folded mask reads its test's operand)."""
    if node in scalars.skipped:
        return []
    mask = scalars.masks.get(node)
    atoms = mask if mask is not None else node.inputs
    return [a for a in atoms if type(a) is Var]


def _last_uses(graph: Graph, scalars: ScalarPlan) -> dict:
    last: dict = {}
    for i, node in enumerate(graph.nodes):
        for a in _reads(node, scalars):
            last[a] = i
    produced = {v: i for i, node in enumerate(graph.nodes) for v in node.outputs}
    for g in graph.guards:  # a guard reads its value right after the line producing it
        last.setdefault(g.var, produced.get(g.var, -1))
    for a in graph.outputs:
        if type(a) is Var:
            last[a] = len(graph.nodes)
    return last


def _reuse_names(graph: Graph, scalars: ScalarPlan, last: dict, names: dict) -> None:
    """Linear-scan naming: a var's name is handed to a later var once it is dead."""
    free: list = []
    count = 0
    inputs = set(graph.inputs)
    for i, node in enumerate(graph.nodes):
        if node in scalars.skipped:
            continue
        for a in dict.fromkeys(_reads(node, scalars)):
            if last.get(a) == i and a not in inputs:
                free.append(names[a])  # read on the right-hand side before rebinding
        for v in node.outputs:
            if free:
                names[v] = free.pop()
            else:
                names[v] = f"r{count}"
                count += 1
        for v in node.outputs:
            if v not in last or last[v] <= i:  # never read again (guards read it at once)
                free.append(names[v])


def _guard_lines(var: Var, guards_at: dict, names: dict) -> list:
    lines = []
    seen = set()
    for k, guard in guards_at.get(var, ()):
        name = names[var]
        expected = guard.expected
        same = (
            (guard.kind, expected.shape, expected.tobytes())
            if guard.kind == "array"
            else (guard.kind, expected)
        )
        if same in seen:  # numpy may convert one value several times: one test is enough
            continue
        seen.add(same)
        if guard.kind == "bool":
            test = f"not {name}" if guard.expected else name
        elif guard.kind == "shape":
            test = f"{name}.shape != {tuple(guard.expected)!r}"
        elif guard.kind == "array":  # a value Python code looked at (Tracer.observed)
            want = guard.expected  # xp.asarray: a scalar may be a Python float here
            value = f"xp.asarray({name})"
            test = f"{value}.shape != {want.shape!r} or {value}.tobytes() != {want.tobytes()!r}"
        else:
            test = f"int({name}) != {int(guard.expected)}"
        shown = " ".join(repr(guard.expected).split())  # a comment is one line
        if len(shown) > 60:
            shown = shown[:57] + "..."
        lines.append(f"if {test}: raise GuardFailed({k})  # traced with {guard.kind}({name}) == {shown}")
    return lines


def source(fn: Callable, *args, static_argnums=(), backend: str | None = None, **kwargs) -> Source:
    """The program ``fn`` runs on ``args`` as Python source (see the module docstring).

    ``fn`` may be any function or transform of one (``grad(f)``, ``jacrev(f)``,
    ``jit(grad(f))``); every array or number leaf of a non-static argument is a parameter
    of the emitted function (integer and boolean leaves become constants where ``fn``
    indexes plain arrays with them). The result is a ``str`` with ``.compile()``,
    ``.namespace`` and ``.input_leaves`` (the values of this call's parameters).
    """
    from ..transforms.call import check_callable, normalize_argnums
    from .trace import trace_with_fallback

    check_callable(fn, "source")
    inner = getattr(fn, "__xformad_jit__", None)
    if inner is not None:  # a jitted function: show what it compiles
        fn, static_argnums, backend = inner.fn, inner.static_argnums, backend or inner.backend
    static = frozenset(normalize_argnums(static_argnums, len(args))) if static_argnums != () else frozenset()
    traced, _ = trace_with_fallback(fn, args, kwargs, static, backend)
    src = emit(traced.graph, traced.backend, name=getattr(fn, "__name__", "program"))
    src.input_leaves = traced.input_leaves
    return src


__all__ = ["source", "emit", "GuardFailed", "Source"]
