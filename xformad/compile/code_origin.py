"""Whose code a function is (the user's, a library's, xformad's) and which globals and
attribute chains its bytecode reads: what ``environment.py`` walks.
"""

from __future__ import annotations

import dis
import functools
import os
import site
import sys
import sysconfig
import types

import numpy as np


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


def module_origin(module) -> str:
    name = getattr(module, "__name__", "")
    if name == "__main__" and not hasattr(module, "__file__"):
        return "user"  # an interactive session
    return origin(getattr(module, "__file__", None))


def class_origin(cls) -> str:
    module = sys.modules.get(getattr(cls, "__module__", None) or "")
    if module is None:
        return "library"
    return module_origin(module)


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
