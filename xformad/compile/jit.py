"""``jit``: trace once per input signature, run the emitted program after.

A jitted function keeps, per signature (see ``signature.py``), a short list of
specialisations: programs emitted by ``codegen.emit`` for one path through the function's
Python control flow, each checking its guards as it runs (Python branches, and the shapes
of value-dependent results such as ``x[mask]``: ``shapes.py``). A call tries them in
order; when every one's guards fail it re-traces and adds one, up to
``max_specializations``, past which it runs ``f`` eagerly (with a warning, once per
signature). At most ``cache_size`` signatures are kept, least recently used first out.

Tiered (``tiering.py``, the default ``compile_after="auto"``): a signature runs eagerly
until tracing it pays, then as a plan (``interpreter.py``: the graph run by a loop, no
source), then, once hot, as emitted code made from the same graph; never slower than eager
by more than 10% over its first calls.

Never stale: a cached program is ``f`` traced once, with every value ``f`` read from its
environment baked in. Each trace snapshots what ``f`` can reach (``environment.py``:
globals its code names, closure cells, defaults, ``self``, attributes of user objects and
modules, recursively through the user functions it calls) and every call checks that
snapshot first; a change (a rebound global, an array written in place) re-traces, with
``last_retrace_reason`` naming it. A function that changes its own environment while
traced (a counter, ``history.append``) or draws random numbers is stateful: a cached
program would replay one call. That raises ``ImpureFunctionError``
(``on_impure="error"``) or switches the function to eager execution
(``on_impure="eager"``, with a warning).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import backends
from ..errors import GuardFailed, ImpureFunctionError, XformadError
from ..ir import Var
from ..numpy_api.draws import replaying
from ..tracing import _stack
from ..transforms.call import check_callable, normalize_argnums
from ..tree import tree_flatten, tree_unflatten
from . import tiering
from .codegen import emission
from .environment import Environment, never_changed, snapshot, snapshot_values
from .interpreter import Interpreted
from .signature import call_signature, plain_key
from .trace import is_constant_leaf, trace_for_compile, trace_with_fallback

logger = logging.getLogger("xformad.jit")


@contextlib.contextmanager
def _collection_paused():
    """Python's cyclic collector paused while a program is traced and built: the graph's
    many new objects would set off full collections, each walking every live object (a
    third of a large compile's time, measured); garbage made meanwhile is collected after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
    cache_size: int | None = None  # the most signatures kept (None: no bound)
    evictions: int = 0  # signatures dropped, least recently used first, to stay within it
    environment_reads: int = 0  # checks made on the environment before each cached call
    planned: int = 0  # specialisations run as plans (interpreted tier), not yet emitted as code

    def __str__(self) -> str:
        bound = "no bound" if self.cache_size is None else f"at most {self.cache_size} signatures"
        lines = [
            f"{self.signatures} input signature(s), {self.specializations} specialisation(s) compiled"
            + (f" ({self.planned} run as plans)" if self.planned else ""),
            f"{self.hits} cached call(s), {self.compiles} trace(s), {self.eager_calls} eager call(s)",
            f"cache: {bound}, {self.evictions} evicted; "
            f"{self.environment_reads} environment check(s) per call",
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


_NOT_RUN = object()  # a Specialisation's program not run yet (Specialisation._verify runs it)


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


def _agrees(a, b, tolerance: float) -> bool:
    """Bit for bit, or (a backend declaring ``result_tolerance``) the same dtype, shape and
    non-finite entries, and finite ones within ``tolerance`` times the largest magnitude
    (a difference of rounding, carried through a cancellation, stays below it)."""
    if tolerance == 0.0 or _identical(a, b):
        return _identical(a, b)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape or a.dtype.kind not in "fc":
        return False
    finite = np.isfinite(b)
    if not np.array_equal(finite, np.isfinite(a)):
        return False
    if not np.array_equal(a[~finite], b[~finite], equal_nan=True):
        return False
    scale = float(np.max(np.abs(b[finite]), initial=0.0))
    return bool(np.all(np.abs(a[finite] - b[finite]) <= tolerance * scale))


class CodegenMismatch(XformadError):
    """The emitted program disagreed with the traced one (a bug: please report it)."""


class Specialisation:
    """One compiled path: the program and how its outputs become the caller's values.
    Built from a trace, it is run once on that trace's inputs and must reproduce the traced
    results bit for bit, and type for type, before it is used. ``interpreted``: the program
    is a plan run by a loop (``interpreter.py``: nothing to emit or compile), else emitted
    source; ``Jitted._graduate`` makes the one from the other's graph, without re-tracing."""

    def __init__(
        self,
        graph,
        backend,
        name: str,
        leaves,
        results: list,
        out_tree,
        python_floats: bool,
        interpreted=False,
    ):
        self.graph = graph
        self.backend = backend
        self.interpreted = interpreted
        self.may_graduate = interpreted  # to emitted code, once hot (tiering.py)
        self.fallback = None  # the interpreted specialisation this one was emitted from
        self.nodes = len(graph.nodes)
        first = _NOT_RUN  # the program's result on ``leaves``, where building it ran it
        if interpreted:
            program = Interpreted(graph, backend)
            self.program_graph = program.graph  # whose guards GuardFailed numbers
            self.source = None
            finishers = [_finisher(type(r), backend) for r in results]
            self.run = self._runner(program, finishers, out_tree)
        else:
            emitted = emission(graph, backend, python_floats=python_floats, compact=True)  # once
            flat = out_tree.kind == "leaf" or (
                out_tree.kind == "tuple" and all(c.kind == "leaf" for c in out_tree.children)
            )
            if flat:
                first = self._returns_callers_values(emitted, name, leaves, results, out_tree)
            if first is _NOT_RUN:
                self._with_fix_ups(emitted, name, leaves, results, out_tree, backend)
            self.program_graph = self.source.graph
        self._verify(name, leaves, results, out_tree, first)

    def _returns_callers_values(self, emitted, name, leaves, results, out_tree):
        """The common case, compiled once: the program returns the caller's values itself,
        a float64 result it computes as a Python float wrapped in np.float64 on return
        (the scalar plan says which). Returns its result on ``leaves`` (what ``_verify``
        checks: no second run of a large program), or ``_NOT_RUN`` when a result would
        need more fix-ups."""
        floats = emitted.scalars.floats
        wrappers = [
            "float64" if type(want) is np.float64 and type(atom) is Var and atom in floats else None
            for atom, want in zip(emitted.graph.outputs, results)
        ]
        single = out_tree.kind == "leaf"
        source = emitted.source(name, out_wrappers=wrappers, single=single)
        source.namespace["float64"] = np.float64
        run = source.compile()
        first = run(*leaves)
        got = [first] if single else list(first)
        if any(_needs_finishing(g, w) for g, w in zip(got, results)):
            return _NOT_RUN
        self.source, self.run = source, run
        return first

    def _with_fix_ups(self, emitted, name, leaves, results, out_tree, backend) -> None:
        """Results whose types the program does not return as traced (a read-only view, a
        device scalar, a nested output tree): each goes through its finisher."""
        plain = emitted.source(name)
        program = plain.compile()
        finishers = [_finisher(type(r), backend) for r in results]
        self.source = plain
        self.run = self._runner(program, finishers, out_tree)

    def _verify(self, name: str, leaves, results: list, out_tree, first=_NOT_RUN) -> None:
        got, tree = tree_flatten(self.run(*leaves) if first is _NOT_RUN else first)
        tolerance = getattr(self.backend, "result_tolerance", 0.0) if not self.interpreted else 0.0
        same = tree == out_tree and all(
            type(a) is type(b) and _agrees(a, b, tolerance) for a, b in zip(got, results)
        )
        if not same:
            shown = self.source if self.source is not None else self.program_graph
            raise CodegenMismatch(
                f"xformad.jit: the program {'planned' if self.interpreted else 'emitted'} for {name} "
                "does not reproduce the traced result; running it eagerly. Please report this "
                f"with the program:\n{shown}"
            )

    @staticmethod
    def _runner(program, finishers, out_tree):
        def run(*leaves):
            outs = program(*leaves)
            return tree_unflatten(out_tree, [v if f is None else f(v) for f, v in zip(finishers, outs)])

        return run

    def guard_reason(self, failed: GuardFailed) -> str:
        graph = self.program_graph  # its guards are the program's
        guard = graph.guards[failed.args[0]]
        names = self.graph.names()
        if guard.kind == "shape":
            return (
                f"guard shape({names.get(guard.var, '?')}) == {guard.expected!r} failed (a "
                "value-dependent result: x[mask], np.nonzero or np.unique selected another "
                "number of elements)"
            )
        if guard.kind == "array":
            return (
                f"guard array({names.get(guard.var, '?')}) failed (a value Python code looked "
                "at changed: an integer or boolean array plain numpy code used, .item(), a formatted string)"
            )
        return (
            f"guard {guard.kind}({names.get(guard.var, '?')}) == {guard.expected!r} failed "
            "(a value took another branch of the Python control flow)"
        )


class _Entries(list):
    """The specialisations of one signature, most recently successful first; ``last``:
    the jit's call count when one last ran (for least-recently-used eviction);
    ``static_env``: the environment of the signature's static arguments (functions and
    objects passed static carry one), or None; ``warmup``: while its first compiled calls
    are timed against the eager ones (``tiering.py``), their record, else None."""

    __slots__ = ("last", "static_env", "warmup")

    def __init__(self):
        super().__init__()
        self.last = 0
        self.static_env = None
        self.warmup = None


class Jitted:
    """A function compiled per input signature; see :func:`jit`."""

    def __init__(
        self,
        fn,
        static_argnums,
        backend,
        max_specializations,
        cache_size,
        on_impure,
        python_floats,
        compile_after="auto",
    ):
        tiering.check_policy(compile_after)
        check_callable(fn, "jit")
        if backend not in (None, "auto") and backend not in backends.available_backends():
            backends.get_backend(backend)  # raises UnknownBackend, naming the registered ones
        if on_impure not in ("error", "eager"):
            raise XformadError(f"jit: on_impure must be 'error' or 'eager', not {on_impure!r}")
        if cache_size is not None and (not isinstance(cache_size, int) or cache_size < 1):
            raise XformadError(
                f"jit: cache_size must be a positive int or None (no bound), not {cache_size!r}"
            )
        self.fn = fn
        self.static_argnums = static_argnums
        self.backend = backend
        self.max_specializations = max_specializations
        self.cache_size = cache_size
        self.on_impure = on_impure
        self.python_floats = python_floats
        self.compile_after = compile_after
        self.__xformad_jit__ = self
        self._cache: dict = {}  # signature -> _Entries
        self._warmups: dict = {}  # signature -> tiering.Warmup, until it compiles
        self._static_sets: dict = {}
        self._warned: set = set()
        self._eager_reason: str | None = None
        self._by_value = None  # set to is_constant_leaf once f needs integer leaves constant
        self._plain = static_argnums in ((), [])  # the inline signature of __call__ applies
        # the environment every cached program was traced in, and its compiled check
        # (None while unchanged); a change drops the cache and names itself in _stale
        self._env: Environment | None = None
        self._check_env = never_changed
        self._stale: str | None = None
        self.hits = self.compiles = self.eager_calls = self.evictions = 0
        self.last_retrace_reason: str | None = None

    # -- the call path ------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if _stack.depth or self._eager_reason is not None:
            # inside another transform (grad(jit(f))) it traces f itself; after an
            # impurity it runs f uncompiled, or refuses (on_impure="error")
            if self._eager_reason is not None and self.on_impure == "error" and not _stack.depth:
                raise ImpureFunctionError(self._eager_reason)
            return self._eager(args, kwargs)
        try:
            changed = self._check_env()  # None while what fn reads is as when traced
        except Exception:  # a read that raises (a deleted global): the careful check tells
            changed = True
        if changed is not None:
            self._environment_changed()
        key = plain_key(args) if self._plain and not kwargs else None
        leaves = args
        if key is None:
            key, leaves = call_signature(args, kwargs, self._static_for(len(args)), self._by_value)
            entries = self._cache.get(key)
            if entries is not None and entries.static_env is not None:
                entries = self._check_static(key, entries)
        else:
            entries = self._cache.get(key)
        if entries is not None:
            first = entries[0]  # the most recently successful specialisation
            if entries.warmup is not None:  # its first compiled calls: timed
                return self._trial_call(key, leaves, args, kwargs, entries)
            try:
                result = first.run(*leaves)
            except GuardFailed as failed:
                return self._slow_call(key, leaves, args, kwargs, entries, 1, first.guard_reason(failed))
            self.hits += 1
            entries.last = self.hits
            return result
        return self._slow_call(key, leaves, args, kwargs, entries)

    def _slow_call(self, key, leaves, args, kwargs, entries, start=0, reason=None):
        """A miss, or a guard failure in the most recent specialisation of the signature."""
        reason = reason or "first call with this input signature"
        if entries is not None:
            for i in range(start, len(entries)):
                entry = entries[i]
                try:
                    result = entry.run(*leaves)
                except GuardFailed as failed:
                    reason = entry.guard_reason(failed)
                    continue
                if i:
                    entries.insert(0, entries.pop(i))  # tried first from now on
                self.hits += 1
                entries.last = self.hits
                return result
            if len(entries) >= self.max_specializations:
                return self._too_many(key, args, kwargs, reason)
        elif self.compile_after != 0:
            warmup = self._warmups.get(key)
            if warmup is None:
                warmup = self._warmups[key] = tiering.Warmup()
            if warmup.demoted or not warmup.ready(self.compile_after):
                return self._timed_eager(warmup, args, kwargs)
            start = tiering.now()
            auto = self.compile_after == "auto"
            result = self._compile(key, leaves, args, kwargs, reason, interpreted=auto)
            entries = self._cache.get(key)
            if entries is not None:  # it compiled (not impure, no codegen mismatch)
                seconds = tiering.now() - start
                if auto:
                    tiering.model.observe(seconds, warmup.nodes / warmup.calls, warmup.mean())
                warmup.compiled(seconds)
                entries.warmup = warmup  # its first compiled calls are timed against these
                del self._warmups[key]
            return result
        # another path through a signature's control flow: planned while the signature's
        # calls are still timed (it may graduate with them), emitted once it is settled
        planned = (
            self.compile_after == "auto"
            and entries is not None
            and entries.warmup is not None
            and entries[0].interpreted
        )
        return self._compile(key, leaves, args, kwargs, reason, interpreted=planned)

    def _timed_eager(self, warmup, args, kwargs):
        """An eager call of a signature not yet worth compiling (``tiering.py``)."""
        nodes = _stack.recorded
        start = tiering.now()
        result = self._eager(args, kwargs)
        warmup.record(tiering.now() - start, _stack.recorded - nodes)
        return result

    def _trial_call(self, key, leaves, args, kwargs, entries):
        """A call of a signature whose compiled calls are still timed (``tiering.py``): the
        interpreted tier's, until it graduates to emitted code, and the first calls of each
        tier. Slower than its eager calls were, the signature goes back to eager execution;
        emitted code slower than the interpreted plan goes back to the plan."""
        warmup = entries.warmup
        entry = entries[0]
        start = tiering.now()
        try:
            result = entry.run(*leaves)
        except GuardFailed as failed:
            return self._slow_call(key, leaves, args, kwargs, entries, 1, entry.guard_reason(failed))
        seconds = tiering.now() - start
        self.hits += 1
        entries.last = self.hits
        if entry.fallback is not None:  # emitted from a plan: timed against the plan
            warmup.timed(seconds)
            if warmup.slower_than_interpreted():
                entries[0] = entry.fallback  # the plan was faster: kept, no longer timed
                entries.warmup = None
                _log(
                    f"xformad.jit: {self._name()}: its emitted code was slower than its plan; keeps the plan"
                )
            elif len(warmup.trial) >= tiering.TRIAL_CALLS:
                entries.warmup = None  # trusted: no more timing
        elif warmup.demote(seconds, tiering.MARGIN if entry.interpreted else 1.0):
            del self._cache[key]
            self._warmups[key] = warmup  # eager from now on
            self.last_retrace_reason = "compiled calls were slower than eager ones: runs eagerly"
            _log(f"xformad.jit: {self._name()}: {self.last_retrace_reason}")
        elif entry.interpreted:
            if entry.may_graduate and warmup.graduates(entry.nodes, entry.backend):
                self._graduate(entries, entry, leaves, result, warmup)
        elif len(warmup.trial) >= tiering.TRIAL_CALLS:
            entries.warmup = None  # trusted: no more timing
        return result

    def _graduate(self, entries, entry, leaves, result, warmup) -> None:
        """Emit an interpreted specialisation's graph as source (no re-trace), checked bit
        for bit against the plan's result on this call's inputs."""
        start = tiering.now()
        flat, tree = tree_flatten(result)
        try:
            with _collection_paused():
                emitted = Specialisation(
                    entry.graph, entry.backend, self._name(), leaves, flat, tree, self.python_floats
                )
        except (CodegenMismatch, GuardFailed) as exc:  # a guard the plan passed: a bug too
            entry.may_graduate = False
            warnings.warn(
                str(exc).replace("running it eagerly", "keeping its plan"), RetraceWarning, stacklevel=4
            )
            return
        emitted.fallback = entry
        entries[entries.index(entry)] = emitted
        seconds = tiering.now() - start
        tiering.model.observe_codegen(seconds, entry.nodes, entry.backend)
        warmup.graduated(seconds)
        _log(f"xformad.jit: {self._name()}: emitted its plan as code ({entry.nodes} nodes, {seconds:.3f} s)")

    def _environment_changed(self) -> None:
        """What the cached programs were traced with changed: drop them all."""
        env = self._env
        changed = None if env is None else env.check()  # which read, in words
        what = env.describe(changed) if changed is not None else "its environment changed"
        self._stale = what
        self._cache.clear()
        self._env = None
        self._check_env = never_changed
        _log(f"xformad.jit: {self._name()}: {what} since it was traced; dropped its compiled programs")

    def _check_static(self, key, entries):
        env = entries.static_env
        changed = env.check()
        if changed is None:
            return entries
        self._stale = f"static {env.describe(changed)}"  # "static argument 0: ..."
        del self._cache[key]
        return None

    def _static_for(self, nargs: int) -> frozenset:
        static = self._static_sets.get(nargs)
        if static is not None:
            return static
        nums = (
            normalize_argnums(self.static_argnums, nargs, "static_argnums")
            if self.static_argnums != ()
            else ()
        )
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

    def _static_environment(self, args, kwargs) -> Environment | None:
        if self._plain and not kwargs:
            return None
        static = sorted(self._static_for(len(args)))
        values = [args[i] for i in static] + list(kwargs.values())
        names = [f"argument {i}" for i in static] + [f"keyword argument {k!r}" for k in kwargs]
        return snapshot_values(values, names)

    def _compile(self, key, leaves, args, kwargs, reason: str, interpreted: bool = False):
        with _collection_paused():
            return self._compile_now(key, leaves, args, kwargs, reason, interpreted)

    def _compile_now(self, key, leaves, args, kwargs, reason: str, interpreted: bool):
        if self._stale is not None:  # the environment changed: that is why it re-traces
            reason, self._stale = self._stale, None
        env = snapshot(self.fn)
        static_env = self._static_environment(args, kwargs)
        random_before = env.rng_state()
        by_value = self._by_value
        traced = self._trace(args, kwargs)
        # what tracing changed: the function is stateful, a cached program would be stale
        changed = env.check()
        if changed is None and static_env is not None:
            changed_static = static_env.check()
            if changed_static is not None:
                env, changed = static_env, changed_static
        drew = env.rng_difference(random_before, env.rng_state(), traced.draws)
        if changed is not None or drew is not None or traced.written is not None:
            result = self._stateful(env, changed, drew, traced)
            # the trace left the caller's argument as it was: this call runs f itself
            return self._eager(args, kwargs) if traced.written is not None else result
        if self._by_value is not by_value:  # switched to value-keyed constants: new key
            key, leaves = call_signature(args, kwargs, self._static_for(len(args)), self._by_value)
        self.compiles += 1
        result = tree_unflatten(traced.out_tree, traced.results)
        if traced.closes_over_tracer:  # f closed over an outer transform's tracer
            return result
        # the plan needs a host backend, and runs draws only where emitted code checks them
        # (a graduation's check would draw twice)
        interpreted = (
            interpreted
            and not getattr(traced.backend, "device", False)
            and not any(n.primitive.effectful for n in traced.graph.nodes)
        )
        try:
            with replaying():  # its trial runs: draw nodes give the numbers the trace drew
                entry = Specialisation(
                    traced.graph,
                    traced.backend,
                    self._name(),
                    leaves,
                    traced.results,
                    traced.out_tree,
                    self.python_floats,
                    interpreted,
                )
        except CodegenMismatch as exc:
            warnings.warn(str(exc), RetraceWarning, stacklevel=4)
            return result
        # the environment after the trace (values it cached lazily included) is what every
        # cached program is checked against from now on
        self._env = snapshot(self.fn)
        self._check_env = self._env._check
        entries = self._cache.get(key)
        if entries is None:
            self._evict()
            entries = self._cache[key] = _Entries()
            if static_env is not None:  # as it is after the trace
                entries.static_env = self._static_environment(args, kwargs)
        entries.insert(0, entry)
        entries.last = self.hits
        self.last_retrace_reason = reason
        _log(
            f"xformad.jit: compiled {self._name()} (specialisation {len(entries)} of its signature, "
            f"{sum(len(e) for e in self._cache.values())} in all): {reason}"
        )
        return result

    def _evict(self) -> None:
        """Make room for one more signature: drop the least recently used."""
        if self.cache_size is None:
            return
        while len(self._cache) >= self.cache_size:
            oldest = min(self._cache, key=lambda k: self._cache[k].last)
            del self._cache[oldest]
            self.evictions += 1

    def _stateful(self, env: Environment, changed: int | None, drew: str | None, traced):
        name = self._name()
        if traced.written is not None:
            wrote = f"writes into its {_argument_name(self.fn, traced.written[0])} in place"
            what = f"it {wrote}"
            message = (
                f"xformad.jit: {name} {wrote} ({traced.written[1]}). A compiled program "
                "computes on its inputs' values and would not make that change in the "
                "caller's object, as numpy does. Return the new value instead (w = w - lr * g; "
                "return w), write into a copy made inside (w = w.copy()), or use "
                "jit(f, on_impure='eager') to run it uncompiled."
            )
        else:
            if changed is not None:
                what = env.describe(changed)
                problem = f"tracing it changed what it reads ({what})"
                cause = (
                    "It keeps state between calls (a counter, a list it appends to, an attribute "
                    "it sets). Return the new state instead and pass it back in as an argument"
                )
            else:
                what = f"it draws random numbers ({drew} advanced while it was traced)"
                problem = what
                cause = "Draw the random sample outside and pass it as an argument"
            message = (
                f"xformad.jit: {name} is not pure: {problem}. A cached program would replay that "
                f"one call, returning stale results. {cause}, or use jit(f, on_impure='eager') "
                "to run it uncompiled."
            )
        self._cache.clear()
        self._env = None
        self._check_env = never_changed
        self._eager_reason = message
        self.last_retrace_reason = what
        if self.on_impure == "error":
            raise ImpureFunctionError(message)
        warnings.warn(message, RetraceWarning, stacklevel=5)  # at the caller's line
        self.eager_calls += 1
        return tree_unflatten(traced.out_tree, traced.results)

    def _too_many(self, key, args, kwargs, reason: str):
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(
                f"xformad.jit: {self._name()} was re-traced {self.max_specializations} times for one "
                f"input signature (last: {reason}); running it eagerly for such inputs from now "
                "on. Mark the arguments that drive its Python control flow static "
                "(static_argnums), or raise max_specializations.",
                RetraceWarning,
                stacklevel=4,
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
            cache_size=self.cache_size,
            evictions=self.evictions,
            environment_reads=0 if self._env is None else len(self._env),
            planned=sum(e.interpreted for entries in self._cache.values() for e in entries),
        )

    def clear_cache(self) -> None:
        """Forget every compiled program (and an eager switch after an impurity)."""
        self._cache.clear()
        self._warmups.clear()
        self._warned.clear()
        self._eager_reason = None
        self._env = None
        self._check_env = never_changed
        self._stale = None


def jit(
    fn: Callable | None = None,
    *,
    static_argnums=(),
    backend: str | None = None,
    max_specializations: int = 8,
    cache_size: int | None = 64,
    on_impure: str = "error",
    python_floats: bool = True,
    check_purity=None,
    compile_after=None,
) -> Callable:
    """Compile ``fn`` (any function or transform: ``grad(f)``, ``hessian(f)``) per input
    signature into straight-line Python over the backend's array module, then run that.

    ``static_argnums``: arguments that are part of the cache key by value (shapes, flags,
    loop counts) instead of traced. Value-dependent Python control flow (``if x.sum() >
    0:``) and value-dependent shapes (``x[x > 0]``) are recorded as guards: inputs that take
    another branch re-trace and add a specialisation, up to ``max_specializations`` per
    signature, then run eagerly. ``cache_size``: how many signatures are kept (least
    recently used first out; None: no bound). Every call first checks that what ``fn`` reads
    besides its arguments (globals, closure variables, defaults, attributes of its objects)
    is as when it was traced, and re-traces if not. ``on_impure``: what to do with a
    function that changes its own environment or draws random numbers while traced:
    "error" (raise ImpureFunctionError) or "eager" (run it uncompiled, with a warning).
    ``check_purity`` is deprecated and ignored (calls no longer re-trace to check purity).
    ``compile_after``: when a signature compiles. ``"auto"`` (the default): it runs eagerly
    (``fn`` itself) until tracing cannot make the calls so far cost more than 10% over
    eager ones, then runs the trace's graph as a plan, and emits it as code once that fits
    the same budget (``compile/tiering.py``, ``docs/jit.md``); an int n: emitted code after
    n eager calls (0: on the first call). ``XFORMAD_JIT_COMPILE_AFTER`` sets the default.
    Called on tracers (``grad(jit(f))``), it traces ``fn`` inside the outer transform. The
    result has ``cache_info()`` and ``clear_cache()``; set ``XFORMAD_LOG_COMPILES=1`` (or
    configure the logger "xformad.jit") to see every compile and its reason.

    >>> import numpy as np, xformad
    >>> def f(x):
    ...     return np.sum(np.tanh(x) ** 2)
    >>> g = xformad.jit(xformad.grad(f))
    >>> g(np.array([0.5, 1.0])).round(6)
    array([0.726862, 0.6397  ])
    """
    if check_purity is not None:
        warnings.warn(
            "jit(check_purity=...) is deprecated and has no effect: jit now checks, before "
            "every cached call, that what the function reads is unchanged, and detects "
            "stateful functions while tracing them. Drop the argument.",
            DeprecationWarning,
            stacklevel=2,
        )
    if compile_after is None:
        compile_after = _default_compile_after()
    options = dict(
        compile_after=compile_after,
        static_argnums=static_argnums,
        backend=backend,
        max_specializations=max_specializations,
        cache_size=cache_size,
        on_impure=on_impure,
        python_floats=python_floats,
    )
    if fn is None:  # @jit(static_argnums=...)
        return lambda f: jit(f, **options)
    jitted = Jitted(
        fn, static_argnums, backend, max_specializations, cache_size, on_impure, python_floats, compile_after
    )
    functools.update_wrapper(
        jitted, fn, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=()
    )
    jitted.__name__ = f"jit({getattr(fn, '__name__', 'f')})"
    return jitted


def _default_compile_after():
    text = os.environ.get("XFORMAD_JIT_COMPILE_AFTER", "auto").strip()
    if text == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise XformadError(
            f"XFORMAD_JIT_COMPILE_AFTER={text!r}: set it to 'auto' or to a number of eager "
            "calls (0: compile at once)"
        ) from None


def _argument_name(fn, n: int) -> str:
    """``argument 0 (w)``: its position, and its name where fn's signature tells it."""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        names = []
    return f"argument {n} ({names[n]})" if n < len(names) and names[n] else f"argument {n}"
