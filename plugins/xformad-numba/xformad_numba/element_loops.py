"""Elementwise runs inside a rolled loop's block as explicit loop nests: consecutive
elementwise nodes of one output shape become one pass over its elements, each value a
local scalar, only those read after the run written to arrays (numba's own array
expressions allocate and broadcast per node: measured on the RNN's adjoint block, 0.93 ms
a call against 0.29 ms as loop nests). Operands broadcast as numpy's do (trailing axes
aligned, a length-1 axis read at 0); scalars are read as they are. exp, expm1 and tanh are
vector_math's forms (tanh over the RNN's 64 elements: libm's calls were a third of a trip).
"""

from __future__ import annotations

from . import scalar_ops

# vector_math's polynomials (vectorised by LLVM, within 3 ulp of numpy's) where they need
# no range check; sin and cos stay libm's
VECTORISED = ("exp", "expm1", "tanh")


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    return all(d in (1, t) for d, t in zip(shape[::-1], target[::-1]))


def nest_lines(nodes: list, js: list, operands: list, shapes: list, needed: set, into: dict) -> list:
    """The lines computing ``nodes`` (block positions ``js``, one output shape), given each
    node's operand texts and shapes; ``v{j}_0`` is an array after them for ``j`` in
    ``needed``, a local of the nest otherwise; for ``j`` in ``into``, that array is the
    one named there (the trip's row of its stack; a carry updated in place), not a new
    one. Each read and each value is computed in the outermost loop whose indices it uses
    (a row's element of an outer product once per row): the compiler cannot hoist a load
    it cannot prove the stores do not change."""
    shape = tuple(nodes[0].outputs[0].shape)
    rank = len(shape)
    idx = [f"i{d}" for d in range(rank)]
    lines = []
    at_depth: list = [[] for _ in range(rank + 1)]  # lines inside the first d loops
    local: dict = {}  # v{j}_0 -> (its element's name, depth)
    bound: dict = {}  # operand text -> the name it is bound to before the nest
    loads: dict = {}  # element read -> (local name, depth)
    for j, node in zip(js, nodes):
        if j in into:
            lines.append(f"v{j}_0 = {into[j]}")
        elif j in needed:
            lines.append(f"v{j}_0 = cc.empty_{node.outputs[0].dtype.name}({shape!r})")
    for j, node, texts, node_shapes in zip(js, nodes, operands, shapes):
        elements, depth = [], 0
        for text, s in zip(texts, node_shapes):
            if text in local:
                name, d = local[text]
            elif s == ():
                name, d = text, 0
            else:
                array = bound.get(text)
                if array is None:
                    array = bound[text] = f"a{j}_{len(bound)}"
                    lines.append(f"{array} = {text}")
                offset = rank - len(s)
                used = [offset + a for a, n in enumerate(s) if n != 1]
                at = ", ".join("0" if n == 1 else idx[offset + a] for a, n in enumerate(s))
                read = f"{array}[{at}]"
                if read not in loads:
                    d = max(used) + 1 if used else 0
                    loads[read] = (f"l{len(loads)}_{j}", d)
                    at_depth[d].append(f"{loads[read][0]} = {read}")
                name, d = loads[read]
            elements.append(name)
            depth = max(depth, d)
        fast = node.primitive.name in VECTORISED
        at_depth[depth].append(f"e{j} = {scalar_ops.scalar_expression(node, elements, vector_math=fast)}")
        local[f"v{j}_0"] = (f"e{j}", depth)
        if j in needed:
            at_depth[rank].append(f"v{j}_0[{', '.join(idx)}] = e{j}")
    lines += at_depth[0]
    for d, n in enumerate(shape):
        lines.append("    " * d + f"for i{d} in range({n}):")
        lines += ["    " * (d + 1) + line for line in at_depth[d + 1]]
    return lines


def copy_lines(target: str, source: str, shape: tuple, prefix: str | None = None) -> list:
    """``target[prefix, ...] = source`` as a loop nest over ``shape`` (numba's setitem of
    an array compiles in seconds: about 3 s measured for one stack store)."""
    lead = [prefix] if prefix is not None else []
    if shape == ():
        return [f"{target}[{prefix}] = {source}"] if prefix is not None else [f"{target}[()] = {source}"]
    idx = [f"i{d}" for d in range(len(shape))]
    local = "from_" + "".join(c if c.isalnum() else "_" for c in target)  # one per target
    lines = [f"{local} = {source}"]
    for d, n in enumerate(shape):
        lines.append("    " * d + f"for i{d} in range({n}):")
    lines.append("    " * len(shape) + f"{target}[{', '.join(lead + idx)}] = {local}[{', '.join(idx)}]")
    return lines
