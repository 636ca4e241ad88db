"""Each xformad module imports on its own (in a fresh interpreter, first): no import cycle
leaves a module half-initialised, whichever a user or plugin imports first."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import xformad

MODULES = sorted(m.name for m in pkgutil.walk_packages(xformad.__path__, "xformad."))


def test_every_module_imports_first_and_alone():
    # one interpreter per module, 8 at a time (each is a fresh process: the module is first)
    failures = []
    for start in range(0, len(MODULES), 8):
        batch = MODULES[start : start + 8]
        procs = [
            (m, subprocess.Popen([sys.executable, "-c", f"import {m}"], stderr=subprocess.PIPE, text=True))
            for m in batch
        ]
        for m, proc in procs:
            _, err = proc.communicate(timeout=120)
            if proc.returncode:
                failures.append(f"{m}: {err.strip().splitlines()[-1]}")
    assert not failures, "\n".join(failures)


def test_the_plugin_surface_is_one_module():
    import xformad.extend as extend

    for name in extend.__all__:
        assert hasattr(extend, name), name


# The layers, lowest first (docs/architecture.md, "Layers"). A module's top-level imports
# reach only its own layer and those below; the tracer's calls upwards are connected at
# import (tracing.connect), function-local imports of a lower module are the exception.
LAYERS = [
    ("errors", "tree", "ir", "views", "hookspecs", "post_import"),
    ("backends",),
    ("tracing",),
    ("buffers", "intercept", "reach"),
    ("primitives",),
    ("registry", "plugins"),
    ("numpy_api", "tracer_methods"),
    ("transforms",),
    ("compile", "scheduler"),
    ("api",),
    ("testing", "explain", "expr", "render", "coverage", "extend", "cli", "__init__", "__main__"),
]
LAYER_OF = {name: k for k, names in enumerate(LAYERS) for name in names}


def _top_level_imports(path: Path, module: str):
    """(imported xformad module) for each relative import in the module's body."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                yield target if node.module else f"{target}.{alias.name}"


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_module_imports_a_layer_above_its_own():
    root = Path(xformad.__file__).parent
    upward = []
    for path in root.rglob("*.py"):
        module = ".".join(("xformad", *path.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        mine = LAYER_OF[_part(module)]
        for imported in _top_level_imports(path, module):
            if LAYER_OF[_part(imported)] > mine:
                upward.append(f"{module} imports {imported}")
    assert not upward, "\n".join(sorted(upward))


def test_every_part_of_the_package_has_a_layer():
    root = Path(xformad.__file__).parent
    parts = {
        p.stem if p.is_file() else p.name
        for p in root.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert parts <= set(LAYER_OF), sorted(parts - set(LAYER_OF))


def test_the_scipy_plugin_imports_only_the_public_surface():
    # the model a third-party plugin copies: xformad.extend (and xformad's top-level API)
    root = Path(__file__).resolve().parent.parent / "plugins" / "xformad-scipy" / "xformad_scipy"
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found += [
                f"{path.name}: {n}" for n in names if n.startswith("xformad.") and n != "xformad.extend"
            ]
    assert not found, found
