"""Running a user function on tracers: argument flattening, input checks, placement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import backends, intercept, reach
from ..buffers import Buffer, resolve_tree
from ..errors import ConstantWriteError, NonDifferentiableInputError, XformadError
from ..numpy_api.draws import generator_stand_ins
from ..tracing import Trace, Tracer, _stack, concrete, new_trace
from ..tree import LEAF, tree_flatten, tree_map, tree_unflatten

_SCALARS = (float, int, complex, bool)


def check_callable(f, transform: str) -> None:
    """Refuse a non-function where the transform is made, not when it is first called."""
    if not callable(f):
        raise XformadError(
            f"{transform} expects a function to transform, but got {type(f).__name__} {f!r}; "
            f"pass the function itself: xformad.{transform}(f), not xformad.{transform}(f(x))."
        )


def normalize_argnums(argnums, nargs: int, what: str = "argnums") -> tuple[int, ...]:
    if isinstance(argnums, (int, np.integer)):
        seq = (argnums,)
    elif isinstance(argnums, (tuple, list)):
        seq = tuple(argnums)
    else:
        raise XformadError(f"{what} must be an int or a tuple of ints, got {argnums!r}")
    out = []
    for a in seq:
        if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
            raise XformadError(f"{what} must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= a < nargs:
            named = "the differentiated inputs" if what == "argnums" else "those arguments"
            raise XformadError(
                f"{what}={argnums!r} asks for argument {a}, but the function was called with "
                f"{nargs} positional argument(s); pass {named} positionally."
            )
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):  # JAX refuses too: one input cannot be two
        raise XformadError(
            f"argnums={argnums!r} names an argument twice; list each argument once (the "
            "gradient comes back once per entry of argnums)."
        )
    return tuple(out)


def _where_text(where) -> str:
    """``where`` is a description, or (what, argument number, leaf index or None)."""
    if isinstance(where, tuple):
        what, n, i = where
        return f"{what} {n}" + ("" if i is None else f" (leaf {i})")
    return where() if callable(where) else where


# Python numbers become numpy scalars, not 0-d arrays: numpy's scalar arithmetic is
# several times faster, and numpy returns scalars from 0-d operations anyway
_SCALAR_TYPES = {float: np.float64, complex: np.complex128, int: np.int64, bool: np.bool_}


def as_input_value(leaf: Any, where, backend, check_float: bool = True):
    """A leaf of a differentiated argument as an array on ``backend``, checked for dtype."""
    to_scalar = _SCALAR_TYPES.get(type(leaf))
    if to_scalar is not None:
        value = to_scalar(leaf)
    elif type(leaf) is Tracer or isinstance(leaf, np.generic):
        value = leaf
    elif isinstance(leaf, _SCALARS):
        value = np.asarray(leaf)[()]
    elif backend.owns(leaf) or isinstance(leaf, np.ndarray):
        if isinstance(leaf, (np.ma.MaskedArray, np.matrix)):
            where = _where_text(where)
            raise NonDifferentiableInputError(
                f"{where} is a {type(leaf).__module__}.{type(leaf).__name__}, whose arithmetic "
                "differs from an ndarray's (masked elements, matrix products), which xformad "
                "does not trace. Pass a plain array: np.ma.filled(a, fill) or a.compressed() "
                "for a masked array (and its mask as a separate argument), np.asarray(m) for a "
                "matrix (then write products with @)."
            )
        value = leaf
    elif isinstance(leaf, (list, tuple)):
        value = np.asarray(leaf)
    else:
        where = _where_text(where)
        raise NonDifferentiableInputError(
            f"{where} is a {type(leaf).__name__}, which xformad cannot differentiate. Pass "
            "floats, numpy arrays, or nested tuples/lists/dicts of them; pass other values "
            "as arguments not named in argnums."
        )
    if check_float and value.dtype.kind not in "fc":
        where = _where_text(where)
        raise NonDifferentiableInputError(
            f"{where} has dtype {np.dtype(value.dtype).name}; only floating-point and complex "
            "inputs can be differentiated. Convert it (e.g. x.astype(float) or 2.0 instead of "
            "2), or leave it out of argnums."
        )
    if isinstance(value, np.ndarray) and not backend.owns(value):
        value = backend.to_device(value)
    return value


def call_user(f: Callable, args, kwargs):
    """Call f; numpy sometimes wraps our conversion errors (e.g. out[i] = tracer raises
    ValueError 'setting an array element with a sequence'): surface ours instead."""
    try:
        return f(*args, **kwargs)
    except XformadError:
        raise
    except ValueError as exc:
        if "read-only" in str(exc) and _stack.frozen:
            raise ConstantWriteError(
                f"{exc}: if the array was an operand of a traced computation earlier in this "
                "function, or is (shares memory with) an input being differentiated, xformad's "
                "graph holds it by reference, so it is read-only until the call returns (a "
                "write would change a recorded value). Write into a copy "
                "(a = a.copy()) before using it, or make it with np.zeros/np.array inside the "
                "function (those arrays xformad tracks, and they stay writable)."
            ) from exc
        _surface_ours(exc)
        raise
    except Exception as exc:
        _surface_ours(exc)
        raise


def _surface_ours(exc: Exception) -> None:
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if isinstance(cause, XformadError):
            raise cause.with_traceback(exc.__traceback__) from None
        cause = cause.__cause__ or cause.__context__


class TracedCall:
    """f run once on tracers for the leaves of the chosen arguments."""

    def __init__(self, trace: Trace, out: Any, in_vars: list, in_leaves: list, in_trees: list, aux: Any):
        self.trace = trace
        self.out = out
        self.in_vars = in_vars
        self.in_leaves = in_leaves
        self.in_trees = in_trees
        self.aux = aux


def trace_call(
    f: Callable,
    args: Sequence,
    kwargs: dict,
    argnums: tuple,
    backend,
    *,
    has_aux: bool = False,
    check_float: bool = True,
    what: str = "argument",
) -> TracedCall:
    args = list(args)
    with backends.using(backend), new_trace() as trace:
        in_vars, in_leaves, in_trees = [], [], []
        for n in argnums:
            leaves, treedef = tree_flatten(args[n])
            in_trees.append(treedef)
            if treedef is LEAF:  # the common argument, one float or array
                leaf = leaves[0]
                t = trace.new_input(as_input_value(leaf, (what, n, None), backend, check_float))
                in_vars.append(t._var)
                in_leaves.append(leaf)
                args[n] = t
                continue
            tracers = []
            for i, leaf in enumerate(leaves):
                where = (what, n, i)  # the error text is built only if needed
                t = trace.new_input(as_input_value(leaf, where, backend, check_float))
                tracers.append(t)
                in_vars.append(t._var)
                in_leaves.append(leaf)
            args[n] = tree_unflatten(treedef, tracers)
        aliased = _aliased_inputs(in_leaves, args, argnums) if len(in_leaves) > 1 else None
        args, kwargs, restore = _stand_ins(f, args, kwargs)
        try:
            out = resolve_tree(call_user(_served(f), args, kwargs))  # arrays made inside: plain or traced
        finally:
            restore()
        if aliased:
            _refuse_writes_into_aliases(aliased)
        aux = None
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise XformadError(
                    "has_aux=True expects the function to return a pair (output, aux); "
                    f"it returned {type(out).__name__}."
                )
            out, aux = out
    return TracedCall(trace, out, in_vars, in_leaves, in_trees, aux)


def _aliased_inputs(in_leaves: list, args: list, argnums: tuple) -> list:
    """Groups of (tracer, its input var) made from one array passed more than once
    (f(a, a), [a, a]): numpy would see a write through one in the others, the trace not."""
    by_id: dict = {}
    for k, leaf in enumerate(in_leaves):
        if isinstance(leaf, np.ndarray):
            by_id.setdefault(id(leaf), []).append(k)
    groups = [ks for ks in by_id.values() if len(ks) > 1]
    if not groups:
        return []
    tracers = [t for n in argnums for t in tree_flatten(args[n])[0]]
    return [[(tracers[k], tracers[k]._var) for k in ks] for ks in groups]


def _refuse_writes_into_aliases(groups: list) -> None:
    for group in groups:
        if any(t._var is not var for t, var in group):
            raise XformadError(
                "the function writes into a differentiated input that is the same array as "
                "another one (f(a, a), [a, a]): in numpy the write shows through the other, in "
                "the trace it does not. Pass a copy (f(a, a.copy())) or write into a copy inside "
                "the function."
            )


def _stand_ins(f, args: list, kwargs: dict):
    """For one trace: generators made outside (``rng.normal(mu, s)`` with traced mu) and
    intercepted functions bound before the trace (``from math import exp``), in the
    arguments and in what ``f`` reaches by name, replaced by their tracing stand-ins."""
    generators = generator_stand_ins()

    def replacement(value):
        return generators(value) or intercept.prebound(value)

    args = [generators(a) or a for a in args]
    kwargs = {k: generators(v) or v for k, v in kwargs.items()}
    return args, kwargs, reach.stand_in(f, replacement)


def _served(f):
    """``f`` itself may be an intercepted function (``grad(scipy.special.logsumexp)``):
    then its wrapper is what is traced."""
    return intercept.prebound(f) or f


def value_of(x: Any, trace: Trace) -> Any:
    """Strip this trace's level off ``x`` (its value one level down)."""
    if type(x) is Tracer and x._trace is trace:
        return x._value
    return x


def strip_tree(tree: Any, trace: Trace) -> Any:
    return tree_map(lambda v: value_of(v, trace), tree)


def to_caller(value: Any, leaf: Any, backend, *, scalars: bool = True) -> Any:
    """A result in the caller's array type: numpy in, numpy out; python scalar -> numpy
    scalar; with ``scalars``, a 0-d array for a leaf that is not an array is a scalar (also
    under an enclosing trace, as a recorded ``x[()]``, so that jit(grad(f)) returns the types
    grad(f) does)."""
    if type(value) is Tracer:
        if scalars and value.ndim == 0 and not isinstance(concrete(leaf), np.ndarray):
            if isinstance(concrete(value), np.ndarray):
                return value[()]
        return value
    if type(value) is Buffer:  # numpy passes an array-made-inside's subclass on to results
        value = value.view(np.ndarray)
    if backend.name != "numpy" and not backend.owns(leaf) and backend.owns(value):
        value = backend.to_host(value)
    if isinstance(value, np.ndarray):
        if scalars and value.ndim == 0 and not isinstance(leaf, np.ndarray):
            return value[()]
        if not value.flags.writeable:  # a broadcast view: give the caller its own array
            return value.copy()
    return value
