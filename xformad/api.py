"""The public transforms: grad, value_and_grad, jvp, vjp, jacfwd, jacrev, hessian, hvp,
make_graph. Each traces the function once and runs a sweep over the traced graph."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import backends
from .errors import (
    ComplexOutputError,
    NonDifferentiableInputError,
    NonScalarOutputError,
    TracerConversionError,
    XformadError,
)
from .ir import Graph, Literal
from .primitives.diagonal import DiagonalBatch
from .primitives.elementwise import copy_p
from .tracing import Tracer, concrete
from .transforms.call import (
    as_input_value,
    check_callable,
    normalize_argnums,
    strip_tree,
    to_caller,
    trace_call,
    value_of,
)
from .transforms.forward import forward
from .transforms.reverse import backward
from .transforms.vmap import batched_call
from .tree import LEAF, tree_flatten, tree_unflatten


def _wraps(f: Callable, kind: str):
    check_callable(f, kind)

    def decorate(g):
        functools.update_wrapper(g, f, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
        g.__name__ = f"{kind}({getattr(f, '__name__', 'f')})"
        g.__wrapped__ = f
        return g

    return decorate


def _backend_for(name, args) -> Any:
    if name is None and all(type(a) in _PLAIN for a in args):
        return backends.active()  # plain floats and numpy arrays: no need to look deeper
    return backends.resolve(name, tree_flatten(list(args))[0])


_PLAIN = frozenset((float, np.float64, np.float32, np.ndarray))


def _out_atom(out, trace):
    return out._var if type(out) is Tracer and out._trace is trace else None


def _one_hot_like(value, backend):
    """The seed cotangent 1 of the output's dtype: a numpy scalar on the host (fastest),
    an array on a device (broadcasting it must give device arrays)."""
    if backend.device or value.ndim:  # a size-1 output of shape (1,) or (1, 1): its element
        return backend.xp.ones(value.shape, dtype=value.dtype)
    return value.dtype.type(1)


def _gradients(call, out_cts: dict, backend, *, free: bool) -> list:
    """Per-argument pytrees of cotangents, zeros for inputs the output does not reach."""
    cts = backward(call.trace, out_cts, free=free) if out_cts else {}
    leaves = []
    for var, leaf in zip(call.in_vars, call.in_leaves):
        g = cts.get(var)
        if g is None:
            g = backend.xp.zeros(var.shape, dtype=var.dtype)
        elif type(g) is np.float64 and type(leaf) is float:
            leaves.append(g)  # the scalar case: already the caller's type
            continue
        g = to_caller(g, leaf, backend)
        base = concrete(leaf)
        if type(base) is np.ndarray and base.ndim == 0:
            g = _zero_d_array(g)  # a 0-d array's gradient is a 0-d array, not a scalar
        leaves.append(g)
    return _regroup_leaves(leaves, call.in_trees)


def _regroup_leaves(leaves: list, trees: list) -> list:
    """One pytree per argument from the flat ``leaves``."""
    out, i = [], 0
    for treedef in trees:
        if treedef is LEAF:
            out.append(leaves[i])
            i += 1
            continue
        n = treedef.num_leaves
        out.append(tree_unflatten(treedef, leaves[i : i + n]))
        i += n
    return out


def _zero_d_array(g):
    """``g`` as a 0-d ndarray: numpy turns 0-d results into scalars, the caller passed an
    array. Under an enclosing trace (jit) the conversion is a recorded ``copy`` node, so
    compiled and eager results have the same type."""
    if type(g) is Tracer:
        return copy_p.bind(g) if not isinstance(concrete(g), np.ndarray) else g
    return np.asarray(g) if isinstance(g, np.generic) else g


def _is_number_or_array(value) -> bool:
    """An output a derivative can belong to: an array (any backend's) or a Python number."""
    return hasattr(value, "dtype") or isinstance(value, (float, int, complex))


def _scalar_output(out, fname: str, transform: str = "grad", holomorphic: bool = False):
    if not holomorphic and type(out) is Tracer and out._var.shape == () and out._var.dtype.kind == "f":
        return  # the common case, checked without building anything
    if not _is_number_or_array(out):
        returned = "None (does it lack a return?)" if out is None else f"a {type(out).__name__}"
        hint = " (has_aux=True: f returns (value, aux))" if isinstance(out, (tuple, list)) else ""
        raise NonScalarOutputError(
            f"{transform} requires {fname} to return a scalar (or an array of size 1), but it "
            f"returned {returned}{hint}. Return the float quantity to differentiate; for several "
            "outputs use xformad.jacrev or xformad.vjp."
        )
    shape = np.shape(out) if not isinstance(out, Tracer) else out.shape
    if shape != () and int(np.prod(shape)) != 1:  # size 1, as autograd: its single element
        raise NonScalarOutputError(
            f"{transform} requires {fname} to return a scalar (or an array of size 1), but it "
            f"returned shape {shape}. Use "
            "xformad.jacrev or xformad.jacfwd for the Jacobian, xformad.vjp for a "
            "vector-Jacobian product, or reduce the output first (e.g. .sum())."
        )
    _check_output_dtype(out, fname, transform, holomorphic)


def _output_dtype(out) -> np.dtype:
    return np.dtype(out.dtype) if hasattr(out, "dtype") else np.result_type(out)


def _check_output_dtype(out, fname: str, transform: str, holomorphic: bool) -> None:
    """Reverse mode from a seed of 1 gives a gradient only for a real output (as in JAX);
    for a complex one it would silently be the gradient of the real part (real inputs) or
    the holomorphic derivative (complex inputs), so it is refused unless holomorphic=True."""
    dtype = _output_dtype(out)
    if dtype.kind == "c" and not holomorphic:
        raise ComplexOutputError(
            f"{transform} requires real-valued outputs, but {fname} returned dtype {dtype.name}: "
            "the gradient of a complex output is not defined. Differentiate a real quantity, "
            f"e.g. xformad.{transform}(lambda x: np.real(f(x))) or np.abs(f(x)) ** 2; for the "
            "complex derivative itself use xformad.jacfwd(f) (forward mode: exact for real "
            "inputs) or xformad.vjp(f, x) with an explicit cotangent; for a holomorphic f of "
            "complex inputs pass holomorphic=True to get f'(z)."
        )
    if holomorphic and dtype.kind != "c":
        raise ComplexOutputError(
            f"{transform} with holomorphic=True requires complex outputs, but {fname} returned "
            f"dtype {dtype.name}. Drop holomorphic=True for a real-valued function."
        )
    if dtype.kind not in "fc":
        raise NonScalarOutputError(
            f"{transform} requires {fname} to return a floating-point scalar, but it returned dtype "
            f"{dtype.name}, which has no derivative (argmax, comparisons and integer arithmetic "
            "are piecewise constant). Return the float quantity you want to differentiate."
        )


def _check_holomorphic_inputs(call, transform: str) -> None:
    for var in call.in_vars:
        if np.dtype(var.dtype).kind != "c":
            raise NonDifferentiableInputError(
                f"{transform} with holomorphic=True requires complex inputs, but an input has "
                f"dtype {np.dtype(var.dtype).name}. Pass complex values (x + 0j), or drop "
                "holomorphic=True and differentiate a real-valued function."
            )


def value_and_grad(
    f: Callable, argnums=0, has_aux: bool = False, backend: str | None = None, holomorphic: bool = False
) -> Callable:
    """Return a function computing ``(f(*args), gradient)``; see :func:`grad`.

    >>> import numpy as np, xformad
    >>> xformad.value_and_grad(lambda x: np.sin(x) * x)(1.0)
    (np.float64(0.8414709848078965), np.float64(1.3817732906760363))
    """
    return _wraps(f, "value_and_grad")(_value_and_grad(f, argnums, has_aux, backend, holomorphic))


def _value_and_grad(f, argnums, has_aux, backend, holomorphic, transform="value_and_grad") -> Callable:
    """The function value_and_grad returns; ``transform`` is the name its errors use."""
    argnums_for: dict = {}  # len(args) -> normalized argnums, checked once per arity

    def value_and_grad_f(*args, **kwargs):
        nums = argnums_for.get(len(args))
        if nums is None:
            nums = argnums_for[len(args)] = normalize_argnums(argnums, len(args))
        be = _backend_for(backend, args)
        call = trace_call(f, args, kwargs, nums, be, has_aux=has_aux)
        out = call.out
        if holomorphic:
            _check_holomorphic_inputs(call, transform)
        _scalar_output(out, getattr(f, "__name__", "the function"), transform, holomorphic)
        atom = _out_atom(out, call.trace)
        with backends.using(be):
            out_cts = {atom: _one_hot_like(out._value, be)} if atom is not None else {}
            grads = _gradients(call, out_cts, be, free=True)
        ref = call.in_leaves[0] if call.in_leaves else out
        value = to_caller(value_of(out, call.trace), ref, be, scalars=be.device)  # f's own type
        g = grads[0] if isinstance(argnums, (int, np.integer)) else tuple(grads)
        call.trace.release()
        if has_aux:
            return (value, strip_tree(call.aux, call.trace)), g
        return value, g

    return value_and_grad_f


def grad(
    f: Callable, argnums=0, has_aux: bool = False, backend: str | None = None, holomorphic: bool = False
) -> Callable:
    """Return a function computing the gradient of real scalar-valued ``f``.

    ``argnums`` picks the argument(s) (int or tuple) to differentiate; each may be a float,
    an array or a pytree of arrays, and its gradient comes back in the same structure and
    dtype. ``has_aux``: f returns ``(value, aux)`` and the gradient function returns
    ``(gradient, aux)``. ``backend``: "numpy", "cupy", "auto", or None to follow the inputs.

    The output must be real (as in JAX): a complex output raises
    :class:`~xformad.errors.ComplexOutputError` (a TypeError); differentiate
    ``np.real(f(x))`` or ``np.abs(f(x))``, or use :func:`jacfwd` / :func:`vjp`. For a
    holomorphic ``f`` of complex inputs, ``holomorphic=True`` returns ``f'(z)``. A
    real-valued ``f`` of complex ``z = x + iy`` has gradient ``df/dx - i df/dy``.

    >>> import numpy as np, xformad
    >>> def f(x1, x2):
    ...     return np.log(x1) + x1 * x2 - np.sin(x2)
    >>> [round(float(g), 6) for g in xformad.grad(f, argnums=(0, 1))(2.0, 5.0)]
    [5.5, 1.716338]
    """
    vg = _value_and_grad(f, argnums, has_aux, backend, holomorphic, "grad")

    @_wraps(f, "grad")
    def grad_f(*args, **kwargs):
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        return vg(*args, **kwargs)[1]

    return grad_f


def _check_tangent(primal_leaf_value, tangent, where: str):
    t = tangent
    if not hasattr(t, "dtype"):
        t = np.asarray(t)
        if t.dtype.kind not in "c" or np.dtype(primal_leaf_value.dtype).kind == "c":
            t = t.astype(primal_leaf_value.dtype)
    if np.dtype(t.dtype).kind == "c" and np.dtype(primal_leaf_value.dtype).kind != "c":
        raise XformadError(
            f"{where}: a complex (co)tangent for a real value of dtype "
            f"{np.dtype(primal_leaf_value.dtype).name}; its imaginary part would be dropped. "
            "Give real values real (co)tangents; differentiate real and imaginary parts "
            "separately, or make the value complex (x + 0j)."
        )
    if tuple(np.shape(t)) != tuple(np.shape(primal_leaf_value)):
        raise XformadError(
            f"{where}: the tangent has shape {np.shape(t)} but the primal has shape "
            f"{np.shape(primal_leaf_value)}; give each input a tangent of its own shape."
        )
    if t.dtype != primal_leaf_value.dtype:
        t = t.astype(primal_leaf_value.dtype)
    return t


def jvp(f: Callable, primals: tuple, tangents: tuple, has_aux: bool = False, backend: str | None = None):
    """Forward mode: ``(f(*primals), J(primals) @ tangents)``, tangents matching primals.

    >>> import numpy as np, xformad
    >>> def f(x1, x2):
    ...     return np.log(x1) + x1 * x2 - np.sin(x2)
    >>> y, dy = xformad.jvp(f, (2.0, 5.0), (1.0, 0.0))
    >>> round(float(y), 6), float(dy)
    (11.652071, 5.5)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise XformadError("jvp takes primals and tangents as tuples: jvp(f, (x,), (t,))")
    if len(primals) != len(tangents):
        raise XformadError(
            f"jvp got {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal."
        )
    be = _backend_for(backend, primals)
    call = trace_call(f, primals, {}, tuple(range(len(primals))), be, has_aux=has_aux, what="primal")
    result = _push_tangents(call, tangents, be, "jvp")
    call.trace.release()
    if has_aux:
        return result + (strip_tree(call.aux, call.trace),)
    return result


def _push_tangents(call, tangents: tuple, be, transform: str) -> tuple:
    """(f's outputs, their tangents) for ``tangents`` pushed through the traced call."""
    t_leaves = []
    for n, t in enumerate(tangents):
        leaves, td = tree_flatten(t)
        if td != call.in_trees[n]:
            raise XformadError(f"{transform}: tangent {n} does not have the structure of primal {n}.")
        t_leaves.extend(leaves)
    with backends.using(be):
        in_tangents = {}
        for var, t in zip(call.in_vars, t_leaves):
            value = call.trace.env[var]
            t = as_input_value(t, "tangent", be, check_float=False) if not isinstance(t, Tracer) else t
            in_tangents[var] = _check_tangent(value, t, transform)
        tangents_out = forward(call.trace, in_tangents)
        out_leaves, out_tree = tree_flatten(call.out)
        ref = call.in_leaves[0] if call.in_leaves else None
        values, touts = [], []
        for leaf in out_leaves:
            value = value_of(leaf, call.trace)
            atom = _out_atom(leaf, call.trace)
            t = tangents_out.get(atom) if atom is not None else None
            if t is None:
                t = (
                    np.zeros_like(value)
                    if isinstance(value, Tracer)
                    else be.xp.zeros(np.shape(value), _float_dtype(value))
                )
            values.append(to_caller(value, ref, be))
            touts.append(to_caller(t, ref, be))
    return tree_unflatten(out_tree, values), tree_unflatten(out_tree, touts)


def linearize(f: Callable, *primals, backend: str | None = None):
    """JAX's linearize: ``(f(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the Jacobian at
    ``primals`` applied to the tangents (one per primal). f is traced once; each ``f_jvp``
    call is a forward sweep over the kept graph, not a new run of f.

    >>> import numpy as np, xformad
    >>> y, f_jvp = xformad.linearize(np.sin, np.array([0.0, 1.0]))
    >>> f_jvp(np.array([1.0, 1.0]))
    array([1.        , 0.54030231])
    """
    if len(primals) == 0:
        raise XformadError("linearize takes the point to linearize at: linearize(f, x)")
    be = _backend_for(backend, primals)
    call = trace_call(f, primals, {}, tuple(range(len(primals))), be, what="primal")
    out_leaves, out_tree = tree_flatten(call.out)
    ref = call.in_leaves[0] if call.in_leaves else None
    out = tree_unflatten(out_tree, [to_caller(value_of(v, call.trace), ref, be) for v in out_leaves])

    def f_jvp(*tangents):
        if len(tangents) != len(primals):
            raise XformadError(
                f"f_jvp takes one tangent per primal: {len(primals)} primal(s), {len(tangents)} given."
            )
        return _push_tangents(call, tangents, be, "linearize")[1]

    return out, f_jvp


def _float_dtype(value):
    """The tangent dtype of an output leaf that does not depend on the inputs."""
    if not _is_number_or_array(value):
        raise XformadError(
            f"the function returned a {type(value).__name__} among its outputs, which has no "
            "tangent: return arrays and numbers (pass other values out with has_aux=True)."
        )
    dtype = np.result_type(value)
    return dtype if dtype.kind in "fc" else np.float64


def vjp(f: Callable, *primals, has_aux: bool = False, backend: str | None = None):
    """Reverse mode: ``(f(*primals), vjp_fn)`` where ``vjp_fn(ct)`` returns one cotangent
    per primal. The traced graph is kept, so ``vjp_fn`` may be called many times.

    >>> import numpy as np, xformad
    >>> y, back = xformad.vjp(lambda x: x * x, np.array([1.0, 2.0]))
    >>> back(np.array([1.0, 1.0]))
    (array([2., 4.]),)
    """
    be = _backend_for(backend, primals)
    call = trace_call(f, primals, {}, tuple(range(len(primals))), be, has_aux=has_aux, what="primal")
    out_leaves, out_tree = tree_flatten(call.out)
    ref = call.in_leaves[0] if call.in_leaves else None

    def vjp_fn(ct):
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree or len(ct_leaves) != len(out_leaves):
            raise XformadError("vjp_fn: the cotangent must have the structure of the function's output.")
        with backends.using(be):
            out_cts = {}
            for leaf, c in zip(out_leaves, ct_leaves):
                atom = _out_atom(leaf, call.trace)
                if atom is None:
                    continue
                c = as_input_value(c, "cotangent", be, check_float=False) if not isinstance(c, Tracer) else c
                c = _check_tangent(call.trace.env[atom], c, "vjp_fn")
                out_cts[atom] = out_cts[atom] + c if atom in out_cts else c
            return tuple(_gradients(call, out_cts, be, free=False))

    # f's own types on the host (a 0-d array stays one); a device holds no scalars
    primal_out = tree_unflatten(
        out_tree, [to_caller(value_of(v, call.trace), ref, be, scalars=be.device) for v in out_leaves]
    )
    if has_aux:
        return primal_out, vjp_fn, strip_tree(call.aux, call.trace)
    return primal_out, vjp_fn


def _identity_batch(shape: tuple, dtype, xp):
    """The unit vectors of an array of ``shape``, stacked: ``(size,) + shape``; for more than
    a few, symbolic (``DiagonalBatch``), so that the sweep's first linear steps cost what
    one unbatched step costs per member instead of a product with the identity."""
    size = int(np.prod(shape, dtype=np.int64))
    if size > _SWEEPS_BEFORE_VMAP:
        return DiagonalBatch.seeds(xp.ones(shape, dtype=dtype))
    return xp.eye(size, dtype=dtype).reshape((size,) + tuple(shape))


def _batched(sweep: Callable, seeds, call):
    """``sweep(seed, env)`` of each seed, stacked: one vmap, or a plain call for a single
    seed (a scalar output's gradient, a scalar input's derivative), which needs no batch.

    The recorded values go in as an unbatched argument, so that vmap traces its member on
    their values and substitutes them, tracers of an enclosing transform included, only in
    the batched evaluation: the enclosing trace records the batched sweep alone."""
    env = call.trace.env
    with np.errstate(divide="ignore", invalid="ignore"):  # a sweep's singular factors are masked
        if seeds.shape[0] <= _SWEEPS_BEFORE_VMAP:
            return _stacked([sweep(seed, env) for seed in seeds])
        keys = list(env)
        return batched_call(
            lambda seed, values: sweep(seed, dict(zip(keys, values))),
            (0, None),
            0,
            None,
            (seeds, list(env.values())),
            {},
        )


# Up to this many seeds, one plain sweep per seed: vmap's trace of a member and its batched
# evaluation cost about as much as eight sweeps of a small graph (jacrev of R^n -> R^n,
# n = 2..32: 0.25 against 0.56 ms at n = 3, 1.7 against 0.57 ms at n = 32).
_SWEEPS_BEFORE_VMAP = 8


def _stacked(results: list) -> tuple:
    """Per sweep output, the stack of its values over the seeds (None where no seed's sweep
    reached it; zeros for a seed whose sweep did not, beside one that did)."""
    out = []
    for values in zip(*results):
        reached = next((v for v in values if v is not None), None)
        if reached is None:
            out.append(None)
            continue
        out.append(np.stack([np.zeros_like(reached) if v is None else v for v in values]))
    return tuple(out)


class _Recorded:
    """A traced graph with another set of values for its vars: what a sweep reads."""

    __slots__ = ("graph", "env")

    def __init__(self, graph, env: dict):
        self.graph, self.env = graph, env


def _jacobian_rows(call, atom, out_shape: tuple, be) -> tuple:
    """The Jacobian of one output, as rows ``(out size,) + in.shape`` per input (None where
    the output does not reach it): one backward sweep batched over the identity seeds."""

    def pullback(ct, env):
        cts = backward(_Recorded(call.trace.graph, env), {atom: ct}, free=False)
        return tuple(cts.get(v) for v in call.in_vars)

    if atom is None or int(np.prod(out_shape, dtype=np.int64)) == 0:
        return (None,) * len(call.in_vars)
    return _batched(pullback, _identity_batch(out_shape, atom.dtype, be.xp), call)


def jacrev(
    f: Callable, argnums=0, has_aux: bool = False, backend: str | None = None, holomorphic: bool = False
) -> Callable:
    """Jacobian by reverse mode: one backward sweep, batched (``vmap``) over the unit
    cotangents of each output (one trace).

    The result has shape ``out.shape + in.shape`` per output and input leaf; for pytree
    outputs and inputs it nests as output structure, then input structure (as JAX).
    Outputs must be real, as for :func:`grad` (use :func:`jacfwd` for a complex output),
    unless ``holomorphic=True``, which takes complex inputs and outputs and returns the
    complex derivative of a holomorphic ``f``.
    """

    @_wraps(f, "jacrev")
    def jacrev_f(*args, **kwargs):
        nums = normalize_argnums(argnums, len(args))
        be = _backend_for(backend, args)
        call = trace_call(f, args, kwargs, nums, be, has_aux=has_aux)
        out_leaves, out_tree = tree_flatten(call.out)
        if holomorphic:
            _check_holomorphic_inputs(call, "jacrev")
        fname = getattr(f, "__name__", "the function")
        for leaf in out_leaves:
            if holomorphic or _output_dtype(leaf).kind == "c":
                _check_output_dtype(leaf, fname, "jacrev", holomorphic)
        with backends.using(be):
            per_out = []
            for leaf in out_leaves:
                atom = _out_atom(leaf, call.trace)
                out_shape = tuple(np.shape(value_of(leaf, call.trace)))
                rows = _jacobian_rows(call, atom, out_shape, be)
                per_in = []
                for j, var in enumerate(call.in_vars):
                    if rows[j] is None:
                        jac = be.xp.zeros(out_shape + var.shape, var.dtype)
                    else:
                        jac = np.reshape(rows[j], out_shape + var.shape)
                    per_in.append(to_caller(jac, call.in_leaves[j], be))
                per_out.append(_regroup(per_in, call.in_trees, isinstance(argnums, (int, np.integer))))
        result = tree_unflatten(out_tree, per_out)
        call.trace.release()
        return (result, strip_tree(call.aux, call.trace)) if has_aux else result

    return jacrev_f


def _regroup(leaves: list, in_trees: list, single: bool):
    out = _regroup_leaves(leaves, in_trees)
    return out[0] if single else tuple(out)


def _jacobian_columns(call, var, atoms: list, be) -> tuple:
    """Columns ``(in size,) + out.shape`` of every output for one input (None where it does
    not reach an output): one forward sweep batched over the unit tangents of the input."""

    def push(t, env):
        ts = forward(_Recorded(call.trace.graph, env), {var: t})
        return tuple(None if atom is None else ts.get(atom) for atom in atoms)

    if var.size == 0:
        return (None,) * len(atoms)
    return _batched(push, _identity_batch(var.shape, var.dtype, be.xp), call)


def jacfwd(f: Callable, argnums=0, has_aux: bool = False, backend: str | None = None) -> Callable:
    """Jacobian by forward mode: one forward sweep, batched (``vmap``) over the unit
    tangents of each input (one trace)."""

    @_wraps(f, "jacfwd")
    def jacfwd_f(*args, **kwargs):
        nums = normalize_argnums(argnums, len(args))
        be = _backend_for(backend, args)
        call = trace_call(f, args, kwargs, nums, be, has_aux=has_aux)
        out_leaves, out_tree = tree_flatten(call.out)
        atoms = [_out_atom(leaf, call.trace) for leaf in out_leaves]
        out_shapes = [tuple(np.shape(value_of(leaf, call.trace))) for leaf in out_leaves]
        with backends.using(be):
            columns = [_jacobian_columns(call, var, atoms, be) for var in call.in_vars]
            per_out = []
            for o in range(len(out_leaves)):
                per_in = []
                out_dtype = np.result_type(atoms[o].dtype if atoms[o] is not None else np.float64)
                for j, var in enumerate(call.in_vars):
                    nin, nout = len(var.shape), len(out_shapes[o])
                    col = columns[j][o]
                    if col is None:
                        dtype = out_dtype if out_dtype.kind in "fc" else var.dtype
                        jac = be.xp.zeros(out_shapes[o] + var.shape, dtype)
                    else:  # in.shape + out.shape, then the output's axes first
                        jac = np.reshape(col, var.shape + out_shapes[o])
                        jac = np.transpose(jac, tuple(range(nin, nin + nout)) + tuple(range(nin)))
                    per_in.append(to_caller(jac, call.in_leaves[j], be))
                per_out.append(_regroup(per_in, call.in_trees, isinstance(argnums, (int, np.integer))))
        result = tree_unflatten(out_tree, per_out)
        call.trace.release()
        return (result, strip_tree(call.aux, call.trace)) if has_aux else result

    return jacfwd_f


def jacobian(f: Callable, argnums=0, has_aux: bool = False, backend: str | None = None) -> Callable:
    """JAX's and autograd's name for :func:`jacrev`: the Jacobian by reverse mode."""
    return jacrev(f, argnums=argnums, has_aux=has_aux, backend=backend)


def elementwise_grad(f: Callable, argnums=0, backend: str | None = None) -> Callable:
    """autograd's elementwise_grad: the vector-Jacobian product with ones, in one reverse
    sweep; for an elementwise ``f``, the derivative of each output in its own input.

    >>> import numpy as np, xformad
    >>> xformad.elementwise_grad(np.sin)(np.array([0.0, np.pi]))
    array([ 1., -1.])
    """

    def elementwise_grad_f(*args, **kwargs):
        nums = normalize_argnums(argnums, len(args))

        def of_chosen(*chosen):
            full = list(args)
            for n, value in zip(nums, chosen):
                full[n] = value
            return f(*full, **kwargs)

        out, back = vjp(of_chosen, *(args[n] for n in nums), backend=backend)
        leaves, treedef = tree_flatten(out)
        for leaf in leaves:  # as grad: the derivative of a complex output is not defined
            _check_output_dtype(leaf, getattr(f, "__name__", "the function"), "elementwise_grad", False)
        cts = back(tree_unflatten(treedef, [np.ones_like(leaf) for leaf in leaves]))
        return cts[0] if isinstance(argnums, (int, np.integer)) else cts

    return _wraps(f, "elementwise_grad")(elementwise_grad_f)


def hessian(f: Callable, argnums=0, backend: str | None = None, holomorphic: bool = False) -> Callable:
    """The Hessian, forward-over-reverse: ``jacfwd(jacrev(f))``. ``f`` must be real-valued,
    unless ``holomorphic=True`` (complex inputs and outputs), as for :func:`jacrev`."""
    return jacfwd(jacrev(f, argnums, backend=backend, holomorphic=holomorphic), argnums, backend=backend)


def hvp(f: Callable, primals: tuple, tangents: tuple, argnums=None, backend: str | None = None):
    """Hessian-vector product by forward-over-reverse, without forming the Hessian.

    ``primals`` and ``tangents`` are tuples as for :func:`jvp`; returns the product in the
    structure of the primals (a single array when there is one primal).
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise XformadError(
            "hvp takes primals and tangents as tuples, one entry per argument of f: "
            "xformad.hvp(f, (x,), (v,)), not xformad.hvp(f, x, v)."
        )
    nums = tuple(range(len(primals))) if argnums is None else argnums
    g = grad(f, argnums=nums, backend=backend)
    out = jvp(lambda *xs: g(*xs), tuple(primals), tuple(tangents), backend=backend)[1]
    return out[0] if len(primals) == 1 else out


def vmap(f: Callable, in_axes=0, out_axes=0, axis_size: int | None = None) -> Callable:
    """Vectorise ``f`` over a batch axis: ``vmap(f)(xs)[i] == f(xs[i])``, computed at once.

    ``in_axes``: the batch axis of each positional argument (an int, negative from the end,
    None for an argument shared by all members, or a tuple with one entry per argument, each
    a pytree prefix of it); keyword arguments are batched along axis 0. ``out_axes``: where
    the batch axis goes in each output (None: an output common to all members).
    ``axis_size``: the batch size when no argument is batched. It composes with every
    transform, in any order: ``vmap(grad(loss), in_axes=(None, 0, 0))`` gives per-example
    gradients. Python control flow must take the same path for every member (else
    ``BatchedControlFlowError``: use ``np.where``); see docs/vmap.md.

    >>> import numpy as np, xformad
    >>> xformad.vmap(lambda x, w: np.sum(x * w), in_axes=(0, None))(np.ones((3, 2)), np.arange(2.0))
    array([1., 1., 1.])
    """

    @_wraps(f, "vmap")
    def vmap_f(*args, **kwargs):
        return batched_call(f, in_axes, out_axes, axis_size, args, kwargs)

    return vmap_f


def make_graph(f: Callable, static_argnums=(), backend: str | None = None) -> Callable:
    """Return a function that traces ``f`` on its arguments and returns the Graph (the IR).

    Every array or float leaf of a non-static argument becomes a graph input; the result
    prints as a Wengert list (``print(graph)``) and draws with ``graph.to_dot()``. An
    argument made only of integers or booleans that the function uses to index a plain
    array (``np.eye(n)[labels]``, which no traced value can do) becomes a constant of the
    graph instead, as with ``jit``.
    """

    @_wraps(f, "make_graph")
    def make_graph_f(*args, **kwargs) -> Graph:
        static = normalize_argnums(static_argnums, len(args)) if static_argnums != () else ()
        nums = tuple(i for i in range(len(args)) if i not in static)
        be = _backend_for(backend, args)
        try:
            call = trace_call(f, args, kwargs, nums, be, check_float=False)
        except TracerConversionError:
            floating = tuple(i for i in nums if not _integer_only(args[i]))
            if floating == nums:
                raise
            call = trace_call(f, args, kwargs, floating, be, check_float=False)
        graph = call.trace.graph
        out_leaves, out_tree = tree_flatten(call.out)
        graph.outputs = [
            leaf._var if isinstance(leaf, Tracer) and leaf._trace is call.trace else Literal(leaf)
            for leaf in out_leaves
        ]
        graph.in_tree = tuple(call.in_trees)
        graph.out_tree = out_tree
        return graph

    return make_graph_f


def _integer_only(tree) -> bool:
    """True for a pytree whose leaves are all integer or boolean (labels, indices, masks)."""
    leaves = tree_flatten(tree)[0]
    return bool(leaves) and all(np.result_type(leaf).kind in "biu" for leaf in leaves)


def stop_gradient(x):
    """Return ``x`` with its derivative cut (the value is unchanged)."""
    from .numpy_api.elementwise import stop_gradient as _stop

    return _stop(x)
