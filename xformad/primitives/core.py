"""The Primitive: a kernel and its derivative rules, declared in one place.

Rules are written with ordinary numpy calls on whatever they receive: on arrays they
compute numbers, on tracers they record graph nodes. That is what makes derivatives of
derivatives work without any extra machinery.

- JVP rules, one per input: ``rule(t, ans, *args, **params)`` returns that input's
  contribution to the output tangent (contributions are summed). ``def_jvp_joint`` takes a
  single ``rule(tangents, ans, *args, **params)`` instead, ``tangents`` holding None for zero.
- VJP rules, one per input: ``rule(ct, ans, *args, **params)`` returns that input's
  cotangent, of any shape that broadcasts to it: un-broadcasting and dtype casting happen
  once, in the reverse sweep, so no rule has to. ``None`` marks an input with no gradient.
  ``def_vjp_joint`` takes one rule for all inputs (variadic or multi-output primitives).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import backends
from ..backends.base import KernelTable
from ..buffers import Buffer
from ..buffers import value_of as buffer_value
from ..errors import XformadError
from ..tracing import Tracer, _stack
from . import batch_rules


class Primitive:
    __slots__ = (
        "name",
        "kernel",
        "kernels",
        "multiple_results",
        "effectful",
        "differentiable",
        "jvp_rules",
        "jvp_joint",
        "vjp_rules",
        "vjp_joint",
        "simplify",
        "value_dependent_shape",
        "_resolved",
        "doc",
        "emit",
        "_emit_kernel",
        "notation",
        "expression",
        "batch",
        "diagonal",
    )

    def __init__(
        self,
        name: str,
        kernel: Callable,
        *,
        multiple_results: bool = False,
        differentiable: bool = True,
        doc: str = "",
        kernels: dict | None = None,
        value_dependent_shape: bool | Callable = False,
    ):
        self.name = name
        self.kernel = kernel  # kernel(xp, *args, **params)
        # backend name -> kernel for that backend (a plugin's cupyx kernel, say); a
        # backend's own ``kernels`` entry still wins, then this, then ``kernel``
        self.kernels: dict = KernelTable(kernels or {})
        self.multiple_results = multiple_results
        # a node with an effect beyond its value (a random draw advances its generator):
        # never dropped as dead code nor merged with an equal node
        self.effectful = False
        self.differentiable = differentiable
        self.jvp_rules: tuple | None = None
        self.jvp_joint: Callable | None = None
        self.vjp_rules: tuple | None = None
        self.vjp_joint: Callable | None = None
        # simplify(*args, **params) -> a result to use instead of recording a node, or None
        self.simplify: Callable | None = None
        # True when an output's shape depends on the input values (np.nonzero, x[mask]),
        # not only on the input shapes; or ``predicate(node) -> bool`` deciding per node.
        # A compiled program checks such outputs' shapes against the traced ones
        # (``compile/shapes.py``), so other values re-trace instead of misbehaving.
        self.value_dependent_shape: bool | Callable = value_dependent_shape
        # (backend, kernel, xp, table version, whether the kernel is a plugin's, its direct form)
        self._resolved: tuple = (None, None, None, -1, False, None)
        self.doc = doc
        # how compiled code writes a node (``def_emit``), how ``explain`` prints it
        # (``def_notation``) and the names the expression language offers (``def_expression``)
        self.emit: Callable | None = None
        self._emit_kernel: Callable | None = None
        self.notation: Notation | None = None
        self.expression: tuple = ()  # (names, numpy function, number of arguments) or ()
        # how vmap applies it to a batch (``def_batch``); None: once per member, with a warning
        self.batch: Callable | None = None
        # how it maps a batch of scaled unit vectors (``diagonal.py``: a Jacobian's seeds)
        # without materialising them (``def_diagonal``); None: it sees the dense batch
        self.diagonal: Callable | None = None

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    # -- application ------------------------------------------------------------------
    def bind(self, *args, **params):
        """Apply the primitive: record it on the innermost trace involved, or compute it."""
        trace = None
        for a in args:
            t = type(a)
            if t is Tracer:
                if trace is None or a._trace.level > trace.level:
                    trace = a._trace
            elif t is Buffer:  # an array made in the trace: its Tracer or a snapshot
                return self.bind(*[buffer_value(x) for x in args], **params)
        if trace is None:
            return self.impl(*args, **params)
        return trace.process(self, args, params)

    def kernel_for(self, backend) -> Callable:
        """The kernel that runs on ``backend``: the backend's override, else this
        primitive's kernel for that backend, else the generic one."""
        return backend.kernels.get(self.name) or self.kernels.get(backend.name, self.kernel)

    def impl(self, *args, **params):
        backend = backends._active.backend or backends.active()
        if backend.device:  # host constants beside device arrays move over; host-only stays
            backend, args = backend.kernel_placement(args)
        resolved_for, kernel, xp, version, foreign, direct = self._resolved
        if resolved_for is not backend or version != KernelTable.version:
            # the kernel lookup: once per backend in a row, again after any override changes
            kernel, xp = self.kernel_for(backend), backend.xp
            foreign = _foreign(kernel)
            # ``kernel.direct(xp)``: what an elementwise kernel amounts to on xp (np.sin,
            # operator.mul), called without the kernel's own frame
            direct = kernel.direct(xp) if hasattr(kernel, "direct") else None
            self._resolved = (backend, kernel, xp, KernelTable.version, foreign, direct)
        if not foreign:
            if params:
                return kernel(xp, *args, **params)
            return direct(*args) if direct is not None else kernel(xp, *args)
        # a plugin's kernel may call library Python code (scipy's np.zeros): it must meet
        # numpy itself, not the interception of the trace it runs in (nested traces it
        # opens are deeper, and intercepted as usual)
        stack = _stack
        shielded, stack.shielded = stack.shielded, stack.depth
        try:
            return kernel(xp, *args, **params)
        finally:
            stack.shielded = shielded

    # -- rule declaration -----------------------------------------------------------
    def def_jvp(self, *rules: Callable | None) -> None:
        self.jvp_rules = rules

    def def_jvp_joint(self, rule: Callable) -> Callable:
        self.jvp_joint = rule
        return rule

    def def_vjp(self, *rules: Callable | None) -> None:
        self.vjp_rules = rules

    def def_vjp_joint(self, rule: Callable) -> Callable:
        """One rule for all inputs: ``rule(ct, ans, needed, *args, **params)`` returns a
        tuple of cotangents, computing only those whose ``needed`` flag is set."""
        self.vjp_joint = rule
        return rule

    def def_pointwise(self, *derivatives: Callable | None, safe: bool = True) -> None:
        """Both modes from one rule per input (JAX's ``defjvp`` for elementwise functions):
        ``derivatives[i](ans, *args, **params)`` is the local derivative with respect to
        input i (None: it has none), and the tangent and the cotangent are both multiplied
        by it. ``safe``: a zero (co)tangent stays zero beside an infinite derivative
        (``rules.safe_mul``: the untaken branch of ``np.where``)."""
        from .rules import safe_mul  # (rules imports the tracer, which imports this module)

        def scaled(d):
            if d is None:
                return None
            if safe:
                return lambda g, ans, *args, **params: safe_mul(g, d(ans, *args, **params))
            return lambda g, ans, *args, **params: g * d(ans, *args, **params)

        rules = tuple(scaled(d) for d in derivatives)
        self.def_jvp(*rules)
        self.def_vjp(*rules)
        if self.batch is None:  # a pointwise function is elementwise: one batching rule serves
            self.batch = batch_rules.elementwise

    def def_linear(self, *maps: Callable | None) -> None:
        """Both modes for a function linear in each input, whose map is its own transpose
        (negation, addition, a copy): ``maps[i](g)`` is the (co)tangent's image."""
        rules = tuple(None if m is None else (lambda g, ans, *args, m=m, **params: m(g)) for m in maps)
        self.def_jvp(*rules)
        self.def_vjp(*rules)

    def def_batch(self, rule: Callable) -> Callable:
        """How ``vmap`` applies this primitive to a batch: ``rule(prim, size, args,
        batched, params)`` gets the arguments with the batch axis first where
        ``batched[i]`` holds (the others as every member sees them, never all unbatched)
        and returns the result (a tuple for ``multiple_results``) with the batch axis of
        length ``size`` first. Written with numpy calls and ``bind``, as the derivative
        rules are, so batched programs differentiate and compile. ``batch_rules`` has the
        shared ones: ``elementwise``, ``shifted_axes(...)``, ``stacked(...)``, ``looped``."""
        self.batch = rule
        return rule

    def def_diagonal(self, rule: Callable) -> None:
        """How this primitive maps a ``diagonal.DiagonalBatch`` (the unit seeds of jacrev
        and jacfwd, scaled) more cheaply than the dense batch: a batching rule that returns
        the result, or None to be given the dense batch instead (``diagonal``'s rules)."""
        self.diagonal = rule

    def def_batch_elementwise(self) -> None:
        """Batch as an elementwise function (numpy broadcasting over all arguments): the
        rule of every ufunc-like primitive (``def_pointwise`` declares it by itself)."""
        self.batch = batch_rules.elementwise

    # -- how the other interpreters show this primitive -------------------------------
    def def_emit(self, rule: Callable) -> None:
        """How codegen writes a node: ``rule(args, params, param_text)`` returns the Python
        expression over ``xp`` for operand texts ``args`` (``param_text(value)`` gives a
        parameter's source). It stands for this kernel only: a backend overriding the
        kernel, or a later change of ``self.kernel``, makes codegen call the kernel instead."""
        self.emit = rule
        self._emit_kernel = self.kernel

    def emit_rule_for(self, backend) -> Callable | None:
        if self.emit is None or self._emit_kernel is not self.kernel or self.name in backend.kernels:
            return None
        return self.emit

    def def_notation(self, text: str | None = None, *, forward=(), reverse=None) -> None:
        """How ``explain`` prints a node and its local derivatives, as format templates.

        ``text``: the node's right-hand side over ``{0}``, ``{1}`` (operands), ``{i}`` (an
        index) and ``{params}`` (its parameters; a template without ``{params}`` is used only
        for nodes that have none). ``forward``: per input, its share in the tangent, over
        ``{d}`` (the input's tangent), ``{a}``, ``{b}`` (operands), ``{y}`` (the output) and
        ``{i}``; ``reverse``: the adjoint forms where they differ (default: the same)."""
        self.notation = Notation(text, tuple(forward), tuple(forward if reverse is None else reverse))

    def def_expression(self, *names: str, fn: Callable | None = None, arity: int = 1) -> None:
        """Offer this function in the expression language (``xformad explain "sin(x)"``)
        under ``names`` (default: its own name); ``fn`` defaults to ``numpy.<name>``."""
        self.expression = (names or (self.name,), fn or getattr(np, self.name), arity)

    def vjp_rules_for(self, backend) -> tuple:
        override = backend.vjp_overrides.get(self.name)
        return override if override is not None else self.vjp_rules


def _foreign(kernel) -> bool:
    """A kernel defined outside xformad (a plugin's, or a user's)."""
    module = getattr(kernel, "__module__", None) or ""
    return not (module == "xformad" or module.startswith("xformad."))


class Notation:
    """Format templates for one primitive (see ``Primitive.def_notation``)."""

    __slots__ = ("text", "forward", "reverse")

    def __init__(self, text: str | None, forward: tuple, reverse: tuple):
        self.text, self.forward, self.reverse = text, forward, reverse


def nondifferentiable(*prims: Primitive) -> None:
    """Mark primitives whose outputs carry no derivative (floor, sign, comparisons...)."""
    for p in prims:
        p.differentiable = False


def check_rules(prims) -> None:
    """Fail loudly at import when a differentiable primitive lacks a rule."""
    missing = [
        p.name
        for p in prims
        if p.differentiable
        and ((p.vjp_rules is None and p.vjp_joint is None) or (p.jvp_rules is None and p.jvp_joint is None))
    ]
    if missing:
        raise XformadError(f"differentiable primitives without JVP/VJP rules: {missing}")


def nonzero_dtype(x) -> bool:
    """True for dtypes that carry derivatives (floating and complex)."""
    return np.issubdtype(x.dtype, np.inexact)
