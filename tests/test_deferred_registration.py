"""Registrations deferred to a library's import (``Registry.when_imported``): a plugin's tables
for a module the program has not imported cost nothing, appear the moment it is imported
(inside a trace too), and a failing one is reported without failing the program's import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import xformad
import xformad.plugins as plugins
from xformad import hookimpl, post_import
from xformad.errors import PluginError

from .test_plugins import installed  # noqa: F401  (the fixture)


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A fresh, not yet imported module ``name`` with a function ``twice``, each call a new name."""
    made = []

    def make():
        name = f"_deferred_library_{len(made)}_{tmp_path.name}".replace("-", "_")
        (tmp_path / f"{name}.py").write_text("def twice(x):\n    return 2.0 * x\n")
        made.append(name)
        return name

    monkeypatch.syspath_prepend(str(tmp_path))
    yield make
    for name in made:
        sys.modules.pop(name, None)


def _import(name):
    __import__(name)
    return sys.modules[name]


def _serving(module_name, calls):
    """A plugin that, once ``module_name`` is imported, intercepts its ``twice`` with a rule
    that is told apart from the original (3x) and counts its registrations in ``calls``."""

    def register(registry):
        calls.append(module_name)
        module = sys.modules[module_name]
        rule = lambda x: 3.0 * x if xformad.extend.is_traced(x) else NotImplemented  # noqa: E731
        registry.intercept(module, "twice", rule)

    @hookimpl
    def xformad_register_interceptions(registry):
        registry.when_imported(module_name, register)

    return {"xformad_register_interceptions": xformad_register_interceptions}


def test_a_callback_runs_after_the_import_and_at_once_for_an_imported_module(library):
    name, seen = library(), []
    post_import.when_imported(name, lambda module: seen.append(module.twice(1.0)))
    assert seen == [] and name in post_import.waiting()
    _import(name)
    assert seen == [2.0] and name not in post_import.waiting()
    post_import.when_imported(name, lambda module: seen.append("now"))
    assert seen == [2.0, "now"]


def test_a_module_from_a_shared_loader_is_waited_for_without_changing_the_loader(tmp_path, monkeypatch):
    # a zip importer serves every module of its archive: it is wrapped for the one module
    # waited for, never changed
    import zipfile

    archive = tmp_path / "modules.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_deferred_zipped_a.py", "VALUE = 1\n")
        z.writestr("_deferred_zipped_b.py", "VALUE = 2\n")
    monkeypatch.syspath_prepend(str(archive))
    seen = []
    try:
        post_import.when_imported("_deferred_zipped_a", lambda module: seen.append(module.VALUE))
        a, b = _import("_deferred_zipped_a"), _import("_deferred_zipped_b")
        assert seen == [1] and (a.VALUE, b.VALUE) == (1, 2)
        assert "exec_module" not in vars(b.__loader__)  # the archive's importer is unchanged
        assert a.__spec__.loader.get_source("_deferred_zipped_a") == "VALUE = 1\n"
    finally:
        sys.modules.pop("_deferred_zipped_a", None)
        sys.modules.pop("_deferred_zipped_b", None)


def test_a_deferred_registration_waits_for_the_import(installed, library):  # noqa: F811
    name, calls = library(), []
    installed({"lazy": _serving(name, calls)})
    reg = plugins.registry()
    assert calls == [] and not any(key[0] == name for key in reg.interceptions)
    module = _import(name)
    assert calls == [name]
    assert reg.owner[("interception", (name, "twice"))] == "lazy"
    assert xformad.grad(lambda x: module.twice(x))(1.0) == 3.0  # the plugin's rule served
    assert module.twice(1.0) == 2.0  # outside traces: the library's own function


def test_a_module_imported_inside_a_trace_is_served_in_that_trace(installed, library):  # noqa: F811
    name, calls = library(), []
    installed({"lazy": _serving(name, calls)})
    plugins.registry()

    def f(x):
        module = _import(name)  # the program's import, within the differentiated function
        return module.twice(x)

    assert xformad.grad(f)(1.0) == 3.0
    assert calls == [name]


def test_a_module_imported_before_the_registry_is_registered_at_once(installed, library):  # noqa: F811
    name, calls = library(), []
    _import(name)
    installed({"lazy": _serving(name, calls)})
    plugins.registry()
    assert calls == [name]


def test_a_failing_deferred_registration_warns_and_leaves_the_import_alone(installed, library):  # noqa: F811
    name = library()

    def register(registry):
        registry.intercept(sys.modules[name], "twice", lambda x: NotImplemented)
        raise RuntimeError("library too new")

    @hookimpl
    def xformad_register_interceptions(registry):
        registry.when_imported(name, register)

    installed({"brittle": {"xformad_register_interceptions": xformad_register_interceptions}})
    reg = plugins.registry()
    with pytest.warns(plugins.PluginWarning, match=f"'brittle'.*{name}.*library too new"):
        module = _import(name)
    assert module.twice(2.0) == 4.0
    assert (name, "twice") not in reg.interceptions  # what it made before raising is gone
    assert ("interception", (name, "twice")) not in reg.owner


def test_validate_runs_deferred_registrations_and_raises_their_failures(library):
    name = library()

    class Brittle:
        @hookimpl
        def xformad_register_interceptions(self, registry):
            registry.when_imported(name, lambda registry: 1 / 0)

    with pytest.warns(plugins.PluginWarning), pytest.raises(PluginError, match=f"{name}.*ZeroDivisionError"):
        plugins.validate(Brittle())


def test_a_gradient_imports_no_scipy_and_an_imported_scipy_is_served():
    pytest.importorskip("xformad_scipy")  # installed by the README's test command
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import xformad
        print(float(xformad.grad(lambda x: np.sin(x))(0.0)))
        print(sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy.")))
        import scipy.special
        print(float(xformad.grad(lambda x: scipy.special.erf(x))(0.0)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.split("\n")
    assert lines[0] == "1.0"
    assert lines[1] == "[]", "the first gradient imported scipy"
    assert float(lines[2]) == pytest.approx(2 / np.sqrt(np.pi), rel=1e-15)
