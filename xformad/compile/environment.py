"""What a jitted function reads besides its arguments, and a fast check that it is unchanged.

A cached program is ``f`` traced once: every value ``f`` read from its environment (a
global array, a closure list, ``self.k``, a default argument, ``cfg.k`` of a user module)
is baked into it as a constant or as the shape of the program. ``snapshot(fn)`` walks
what ``fn`` can reach and compiles a check of it into one generated Python function,
called before every cached call; it returns None while nothing changed, else the index of
the first read that did (``Environment.describe(k)`` says which, in words).

What is walked, from ``fn``:

- user Python functions (code outside the standard library, site-packages, numpy and
  xformad): their code object, ``__defaults__``/``__kwdefaults__``, closure cells, and the
  globals their code (and the code of nested functions, lambdas and comprehensions) names,
  found with ``dis``: ``LOAD_GLOBAL``/``STORE_GLOBAL``, and attribute chains read off a
  global, a closure variable or a module imported inside the function (``cfg.k``); each
  function reached is walked in turn;
- bound methods: ``__func__`` and ``__self__``; ``functools.partial``: its function,
  arguments and keywords; wrappers with ``__wrapped__`` (``functools.wraps``,
  ``lru_cache``, xformad's ``grad``...): the wrapped function. For xformad's own functions
  and objects (``grad``, ``value_and_grad``, ``checkpoint``, ``custom_vjp``, ``Jitted``)
  only the user functions they hold are followed, never their own bookkeeping;
- values: numbers, strings, None, dtypes and numpy scalars by value (bit for bit: ``-0.0``
  is not ``0.0``); ndarrays by identity and exact content (shape, dtype, bytes, against a
  copy taken at trace time); lists, tuples, dicts and sets by content, recursively;
  instances of user classes through their ``__dict__`` and ``__slots__`` and their class
  (methods, class attributes), depth-bounded; user modules only through the attribute
  chains the code reads; everything else (library modules, functions, classes and
  objects, random generators) by identity.

``Environment.check`` is generated code, a flat run of ``if ...: return k`` lines, with
every object it reads bound as a default argument, so an unchanged environment costs a
few attribute loads and identity tests. ``rng_state()`` is the state of every random
generator the environment reaches, with numpy's and Python's global ones: compared
before and after a trace, it tells whether tracing drew random numbers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_api.draws import explained, frozen
from .code_origin import origin
from .environment_walk import Builder
from .sameness import ATOMS, short


# -- the environment --------------------------------------------------------------------------
def _never_changed() -> None:
    return None


UNREADABLE = -1  # check(): the environment could not be read (a closure cell deleted, ...)


class Environment:
    """A compiled snapshot of what a function reads (see the module docstring)."""

    def __init__(self, builder: Builder):
        self.source = builder.source()
        self.reads = builder.reads  # index -> (what, how it changed)
        self.generators = builder.generators
        self.shallow = builder.shallow  # what was compared by identity only (depth bound)
        self._check = _compile(self.source, builder.namespace)  # may raise (KeyError...)
        self._safe_source = builder.source(safe=True)
        self._namespace = builder.namespace
        self._safe = None

    def check(self) -> int | None:
        """None while nothing read changed; else the index of the first read that did
        (or that could not be read any more: a global deleted, a closure cell emptied)."""
        try:
            return self._check()
        except Exception:
            pass
        if self._safe is None:
            self._safe = _compile(self._safe_source, self._namespace)
        try:
            return self._safe()
        except Exception:  # not expected: every read is guarded in the safe check
            return UNREADABLE

    def describe(self, k: int) -> str:
        if k == UNREADABLE:
            return "its environment could not be read as when traced (a closure cell emptied, ...)"
        if not 0 <= k < len(self.reads):
            return "its environment could not be read as when traced"
        what, how = self.reads[k]
        return f"{what} was {how}"

    def rng_state(self) -> tuple:
        """The state of numpy's and Python's global random generators and of every
        generator the environment reaches."""
        states = [frozen(np.random.get_state(legacy=False)), random.getstate()]
        for g in self.generators:
            states.append(_generator_state(g))
        return tuple(states)

    def rng_difference(self, before: tuple, after: tuple, draws: list | None = None) -> str | None:
        """Which generator advanced between ``before`` and ``after``, not counting one whose
        change is exactly the chain of ``draws`` recorded as program nodes (numpy_api/draws.py)."""
        if before == after:
            return None
        names = ["numpy's global random state (np.random.*)", "Python's random module"]
        names += [f"the random generator {short(g)}" for g in self.generators]
        generators = [np.random.mtrand._rand, None, *self.generators]
        for name, generator, a, b in zip(names, generators, before, after):
            if a != b and not (draws and explained(draws, generator, a, b)):
                return name
        return None if len(before) == len(after) else "a random generator"

    def __len__(self) -> int:
        return len(self.reads)


def _compile(source: str, namespace: dict) -> Callable:
    scope = dict(namespace)
    exec(compile(source, "<xformad:environment>", "exec"), scope)
    return scope["check"]


def _generator_state(g: Any) -> Any:
    try:
        if isinstance(g, np.random.Generator):
            return frozen(g.bit_generator.state)
        if isinstance(g, np.random.RandomState):
            return frozen(g.get_state(legacy=False))
        if isinstance(g, np.random.BitGenerator):
            return frozen(g.state)
        if isinstance(g, random.Random):
            return g.getstate()
    except Exception:
        return None
    return None


def snapshot(fn: Callable) -> Environment:
    """Walk what ``fn`` reads and compile the check that it is unchanged."""
    b = Builder()
    b.callable_fixed(fn, 0)
    return _settled(b)


def _settled(b: Builder) -> Environment:
    """The environment, without reads that fail on the snapshot itself (a value whose
    ``==`` is not reflexive, a property giving a new object per access): those could
    never pass, and are compared by nothing (listed in ``shallow``)."""
    env = Environment(b)
    for _ in range(len(b.reads)):
        k = env.check()
        if k is None or k == UNREADABLE or k in b.dropped:
            return env
        b.dropped.add(k)
        b.shallow.append(b.reads[k][0])
        env = Environment(b)
    return env


def snapshot_values(values: list, names: list) -> Environment | None:
    """A snapshot of static arguments that carry an environment of their own (functions,
    user objects); None when none does."""
    b = Builder()
    for value, name in zip(values, names):
        if isinstance(value, ATOMS) or value is None:
            continue
        start = len(b.reads)
        b.value(b.const(value), value, name, 1)  # the object itself is the cache key's
        for k in range(start, len(b.reads)):  # "argument 0: closure variable w of g"
            what, how = b.reads[k]
            if what != name:
                b.reads[k] = (f"{name}: {what}", how)
    if not b.lines:
        return None
    return _settled(b)


__all__ = ["Environment", "UNREADABLE", "snapshot", "snapshot_values", "origin", "never_changed"]
never_changed = _never_changed
