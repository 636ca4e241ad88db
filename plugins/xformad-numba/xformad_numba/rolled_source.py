"""A rolled loop (``rolling.Loop``) as the source of one numba function: the block's nodes
once, inside ``for k in range(K)``, each as one numba statement over scalars (shape ``()``
values are floats, as numpy's scalar arithmetic is IEEE's) or arrays (numba's array
expressions, and BLAS for ``matmul``).

``kernel(K, q0, q1, ...)`` returns the stacks (every trip's value of what a later loop
reads per trip, or what outside code reads at some trip other than the last) and then the
last trip's values. Everything that depends on the trip count (``K``, the affine index
coefficients, per-trip constants) is a parameter, so the source, and numba's compile of
it, is the same for every trip count: a loop of 50 and one of 800 trips share it.
"""

from __future__ import annotations

import numpy as np

from xformad.ir import Literal, Var

from . import element_loops, scalar_ops
from .loop_source import _helpers_version, _number

_F64, _BOOL = np.dtype(np.float64), np.dtype(np.bool_)
_ALLOWED = {_F64, _BOOL}

PRELUDE = """
@njit(inline="always")
def _safe_multiply(c, d):
    r = c * d
    return r if c != 0.0 or r == r else 0.0  # a zero cotangent stays zero beside inf/nan


@njit(inline="always")
def _safe_multiply_arrays(c, d):
    r = c * d
    return np.where((c != 0.0) | (r == r), r, 0.0)
"""


class Parameters:
    """The kernel's parameters after ``K``: graph atoms (the fused node's inputs) and
    constants the runner passes itself (index coefficients, per-trip literals)."""

    def __init__(self):
        self.slots: list = []  # ("atom", atom) or ("const", value)
        self._atoms: dict = {}

    def atom(self, atom) -> str:
        key = id(atom) if type(atom) is Var else ("lit", id(atom.value))
        if key not in self._atoms:
            self._atoms[key] = f"q{len(self.slots)}"
            self.slots.append(("atom", atom))
        return self._atoms[key]

    def const(self, value) -> str:
        self.slots.append(("const", value))
        return f"q{len(self.slots) - 1}"

    @property
    def names(self) -> list:
        return [f"q{i}" for i in range(len(self.slots))]


def _shape(atom) -> tuple:
    return atom.shape if type(atom) is Var else np.shape(atom.value)


def _dtype(atom):
    if type(atom) is Var:
        return atom.dtype
    value = atom.value
    if type(value) is float:
        return _F64
    if type(value) is bool:
        return _BOOL
    if type(value) is int:
        return np.dtype(np.int64)
    return getattr(value, "dtype", None)


def loop_source(loop, stack_names: dict) -> tuple[str, Parameters, list, list] | None:
    """(source, parameters, stacked (j, o) in return order, finals (j, o) in return
    order), or None where some node has no numba form. ``stack_names``: (loop, j, o) ->
    the Var of an earlier loop's stack (a parameter here)."""
    params = Parameters()
    text: dict = {}  # (j, i) -> operand text
    text_init: dict = {}  # (j, i) of a carry -> its initial value's text
    before, after_body = [], []  # lines before the loop; carry updates at the end of a trip
    for j, roles in enumerate(loop.roles):
        for i, role in enumerate(roles):
            kind = role[0]
            if kind == "intra":
                text[j, i] = f"v{role[1]}_{role[2]}"
            elif kind == "carry":
                init = role[3]
                text[j, i] = f"c{j}_{i}"
                text_init[j, i] = _operand(init, params)
                before.append(f"c{j}_{i} = {text_init[j, i]}")
                after_body.append(f"c{j}_{i} = v{role[1]}_{role[2]}")
            elif kind == "invariant":
                text[j, i] = _operand(role[1], params)
            elif kind == "stacked":
                _, other, jj, o, a, b = role
                stack = params.atom(stack_names[other, jj, o])
                text[j, i] = f"{stack}[{params.const(a)} + {params.const(b)} * k]"
            else:  # literals
                text[j, i] = f"{params.const(role[1])}[k]"
    for node in loop.nodes:
        if not all(v.dtype in _ALLOWED for v in node.outputs):
            return None
        if not all(_dtype(a) in _ALLOWED or _dtype(a) == np.int64 for a in node.inputs):
            return None
    made = _body(loop, text, params)
    if made is None:
        return None
    body, in_place, owned = made
    for j, i in owned:  # a carry updated in place starts from a copy of its initial value
        before[before.index(f"c{j}_{i} = {text_init[j, i]}")] = f"c{j}_{i} = cc.copy({text_init[j, i]})"
    stacked, finals = _returned(loop)
    for j, o in stacked:
        v = loop.nodes[j].outputs[o]
        before.append(f"s{j}_{o} = cc.empty_{v.dtype.name}((K,) + {tuple(v.shape)!r})")
        if (j, o) not in in_place:
            body += element_loops.copy_lines(f"s{j}_{o}", f"v{j}_{o}", tuple(v.shape), prefix="k")
    lines = ["import numpy as np", "from numba import njit", "from xformad_numba import vector_math as vm"]
    lines.append("from xformad_numba import cached_calls as cc")
    lines += [f"# helpers {_helpers_version()}", PRELUDE, ""]
    lines.append('@njit(cache=True, error_model="numpy", nogil=True)')
    lines.append(f"def kernel({', '.join(['K', *params.names])}):")
    lines += [f"    {s}" for s in before]
    lines.append("    for k in range(K):")
    lines += [f"        {s}" for s in body + after_body]
    results = [f"s{j}_{o}" for j, o in stacked] + [f"v{j}_{o}" for j, o in finals]
    lines.append(f"    return ({''.join(r + ', ' for r in results)})")
    return "\n".join(lines) + "\n", params, stacked, finals


def _returned(loop) -> tuple[list, list]:
    """The (j, o) the kernel returns: stacks, then the last trip's values read outside."""
    stacked = sorted(loop.stacks)
    return stacked, sorted({(j, o) for _, k, j, o in loop.extracted if (j, o) not in loop.stacks})


def _body(loop, text: dict, params: Parameters) -> tuple[list, set, set] | None:
    """One trip's lines: each run of elementwise array nodes of one shape as one loop nest
    (``element_loops``), every other node as one statement; the stacked (j, o) a nest
    wrote into its stack's row itself; and the carries (j, i) a nest updates in place (an
    accumulated gradient ``acc = acc + outer(d, h)``: no new array per trip)."""
    stacked, finals = _returned(loop)
    after_block = {j for j, o in stacked + finals if o == 0}  # stacked, returned
    readers: dict = {}  # j -> the block positions reading its first output
    carried: dict = {}  # j -> the (reader, operand) of each carry of its first output
    for j, roles in enumerate(loop.roles):
        for i, role in enumerate(roles):
            if role[0] == "intra" and role[2] == 0:
                readers.setdefault(role[1], set()).add(j)
            elif role[0] == "carry" and role[2] == 0:
                after_block.add(role[1])  # the carry's update, after the block
                carried.setdefault(role[1], []).append((j, i))
    owned: set = set()
    nodes, body, j, in_place = loop.nodes, [], 0, set()
    while j < len(nodes):
        shape = _nest_shape(nodes[j])
        if shape is None:
            lines = _statement(
                nodes[j], j, [text[j, i] for i in range(len(nodes[j].inputs))], loop.indices[j], params
            )
            if lines is None:
                return None
            body += lines
            j += 1
            continue
        run = [j]
        while run[-1] + 1 < len(nodes) and _nest_shape(nodes[run[-1] + 1]) == shape:
            run.append(run[-1] + 1)
        members = set(run)
        needed = {jj for jj in run if jj in after_block or readers.get(jj, set()) - members}
        into = {jj: f"s{jj}_0[k]" for jj in needed if (jj, 0) in loop.stacks}  # the stack itself
        in_place |= {(jj, 0) for jj in into}
        for jj in needed - set(into):
            # the carry's only read is an earlier (or the same) member's, element by element,
            # so each element is read before the new value overwrites it
            if len(carried.get(jj, ())) == 1:
                (jr, ir) = carried[jj][0]
                if jr in members and jr <= jj and _shape(nodes[jr].inputs[ir]) == shape:
                    into[jj] = f"c{jr}_{ir}"
                    owned.add((jr, ir))
        body += element_loops.nest_lines(
            [nodes[jj] for jj in run],
            run,
            [[text[jj, i] for i in range(len(nodes[jj].inputs))] for jj in run],
            [[_shape(a) for a in nodes[jj].inputs] for jj in run],
            needed,
            into,
        )
        j = run[-1] + 1
    return body, in_place, owned


_COMPARISONS = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}
_COMPARISONS |= {"isnan", "isinf", "isfinite"}
_LOGICAL = {"logical_not", "logical_and", "logical_or"}
_INT = np.dtype(np.int64)


def _elementwise(node) -> bool:
    """An elementwise node numba computes as numpy does: arithmetic on floats (ints only as
    operands promoted to float; numba's ``True + True`` is 2 where numpy's is True),
    comparisons of numbers, logic on bools, ``where`` choosing between floats."""
    if not scalar_ops.served(node) or len(node.outputs) != 1:
        return False
    name, out = node.primitive.name, node.outputs[0].dtype
    kinds = [_dtype(a) for a in node.inputs]
    if name in _COMPARISONS:
        return out == _BOOL and all(k in (_F64, _INT) for k in kinds)
    if name in _LOGICAL:
        return out == _BOOL and all(k == _BOOL for k in kinds)
    if name == "where":
        return out == _F64 and kinds[0] == _BOOL and all(k in (_F64, _INT) for k in kinds[1:])
    return out == _F64 and all(k in (_F64, _INT) for k in kinds)


def _nest_shape(node) -> tuple | None:
    """The output shape of an elementwise node over arrays a loop nest computes, else None."""
    if not _elementwise(node):
        return None
    shape = tuple(node.outputs[0].shape)
    if shape == () or not all(element_loops.broadcasts_to(_shape(a), shape) for a in node.inputs):
        return None
    return shape


def _operand(atom, params: Parameters) -> str:
    if type(atom) is Literal and type(atom.value) in (bool, int, float):
        return _number(atom.value)
    return params.atom(atom)


def _statement(node, j: int, operands: list, indices, params: Parameters) -> list | None:
    name = node.primitive.name
    outs = [f"v{j}_{o}" for o in range(len(node.outputs))]
    out = node.outputs[0]
    shapes = [_shape(a) for a in node.inputs]
    if scalar_ops.served(node):
        if not _elementwise(node):
            return None
        if all(s == () for s in shapes):
            return [f"{outs[0]} = {scalar_ops.scalar_expression(node, operands)}"]
        if name == "where":
            return [f"{outs[0]} = np.where({operands[0]}, {operands[1]}, {operands[2]})"]
        if name == "safe_multiply":
            return [f"{outs[0]} = _safe_multiply_arrays({operands[0]}, {operands[1]})"]
        return [f"{outs[0]} = {scalar_ops.scalar_expression(node, operands)}"]
    rule = _RULES.get(name)
    if rule is None or node.primitive.kernel is not _KERNELS.get(name):
        return None
    rhs = rule(node, operands, shapes, indices, params)
    if rhs is None:
        return None
    if isinstance(rhs, list):
        return [line.format(out=outs[0]) for line in rhs]
    del out
    return [f"{outs[0]} = {rhs}"]


def _matmul(node, ops, shapes, indices, params):
    if not all(len(s) in (1, 2) for s in shapes) or not all(_dtype(a) == _F64 for a in node.inputs):
        return None
    return f"cc.dot({ops[0]}, {ops[1]})"


def _index_text(spec, indices, params: Parameters) -> str | None:
    parts, slot = [], 0
    for entry in spec:
        tag = entry[0]
        if tag == "i" and type(entry[1]) is int:
            a, b = indices[slot]
            slot += 1
            parts.append(f"({params.const(a)} + {params.const(b)} * k)")
        elif tag == "s":
            start, stop, step = (("" if v is None else repr(int(v))) for v in entry[1:])
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
        elif tag == "e":
            parts.append("...")
        elif tag == "n":
            parts.append("None")
        else:
            return None
    return ", ".join(parts)  # x[i] is x[i,]: numba types the tuple form as a slower layout


def _getitem(node, ops, shapes, indices, params):
    if len(node.inputs) != 1:
        return None
    index = _index_text(node.params["spec"], indices, params)
    if index is None:
        return None
    if shapes[0] == ():
        return None
    return f"{ops[0]}[{index}]"


def _getitem_transpose(node, ops, shapes, indices, params):
    if len(node.inputs) != 1:
        return None
    index = _index_text(node.params["spec"], indices, params)
    if index is None:
        return None
    shape = tuple(node.params["shape"])
    if shape == ():
        return None
    if shapes[1:] or shapes[0] == ():
        return ["{out} = np.zeros(" + repr(shape) + ")", "{out}[" + index + "] = " + ops[0]]
    # the cotangent copied into a view of the zeros (numba's array setitem compiles slowly)
    lines = ["{out} = np.zeros(" + repr(shape) + ")", "{out}_view = {out}[" + index + "]"]
    return lines + element_loops.copy_lines("{out}_view", ops[0], shapes[0])


def _reduce_sum(node, ops, shapes, indices, params):
    x, out = shapes[0], tuple(node.outputs[0].shape)
    if x == ():
        return ops[0]
    axis = node.params.get("axis")
    axes = tuple(range(len(x))) if axis is None else tuple(a % len(x) for a in axis)
    keep = node.params.get("keepdims")
    if len(axes) == len(x):
        return f"np.full({out!r}, np.sum({ops[0]}))" if keep else f"np.sum({ops[0]})"
    expr = ops[0]
    for a in sorted(axes, reverse=True):
        expr = f"np.sum({expr}, axis={a})"
    return f"{expr}.reshape({out!r})" if keep else expr  # a sum's result is contiguous


def _transpose(node, ops, shapes, indices, params):
    if shapes[0] == ():
        return ops[0]
    return f"np.transpose({ops[0]}, {tuple(node.params['axes'])!r})"


def _reshape(node, ops, shapes, indices, params):
    shape = tuple(node.outputs[0].shape)
    if shapes[0] == () or shape == ():
        return None
    return f"np.ascontiguousarray({ops[0]}).reshape({shape!r})"


def _broadcast_to(node, ops, shapes, indices, params):
    shape = tuple(node.outputs[0].shape)
    if shapes[0] == ():
        return f"np.full({shape!r}, {ops[0]})"
    return f"np.broadcast_to({ops[0]}, {shape!r})"


def _copy(node, ops, shapes, indices, params):
    return ops[0] if shapes[0] == () else f"{ops[0]}.copy()"


_RULES = {
    "matmul": _matmul,
    "getitem": _getitem,
    "getitem_transpose": _getitem_transpose,
    "reduce_sum": _reduce_sum,
    "transpose": _transpose,
    "reshape": _reshape,
    "broadcast_to": _broadcast_to,
    "copy": _copy,
}


def _kernels() -> dict:
    """The kernels the rules were written for: a primitive whose kernel a plugin replaced
    computes something else, and is not rolled."""
    from xformad.primitives import contraction, elementwise, indexing, reductions, shape

    return {
        "matmul": contraction.matmul_p.kernel,
        "getitem": indexing.getitem_p.kernel,
        "getitem_transpose": indexing.getitem_transpose_p.kernel,
        "reduce_sum": reductions.sum_p.kernel,
        "transpose": shape.transpose_p.kernel,
        "reshape": shape.reshape_p.kernel,
        "broadcast_to": shape.broadcast_to_p.kernel,
        "copy": elementwise.copy_p.kernel,
    }


_KERNELS = _kernels()
