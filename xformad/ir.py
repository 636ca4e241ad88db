"""The graph IR: a Wengert list of primitive applications.

A ``Graph`` has input ``Var``s, ``Node``s in topological order and output atoms. A ``Node``
applies one primitive to atoms (``Var``s or ``Literal``s) and binds new ``Var``s. Constants
are ``Literal``s holding their value by reference: never copied, never repr-ed into source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

_DTYPE_ABBREV = {
    "float64": "f64",
    "float32": "f32",
    "float16": "f16",
    "complex128": "c128",
    "complex64": "c64",
    "int64": "i64",
    "int32": "i32",
    "int16": "i16",
    "int8": "i8",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "bool": "bool",
}


def type_string(shape: tuple, dtype) -> str:
    """``f64[3,4]``: the dtype abbreviated and the shape, as on every Wengert-list binder."""
    name = np.dtype(dtype).name
    return f"{_DTYPE_ABBREV.get(name, name)}[{','.join(str(d) for d in shape)}]"


class Var:
    """A value in the graph: produced by one node (or a graph input), used by later nodes."""

    __slots__ = ("shape", "dtype", "__weakref__")

    def __init__(self, shape: tuple, dtype):
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self) -> str:
        return f"Var({type_string(self.shape, self.dtype)})"


class Literal:
    """A constant operand, held by reference."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        return f"Literal({_literal_text(self.value)})"


def _literal_text(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    for kind in (int, float, complex):
        if isinstance(value, kind):
            return repr(kind(value))
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape == () and dtype is not None and hasattr(value, "item"):
        try:
            return repr(value.item())
        except Exception:  # an outer tracer: show its type only
            pass
    if shape is not None and dtype is not None:
        return f"const:{type_string(shape, dtype)}"
    return repr(value)


Atom = "Var | Literal"


class Node:
    """``outputs = primitive(*inputs, **params)``: one line of the Wengert list."""

    __slots__ = ("primitive", "inputs", "params", "outputs", "origin")

    def __init__(self, primitive, inputs: list, params: dict, outputs: list, origin=None):
        self.primitive = primitive
        self.inputs = inputs
        self.params = params
        self.outputs = outputs
        # the primal Var whose adjoint (VJP rule) recorded this node; None for primal nodes
        self.origin = origin

    def __repr__(self) -> str:
        return f"Node({self.primitive.name}, {len(self.inputs)} inputs)"


class Guard:
    """A concretisation recorded while tracing: ``kind(var) == expected`` held for this trace."""

    __slots__ = ("var", "kind", "expected", "refusal")

    def __init__(self, var: Var, kind: str, expected: Any, refusal: Exception | None = None):
        self.var = var
        self.kind = kind  # "bool", "int", "index"
        self.expected = expected
        # the error a derivative rule raises where the condition holds (tracing.refuse_if):
        # what a batch member reaching it gets, rather than a control-flow error
        self.refusal = refusal

    def __repr__(self) -> str:
        return f"Guard({self.kind}(...) == {self.expected!r})"


class Graph:
    """A traced program: inputs, nodes in topological order, outputs and guards."""

    def __init__(self):
        self.inputs: list[Var] = []
        self.nodes: list[Node] = []
        self.outputs: list = []
        self.guards: list[Guard] = []
        self.in_tree = None
        self.out_tree = None

    # -- queries ---------------------------------------------------------------------
    def literals(self) -> list[Literal]:
        return [a for n in self.nodes for a in n.inputs if isinstance(a, Literal)]

    def names(self) -> dict:
        """Baydin et al.'s numbering: inputs v-(n-1) .. v0, then v1, v2, ... per node output."""
        names: dict = {}
        n_in = len(self.inputs)
        for i, v in enumerate(self.inputs):
            names[v] = f"v{i - n_in + 1}"
        k = 0
        for node in self.nodes:
            for v in node.outputs:
                k += 1
                names[v] = f"v{k}"
        return names

    def last_uses(self) -> dict:
        """For each var, the index of the last node that reads it (outputs live to the end)."""
        last: dict = {}
        for i, node in enumerate(self.nodes):
            for a in node.inputs:
                if isinstance(a, Var):
                    last[a] = i
        for a in self.outputs:
            if isinstance(a, Var):
                last[a] = len(self.nodes)
        return last

    def prune(self) -> Graph:
        """A copy without nodes whose outputs are never used (dead code)."""
        live = {a for a in self.outputs if isinstance(a, Var)}
        live.update(g.var for g in self.guards)
        kept = []
        for node in reversed(self.nodes):
            if node.primitive.effectful or any(v in live for v in node.outputs):
                kept.append(node)
                live.update(a for a in node.inputs if isinstance(a, Var))
        g = Graph()
        g.inputs, g.outputs, g.guards = list(self.inputs), list(self.outputs), list(self.guards)
        g.nodes = kept[::-1]
        g.in_tree, g.out_tree = self.in_tree, self.out_tree
        return g

    # -- printing ----------------------------------------------------------------------
    def atom_text(self, atom, names: dict) -> str:
        if isinstance(atom, Var):
            return names.get(atom, "?")
        return _literal_text(atom.value)

    def __str__(self) -> str:
        names = self.names()
        ins = " ".join(f"{names[v]}:{type_string(v.shape, v.dtype)}" for v in self.inputs)
        lines = [f"{{ lambda {ins} ."]
        for i, node in enumerate(self.nodes):
            outs = " ".join(f"{names[v]}:{type_string(v.shape, v.dtype)}" for v in node.outputs)
            args = " ".join(self.atom_text(a, names) for a in node.inputs)
            params = _params_text(node.params)
            prefix = "  let " if i == 0 else "      "
            lines.append(f"{prefix}{outs} = {node.primitive.name}{params} {args}".rstrip())
        outs = " ".join(self.atom_text(a, names) for a in self.outputs)
        lines.append(f"  in ( {outs} ) }}")
        return "\n".join(lines)

    def to_dot(self, title: str = "xformad", notes: dict | None = None) -> str:
        """The graph in Graphviz's dot language: inputs as ellipses, primitives as boxes,
        constants as plain text, outputs as double circles. ``notes`` maps a Var to one
        more line of its label (e.g. its value)."""
        names = self.names()
        notes = notes or {}
        box_of = {}  # var -> id of the dot node that produces it (multi-output nodes share one)

        def label(*lines) -> str:
            return "\\n".join(_dot_escape(line) for line in lines if line)

        out = [f'digraph "{_dot_escape(title)}" {{', "  rankdir=LR;", '  node [fontname="Helvetica"];']
        for v in self.inputs:
            box_of[v] = names[v]
            text = label(names[v], type_string(v.shape, v.dtype), notes.get(v))
            out.append(f'  "{names[v]}" [shape=ellipse, label="{text}"];')
        lit = 0
        for node in self.nodes:
            vid = names[node.outputs[0]]
            head = f"{' '.join(names[v] for v in node.outputs)} = {node.primitive.name}"
            types = " ".join(type_string(v.shape, v.dtype) for v in node.outputs)
            note = " ".join(notes[v] for v in node.outputs if v in notes)
            text = label(head + _params_text(node.params), types, note)
            out.append(f'  "{vid}" [shape=box, label="{text}"];')
            for a in node.inputs:
                if isinstance(a, Var):
                    out.append(f'  "{box_of.get(a, names.get(a, "?"))}" -> "{vid}";')
                else:
                    lit += 1
                    out.append(f'  "lit{lit}" [shape=plaintext, label="{label(_literal_text(a.value))}"];')
                    out.append(f'  "lit{lit}" -> "{vid}";')
            for v in node.outputs:
                box_of[v] = vid
        for i, a in enumerate(self.outputs):
            if isinstance(a, Var):
                name = "y" if len(self.outputs) == 1 else f"y{i + 1}"
                out.append(f'  "out{i}" [shape=doublecircle, label="{name}"];')
                out.append(f'  "{box_of.get(a, names.get(a, "?"))}" -> "out{i}";')
        out.append("}")
        return "\n".join(out)


def _dot_escape(text: str) -> str:
    """Text safe inside a double-quoted dot string."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _params_text(params: dict) -> str:
    shown = {k: v for k, v in params.items() if v is not None and k != "spec"}
    if not shown:
        return ""
    return "[" + " ".join(f"{k}={_param_value(v)}" for k, v in shown.items()) + "]"


def _param_value(v: Any) -> str:
    if isinstance(v, np.dtype) or isinstance(v, type):
        return np.dtype(v).name
    return repr(v).replace(" ", "")


def vars_of(atoms: Iterable) -> list[Var]:
    return [a for a in atoms if isinstance(a, Var)]
