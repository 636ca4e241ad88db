"""Random small numpy programs for tests/test_fuzz.py, drawn by hypothesis.

A program is a *recipe*: its input arrays (two sets, for the jit check) and a list of
steps, each a plain tuple naming one numpy operation and its operands by their index in an
environment ``env`` (``env[:n_in]`` are the inputs ``x0, x1``; every step that makes a
value appends it). ``execute`` interprets a recipe on any arguments, plain ndarrays or
xformad tracers alike, with Python's own semantics for every statement:

- ``("iop", i, view, op, src, keep)`` is ``t = <view of e_i>; t op= src`` (``keep``:
  the view ``t`` becomes a new entry, so later steps see it and write through it);
  with an empty view it is ``e_i op= src`` and rebinds ``e_i``;
- ``("setitem", i, transform, index, op, src)`` is ``<transform of e_i>[index] op= src``
  (``op`` "=" for plain assignment), i.e. ``t[index] = iop(t[index], src)``;
- ``("ufunc_out", name, srcs, i, view, keep)`` is ``np.<name>(*srcs, out=<view of e_i>)``.

So views alias their base exactly as numpy decides (``reshape`` of a non-contiguous array
copies, fancy indexing copies, an integer index gives a scalar), and the recipe's value is
numpy's own. The result of the program is ``sum_k np.sum(W_k * e_k)`` over the entries it
made, with fixed random weights ``W_k``, read after the last step, so a write through a view
shows up in its base and in every other view of it.

Drawing runs the recipe so far on the real inputs after each step and keeps a step only if
the program stays well conditioned for finite differences: every value finite and below
``MAX_ABS``, no array over ``MAX_SIZE`` elements or empty, and every ``max`` reduction with a
gap of at least ``MIN_GAP`` between its largest and second-largest candidates (no kink
within the finite-difference step), on both input sets. A write that changes an entry other
than the one it writes directly (``e_i`` itself) needs view semantics; such steps are
recorded (``Program.aliasing``), and ``programs(views=False)`` draws none of them.

``Program.source()`` renders the recipe as a plain numpy function (the reproducer printed
on failure); the tests check that it computes the same value as ``execute``. The closure
also checks every entry's shape against numpy's (``ShapeMismatch``), since the final sum
would hide a value broadcast to the wrong shape.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from itertools import permutations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

MAX_SIZE = 48
MAX_ABS = 20.0
MIN_GAP = 1e-3
INPUT_RANGE = 1.5

# ----------------------------------------------------------------------------- operations

UNARY = {
    "sin": (np.sin, "np.sin({})"),
    "exp": (np.exp, "np.exp({})"),
    "tanh": (np.tanh, "np.tanh({})"),
    "log1sq": (lambda a: np.log(1.0 + a**2), "np.log(1.0 + {} ** 2)"),
    "sq": (lambda a: a**2, "{} ** 2"),
    "neg": (operator.neg, "-{}"),
}

BINARY = {
    "+": (operator.add, "{} + {}"),
    "-": (operator.sub, "{} - {}"),
    "*": (operator.mul, "{} * {}"),
    "/1+sq": (lambda a, b: a / (1.0 + b**2), "{} / (1.0 + {} ** 2)"),
    "/2+sin": (lambda a, b: a / (2.0 + np.sin(b)), "{} / (2.0 + np.sin({}))"),
}

REDUCE = {
    "sum": (lambda a, axis, kd: np.sum(a, axis=axis, keepdims=kd), "np.sum({}, axis={}, keepdims={})"),
    "mean": (lambda a, axis, kd: a.mean(axis=axis, keepdims=kd), "{}.mean(axis={}, keepdims={})"),
    "max": (lambda a, axis, kd: np.max(a, axis=axis, keepdims=kd), "np.max({}, axis={}, keepdims={})"),
}

IOPS = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
}

# src functions: how an operand of a write is made from an entry
SRC_FN = {
    "id": (lambda a: a, "{}"),
    "sin": (np.sin, "np.sin({})"),
    "sq": (lambda a: a**2, "{} ** 2"),
    "1+sq": (lambda a: 1.0 + a**2, "(1.0 + {} ** 2)"),
}

UFUNC_OUT = {"add": 2, "subtract": 2, "multiply": 2, "sin": 1, "tanh": 1}

FULL = ("slice", None, None, None)


# ----------------------------------------------------------------------------- indices


def to_index(spec):
    """The numpy index for an index spec (a tuple of items)."""
    out = []
    for item in spec:
        if isinstance(item, tuple) and item[0] == "slice":
            out.append(slice(*item[1:]))
        elif isinstance(item, tuple) and item[0] == "arr":
            out.append(np.array(item[1], dtype=np.intp))
        elif isinstance(item, tuple) and item[0] == "mask":
            out.append(np.array(item[1], dtype=bool))
        else:  # int, None, Ellipsis
            out.append(item)
    return tuple(out)


def render_index(spec) -> str:
    parts = []
    for item in spec:
        if isinstance(item, tuple) and item[0] == "slice":
            a, b, c = ("" if v is None else str(v) for v in item[1:])
            parts.append(f"{a}:{b}" + (f":{c}" if c else ""))
        elif isinstance(item, tuple) and item[0] == "arr":
            parts.append(f"np.array({list(item[1])})")
        elif isinstance(item, tuple) and item[0] == "mask":
            parts.append(f"np.array({list(item[1])})")
        elif item is None:
            parts.append("None")
        elif item is Ellipsis:
            parts.append("...")
        else:
            parts.append(str(item))
    return "[" + ", ".join(parts) + "]" if parts else "[()]"


def index_candidates(shape, fancy=True, unique=False, scalars=True):
    """Index specs for an array of this shape: ints, slices (negative steps too), None,
    Ellipsis and, with ``fancy``, integer arrays (duplicates unless ``unique``), boolean
    masks and pairs of arrays."""
    nd = len(shape)
    out = []
    for ax in range(nd):
        n = shape[ax]
        pre = (FULL,) * ax
        items = []
        if scalars or ax < nd - 1:
            items += [0, -1] + ([n // 2] if n > 2 else [])
        if n >= 2:
            items += [
                ("slice", 1, None, None),
                ("slice", None, -1, None),
                ("slice", None, None, 2),
                ("slice", None, None, -1),
                ("slice", -1, 0, -2),
            ]
        if fancy:
            if n >= 2:
                items.append(("arr", (n - 1, 0)))
                if not unique:
                    items.append(("arr", (0, -1, 0)))
                items.append(("mask", tuple(k % 2 == 0 for k in range(n))))
            if not unique:
                items.append(("arr", (-1, -1)))
        out += [pre + (it,) for it in items]
    if nd >= 1:
        out.append((None,))
        out.append((Ellipsis, None))
        if scalars or nd > 1:
            out.append((Ellipsis, -1))
    if nd >= 2:
        out.append((0, ("slice", None, None, -1)))
        if fancy:
            out.append((("arr", (0, shape[0] - 1)), ("arr", (shape[1] - 1, 0))))
            out.append((("slice", None, None, -1), ("arr", (0, shape[1] - 1))))
    return out


def transform_candidates(nd):
    out = [None]
    if nd >= 2:
        out.append("T")
    if nd >= 3:
        out.append(("swapaxes", 0, -1))
    return out


def apply_transform(a, t):
    if t is None:
        return a
    if t == "T":
        return a.T
    return np.swapaxes(a, t[1], t[2])


def render_transform(name, t):
    if t is None:
        return name
    if t == "T":
        return f"{name}.T"
    return f"np.swapaxes({name}, {t[1]}, {t[2]})"


def apply_view(a, view):
    t, idx = view
    a = apply_transform(a, t)
    return a if idx is None else a[to_index(idx)]


def render_view(name, view):
    t, idx = view
    s = render_transform(name, t)
    return s if idx is None else s + render_index(idx)


def is_empty_view(view):
    return view == (None, None)


# ----------------------------------------------------------------------------- the interpreter


def make_src(env, src):
    if src[0] == "c":
        return src[1]
    _, j, fn = src
    return SRC_FN[fn][0](env[j])


def render_src(names, src):
    if src[0] == "c":
        return repr(src[1])
    _, j, fn = src
    return SRC_FN[fn][1].format(names[j])


def execute(steps, args, record=None):
    """Run the recipe on ``args`` (ndarrays or tracers) and return the environment.

    With ``record`` (a dict; plain ndarrays only) also note the smallest ``max`` gap
    (``record["gap"]``) and the steps that need view semantics (``record["aliasing"]``)."""
    env = list(args)
    for n, step in enumerate(steps):
        kind = step[0]
        before = None
        if record is not None and kind in ("iop", "setitem", "ufunc_out"):
            before = [np.array(e, copy=True) for e in env]
        if kind == "unary":
            env.append(UNARY[step[1]][0](env[step[2]]))
        elif kind == "binary":
            env.append(BINARY[step[1]][0](env[step[2]], env[step[3]]))
        elif kind == "reduce":
            _, name, i, axis, kd = step
            if record is not None and name == "max":
                record["gap"] = min(record.get("gap", np.inf), _max_gap(env[i], axis))
            env.append(REDUCE[name][0](env[i], axis, kd))
        elif kind == "reshape":
            env.append(env[step[1]].reshape(step[2]))
        elif kind == "transpose":
            _, i, axes = step
            env.append(env[i].T if axes is None else np.transpose(env[i], axes))
        elif kind == "swapaxes":
            env.append(np.swapaxes(env[step[1]], step[2], step[3]))
        elif kind == "getitem":
            env.append(env[step[1]][to_index(step[2])])
        elif kind == "matmul":
            _, i, j, tb = step
            b = np.swapaxes(env[j], -1, -2) if tb else env[j]
            env.append(env[i] @ b)
        elif kind == "copy":
            env.append(env[step[1]].copy())
        elif kind == "zeros_like":
            env.append(np.zeros_like(env[step[1]]))
        elif kind == "iop":
            _, i, view, op, src, keep = step
            s = make_src(env, src)
            if is_empty_view(view):
                env[i] = IOPS[op](env[i], s)
            else:
                t = apply_view(env[i], view)
                t = IOPS[op](t, s)
                if keep:
                    env.append(t)
        elif kind == "setitem":
            _, i, transform, idx, op, src = step
            s = make_src(env, src)
            t = apply_transform(env[i], transform)
            ix = to_index(idx)
            if op == "=":
                t[ix] = s
            else:
                x = t[ix]
                x = IOPS[op](x, s)
                t[ix] = x
        elif kind == "ufunc_out":
            _, name, srcs, i, view, keep = step
            operands = [make_src(env, s) for s in srcs]
            out = apply_view(env[i], view)
            r = getattr(np, name)(*operands, out=out)
            if keep:
                env.append(r)
        else:  # pragma: no cover
            raise ValueError(f"unknown step {step!r}")
        if before is not None:
            direct = _writes_directly(step)
            for k, old in enumerate(before):
                if k == direct:
                    continue
                if not np.array_equal(old, np.asarray(env[k])):
                    record.setdefault("aliasing", []).append(n)
                    break
    return env


def _writes_directly(step):
    """The entry a write changes without view semantics (copy-on-view semantics)."""
    kind = step[0]
    if kind == "iop":
        return step[1] if is_empty_view(step[2]) else None
    if kind == "setitem":
        return step[1] if step[2] is None else None
    if kind == "ufunc_out":
        return step[3] if is_empty_view(step[4]) else None
    return None


def _max_gap(a, axis):
    a = np.asarray(a)
    if axis is None:
        flat = a.reshape(1, -1)
    else:
        axes = (axis,) if isinstance(axis, int) else axis
        axes = tuple(ax % a.ndim for ax in axes)
        rest = tuple(ax for ax in range(a.ndim) if ax not in axes)
        flat = np.transpose(a, rest + axes).reshape(int(np.prod([a.shape[r] for r in rest])), -1)
    if flat.shape[1] < 2:
        return np.inf
    s = np.sort(flat, axis=1)
    return float(np.min(s[:, -1] - s[:, -2]))


# ----------------------------------------------------------------------------- programs


class ShapeMismatch(AssertionError):
    """An entry's shape differs from the one it has when the recipe runs on ndarrays."""


@dataclass
class Program:
    inputs: tuple
    inputs2: tuple
    steps: list
    weights: list = field(default_factory=list)
    aliasing: list = field(default_factory=list)
    shapes: list = field(default_factory=list)

    @property
    def n_in(self):
        return len(self.inputs)

    def terms(self, env):
        start = self.n_in if len(env) > self.n_in else 0
        return [np.sum(w * e) for w, e in zip(self.weights, env[start:])]

    def function(self):
        """The program as a Python closure over the recipe."""

        def f(*args):
            env = execute(self.steps, args)
            for k, (e, shape) in enumerate(zip(env, self.shapes)):
                if np.shape(e) != shape:
                    name = f"x{k}" if k < self.n_in else f"e{k}"
                    raise ShapeMismatch(f"{name} has shape {np.shape(e)}, numpy gives it {shape}")
            terms = self.terms(env)
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            return total

        return f

    def scale(self, args=None):
        """sum |W_k * e_k|: the size of the terms the result is a sum of."""
        env = execute(self.steps, self.inputs if args is None else args)
        start = self.n_in if len(env) > self.n_in else 0
        return float(sum(np.sum(np.abs(w * e)) for w, e in zip(self.weights, env[start:])))

    def source(self, name="f") -> str:
        """The recipe as a plain numpy function."""
        names = [f"x{k}" for k in range(self.n_in)]
        lines = [f"def {name}({', '.join(names)}):"]
        for step in self.steps:
            kind = step[0]
            new = f"e{len(names)}"
            if kind == "unary":
                lines.append(f"{new} = " + UNARY[step[1]][1].format(names[step[2]]))
                names.append(new)
            elif kind == "binary":
                lines.append(f"{new} = " + BINARY[step[1]][1].format(names[step[2]], names[step[3]]))
                names.append(new)
            elif kind == "reduce":
                _, rname, i, axis, kd = step
                lines.append(f"{new} = " + REDUCE[rname][1].format(names[i], axis, kd))
                names.append(new)
            elif kind == "reshape":
                lines.append(f"{new} = {names[step[1]]}.reshape({step[2]})")
                names.append(new)
            elif kind == "transpose":
                _, i, axes = step
                rhs = f"{names[i]}.T" if axes is None else f"np.transpose({names[i]}, {axes})"
                lines.append(f"{new} = {rhs}")
                names.append(new)
            elif kind == "swapaxes":
                lines.append(f"{new} = np.swapaxes({names[step[1]]}, {step[2]}, {step[3]})")
                names.append(new)
            elif kind == "getitem":
                lines.append(f"{new} = {names[step[1]]}{render_index(step[2])}")
                names.append(new)
            elif kind == "matmul":
                _, i, j, tb = step
                b = f"np.swapaxes({names[j]}, -1, -2)" if tb else names[j]
                lines.append(f"{new} = {names[i]} @ {b}")
                names.append(new)
            elif kind == "copy":
                lines.append(f"{new} = {names[step[1]]}.copy()")
                names.append(new)
            elif kind == "zeros_like":
                lines.append(f"{new} = np.zeros_like({names[step[1]]})")
                names.append(new)
            elif kind == "iop":
                _, i, view, op, src, keep = step
                s = render_src(names, src)
                if is_empty_view(view):
                    lines.append(f"{names[i]} {op} {s}")
                else:
                    v = new if keep else "v"
                    lines.append(f"{v} = {render_view(names[i], view)}")
                    lines.append(f"{v} {op} {s}")
                    if keep:
                        names.append(new)
            elif kind == "setitem":
                _, i, transform, idx, op, src = step
                target = render_transform(names[i], transform) + render_index(idx)
                lines.append(f"{target} {op} {render_src(names, src)}")
            elif kind == "ufunc_out":
                _, uname, srcs, i, view, keep = step
                ops = ", ".join(render_src(names, s) for s in srcs)
                call = f"np.{uname}({ops}, out={render_view(names[i], view)})"
                lines.append(f"{new} = {call}" if keep else call)
                if keep:
                    names.append(new)
        start = self.n_in if len(names) > self.n_in else 0
        terms = [
            f"np.sum(np.array({np.asarray(w).tolist()!r}) * {n})" for w, n in zip(self.weights, names[start:])
        ]
        lines.append("return " + " + ".join(terms))
        return lines[0] + "\n" + "\n".join("    " + ln for ln in lines[1:]) + "\n"

    def compile_source(self):
        namespace = {"np": np}
        exec(self.source(), namespace)
        return namespace["f"]

    def describe(self):
        ins = ", ".join(f"x{k} = np.array({np.asarray(x).tolist()!r})" for k, x in enumerate(self.inputs))
        return f"\n{self.source()}{ins}\n(view-semantics steps: {self.aliasing})\n"


def _check(steps, inputs_sets):
    """(ok, aliasing steps) for a candidate recipe on every input set."""
    aliasing = None
    for inputs in inputs_sets:
        record = {}
        try:
            with np.errstate(all="raise"):
                env = execute(steps, tuple(x.copy() for x in inputs), record)
        except (ValueError, IndexError, TypeError, FloatingPointError):
            return False, None
        for e in env:
            a = np.asarray(e)
            if a.dtype != np.float64 or a.size == 0 or a.size > MAX_SIZE:
                return False, None
            if not np.all(np.isfinite(a)) or np.max(np.abs(a)) > MAX_ABS:
                return False, None
        if record.get("gap", np.inf) < MIN_GAP:
            return False, None
        if aliasing is None:
            aliasing = record.get("aliasing", [])
    return True, aliasing


# ----------------------------------------------------------------------------- drawing steps


def _shapes():
    dim = st.sampled_from([2, 3, 4, 1, 5])
    return st.lists(dim, min_size=1, max_size=3).map(tuple).filter(lambda s: int(np.prod(s)) <= 24)


def _related_shapes(shape):
    """Shapes for the second input: mostly broadcast-compatible with the first."""
    out = [shape, shape[1:] or shape, shape[-1:], tuple(reversed(shape)), (1,) + shape[1:], (3,)]
    if len(shape) >= 2:
        out.append(shape[:-1] + (1,))
        out.append((shape[-1], 2))
    return [s for s in out if s and int(np.prod(s)) <= 24]


def _writable(env, n_in, i):
    """An entry a program may write into: it shares no memory with an input."""
    e = env[i]
    return not any(np.shares_memory(e, env[k]) for k in range(n_in)) if isinstance(e, np.ndarray) else True


def _draw_src(draw, env, shape, op=None):
    """An operand that broadcasts to ``shape``: a constant or a function of an entry."""
    ok = [j for j, e in enumerate(env) if _broadcasts_to(np.shape(e), shape)]
    const = [0.5, 2.0, -1.5] if op != "/=" else [2.0, -1.5]
    if not ok or draw(st.integers(0, 3)) == 0:
        return ("c", draw(st.sampled_from(const)))
    fns = ["1+sq"] if op == "/=" else ["id", "sin", "sq"]
    return ("e", draw(st.sampled_from(ok)), draw(st.sampled_from(fns)))


def _broadcasts_to(s, shape):
    try:
        return np.broadcast_shapes(s, shape) == tuple(shape)
    except ValueError:
        return False


def _draw_view(draw, a, fancy, array_only=False, nonempty=False):
    t = draw(st.sampled_from(transform_candidates(a.ndim)))
    ta = apply_transform(a, t)
    idx = None
    if ta.ndim >= 1 and (draw(st.booleans()) or (nonempty and t is None)):
        cands = index_candidates(ta.shape, fancy=fancy, scalars=not array_only)
        idx = draw(st.sampled_from(cands))
    return (t, idx)


def _recent(indices):
    """An entry index, the most recent first (so programs chain, and shrink to chains)."""
    return st.sampled_from(sorted(indices, reverse=True))


def draw_step(draw, kind, env, n_in):
    n = len(env)
    arrays = [k for k in range(n) if np.ndim(env[k]) >= 1]
    if kind == "unary":
        return ("unary", draw(st.sampled_from(sorted(UNARY))), draw(_recent(range(n))))
    if kind == "binary":
        i = draw(_recent(range(n)))
        js = [j for j in range(n) if _compatible(env[i], env[j])]
        return ("binary", draw(st.sampled_from(sorted(BINARY))), i, draw(st.sampled_from(js)))
    if kind == "reduce":
        if not arrays:
            return None
        i = draw(_recent(arrays))
        nd = env[i].ndim
        axes = [None] + list(range(nd)) + [-1] + ([(0, nd - 1)] if nd >= 2 else [])
        return (
            "reduce",
            draw(st.sampled_from(sorted(REDUCE))),
            i,
            draw(st.sampled_from(axes)),
            draw(st.booleans()),
        )
    if kind == "reshape":
        if not arrays:
            return None
        i = draw(_recent(arrays))
        return ("reshape", i, draw(st.sampled_from(_reshapes(env[i].shape))))
    if kind == "transpose":
        nd2 = [k for k in arrays if env[k].ndim >= 2]
        if not nd2:
            return None
        i = draw(_recent(nd2))
        perms = [None] + [p for p in permutations(range(env[i].ndim)) if p != tuple(range(env[i].ndim))]
        return ("transpose", i, draw(st.sampled_from(perms)))
    if kind == "swapaxes":
        nd2 = [k for k in arrays if env[k].ndim >= 2]
        if not nd2:
            return None
        i = draw(_recent(nd2))
        nd = env[i].ndim
        pairs = [(a, b) for a in range(nd) for b in range(a + 1, nd)] + [(-1, 0)]
        return ("swapaxes", i) + draw(st.sampled_from(pairs))
    if kind == "getitem":
        if not arrays:
            return None
        i = draw(_recent(arrays))
        return ("getitem", i, draw(st.sampled_from(index_candidates(env[i].shape))))
    if kind == "matmul":
        pairs = [
            (i, j, tb) for i in arrays for j in arrays for tb in (False, True) if _mm_ok(env[i], env[j], tb)
        ]
        if not pairs:
            return None
        return ("matmul",) + draw(st.sampled_from(pairs))
    if kind == "copy":
        return ("copy", draw(st.sampled_from(arrays or range(n))))
    if kind == "zeros_like":
        if not arrays:
            return None
        return ("zeros_like", draw(st.sampled_from(arrays)))
    writable = [k for k in arrays if _writable(env, n_in, k)]
    if not writable:
        return None
    i = draw(_recent(writable))
    a = env[i]
    if kind == "iop":
        if draw(st.booleans()):
            view = (None, None)
        else:
            view = _draw_view(draw, a, fancy=True)
        target = apply_view(a, view)
        op = draw(st.sampled_from(sorted(IOPS)))
        return ("iop", i, view, op, _draw_src(draw, env, np.shape(target), op), draw(st.booleans()))
    if kind == "setitem":
        t = draw(st.sampled_from(transform_candidates(a.ndim)))
        ta = apply_transform(a, t)
        idx = draw(st.sampled_from(index_candidates(ta.shape, fancy=True, unique=True)))
        target = ta[to_index(idx)]
        op = draw(st.sampled_from(["=", "=", "+=", "-=", "*=", "/="]))
        return ("setitem", i, t, idx, op, _draw_src(draw, env, np.shape(target), op))
    if kind == "ufunc_out":
        view = (None, None) if draw(st.booleans()) else _draw_view(draw, a, fancy=False, array_only=True)
        out = apply_view(a, view)
        if not isinstance(out, np.ndarray):
            return None
        name = draw(st.sampled_from(sorted(UFUNC_OUT)))
        srcs = tuple(_draw_src(draw, env, out.shape) for _ in range(UFUNC_OUT[name]))
        return ("ufunc_out", name, srcs, i, view, draw(st.booleans()))
    raise ValueError(kind)


def _draw_aliasing_step(draw, env, n_in):
    """A write through a temporary view of a writable array: needs view semantics."""
    writable = [k for k in range(len(env)) if np.ndim(env[k]) >= 1 and _writable(env, n_in, k)]
    if not writable:
        return None
    i = draw(_recent(writable))
    a = env[i]
    kind = draw(st.sampled_from(["iop", "setitem", "ufunc_out"]))
    if kind == "setitem" and a.ndim >= 2:
        ta = a.T
        idx = draw(st.sampled_from(index_candidates(ta.shape, fancy=True, unique=True)))
        op = draw(st.sampled_from(["=", "+=", "*="]))
        return ("setitem", i, "T", idx, op, _draw_src(draw, env, np.shape(ta[to_index(idx)]), op))
    view = _draw_view(draw, a, fancy=False, array_only=True, nonempty=True)
    out = apply_view(a, view)
    if kind == "ufunc_out":
        name = draw(st.sampled_from(sorted(UFUNC_OUT)))
        srcs = tuple(_draw_src(draw, env, out.shape) for _ in range(UFUNC_OUT[name]))
        return ("ufunc_out", name, srcs, i, view, draw(st.booleans()))
    op = draw(st.sampled_from(["+=", "-=", "*="]))
    return ("iop", i, view, op, _draw_src(draw, env, out.shape, op), draw(st.booleans()))


def _compatible(a, b):
    try:
        return int(np.prod(np.broadcast_shapes(np.shape(a), np.shape(b)))) <= MAX_SIZE
    except ValueError:
        return False


def _mm_ok(a, b, tb):
    if tb and b.ndim < 2:
        return False
    bs = b.shape[:-2] + (b.shape[-1], b.shape[-2]) if tb else b.shape
    try:
        np.matmul(np.zeros(a.shape), np.zeros(bs))
    except ValueError:
        return False
    return True


def _reshapes(shape):
    n = int(np.prod(shape))
    out = [(-1,), tuple(reversed(shape)), (1, n)]
    out += [(a, n // a) for a in range(2, n) if n % a == 0]
    out += [(a, -1, 1) for a in range(2, n) if n % a == 0][:1]
    return [s for s in out if s != tuple(shape)]


KINDS_PURE = [
    "unary",
    "unary",
    "binary",
    "binary",
    "reduce",
    "reduce",
    "reshape",
    "transpose",
    "swapaxes",
    "getitem",
    "getitem",
    "matmul",
    "copy",
    "zeros_like",
]
KINDS_WRITE = ["iop", "setitem", "ufunc_out"]


@st.composite
def programs(draw, views=None, max_steps=7):
    """A Program. ``views=False``: no step needs view semantics; ``True``: at least one
    does; ``None``: either."""
    n_in = draw(st.integers(1, 2))
    shape0 = draw(_shapes())
    shapes = [shape0] + ([draw(st.sampled_from(_related_shapes(shape0)))] if n_in == 2 else [])
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = tuple(rng.uniform(-INPUT_RANGE, INPUT_RANGE, s) for s in shapes)
    inputs2 = tuple(rng.uniform(-INPUT_RANGE, INPUT_RANGE, s) for s in shapes)
    kinds = KINDS_PURE + KINDS_WRITE * (3 if views else 2)
    steps, aliasing = [], []
    target = draw(st.integers(2, max_steps))
    for _ in range(3 * target):
        if len(steps) >= target:
            break
        env = execute(steps, inputs)
        step = draw_step(draw, draw(st.sampled_from(kinds)), env, n_in)
        if step is None:
            continue
        ok, al = _check(steps + [step], (inputs, inputs2))
        if ok and (views is not False or not al):
            steps.append(step)
            aliasing = al
    if views and not aliasing:
        for _ in range(4):
            env = execute(steps, inputs)
            prefix = steps
            if not any(np.ndim(env[k]) >= 1 and _writable(env, n_in, k) for k in range(len(env))):
                prefix = steps + [("unary", "sin", 0)]
                env = execute(prefix, inputs)
            step = _draw_aliasing_step(draw, env, n_in)
            if step is None:
                continue
            ok, al = _check(prefix + [step], (inputs, inputs2))
            if ok and al:
                steps, aliasing = prefix + [step], al
                break
        assume(aliasing)
    env = execute(steps, inputs)
    start = n_in if len(env) > n_in else 0
    weights = [rng.uniform(-1.0, 1.0, np.shape(e)).round(3) for e in env[start:]]
    return Program(inputs, inputs2, steps, weights, aliasing, [np.shape(e) for e in env])
