"""The walk behind ``environment.snapshot``: each value a function reaches becomes lines of
the generated check (``Builder``; see ``environment.py`` for what is walked and how it is
compared).
"""

from __future__ import annotations

import builtins
import functools
import re
import sys
import types
from typing import Any

import numpy as np

from .code_origin import class_origin, code_reads, module_origin, origin
from .sameness import (
    ATOMS,
    FUNCTIONS,
    GENERATORS,
    INLINE,
    MAX_DEPTH,
    MISSING,
    SKIPPED_CLASS_ATTRS,
    SMALL_ARRAY,
    array_copy,
    same_atom,
    same_atoms,
    same_big_array,
    short,
)


class Builder:
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
        if isinstance(value, ATOMS):
            k = self.const(value)
            v = self.fresh()
            self.fail_if(f"({v} := {expr}) is not {k} and not same_atom({v}, {k})", what, "rebound")
            return
        if isinstance(value, np.ndarray):
            self.array(expr, value, what)
            return
        if isinstance(value, GENERATORS):
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
            isinstance(value, (*FUNCTIONS, types.BuiltinFunctionType, np.ufunc))
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
        if t is bytearray:  # mutable bytes: compared with a copy
            k = self.const(bytes(value))
            v = self.fresh()
            self.fail_if(f"type({v} := {expr}) is not bytearray or {v} != {k}", what, "changed")
            return
        if (class_origin(t) == "user" or _is_attribute_bag(t)) and not isinstance(value, type):
            self.instance(expr, value, what, depth)
            return
        if class_origin(t) == "xformad":
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
        copy = self.const(array_copy(a))
        if a.nbytes <= SMALL_ARRAY:
            test = f"{v}.shape != {shape} or {v}.dtype != {dtype} or {v}.tobytes() != {copy}"
        else:
            test = f"{v}.shape != {shape} or {v}.dtype != {dtype} or not same_big_array({v}, {copy})"
        self.fail_if(test, what, "modified in place")

    def sequence(self, expr: str, seq, what: str, depth: int) -> None:
        t = type(seq)
        v = self.fresh()
        if len(seq) > INLINE and all(type(x) in ATOMS or isinstance(x, ATOMS) for x in seq):
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
            if id(c) in self.seen_classes or class_origin(c) != "user":
                continue
            self.seen_classes.add(id(c))
            proxy = self.const(c)
            d = self.bind(f"{proxy}.__dict__")
            names = [n for n in c.__dict__ if n not in SKIPPED_CLASS_ATTRS]
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
        if module_origin(module) != "user" or not chains:
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
        if isinstance(owner, GENERATORS) and id(owner) not in self.seen:  # draw = rng.normal
            self.seen.add(id(owner))
            self.generators.append(owner)
        if t is types.MethodType:
            self.value(self.const(fn.__self__), fn.__self__, _self_name(fn), depth)
            self.callable_fixed(fn.__func__, depth)
            return
        if t is functools.partial:
            self.callable_fixed(fn.func, depth) if callable(fn.func) else None
            name = f"the arguments of {short(fn)}"
            k = self.const(fn)
            self.value(f"{k}.args", fn.args, name, depth + 1)
            self.value(f"{k}.keywords", fn.keywords, f"the keywords of {short(fn)}", depth + 1)
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
        if class_origin(t) == "xformad":
            self.xformad_object(fn, depth)
        elif class_origin(t) == "user":  # a callable user object
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
            if callable(item) and not isinstance(item, type) and class_origin(type(item)) != "xformad":
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


def _is_attribute_bag(cls) -> bool:
    """Library classes whose instances are plain attribute bags, as configs are
    (``argparse.Namespace`` from parse_args, ``types.SimpleNamespace``): walked as user
    objects, since ``cfg.lr = 5.0`` changes what f reads."""
    return cls is types.SimpleNamespace or (cls.__module__, cls.__qualname__) == ("argparse", "Namespace")
