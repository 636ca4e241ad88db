"""A region as the source of one numba function: one pass over the flattened arrays, every
intermediate a local scalar, each value read outside written to an output array, each sum
accumulated (per block of ``BLOCK`` elements, then over the blocks, which keeps rounding
close to numpy's pairwise sum rather than growing with the length).

``kernel(n, o0, o1, ..., p0, p1, ...)``: ``n`` elements; ``o0, ...`` the 1-d output arrays
it fills (allocated by the caller, so numpy's allocator, and tracemalloc, see them), the
parameters 1-d views of the inputs or Python numbers. It returns the tuple of its sums.
"""

from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path

from xformad.ir import Literal, Var

from . import cached_calls, scalar_ops, vector_math
from .regions import Region

BLOCK = 1024


def _number(value) -> str:
    if type(value) is bool:
        return repr(value)
    if type(value) is float and not math.isfinite(value):
        return "np.nan" if value != value else ("np.inf" if value > 0 else "(-np.inf)")
    return repr(float(value)) if type(value) is float else repr(value)


def is_array(atom, shape: tuple) -> bool:
    """A region input read per element (the others are scalars, the same for every element)."""
    value_shape = atom.shape if type(atom) is Var else getattr(atom.value, "shape", ())
    return tuple(value_shape) == shape and shape != ()


@functools.cache
def _helpers_version() -> str:
    """A digest of vector_math.py and cached_calls.py: numba's disk cache does not see a change
    in a function a kernel calls, so the kernel's source names the version it was
    compiled against (read once per process, as the modules are)."""
    digest = hashlib.sha256()
    for module in (vector_math, cached_calls):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def loop_source(region: Region, inputs: list, outputs: list, *, fast: bool = True) -> str:
    """The module source defining ``kernel`` for ``region`` (see the module docstring).
    ``fast``: exp, expm1, tanh, sin, cos as vector_math's polynomials; where sin or cos
    is among them, the kernel's last result says whether an argument lay out of their
    range (the caller then runs the ``fast=False`` kernel, libm's)."""
    shape = region.shape
    text: dict = {}  # id(atom) -> its text inside the loop
    params, loads = [], []
    for k, atom in enumerate(inputs):
        params.append(f"p{k}")
        key = id(atom) if type(atom) is Var else ("lit", id(atom.value))
        if is_array(atom, shape):
            loads.append(f"e{k} = p{k}[i]")
            text[key] = f"e{k}"
        else:
            text[key] = f"p{k}"
    body, sums, arrays, checks = [], [], [], []
    wanted = set(map(id, outputs))
    for j, node in enumerate(region.nodes):
        if scalar_ops.is_reduction(node):
            if id(node.outputs[0]) in wanted:
                sums.append((f"b{len(sums)}", text[id(node.inputs[0])], node.outputs[0]))
            continue
        operands = []
        for a in node.inputs:
            if type(a) is Literal and type(a.value) in (bool, int, float):
                operands.append(_number(a.value))
            else:
                operands.append(text[id(a) if type(a) is Var else ("lit", id(a.value))])
        out = node.outputs[0]
        body.append(f"t{j} = {scalar_ops.scalar_expression(node, operands, vector_math=fast)}")
        if fast and node.primitive.name in scalar_ops.RANGE_CHECKED:
            checks.append(f"bad |= vm.trig_out_of_range({operands[0]})")
        text[id(out)] = f"t{j}"
        if id(out) in wanted:
            arrays.append((f"o{len(arrays)}", f"t{j}", out))
    lines = ["import numpy as np", "from numba import njit", scalar_ops.PRELUDE, ""]
    if fast:
        lines[2:2] = ["from xformad_numba import vector_math as vm", f"# helpers {_helpers_version()}"]
    lines.append('@njit(cache=True, error_model="numpy", nogil=True)')
    lines.append(f"def kernel({', '.join(['n', *(name for name, _, _ in arrays), *params])}):")
    step = [*loads, *body, *checks]
    if checks:
        lines.append("    bad = False")
    if sums:
        lines += [f"    a{k} = 0.0" for k in range(len(sums))]
        lines.append(f"    for start in range(0, n, {BLOCK}):")
        lines += [f"        {b} = 0.0" for b, _, _ in sums]
        lines.append(f"        for i in range(start, min(start + {BLOCK}, n)):")
        indent = " " * 12
    else:
        lines.append("    for i in range(n):")
        indent = " " * 8
    lines += [indent + s for s in step]
    lines += [f"{indent}{name}[i] = {t}" for name, t, _ in arrays]
    lines += [f"{indent}{b} += {t}" for b, t, _ in sums]
    if sums:
        lines += [f"        a{k} += {b}" for k, (b, _, _) in enumerate(sums)]
    results = [f"a{k}" for k in range(len(sums))] + (["bad"] if checks else [])
    lines.append(f"    return ({''.join(r + ', ' for r in results)})")
    return "\n".join(lines) + "\n"


def output_order(region: Region, outputs: list) -> list:
    """The region's outputs in the order ``kernel`` returns them: arrays, then sums."""
    sums = {n.outputs[0] for n in region.nodes if scalar_ops.is_reduction(n)}
    return [v for v in outputs if v not in sums] + [v for v in outputs if v in sums]
