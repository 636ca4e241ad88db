"""User-defined derivative rules: ``custom_jvp`` and ``custom_vjp``, with JAX's API.

>>> import numpy as np, xformad
>>> @xformad.custom_jvp
... def softplus(x):
...     return np.logaddexp(0.0, x)
>>> @softplus.defjvp
... def softplus_jvp(primals, tangents):
...     (x,), (t,) = primals, tangents
...     return softplus(x), t * 0.5 * (1 + np.tanh(0.5 * x))  # sigmoid, finite for all x
>>> float(xformad.grad(softplus)(1000.0)), float(xformad.grad(xformad.grad(softplus))(0.0))
(1.0, 0.25)

A decorated function becomes a Primitive of its own (``custom_jvp[softplus]`` in the
Wengert list). Its kernel runs the undecorated function on concrete arrays, and its rules
call the user's rule functions on whatever they receive, so those are traced like any
other numpy code and every transform composes with them, to any order:

- ``custom_jvp``: the JVP rule is the user's; the VJP rule is its transpose, taken by
  running reverse mode over the user's rule as a function of the tangents (it is linear
  in them).
- ``custom_vjp``: the kernel runs ``fwd`` and keeps its residuals; the VJP rule passes
  them to ``bwd``. When the rule runs on other values than the kernel did (a nested
  transform, whose values are tracers of an outer level), ``fwd`` is run again on those,
  so the outer level records how the residuals depend on the inputs. The JVP rule
  (forward mode, ``hessian``) is the transpose of ``bwd`` as a function of the
  cotangent: exact when ``bwd`` is linear in it, as a derivative is.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence

import numpy as np

from .. import backends
from ..errors import XformadError
from ..primitives.core import Primitive
from ..tracing import Tracer
from ..tree import tree_flatten, tree_unflatten
from .fit import fit_to


class CustomRuleError(XformadError, TypeError):
    """A custom_jvp/custom_vjp function or its rule was defined or called wrongly."""


def _is_float(x) -> bool:
    return np.dtype(x.dtype).kind in "fc"


def _as_array(x):
    return x if hasattr(x, "dtype") and hasattr(x, "shape") else np.asarray(x)


def _zeros(like):
    return backends.active().xp.zeros(like.shape, dtype=like.dtype)


def _fit_leaf(c, like):
    """A rule's cotangent or tangent leaf, fitted to ``like``'s shape and dtype. Its shape
    is ``like``'s up to leading length-1 axes, or one ``like`` was broadcast to (summed
    back over the broadcast axes); a smaller one (a scalar for an array) or an unrelated one
    is a mistake in the rule, not a broadcast to guess."""
    c = _as_array(c)
    have, want = tuple(np.shape(c)), tuple(like.shape)
    if (
        have != want
        and _without_leading_ones(have) != _without_leading_ones(want)
        and not _broadcast_from(want, have)
    ):
        raise CustomRuleError(
            f"a custom rule returned a tangent or cotangent of shape {have} for a value of "
            f"shape {want}; return one shaped like the value (np.broadcast_to(g, np.shape(x)) "
            "where a broadcast is meant)."
        )
    return fit_to(c, want, like.dtype)


def _broadcast_from(small: tuple, big: tuple) -> bool:
    """Whether a value of shape ``small`` broadcasts to shape ``big``."""
    try:
        return np.broadcast_shapes(small, big) == big
    except ValueError:
        return False


def _without_leading_ones(shape: tuple) -> tuple:
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return shape[k:]


class _CallSpec:
    """One call's arguments beyond its array leaves: the argument structure, the static
    (``nondiff_argnums``) values, and the output structure, which the kernel fills in.
    Held in the node's params under ``spec``, which the Wengert list does not print."""

    __slots__ = ("dyn_tree", "static", "nargs", "out_tree", "saved")

    def __init__(self, dyn_tree, static: dict, nargs: int):
        self.dyn_tree = dyn_tree  # tree of the tuple of dynamic arguments
        self.static = static  # position -> value, for nondiff_argnums
        self.nargs = nargs
        self.out_tree = None
        self.saved = None  # custom_vjp: (leaves, residuals) of the kernel's own fwd call

    def dynamic(self, leaves) -> tuple:
        """The dynamic arguments (all but nondiff_argnums) rebuilt from their leaves."""
        return tree_unflatten(self.dyn_tree, list(leaves))

    def arguments(self, leaves) -> list:
        """All positional arguments, static ones put back in their places."""
        dyn = iter(self.dynamic(leaves))
        return [self.static[i] if i in self.static else next(dyn) for i in range(self.nargs)]

    def static_values(self) -> list:
        return [self.static[i] for i in sorted(self.static)]

    def __repr__(self) -> str:
        return f"<call spec: {self.nargs} args, static {sorted(self.static)}>"


class _CustomFunction:
    """What custom_jvp and custom_vjp share: argument handling, the primitive, the kernel."""

    kind = "custom"

    def __new__(cls, fun: Callable | None = None, nondiff_argnums: Sequence[int] = ()):
        if fun is None:  # @custom_vjp(nondiff_argnums=(0,)): a decorator
            return functools.partial(cls, nondiff_argnums=nondiff_argnums)
        return super().__new__(cls)

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(int(i) for i in nondiff_argnums)
        try:
            self._signature = inspect.signature(fun)
        except (TypeError, ValueError):  # builtins without a signature: positional only
            self._signature = None
        name = getattr(fun, "__name__", "f")
        self.primitive = Primitive(f"{self.kind}[{name}]", self._kernel, multiple_results=True)
        self.primitive.def_jvp_joint(self._jvp_rule)
        self.primitive.def_vjp_joint(self._vjp_rule)

    @property
    def _name(self) -> str:
        return getattr(self.fun, "__name__", repr(self.fun))

    def _has_rule(self) -> bool:
        raise NotImplementedError

    def _kernel(self, xp, *leaves, spec: _CallSpec):
        out = self.fun(*spec.arguments(leaves))
        out_leaves, spec.out_tree = tree_flatten(out)
        return tuple(x if hasattr(x, "shape") and hasattr(x, "dtype") else xp.asarray(x) for x in out_leaves)

    def __call__(self, *args, **kwargs):
        args = self._positional(args, kwargs)
        for i in self.nondiff_argnums:
            if not -len(args) <= i < len(args):
                raise CustomRuleError(
                    f"{self._name} was declared with nondiff_argnums={self.nondiff_argnums} but "
                    f"called with {len(args)} argument(s); pass every argument it names."
                )
        static = {i % len(args): args[i] for i in self.nondiff_argnums}
        for i, value in static.items():
            traced = [x for x in tree_flatten(value)[0] if type(x) is Tracer]
            if traced and all(x.dtype.kind in "iub" for x in traced):  # jit traces integers
                raise CustomRuleError(
                    f"argument {i} of {self._name} is in nondiff_argnums but is a traced integer "
                    "value: xformad.jit traces its integer arguments too. Mark the argument "
                    "static on the jit (xformad.jit(f, static_argnums=...)) so it stays a plain "
                    "value."
                )
            if traced:
                raise CustomRuleError(
                    f"argument {i} of {self._name} is in nondiff_argnums but is being "
                    "differentiated (it is a traced value). Remove it from nondiff_argnums, or "
                    "pass it through xformad.stop_gradient first."
                )
        dynamic = tuple(a for i, a in enumerate(args) if i not in static)
        leaves, dyn_tree = tree_flatten(dynamic)
        if not any(type(x) is Tracer for x in leaves):
            return self.fun(*args)  # nothing is being differentiated: the plain function
        if not self._has_rule():
            raise CustomRuleError(self._missing_rule_message())
        leaves = [self._check_leaf(x, n) for n, x in enumerate(leaves)]
        spec = _CallSpec(dyn_tree, static, len(args))
        outs = self.primitive.bind(*leaves, spec=spec)
        return tree_unflatten(spec.out_tree, list(outs))

    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        """All arguments as positional ones, defaults filled in (so rules see one layout)."""
        if self._signature is None:
            if not kwargs:
                return args
            raise CustomRuleError(f"{self._name} takes positional arguments only; pass them positionally.")
        bound = self._signature.bind(*args, **kwargs)
        if bound.kwargs:  # keyword-only arguments the caller passed (their defaults are fine)
            raise CustomRuleError(
                f"{self._name} was called with keyword-only arguments {sorted(bound.kwargs)}; a "
                "custom_jvp/custom_vjp function takes positional arguments (use functools.partial "
                "for fixed keyword values)."
            )
        bound.apply_defaults()
        return tuple(bound.args)

    def _check_leaf(self, x, n: int):
        if type(x) is Tracer:
            return x
        value = np.asarray(x) if isinstance(x, (int, float, complex, bool, np.generic, list)) else x
        if not hasattr(value, "dtype") or np.dtype(value.dtype).kind not in "biufc":
            raise CustomRuleError(
                f"argument leaf {n} of {self._name} is a {type(x).__name__}, not an array. Pass "
                "arrays and numbers (or pytrees of them), and list the positions of other "
                "arguments in nondiff_argnums."
            )
        return value

    def _check_out_tree(self, tree, spec: _CallSpec, rule: str) -> None:
        if tree != spec.out_tree:
            raise CustomRuleError(
                f"the {rule} rule of {self._name} returned a value structured as {tree!r}, but "
                f"{self._name} returns {spec.out_tree!r}; give one leaf per output leaf."
            )

    def __get__(self, obj, objtype=None):  # used as a method: bind like a function
        return self if obj is None else functools.partial(self, obj)


class custom_jvp(_CustomFunction):
    """Give ``fun`` a hand-written forward-mode rule (JAX's ``jax.custom_jvp``).

    ``@f.defjvp`` registers ``f_jvp(primals, tangents) -> (primal_out, tangent_out)``,
    where ``primals`` and ``tangents`` are tuples of the (non-static) arguments; a tangent
    that is zero arrives as zeros. ``nondiff_argnums`` names arguments that are not arrays
    or not differentiated; with it, ``f_jvp(*nondiff_args, primals, tangents)``. Reverse
    mode transposes the rule, so grad, vjp, jacrev, hessian and nestings of them all work.

    >>> import numpy as np, xformad
    >>> @xformad.custom_jvp
    ... def f(x):
    ...     return np.sin(x)
    >>> f.defjvps(lambda t, ans, x: np.cos(x) * t)
    >>> float(xformad.grad(f)(0.0))
    1.0
    """

    kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp: Callable | None = None

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the rule ``jvp(primals, tangents) -> (primal_out, tangent_out)``; returns it."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *rules: Callable | None) -> None:
        """One rule per argument, ``rule(tangent, primal_out, *primals)`` returning that
        argument's contribution to the output tangent (None: the argument has none)."""

        def jvp(*static_and_pair):
            primals, tangents = static_and_pair[-2], static_and_pair[-1]
            static = static_and_pair[:-2]
            ans = self.fun(*self._merge(static, primals))
            total = None
            for rule, t in zip(rules, tangents):
                if rule is None:
                    continue
                term = rule(t, ans, *primals)
                total = term if total is None else total + term
            return ans, (total if total is not None else np.zeros_like(ans))

        self.jvp = jvp

    def _merge(self, static: Sequence, dynamic: Sequence) -> list:
        n = len(static) + len(dynamic)
        positions = sorted(i % n for i in self.nondiff_argnums)
        st, dyn = iter(static), iter(dynamic)
        return [next(st) if i in positions else next(dyn) for i in range(n)]

    def _has_rule(self) -> bool:
        return self.jvp is not None

    def _missing_rule_message(self) -> str:
        return (
            f"{self._name} is a custom_jvp function without a JVP rule. Define one with "
            f"@{self._name}.defjvp (def rule(primals, tangents): return out, tangent_out) "
            "before differentiating it."
        )

    def _tangent_out(self, spec: _CallSpec, leaves, tangent_leaves) -> list:
        pair = self.jvp(*spec.static_values(), spec.dynamic(leaves), spec.dynamic(tangent_leaves))
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise CustomRuleError(
                f"the JVP rule of {self._name} must return a pair (primal_out, tangent_out), "
                f"got {type(pair).__name__}."
            )
        t_leaves, t_tree = tree_flatten(pair[1])
        self._check_out_tree(t_tree, spec, "JVP")
        return t_leaves

    def _jvp_rule(self, tangents, ans, *leaves, spec: _CallSpec):
        full = [t if t is not None else _zeros(x) for t, x in zip(tangents, leaves)]
        t_out = self._tangent_out(spec, leaves, full)
        return tuple(_fit_leaf(t, a) if _is_float(a) else None for t, a in zip(t_out, ans))

    def _vjp_rule(self, ct, ans, needed, *leaves, spec: _CallSpec):
        from ..api import vjp  # (api is built on transforms: imported on first use)

        wanted = [i for i, need in enumerate(needed) if need]
        float_out = [k for k, a in enumerate(ans) if _is_float(a)]
        result: list = [None] * len(leaves)
        if not wanted or not float_out:
            return result

        def tangent_map(*ts):  # linear in ts: its transpose is the VJP
            full = [_zeros(x) for x in leaves]
            for i, t in zip(wanted, ts):
                full[i] = t
            t_out = self._tangent_out(spec, leaves, full)
            return tuple(_fit_leaf(t_out[k], ans[k]) for k in float_out)

        _, back = vjp(tangent_map, *[_zeros(leaves[i]) for i in wanted])
        cts = back(tuple(ct[k] if ct[k] is not None else _zeros(ans[k]) for k in float_out))
        for i, c in zip(wanted, cts):
            result[i] = c
        return result


class custom_vjp(_CustomFunction):
    """Give ``fun`` a hand-written reverse-mode rule (JAX's ``jax.custom_vjp``).

    ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, residuals)`` and
    ``bwd(residuals, out_cotangent) -> tuple`` with one cotangent per (non-static)
    argument, shaped like it (None: no gradient). With ``nondiff_argnums``,
    ``bwd(*nondiff_args, residuals, ct)``. Residuals are any pytree of arrays.

    >>> import numpy as np, xformad
    >>> @xformad.custom_vjp
    ... def clip_gradient(lo, hi, x):
    ...     return x
    >>> clip_gradient.defvjp(lambda lo, hi, x: (x, (lo, hi)),
    ...                      lambda res, g: (None, None, np.clip(g, *res)))
    >>> float(xformad.grad(lambda x: 3 * clip_gradient(-1.0, 1.0, x))(2.0))
    1.0
    """

    kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, ct) -> tuple``."""
        if not callable(fwd) or not callable(bwd):
            raise CustomRuleError(f"{self._name}.defvjp(fwd, bwd) takes two functions.")
        self.fwd = fwd
        self.bwd = bwd

    def _has_rule(self) -> bool:
        return self.fwd is not None

    def _missing_rule_message(self) -> str:
        return (
            f"{self._name} is a custom_vjp function without rules. Call "
            f"{self._name}.defvjp(fwd, bwd) (fwd(*args) -> (out, residuals), "
            "bwd(residuals, ct) -> one cotangent per argument) before differentiating it."
        )

    def _kernel(self, xp, *leaves, spec: _CallSpec):
        # run fwd rather than the function, and keep its residuals for the backward sweep
        out, res = self._fwd_pair(spec, leaves)
        spec.saved = (leaves, res)
        out_leaves, spec.out_tree = tree_flatten(out)
        return tuple(x if hasattr(x, "shape") and hasattr(x, "dtype") else xp.asarray(x) for x in out_leaves)

    def _fwd_pair(self, spec: _CallSpec, leaves):
        pair = self.fwd(*spec.arguments(leaves))
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise CustomRuleError(
                f"the fwd rule of {self._name} must return a pair (out, residuals), got "
                f"{type(pair).__name__}."
            )
        return pair

    def _residuals(self, spec: _CallSpec, leaves):
        """fwd's residuals at ``leaves``: the kernel's own when these are the very values it
        ran on (first order), else fwd run again on them (traced, so higher orders see how
        the residuals depend on the inputs)."""
        saved = spec.saved
        if (
            saved is not None
            and len(saved[0]) == len(leaves)
            and all(a is b for a, b in zip(saved[0], leaves))
        ):
            return saved[1]
        return self._fwd_pair(spec, leaves)[1]

    def _cotangents_in(self, spec: _CallSpec, res, out_cts, leaves) -> list:
        """``bwd`` called on a full output cotangent, as one cotangent (or None) per leaf."""
        grads = self.bwd(*spec.static_values(), res, tree_unflatten(spec.out_tree, list(out_cts)))
        n_dyn = len(spec.dyn_tree.children)
        if not isinstance(grads, (tuple, list)) or len(grads) != n_dyn:
            got = f"{len(grads)} values" if isinstance(grads, (tuple, list)) else type(grads).__name__
            raise CustomRuleError(
                f"the bwd rule of {self._name} returned {got}, but {self._name} has {n_dyn} "
                "differentiable argument(s): return a tuple with one cotangent per argument "
                "(None where there is no gradient), e.g. `return (g,)`."
            )
        per_leaf: list = []
        for arg_tree, g in zip(spec.dyn_tree.children, grads):
            if g is None:
                per_leaf.extend([None] * arg_tree.num_leaves)
                continue
            g_leaves, g_tree = _flatten_like(g, arg_tree)
            if g_tree != arg_tree:
                raise CustomRuleError(
                    f"the bwd rule of {self._name} returned a cotangent structured as {g_tree!r} "
                    f"for an argument structured as {arg_tree!r}; match the argument's structure."
                )
            per_leaf.extend(g_leaves)
        return [None if c is None else _fit_leaf(c, x) for c, x in zip(per_leaf, leaves)]

    def _vjp_rule(self, ct, ans, needed, *leaves, spec: _CallSpec):
        res = self._residuals(spec, leaves)
        full = [c if c is not None else _zeros(a) for c, a in zip(ct, ans)]
        cts = self._cotangents_in(spec, res, full, leaves)
        return [c if need else None for c, need in zip(cts, needed)]

    def _jvp_rule(self, tangents, ans, *leaves, spec: _CallSpec):
        from ..api import vjp  # (api is built on transforms: imported on first use)

        float_out = [k for k, a in enumerate(ans) if _is_float(a)]
        active = [i for i, (t, x) in enumerate(zip(tangents, leaves)) if t is not None and _is_float(x)]
        if not float_out or not active:
            return tuple(None for _ in ans)
        res = self._residuals(spec, leaves)

        def backward_map(*cs):  # ct -> cotangents of the active inputs: linear in cs
            full = [_zeros(a) for a in ans]
            for k, c in zip(float_out, cs):
                full[k] = c
            cts = self._cotangents_in(spec, res, full, leaves)
            return tuple(cts[i] if cts[i] is not None else _zeros(leaves[i]) for i in active)

        _, back = vjp(backward_map, *[_zeros(ans[k]) for k in float_out])
        t_out = back(tuple(tangents[i] for i in active))
        out: list = [None] * len(ans)
        for k, t in zip(float_out, t_out):
            out[k] = t
        return tuple(out)


def _flatten_like(g, arg_tree):
    """Flatten a cotangent; None inside it stands for zero leaves of that subtree."""
    if arg_tree.kind == "leaf":
        return [g], arg_tree
    if g is None:
        return [None] * arg_tree.num_leaves, arg_tree
    leaves, tree = tree_flatten(g)
    if tree == arg_tree:
        return leaves, tree
    if arg_tree.kind in ("tuple", "list", "namedtuple") and isinstance(g, (tuple, list)):
        if len(g) == len(arg_tree.children):
            out: list = []
            for child, sub in zip(arg_tree.children, g):
                sub_leaves, sub_tree = _flatten_like(sub, child)
                if sub_tree != child:
                    return leaves, tree
                out.extend(sub_leaves)
            return out, arg_tree
    if arg_tree.kind == "dict" and isinstance(g, dict) and set(g) == set(arg_tree.meta):
        out = []
        for key, child in zip(arg_tree.meta, arg_tree.children):
            sub_leaves, sub_tree = _flatten_like(g[key], child)
            if sub_tree != child:
                return leaves, tree
            out.extend(sub_leaves)
        return out, arg_tree
    return leaves, tree


__all__ = ["custom_jvp", "custom_vjp", "CustomRuleError"]
