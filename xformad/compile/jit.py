"""``jit``: trace once per input signature, run the emitted program after.

A jitted function keeps, per signature (see ``signature.py``), a short list of
specialisations: programs emitted by ``codegen.emit`` for one path through the function's
Python control flow, each checking its guards as it runs. A call tries them in order; when
every one's guards fail it re-traces and adds one, up to ``max_specializations``, past
which it runs ``f`` eagerly (with a warning, once per signature).

Purity contract: a cached program returns what ``f`` returned when traced, recomputed on
the new inputs. ``f`` must not draw random numbers, nor read globals or closure arrays that
are rebound or changed between calls; pass such values as arguments. The first
``check_purity`` cached calls of each specialisation re-trace ``f`` and compare programs
(``purity.py``): a violation raises ``ImpureFunctionError`` (``on_impure="error"``) or
switches this function to eager execution (``on_impure="eager"``, with a warning); stale
results are never returned.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..codegen import GuardFailed, emit
from ..errors import XformadError
from ..tracing import _stack
from ..transforms.call import normalize_argnums
from ..tree import tree_flatten, tree_unflatten
from .purity import difference
from .signature import call_signature, plain_key
from .trace import is_constant_leaf, trace_for_compile, trace_with_fallback

logger = logging.getLogger("xformad.jit")


class ImpureFunctionError(XformadError, RuntimeError):
    """A jitted function recorded a different program when re-traced with inputs of the
    same signature: it draws random numbers or reads state that changed between calls."""


class RetraceWarning(UserWarning):
    """A jitted function fell back to eager execution (too many re-traces, or impure)."""


def _log(message: str) -> None:
    loud = os.environ.get("XFORMAD_LOG_COMPILES", "") not in ("", "0")
    logger.log(logging.WARNING if loud else logging.DEBUG, message)


@dataclass(frozen=True)
class CacheInfo:
    """What a jitted function's cache holds and why it last re-traced."""

    signatures: int
    specializations: int
    hits: int
    compiles: int
    eager_calls: int
    last_retrace_reason: str | None
    mode: str  # "jit", or "eager" after an impurity or a fallback of every signature

    def __str__(self) -> str:
        lines = [
            f"{self.signatures} input signature(s), {self.specializations} specialisation(s) compiled",
            f"{self.hits} cached call(s), {self.compiles} trace(s), {self.eager_calls} eager call(s)",
            f"last re-trace: {self.last_retrace_reason or 'none'}",
        ]
        if self.mode != "jit":
            lines.append(f"mode: {self.mode}")
        return "\n".join(lines)


def _finisher(expected: type, backend) -> Callable | None:
    """Make a compiled output the type the traced call returned (np.float64, ndarray...)."""
    if expected is np.ndarray:

        def to_array(v):
            if type(v) is not np.ndarray:
                v = backend.to_host(v) if backend.name != "numpy" and backend.owns(v) else np.asarray(v)
            return v if v.flags.writeable else v.copy()  # no read-only broadcast views

        return to_array
    if issubclass(expected, np.generic):

        def to_scalar(v):
            if type(v) is expected:
                return v
            if backend.name != "numpy" and backend.owns(v):
                v = backend.to_host(v)  # the traced call returned a host scalar
            return v[()] if hasattr(v, "shape") else expected(v)

        return to_scalar
    return None


def _needs_finishing(value, expected_value) -> bool:
    if type(value) is not type(expected_value):
        return True
    return type(value) is np.ndarray and not value.flags.writeable


def _identical(a, b) -> bool:
    """Bit for bit (host arrays and scalars); device values are trusted."""
    if not isinstance(a, (np.ndarray, np.generic, float, int, complex, bool)):
        return True
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class CodegenMismatch(XformadError):
    """The emitted program disagreed with the traced one (a bug: please report it)."""


class Specialisation:
    """One compiled path: the emitted program and how its outputs become the caller's
    values. Built from a trace, it is run once on that trace's inputs and must reproduce
    the traced results bit for bit, and type for type, before it is used."""

    def __init__(self, graph, backend, name: str, leaves, results: list, out_tree, python_floats: bool):
        self.graph = graph
        plain = emit(graph, backend, name=name, python_floats=python_floats, compact=True)
        program = plain.compile()
        first = program(*leaves)  # what the program returns before any type fix-up
        finishers = [_finisher(type(r), backend) for r in results]
        flat = out_tree.kind == "leaf" or (
            out_tree.kind == "tuple" and all(c.kind == "leaf" for c in out_tree.children)
        )
        wrappers = []
        for got, want, f in zip(first, results, finishers):
            if type(want) is np.float64 and type(got) in (float, np.float64):
                wrappers.append("float64" if type(got) is float else None)  # a Python float result
            elif _needs_finishing(got, want):
                wrappers.append(None if f is None else "generic")
            else:
                wrappers.append(None)
        if flat and "generic" not in wrappers:
            # the common case: the emitted program returns the caller's values itself
            self.source = emit(
                graph,
                backend,
                name=name,
                python_floats=python_floats,
                out_wrappers=wrappers,
                single=out_tree.kind == "leaf",
                compact=True,
            )
            self.source.namespace["float64"] = np.float64
            self.run = self.source.compile()
        else:
            self.source = plain
            self.run = self._runner(program, finishers, out_tree)
        self._verify(name, leaves, results, out_tree)
        self.checks_left = 0

    def _verify(self, name: str, leaves, results: list, out_tree) -> None:
        got, tree = tree_flatten(self.run(*leaves))
        same = tree == out_tree and all(type(a) is type(b) and _identical(a, b) for a, b in zip(got, results))
        if not same:
            raise CodegenMismatch(
                f"xformad.jit: the program emitted for {name} does not reproduce the traced "
                "result; running it eagerly. Please report this with the source:\n"
                f"{self.source}"
            )

    @staticmethod
    def _runner(program, finishers, out_tree):
        def run(*leaves):
            outs = program(*leaves)
            return tree_unflatten(out_tree, [v if f is None else f(v) for f, v in zip(finishers, outs)])

        return run

    def guard_reason(self, failed: GuardFailed) -> str:
        guard = self.graph.guards[failed.args[0]]
        names = self.graph.names()
        return (
            f"guard {guard.kind}({names.get(guard.var, '?')}) == {guard.expected!r} failed "
            "(a value took another branch of the Python control flow)"
        )


class Jitted:
    """A function compiled per input signature; see :func:`jit`."""

    def __init__(
        self, fn, static_argnums, backend, max_specializations, check_purity, on_impure, python_floats
    ):
        if on_impure not in ("error", "eager"):
            raise XformadError(f"jit: on_impure must be 'error' or 'eager', not {on_impure!r}")
        self.fn = fn
        self.static_argnums = static_argnums
        self.backend = backend
        self.max_specializations = max_specializations
        self.check_purity = check_purity
        self.on_impure = on_impure
        self.python_floats = python_floats
        self.__xformad_jit__ = self
        self._cache: dict = {}
        self._static_sets: dict = {}
        self._warned: set = set()
        self._eager_reason: str | None = None
        self._by_value = None  # set to is_constant_leaf once f needs integer leaves constant
        self._plain = static_argnums in ((), [])  # the inline signature of __call__ applies
        self.hits = self.compiles = self.eager_calls = 0
        self.last_retrace_reason: str | None = None

    # -- the call path ------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if _stack.depth or self._eager_reason is not None:
            # inside another transform (grad(jit(f))) it traces f itself; after an
            # impurity it runs f uncompiled, or refuses (on_impure="error")
            if self._eager_reason is not None and self.on_impure == "error" and not _stack.depth:
                raise ImpureFunctionError(self._eager_reason)
            return self._eager(args, kwargs)
        key = plain_key(args) if self._plain and not kwargs else None  # no static arguments
        leaves = args
        if key is None:
            key, leaves = call_signature(args, kwargs, self._static_for(len(args)), self._by_value)
        entries = self._cache.get(key)
        if entries is not None:
            for entry in entries:
                if entry.checks_left:
                    break
                try:
                    result = entry.run(*leaves)
                except GuardFailed:
                    continue
                self.hits += 1
                return result
        return self._slow_call(key, leaves, args, kwargs, entries)

    def _slow_call(self, key, leaves, args, kwargs, entries):
        """A miss, a guard failure in every specialisation, or a purity-check call."""
        reason = "first call with this input signature"
        if entries is not None:
            for entry in entries:
                try:
                    result = entry.run(*leaves)
                except GuardFailed as failed:
                    reason = entry.guard_reason(failed)
                    continue
                if entry.checks_left:
                    return self._purity_check(entry, args, kwargs)
                self.hits += 1
                return result
            if len(entries) >= self.max_specializations:
                return self._too_many(key, args, kwargs, reason)
        return self._compile(key, leaves, args, kwargs, reason)

    def _static_for(self, nargs: int) -> frozenset:
        static = self._static_sets.get(nargs)
        if static is not None:
            return static
        nums = normalize_argnums(self.static_argnums, nargs) if self.static_argnums != () else ()
        static = frozenset(nums)
        self._static_sets[nargs] = static
        return static

    def _eager(self, args, kwargs):
        if not _stack.depth:
            self.eager_calls += 1
        return self.fn(*args, **kwargs)

    def _trace(self, args, kwargs):
        static = self._static_for(len(args))
        if self._by_value is not None:
            return trace_for_compile(self.fn, args, kwargs, static, self.backend, constants=is_constant_leaf)
        traced, constants_used = trace_with_fallback(self.fn, args, kwargs, static, self.backend)
        if constants_used:  # from now on integer/boolean leaves key the cache by value
            self._by_value = is_constant_leaf
            self._plain = False
            self._cache.clear()
        return traced

    def _compile(self, key, leaves, args, kwargs, reason: str):
        by_value = self._by_value
        traced = self._trace(args, kwargs)
        if self._by_value is not by_value:  # switched to value-keyed constants: new key
            key, leaves = call_signature(args, kwargs, self._static_for(len(args)), self._by_value)
        self.compiles += 1
        result = tree_unflatten(traced.out_tree, traced.results)
        if traced.closes_over_tracer:  # f closed over an outer transform's tracer
            return result
        try:
            entry = Specialisation(
                traced.graph,
                traced.backend,
                self._name(),
                leaves,
                traced.results,
                traced.out_tree,
                self.python_floats,
            )
        except CodegenMismatch as exc:
            warnings.warn(str(exc), RetraceWarning, stacklevel=3)
            return result
        entries = self._cache.setdefault(key, [])
        entry.checks_left = self.check_purity
        entries.append(entry)
        self.last_retrace_reason = reason
        _log(
            f"xformad.jit: compiled {self._name()} (specialisation {len(entries)} of its signature, "
            f"{sum(len(e) for e in self._cache.values())} in all): {reason}"
        )
        return result

    def _purity_check(self, entry: Specialisation, args, kwargs):
        traced = self._trace(args, kwargs)
        results, out_tree = traced.results, traced.out_tree
        problem = difference(entry.graph, traced.graph)
        if problem is None:
            entry.checks_left -= 1
            self.hits += 1
            return tree_unflatten(out_tree, results)
        message = (
            f"xformad.jit: {self._name()} is not pure: re-tracing it with inputs of the same "
            f"signature recorded a different program ({problem}). A cached program would "
            "return stale results. This happens when the function draws random numbers "
            "(np.random...) or reads a global or closure array that was rebound between "
            "calls. Pass such values as arguments (e.g. the random sample or the array "
            "itself), or use jit(f, on_impure='eager') to run it uncompiled."
        )
        self._cache.clear()
        self._eager_reason = message
        self.last_retrace_reason = problem
        if self.on_impure == "error":
            raise ImpureFunctionError(message)
        warnings.warn(message, RetraceWarning, stacklevel=3)
        return tree_unflatten(out_tree, results)

    def _too_many(self, key, args, kwargs, reason: str):
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(
                f"xformad.jit: {self._name()} was re-traced {self.max_specializations} times for one "
                f"input signature (last: {reason}); running it eagerly for such inputs from now "
                "on. Mark the arguments that drive its Python control flow static "
                "(static_argnums), or raise max_specializations.",
                RetraceWarning,
                stacklevel=3,
            )
            self.last_retrace_reason = f"{reason}; past max_specializations, ran eagerly"
        return self._eager(args, kwargs)

    # -- introspection -------------------------------------------------------------------
    def _name(self) -> str:
        return getattr(self.fn, "__name__", "f")

    def __repr__(self) -> str:
        return f"<xformad.jit of {self._name()}>"

    def cache_info(self) -> CacheInfo:
        """Signatures, specialisations, hits and traces so far, and the last re-trace's cause."""
        return CacheInfo(
            signatures=len(self._cache),
            specializations=sum(len(e) for e in self._cache.values()),
            hits=self.hits,
            compiles=self.compiles,
            eager_calls=self.eager_calls,
            last_retrace_reason=self.last_retrace_reason,
            mode="jit" if self._eager_reason is None else "eager",
        )

    def clear_cache(self) -> None:
        """Forget every compiled program (and an eager switch after an impurity)."""
        self._cache.clear()
        self._warned.clear()
        self._eager_reason = None


def jit(
    fn: Callable | None = None,
    *,
    static_argnums=(),
    backend: str | None = None,
    max_specializations: int = 8,
    check_purity: int = 2,
    on_impure: str = "error",
    python_floats: bool = True,
) -> Callable:
    """Compile ``fn`` (any function or transform: ``grad(f)``, ``hessian(f)``) per input
    signature into straight-line Python over the backend's array module, then run that.

    ``static_argnums``: arguments that are part of the cache key by value (shapes, flags,
    loop counts) instead of traced. Value-dependent Python control flow (``if x.sum() >
    0:``) is recorded as guards: inputs that take another branch re-trace and add a
    specialisation, up to ``max_specializations`` per signature, then run eagerly.
    ``check_purity``: how many cached calls per specialisation re-trace to verify ``fn`` is
    pure; ``on_impure``: "error" (raise ImpureFunctionError) or "eager". Called on tracers
    (``grad(jit(f))``), it traces ``fn`` inside the outer transform. The result has
    ``cache_info()`` and ``clear_cache()``; set ``XFORMAD_LOG_COMPILES=1`` (or configure the
    logger "xformad.jit") to see every compile and its reason.

    >>> import numpy as np, xformad
    >>> def f(x):
    ...     return np.sum(np.tanh(x) ** 2)
    >>> g = xformad.jit(xformad.grad(f))
    >>> g(np.array([0.5, 1.0])).round(6)
    array([0.726862, 0.6397  ])
    """
    options = dict(
        static_argnums=static_argnums,
        backend=backend,
        max_specializations=max_specializations,
        check_purity=check_purity,
        on_impure=on_impure,
        python_floats=python_floats,
    )
    if fn is None:  # @jit(static_argnums=...)
        return lambda f: jit(f, **options)
    jitted = Jitted(fn, static_argnums, backend, max_specializations, check_purity, on_impure, python_floats)
    functools.update_wrapper(
        jitted, fn, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=()
    )
    jitted.__name__ = f"jit({getattr(fn, '__name__', 'f')})"
    return jitted
