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

import builtins
import dis
import functools
import math
import operator
import os
import random
import re
import site
import sys
import sysconfig
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_api.draws import explained, frozen

MISSING = type("Missing", (), {"__repr__": lambda self: "<missing>"})()

MAX_DEPTH = 8  # nesting of containers and objects; deeper values are compared by identity
INLINE = 64  # containers of plain values longer than this are compared by one helper call
SMALL_ARRAY = 1 << 16  # bytes: tobytes() == copy below, a uint64/uint8 view compare above

_ATOMS = (
    int,
    float,
    complex,
    bool,
    str,
    bytes,
    type(None),
    type(Ellipsis),
    np.generic,
    np.dtype,
    range,
    slice,
)
_GENERATORS = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)
_FUNCTIONS = (types.FunctionType, types.MethodType, functools.partial)
_SKIPPED_CLASS_ATTRS = frozenset(
    ("__module__", "__dict__", "__weakref__", "__doc__", "__qualname__", "__slots__", "__annotations__")
)


# -- whose code is it -------------------------------------------------------------------------
def _library_roots() -> tuple:
    roots = set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            roots.add(paths[key])
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except Exception:  # some embedded interpreters lack them
        pass
    roots.add(os.path.dirname(os.__file__))  # the standard library, wherever it is
    roots.add(os.path.dirname(np.__file__))
    out = set()
    for r in roots:
        if r:
            out.add(os.path.realpath(r).rstrip(os.sep) + os.sep)
    return tuple(sorted(out))


_XFORMAD_ROOT = os.path.realpath(os.path.dirname(os.path.dirname(__file__))).rstrip(os.sep) + os.sep
_LIBRARY_ROOTS = _library_roots()


@functools.lru_cache(maxsize=4096)
def origin(filename: str | None) -> str:
    """ "user", "xformad" or "library", for the file code was compiled from."""
    if not filename:
        return "library"
    if filename.startswith("<"):  # <stdin>, <string>, notebooks: user; <frozen ...>: stdlib
        if filename.startswith("<xformad"):
            return "xformad"
        return "library" if filename.startswith("<frozen") else "user"
    path = os.path.realpath(filename)
    if path.startswith(_XFORMAD_ROOT):
        return "xformad"
    if path.startswith(_LIBRARY_ROOTS):
        return "library"
    return "user"


def _module_origin(module) -> str:
    name = getattr(module, "__name__", "")
    if name == "__main__" and not hasattr(module, "__file__"):
        return "user"  # an interactive session
    return origin(getattr(module, "__file__", None))


def _class_origin(cls) -> str:
    module = sys.modules.get(getattr(cls, "__module__", None) or "")
    if module is None:
        return "library"
    return _module_origin(module)


# -- what a code object reads -----------------------------------------------------------------
class CodeReads:
    """The globals a code object (with its nested code) names, and attribute chains read
    off globals, closure variables and modules imported inside it."""

    def __init__(self):
        self.globals: dict = {}  # name -> set of attribute chains (tuples)
        self.derefs: dict = {}  # closure variable -> set of chains
        self.imports: dict = {}  # module name -> set of chains


@functools.lru_cache(maxsize=4096)
def code_reads(code: types.CodeType) -> CodeReads:
    reads = CodeReads()
    _scan(code, reads)
    return reads


def _scan(code: types.CodeType, reads: CodeReads) -> None:
    instructions = list(dis.get_instructions(code))
    imported_locals: dict = {}  # local name -> module name (``import cfg`` in the function)
    i = 0
    while i < len(instructions):
        ins = instructions[i]
        op = ins.opname
        root = None
        if op in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL"):
            root = (reads.globals, ins.argval)
        elif op in ("LOAD_DEREF", "LOAD_CLASSDEREF"):
            root = (reads.derefs, ins.argval)
        elif op == "LOAD_FAST" and ins.argval in imported_locals:
            root = (reads.imports, imported_locals[ins.argval])
        elif op == "IMPORT_NAME" and isinstance(ins.argval, str):
            name = ins.argval
            j = i + 1
            while j < len(instructions) and instructions[j].opname == "IMPORT_FROM":
                reads.imports.setdefault(name, set()).add((instructions[j].argval,))
                j += 1
            if (
                j < len(instructions)
                and instructions[j].opname in ("STORE_FAST", "STORE_NAME")
                and j == i + 1
            ):
                top = name.split(".")[0]
                imported_locals[instructions[j].argval] = top
                reads.imports.setdefault(top, set())
            i = j
            continue
        if root is not None:
            table, name = root
            chain = []
            j = i + 1
            while j < len(instructions) and instructions[j].opname in ("LOAD_ATTR", "LOAD_METHOD"):
                chain.append(instructions[j].argval)
                j += 1
            chains = table.setdefault(name, set())
            if chain:
                chains.add(tuple(chain))
        i += 1
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _scan(const, reads)


# -- exact comparisons (the slow branches of the generated check) ----------------------------
def same_atom(a: Any, b: Any) -> bool:
    """``a`` and ``b`` are the same plain value, bit for bit (``-0.0`` is not ``0.0``; a
    NaN equals a NaN of the same bits)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) or (a != a and b != b)
    if type(a) is complex:
        return same_atom(a.real, b.real) and same_atom(a.imag, b.imag)
    if isinstance(a, np.generic):
        try:
            return a.dtype == b.dtype and a.tobytes() == b.tobytes()
        except Exception:
            return False
    try:
        return bool(a == b)
    except Exception:
        return False


def same_atoms(a: Any, b: tuple) -> bool:
    """A long list/tuple of plain values against its snapshot (a tuple): the same objects
    (one pass in C, exact since the snapshot keeps them alive), or else equal ones."""
    if len(a) != len(b):
        return False
    return all(map(operator.is_, a, b)) or all(map(same_atom, a, b))


def same_big_array(a: np.ndarray, copy: np.ndarray) -> bool:
    """Exact content of a large array (its shape and dtype were checked): a uint64 (or
    uint8) view compared in one pass, which is NaN-safe and bit-exact."""
    if not a.flags.c_contiguous:
        return a.tobytes() == copy.tobytes()
    flat = a.reshape(-1).view(np.uint8)
    ref = copy.reshape(-1).view(np.uint8)
    if flat.size % 8 == 0:
        flat, ref = flat.view(np.uint64), ref.view(np.uint64)
    return bool(np.array_equal(flat, ref))


def _array_copy(a: np.ndarray):
    """What the check compares an array with: its bytes (small) or a contiguous copy."""
    if a.nbytes <= SMALL_ARRAY:
        return a.tobytes()
    return np.ascontiguousarray(a).copy()


# -- the environment --------------------------------------------------------------------------
def _never_changed() -> None:
    return None


UNREADABLE = -1  # check(): the environment could not be read (a closure cell deleted, ...)


class Environment:
    """A compiled snapshot of what a function reads (see the module docstring)."""

    def __init__(self, builder: _Builder):
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
        names += [f"the random generator {_short(g)}" for g in self.generators]
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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


class _Builder:
    def __init__(self):
        self.lines: list = []
        self.namespace: dict = {"M": MISSING, "same_atom": same_atom, "same_atoms": same_atoms}
        self.namespace["same_big_array"] = same_big_array
        self.consts: dict = {}  # id(value) -> name (the value is kept alive in namespace)
        self.reads: list = []
        self.nvars = 0
        self.seen: set = set()  # ids of mutable values and functions already walked
        self.seen_globals: set = set()
        self.seen_classes: set = set()
        self.generators: list = []
        self.shallow: list = []
        self.root_module: str | None = None
        self.dropped: set = set()  # reads that failed on the snapshot itself: not checked

    # -- plumbing
    def const(self, value: Any) -> str:
        key = id(value)
        name = self.consts.get(key)
        if name is None or self.namespace[name] is not value:
            name = f"k{len(self.consts)}"
            self.consts[key] = name
            self.namespace[name] = value
        return name

    def fresh(self) -> str:
        self.nvars += 1
        return f"v{self.nvars}"

    def read(self, what: str, how: str) -> int:
        self.reads.append((what, how))
        return len(self.reads) - 1

    def fail_if(self, test: str, what: str, how: str) -> None:
        k = self.read(what, how)
        self.lines.append(("test", test, k))

    def bind(self, expr: str) -> str:
        v = self.fresh()
        self.lines.append(("bind", f"{v} = {expr}", len(self.reads)))  # fails as the next read
        return v

    # -- values
    def value(self, expr: str, value: Any, what: str, depth: int, chains=frozenset()) -> None:
        """Check that ``expr`` still evaluates to ``value`` (as compared by its kind)."""
        lines, reads = len(self.lines), len(self.reads)
        try:
            self._value(expr, value, what, depth, chains)
        except Exception:  # an object that resists the walk: the same object, at least
            del self.lines[lines:], self.reads[reads:]
            self.shallow.append(what)
            self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")

    def _value(self, expr: str, value: Any, what: str, depth: int, chains) -> None:
        t = type(value)
        if value is None or value is True or value is False or value is MISSING:
            self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")
            return
        if isinstance(value, _ATOMS):
            k = self.const(value)
            v = self.fresh()
            self.fail_if(f"({v} := {expr}) is not {k} and not same_atom({v}, {k})", what, "rebound")
            return
        if isinstance(value, np.ndarray):
            self.array(expr, value, what)
            return
        if isinstance(value, _GENERATORS):
            self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")
            if id(value) not in self.seen:
                self.seen.add(id(value))
                self.generators.append(value)
            return
        if isinstance(value, types.ModuleType):
            self.module(expr, value, what, depth, chains)
            return
        if isinstance(value, type):
            self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")
            self.klass(value, depth)
            return
        if callable(value) and (
            isinstance(value, (*_FUNCTIONS, types.BuiltinFunctionType, np.ufunc))
            or hasattr(value, "__wrapped__")
            or hasattr(value, "__xformad_jit__")
        ):
            self.callable_ref(expr, value, what, depth)
            return
        if depth >= MAX_DEPTH:
            self.shallow.append(what)
            self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")
            return
        if isinstance(value, (list, tuple)):
            self.sequence(expr, value, what, depth)
            return
        if isinstance(value, dict):
            self.mapping(expr, value, what, depth)
            return
        if t in (set, frozenset):  # hashable elements: compared with a copy, by ==
            k = self.const(frozenset(value))
            v = self.fresh()
            self.fail_if(f"type({v} := {expr}) is not {self.const(t)} or {v} != {k}", what, "changed")
            return
        if _class_origin(t) == "user" and not isinstance(value, type):
            self.instance(expr, value, what, depth)
            return
        if _class_origin(t) == "xformad":
            self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")
            self.xformad_object(value, depth)
            return
        # a library object (or anything else): the same object is all that can be told
        self.fail_if(f"{expr} is not {self.const(value)}", what, "rebound")

    def array(self, expr: str, a: np.ndarray, what: str) -> None:
        v = self.fresh()
        self.fail_if(f"({v} := {expr}) is not {self.const(a)}", what, "rebound")
        shape, dtype = self.const(a.shape), self.const(a.dtype)
        if a.dtype.hasobject:  # object arrays: their elements by identity only
            self.shallow.append(f"the elements of {what}")
        copy = self.const(_array_copy(a))
        if a.nbytes <= SMALL_ARRAY:
            test = f"{v}.shape != {shape} or {v}.dtype != {dtype} or {v}.tobytes() != {copy}"
        else:
            test = f"{v}.shape != {shape} or {v}.dtype != {dtype} or not same_big_array({v}, {copy})"
        self.fail_if(test, what, "modified in place")

    def sequence(self, expr: str, seq, what: str, depth: int) -> None:
        t = type(seq)
        v = self.fresh()
        if len(seq) > INLINE and all(type(x) in _ATOMS or isinstance(x, _ATOMS) for x in seq):
            k = self.const(tuple(seq))
            self.fail_if(
                f"type({v} := {expr}) is not {self.const(t)} or not same_atoms({v}, {k})", what, "changed"
            )
            return
        if not isinstance(seq, tuple):
            if id(seq) in self.seen:  # its content is checked where it was met first
                self.fail_if(f"{expr} is not {self.const(seq)}", what, "rebound")
                return
            self.seen.add(id(seq))
        how = "rebound" if isinstance(seq, tuple) else "changed (length or type)"
        self.fail_if(f"type({v} := {expr}) is not {self.const(t)} or len({v}) != {len(seq)}", what, how)
        for j, item in enumerate(seq):
            self.value(f"{v}[{j}]", item, f"{what}[{j}]", depth + 1)

    def mapping(self, expr: str, d: dict, what: str, depth: int) -> None:
        if id(d) in self.seen:  # its content is checked where it was met first
            self.fail_if(f"{expr} is not {self.const(d)}", what, "rebound")
            return
        self.seen.add(id(d))
        v = self.fresh()
        keys = tuple(d)
        test = f"type({v} := {expr}) is not {self.const(type(d))} or len({v}) != {len(d)}"
        if len(d) <= INLINE:
            test += f" or tuple({v}) != {self.const(keys)}"
        self.fail_if(test, what, "changed (keys or type)")
        for key in keys:
            self.value(_item(v, self.const(key)), d[key], f"{what}[{key!r}]", depth + 1)

    def instance(self, expr: str, obj: Any, what: str, depth: int) -> None:
        t = type(obj)
        if id(obj) in self.seen:  # its content is checked where it was met first
            self.fail_if(f"{expr} is not {self.const(obj)}", what, "rebound")
            return
        self.seen.add(id(obj))
        v = self.fresh()
        self.fail_if(f"type({v} := {expr}) is not {self.const(t)}", what, "rebound (another type)")
        attrs = getattr(obj, "__dict__", None)
        if isinstance(attrs, dict):
            d = self.bind(f"{v}.__dict__")
            # functools.cached_property values may be added later (by the trace itself)
            lazy = frozenset(
                n for c in t.__mro__ for n, a in vars(c).items() if isinstance(a, functools.cached_property)
            )
            plain = [n for n in attrs if n not in lazy]
            if lazy:
                count = f"len({d}.keys() - {self.const(lazy)})"
            else:
                count = f"len({d})"
            self.fail_if(
                f"{count} != {len(plain)}", f"the attributes of {what}", "changed (added or deleted)"
            )
            for name, item in list(attrs.items()):
                self.value(_item(d, repr(name)), item, f"{what}.{name}", depth + 1)
        for cls in t.__mro__:
            for name in getattr(cls, "__dict__", {}).get("__slots__", ()) or ():
                if isinstance(name, str) and name not in ("__dict__", "__weakref__"):
                    self.value(
                        f"getattr({v}, {name!r}, M)", getattr(obj, name, MISSING), f"{what}.{name}", depth + 1
                    )
        self.klass(t, depth)

    def klass(self, cls: type, depth: int) -> None:
        """Methods and class attributes of the user classes in ``cls.__mro__``."""
        for c in cls.__mro__:
            if id(c) in self.seen_classes or _class_origin(c) != "user":
                continue
            self.seen_classes.add(id(c))
            proxy = self.const(c)
            d = self.bind(f"{proxy}.__dict__")
            names = [n for n in c.__dict__ if n not in _SKIPPED_CLASS_ATTRS]
            self.fail_if(f"len({d}) != {len(c.__dict__)}", f"the class {c.__qualname__}", "changed")
            for name in names:
                attr = c.__dict__[name]
                where = f"{c.__qualname__}.{name}"
                if isinstance(attr, (staticmethod, classmethod)):
                    self.fail_if(f"{_item(d, repr(name))} is not {self.const(attr)}", where, "rebound")
                    self.callable_fixed(attr.__func__, depth)
                elif isinstance(attr, property):
                    self.fail_if(f"{_item(d, repr(name))} is not {self.const(attr)}", where, "rebound")
                    for part in (attr.fget, attr.fset):
                        if part is not None:
                            self.callable_fixed(part, depth)
                elif name.startswith("__") and not callable(attr):
                    continue
                else:
                    self.value(_item(d, repr(name)), attr, where, depth + 1)

    def module(self, expr: str, module, what: str, depth: int, chains) -> None:
        if _module_origin(module) != "user" or not chains:
            self.fail_if(f"{expr} is not {self.const(module)}", what, "rebound")
            return
        v = self.fresh()
        self.fail_if(f"({v} := {expr}) is not {self.const(module)}", what, "rebound")
        heads: dict = {}
        for chain in chains:
            heads.setdefault(chain[0], set())
            if len(chain) > 1:
                heads[chain[0]].add(chain[1:])
        for attr, rest in heads.items():
            key = (id(module.__dict__), attr)
            if key in self.seen_globals and not rest:
                continue
            self.seen_globals.add(key)
            if attr in module.__dict__:
                item = module.__dict__[attr]
                self.value(
                    _item(f"{v}.__dict__", repr(attr)), item, f"{what}.{attr}", depth + 1, frozenset(rest)
                )
            else:
                self.fail_if(f"hasattr({v}, {attr!r})", f"{what}.{attr}", "defined")

    # -- functions
    def callable_ref(self, expr: str, fn: Any, what: str, depth: int) -> None:
        """A function value read from the environment: the same object, and its own
        environment unchanged."""
        if type(fn) is types.MethodType:  # a fresh bound method per attribute access
            v = self.fresh()
            self.fail_if(
                f"type({v} := {expr}) is not {self.const(types.MethodType)} or {v}.__func__ is not "
                f"{self.const(fn.__func__)} or {v}.__self__ is not {self.const(fn.__self__)}",
                what,
                "rebound",
            )
        else:
            self.fail_if(f"{expr} is not {self.const(fn)}", what, "rebound")
        self.callable_fixed(fn, depth)

    def callable_fixed(self, fn: Any, depth: int) -> None:
        """Walk what ``fn`` (a fixed object) reads."""
        if id(fn) in self.seen:
            return
        self.seen.add(id(fn))
        t = type(fn)
        owner = getattr(fn, "__self__", None)
        if isinstance(owner, _GENERATORS) and id(owner) not in self.seen:  # draw = rng.normal
            self.seen.add(id(owner))
            self.generators.append(owner)
        if t is types.MethodType:
            self.value(self.const(fn.__self__), fn.__self__, _self_name(fn), depth)
            self.callable_fixed(fn.__func__, depth)
            return
        if t is functools.partial:
            self.callable_fixed(fn.func, depth) if callable(fn.func) else None
            name = f"the arguments of {_short(fn)}"
            k = self.const(fn)
            self.value(f"{k}.args", fn.args, name, depth + 1)
            self.value(f"{k}.keywords", fn.keywords, f"the keywords of {_short(fn)}", depth + 1)
            return
        jitted = getattr(fn, "__xformad_jit__", None)
        if jitted is not None and hasattr(jitted, "fn"):
            self.callable_fixed(jitted.fn, depth)
            return
        if t is types.FunctionType:
            where = origin(fn.__code__.co_filename)
            if where == "user":
                self.function(fn, depth)
            elif where == "xformad":
                self.xformad_function(fn, depth)
            else:
                wrapped = getattr(fn, "__wrapped__", None)
                if wrapped is not None and callable(wrapped):
                    self.callable_fixed(wrapped, depth)
            return
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None and callable(wrapped):
            self.callable_fixed(wrapped, depth)
        if _class_origin(t) == "xformad":
            self.xformad_object(fn, depth)
        elif _class_origin(t) == "user":  # a callable user object
            self.seen.discard(id(fn))
            self.instance(self.const(fn), fn, f"the {t.__qualname__} object", depth)

    def xformad_function(self, fn: types.FunctionType, depth: int) -> None:
        """grad(f), value_and_grad(f), checkpoint(f)...: the user functions they hold."""
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is not None and callable(wrapped):
            self.callable_fixed(wrapped, depth)
        for cell in fn.__closure__ or ():
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            if callable(content) and not isinstance(content, type):
                self.callable_fixed(content, depth)

    def xformad_object(self, obj: Any, depth: int) -> None:
        if id(obj) in self.seen and not callable(obj):
            return
        self.seen.add(id(obj))
        for item in list(getattr(obj, "__dict__", {}).values()):
            if callable(item) and not isinstance(item, type) and _class_origin(type(item)) != "xformad":
                self.callable_fixed(item, depth)

    def function(self, fn: types.FunctionType, depth: int) -> None:
        code = fn.__code__
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", "f"))
        f = self.const(fn)
        self.fail_if(f"{f}.__code__ is not {self.const(code)}", f"the code of {name}", "replaced")
        # defaults set later on a function that had none only serve calls leaving out
        # arguments: calls that could not have been traced, so new signatures (re-traced)
        if fn.__defaults__ is not None:
            self.value(f"{f}.__defaults__", fn.__defaults__, f"the default arguments of {name}", 1)
        if fn.__kwdefaults__ is not None:
            self.value(f"{f}.__kwdefaults__", fn.__kwdefaults__, f"the keyword defaults of {name}", 1)
        reads = code_reads(code)
        for var, cell in zip(code.co_freevars, fn.__closure__ or ()):
            try:
                content = cell.cell_contents
            except ValueError:  # not yet bound (a recursive inner function): must stay so
                self.fail_if(f"_bound({self.const(cell)})", f"closure variable {var} of {name}", "bound")
                self.namespace["_bound"] = _cell_bound
                continue
            self.value(
                f"{self.const(cell)}.cell_contents",
                content,
                f"closure variable {var} of {name}",
                1,
                frozenset(reads.derefs.get(var, ())),
            )
        g = fn.__globals__
        gk = self.const(g)
        module = g.get("__name__", "?")
        if self.root_module is None:
            self.root_module = module
        root_module = self.root_module
        for gname, chains in reads.globals.items():
            key = (id(g), gname)
            if key in self.seen_globals:
                continue
            self.seen_globals.add(key)
            what = f"global {gname}" if module == root_module else f"global {gname} of module {module}"
            if gname in g:
                self.value(_item(gk, repr(gname)), g[gname], what, 1, frozenset(chains))
            elif hasattr(builtins, gname):
                self.fail_if(f"{gname!r} in {gk}", what, "defined (it shadows the builtin)")
            else:
                self.fail_if(f"{gname!r} in {gk}", what, "defined")
        if reads.imports:
            self.namespace["_modules"] = sys.modules
            for mod_name, chains in reads.imports.items():
                mod = sys.modules.get(mod_name)
                if mod is None:
                    continue
                key = (id(mod), "<import>", mod_name)
                if key in self.seen_globals:
                    continue
                self.seen_globals.add(key)
                self.value(_item("_modules", repr(mod_name)), mod, f"module {mod_name}", 1, frozenset(chains))

    def source(self, safe: bool = False) -> str:
        """The check as Python. The fast one subscripts mappings (a missing key raises,
        and the caller runs the safe one to tell which read it was); the safe one reads
        them with ``.get(key, M)`` and returns the index of any read that raises."""
        names = list(self.namespace)
        params = ", ".join(f"{n}={n}" for n in names)
        body = []
        for kind, text, k in self.lines:
            line = f"if {text}: return {k}" if kind == "test" else text
            if kind == "test" and k in self.dropped:
                continue
            if safe:
                body += ["try:", f"    {line}", "except Exception:", f"    return {k}"]
            else:
                body.append(line)
        body.append("return None")
        text = f"def check({params}):\n" + "\n".join("    " + line for line in body) + "\n"
        return _ITEM.sub(r"\1.get(\2, M)" if safe else r"\1[\2]", text)


_ITEM = re.compile("\x00(.*?)\x01(.*?)\x02")


def _item(container: str, key: str) -> str:
    """``container[key]`` in the fast check, ``container.get(key, M)`` in the safe one."""
    return f"\x00{container}\x01{key}\x02"


def _cell_bound(cell) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True


def _self_name(method) -> str:
    return f"self (of {getattr(method, '__qualname__', 'the method')})"


def snapshot(fn: Callable) -> Environment:
    """Walk what ``fn`` reads and compile the check that it is unchanged."""
    b = _Builder()
    b.callable_fixed(fn, 0)
    return _settled(b)


def _settled(b: _Builder) -> Environment:
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
    b = _Builder()
    for value, name in zip(values, names):
        if isinstance(value, _ATOMS) or value is None:
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
