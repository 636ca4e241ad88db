"""Plugins: built-ins as plugins, third-party ones from in-memory entry points, and every
failure mode (conflicts, broken imports, blocking, misspelt hooks, failing hooks), plus
per-backend kernels and ``python -m xformad plugins``."""

from __future__ import annotations

import importlib.metadata
import json
import os
import pathlib
import re
import subprocess
import sys
import types

import numpy as np
import pluggy
import pytest

import xformad
import xformad.backends as backends
import xformad.extend
import xformad.plugins as plugins
from xformad import hookimpl
from xformad.cli import plugins_cmd
from xformad.errors import PluginError, UnknownBackend
from xformad.primitives.core import Primitive
from xformad.testing import check_grads

# a ufunc of our own: numpy shows it a Tracer through __array_ufunc__, like scipy's
cube_ufunc = np.frompyfunc(lambda x: x**3, 1, 1)


def make_cube_primitive(name="fake.cube"):
    p = Primitive(name, lambda xp, x: (x * x * x).astype(np.result_type(x, 1.0)))
    p.def_jvp(lambda t, ans, x: 3 * x * x * t)
    p.def_vjp(lambda ct, ans, x: 3 * x * x * ct)
    return p


class FakeDist:
    def __init__(self, name, version="1.0"):
        self.name = name
        self.version = version
        self.metadata = {"Name": name}


class FakeEntryPoint:
    """Just what xformad.plugins reads from an importlib.metadata entry point."""

    def __init__(self, name, module_name, dist="fake-dist"):
        self.name = name
        self.value = module_name
        self.group = plugins.ENTRY_POINT_GROUP
        self.dist = FakeDist(dist)

    def load(self):
        return importlib.import_module(self.value)


@pytest.fixture
def installed(monkeypatch):
    """Install in-memory plugin modules: installed({"name": module_or_exception, ...})."""

    def install(mapping: dict, dists: dict | None = None):
        eps = []
        for name, body in mapping.items():
            module_name = f"_fake_xformad_plugin_{name}_{len(eps)}"
            if isinstance(body, Exception):
                monkeypatch.setitem(sys.modules, module_name, None)  # import raises
                error = body

                def failing_load(error=error):
                    raise error

                ep = FakeEntryPoint(name, module_name)
                ep.load = failing_load
            else:
                module = types.ModuleType(module_name)
                for attr, value in body.items():
                    setattr(module, attr, value)
                monkeypatch.setitem(sys.modules, module_name, module)
                ep = FakeEntryPoint(name, module_name, (dists or {}).get(name, f"{name}-dist"))
            eps.append(ep)
        monkeypatch.setattr(importlib.metadata, "entry_points", lambda group=None: eps if group else {})
        plugins.reset()
        return plugins

    yield install
    monkeypatch.undo()
    plugins.reset()


def primitive_plugin(primitive, ufunc=None):
    @hookimpl
    def xformad_register_primitives(registry):
        registry.add_primitive(primitive)
        if ufunc is not None:
            registry.register_callable(ufunc, primitive)

    return {"xformad_register_primitives": xformad_register_primitives}


# --- a working plugin --------------------------------------------------------------------
def test_builtins_are_registered_as_plugins(installed):
    installed({})
    names = [name for name, _ in plugins.plugin_manager().list_name_plugin()]
    assert names == list(plugins.BUILTIN_PLUGINS)
    assert plugins.registry().provided_by("xformad.backends.numpy_backend")["backends"] == ["numpy"]


def test_a_third_party_primitive_differentiates_through_its_ufunc(installed):
    cube = make_cube_primitive()
    installed({"cube": primitive_plugin(cube, cube_ufunc)})
    assert plugins.registry().owner[("primitive", "fake.cube")] == "cube"
    assert plugins.sources["cube"] == "cube-dist 1.0"
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(xformad.grad(lambda x: np.sum(cube_ufunc(x)))(x), 3 * x**2)
    check_grads(lambda x: cube_ufunc(x) * np.sin(x), (x,), order=2)
    assert "fake.cube" in str(xformad.make_graph(lambda x: cube_ufunc(x))(x))


def test_per_backend_kernels_on_a_primitive():
    numpy_backend = backends.active()
    p = Primitive("fake.which", lambda xp, x: x + 1.0, kernels={"numpy": lambda xp, x: x + 2.0})
    assert p.impl(np.float64(0.0)) == 2.0  # the primitive's kernel for this backend wins
    q = Primitive("fake.which_generic", lambda xp, x: x + 1.0, kernels={"cupy": lambda xp, x: x + 2.0})
    assert q.impl(np.float64(0.0)) == 1.0  # no entry for numpy: the generic kernel
    numpy_backend.kernels["fake.which"] = lambda xp, x: x + 3.0
    try:
        assert p.impl(np.float64(0.0)) == 3.0  # a backend's own override wins over both
    finally:
        del numpy_backend.kernels["fake.which"]


def test_a_plugin_kernel_per_backend_runs_on_that_device(installed):
    from . import fake_device

    def host_only(xp, x):  # like scipy.special on a GPU array: refuses device data
        return np.asarray(x) ** 3

    cube = Primitive("fake.cube_dev", host_only, kernels={"fakedevice": lambda xp, x: x * x * x})
    cube.def_jvp(lambda t, ans, x: 3 * x * x * t)
    cube.def_vjp(lambda ct, ans, x: 3 * x * x * ct)
    installed({"cube": primitive_plugin(cube, cube_ufunc)})
    device = fake_device.install()  # rebuilds the registry with the fake device added
    try:
        x = np.array([0.5, -1.5, 2.0])
        g = xformad.grad(lambda x: np.sum(cube_ufunc(x)))(fake_device.to_device(x))
        np.testing.assert_allclose(fake_device.to_host(g), 3 * x**2)
        assert device.transfers.to_host == 0  # computed on the device throughout
        with pytest.raises(Exception, match="device"):  # the generic kernel would have refused
            host_only(np, fake_device.to_device(x))
    finally:
        fake_device.uninstall()


# --- failure modes -----------------------------------------------------------------------
def test_two_plugins_claiming_one_primitive_is_an_error_naming_both(installed):
    installed(
        {"alpha": primitive_plugin(make_cube_primitive()), "beta": primitive_plugin(make_cube_primitive())}
    )
    with pytest.raises(
        PluginError, match="primitive 'fake.cube' is claimed by two plugins: 'alpha' and 'beta'"
    ):
        plugins.registry()


def test_two_plugins_claiming_one_callable_is_an_error_naming_both(installed):
    installed({"sine": primitive_plugin(make_cube_primitive("fake.sine"), np.sin)})
    with pytest.raises(PluginError) as info:
        plugins.registry()
    message = str(info.value)
    assert "callable 'sin'" in message and "'xformad.numpy_api'" in message and "'sine'" in message
    assert "XFORMAD_BLOCK_PLUGINS=sine" in message


def test_a_plugin_that_raises_on_import_is_skipped_with_a_warning(installed):
    installed(
        {"broken": ImportError("no module named 'libfoo'"), "cube": primitive_plugin(make_cube_primitive())}
    )
    with pytest.warns(plugins.PluginWarning, match=r"'broken' is skipped: importing .*libfoo"):
        reg = plugins.registry()
    assert "fake.cube" in reg.primitives  # the others still load
    assert "broken" in plugins.load_failures
    assert xformad.grad(np.sin)(0.0) == 1.0  # and xformad works


def test_blocking_a_plugin_by_name(installed, monkeypatch):
    monkeypatch.setenv(plugins.BLOCK_ENV, " cube , other")
    installed({"cube": primitive_plugin(make_cube_primitive())})
    pm = plugins.plugin_manager()
    assert pm.is_blocked("cube") and pm.get_plugin("cube") is None
    assert "fake.cube" not in plugins.registry().primitives


def test_blocking_a_builtin_plugin(installed, monkeypatch):
    monkeypatch.setenv(plugins.BLOCK_ENV, "xformad.backends.cupy_backend")
    installed({})
    assert "cupy" not in plugins.registry().backends
    with pytest.raises(UnknownBackend, match="no backend named 'cupy'"):
        xformad.grad(np.sin, backend="cupy")(0.0)


def test_blocking_ignores_case_and_treats_dash_underscore_and_dot_alike(installed, monkeypatch):
    monkeypatch.setenv(plugins.BLOCK_ENV, "CUBE_Plugin,Xformad-Backends-CUPY_backend")
    installed({"cube-plugin": primitive_plugin(make_cube_primitive())})
    pm = plugins.plugin_manager()
    assert pm.is_blocked("cube-plugin") and pm.is_blocked("xformad.backends.cupy_backend")
    reg = plugins.registry()
    assert "fake.cube" not in reg.primitives and "cupy" not in reg.backends
    assert plugins.blocked == {
        "cube-plugin": "CUBE_Plugin",
        "xformad.backends.cupy_backend": "Xformad-Backends-CUPY_backend",
    }
    assert (
        plugins.normalize_name("Xformad_SciPy") == plugins.normalize_name("xformad.scipy") == "xformad-scipy"
    )


def test_blocking_by_distribution_name(installed, monkeypatch):
    # the entry point is "cube", the distribution (what pip installs) "Xformad_Cube"
    monkeypatch.setenv(plugins.BLOCK_ENV, "xformad-cube")
    installed(
        {
            "cube": primitive_plugin(make_cube_primitive()),
            "other": primitive_plugin(make_cube_primitive("fake.o")),
        },
        dists={"cube": "Xformad_Cube", "other": "xformad-other"},
    )
    reg = plugins.registry()
    assert "fake.cube" not in reg.primitives and "fake.o" in reg.primitives
    assert plugins.plugin_manager().get_plugin("cube") is None
    assert plugins.blocked == {"cube": "xformad-cube"}
    assert "cube" not in plugins.sources and "cube" not in plugins.load_failures


def test_the_plugins_command_shows_what_each_block_matched(installed, monkeypatch):
    monkeypatch.setenv(plugins.BLOCK_ENV, "CUBE,no-such-plugin")
    installed({"cube": primitive_plugin(make_cube_primitive())})
    data = plugins_cmd.report()
    assert data["blocked"] == ["CUBE", "no-such-plugin"]
    assert data["blocked_plugins"] == {"cube": "CUBE"}
    assert data["blocked_unmatched"] == ["no-such-plugin"]
    text = plugins_cmd.render(data)
    assert "cube (by CUBE)" in text and "matching no plugin: no-such-plugin" in text


@hookimpl
def xformad_register_primitive(registry):  # misspelt: the spec is xformad_register_primitives
    registry.add_primitive(make_cube_primitive())


def test_a_misspelt_hook_is_caught_by_check_pending(installed):
    pm = pluggy.PluginManager(plugins.ENTRY_POINT_GROUP)
    pm.add_hookspecs(xformad.hookspecs)
    pm.register(types.SimpleNamespace(xformad_register_primitive=xformad_register_primitive), name="typo")
    with pytest.raises(pluggy.PluginValidationError, match="xformad_register_primitive"):
        pm.check_pending()
    # xformad's loader runs that check: the plugin is dropped, with the right name suggested
    installed({"typo": {"xformad_register_primitive": xformad_register_primitive}})
    with pytest.warns(plugins.PluginWarning, match="did you mean xformad_register_primitives"):
        pm = plugins.plugin_manager()
    assert pm.get_plugin("typo") is None
    assert "fake.cube" not in plugins.registry().primitives


def test_validate_is_strict_for_plugin_authors():
    bad = types.SimpleNamespace(xformad_register_primitive=xformad_register_primitive)
    with pytest.raises(PluginError, match="did you mean xformad_register_primitives"):
        plugins.validate(bad, name="typo")
    good = types.SimpleNamespace(**primitive_plugin(make_cube_primitive(), cube_ufunc))
    assert "fake.cube" in plugins.validate(good, name="cube").primitives


def test_a_hook_with_wrong_arguments_is_skipped(installed):
    @hookimpl
    def xformad_register_primitives(reg):  # the spec's argument is `registry`
        pass

    installed({"argname": {"xformad_register_primitives": xformad_register_primitives}})
    with pytest.warns(plugins.PluginWarning, match="'argname' is skipped"):
        plugins.plugin_manager()
    with pytest.raises(PluginError, match="invalid"):
        plugins.validate(types.SimpleNamespace(xformad_register_primitives=xformad_register_primitives))


def test_a_hook_that_raises_is_rolled_back(installed):
    @hookimpl
    def xformad_register_primitives(registry):
        registry.add_primitive(make_cube_primitive("fake.half"))
        raise RuntimeError("scipy too old")

    installed({"half": {"xformad_register_primitives": xformad_register_primitives}})
    with pytest.warns(plugins.PluginWarning, match="'half' is skipped: its hook raised .*scipy too old"):
        reg = plugins.registry()
    assert "fake.half" not in reg.primitives and reg.provided_by("half")["primitives"] == 0
    with pytest.raises(RuntimeError, match="scipy too old"):
        plugins.validate(types.SimpleNamespace(xformad_register_primitives=xformad_register_primitives))


def test_a_primitive_without_rules_is_refused(installed):
    ruleless = Primitive("fake.ruleless", lambda xp, x: x)
    installed({"ruleless": primitive_plugin(ruleless)})
    with pytest.warns(plugins.PluginWarning, match="without JVP/VJP rules.*fake.ruleless"):
        assert "fake.ruleless" not in plugins.registry().primitives


def test_two_distributions_with_one_plugin_name(installed):
    cube = primitive_plugin(make_cube_primitive())
    installed({"same": cube, "other": {}}, dists={"same": "first-dist"})
    eps = importlib.metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)
    eps[1].name = "same"  # a second distribution declares the same plugin name
    eps[1].dist = FakeDist("second-dist")
    with pytest.warns(
        plugins.PluginWarning, match="already taken by first-dist 1.0; second-dist 1.0 ignored"
    ):
        plugins.plugin_manager()


# --- hookspecs and the command line ---------------------------------------------------------
def test_every_hookspec_is_documented():
    specs = [getattr(xformad.hookspecs, n) for n in dir(xformad.hookspecs) if n.startswith("xformad_")]
    assert len(specs) >= 3
    for spec in specs:
        assert spec.__doc__ and "Return" in spec.__doc__, spec.__name__


def test_plugins_command_lists_plugins_backends_and_skips(installed, capsys):
    installed({"cube": primitive_plugin(make_cube_primitive(), cube_ufunc), "broken": ImportError("boom")})
    data = plugins_cmd.report()  # skips are reported in its data, not warned
    rows = {r["name"]: r for r in data["plugins"]}
    assert rows["cube"] == {
        "name": "cube",
        "source": "cube-dist 1.0",
        "primitives": 1,
        "callables": 1,
        "backends": [],
    }
    assert rows["xformad.primitives.builtin"]["primitives"] >= 40
    assert rows["xformad.numpy_api"]["callables"] >= 100
    backends = {b["name"]: b for b in data["backends"]}
    assert backends["numpy"]["available"] is True
    assert backends["cupy"]["available"] or "cupy" in backends["cupy"]["reason"]  # says why not
    text = plugins_cmd.render(data)
    assert "cube-dist 1.0" in text and "broken: importing" in text
    assert ("cupy     unavailable: " in text) != backends["cupy"]["available"]
    assert plugins_cmd.run(types.SimpleNamespace(json=True)) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["skipped"].keys() == {"broken"}


def test_plugins_command_runs_as_a_module():
    root = str(pathlib.Path(__file__).parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run(
        [sys.executable, "-m", "xformad", "plugins"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=root,
        env=env,
    ).stdout
    assert "xformad.primitives.builtin" in out and "backends" in out and "numpy    available" in out


# --- the copyable plugin in docs/plugins.md works as printed ----------------------------------
def _doc_files() -> dict:
    text = (pathlib.Path(__file__).parents[1] / "docs" / "plugins.md").read_text()
    return dict(re.findall(r"\*\*`([\w.-]+)`\*\*\n\n```\w*\n(.*?)```", text, flags=re.S))


def test_the_documented_minimal_plugin_works(tmp_path, monkeypatch):
    pytest.importorskip("scipy")
    files = _doc_files()
    assert set(files) == {"pyproject.toml", "xformad_entr.py", "test_xformad_entr.py"}
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads(files["pyproject.toml"])
    assert project["project"]["entry-points"]["xformad"] == {"entr": "xformad_entr"}
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in ("xformad_entr", "test_xformad_entr"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    doc_tests = importlib.import_module("test_xformad_entr")
    # installed through its entry point, plain scipy.special.entr differentiates
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group=None: [FakeEntryPoint("entr", "xformad_entr", "xformad-entr")],
    )
    plugins.reset()
    try:
        assert plugins.registry().owner[("primitive", "entr.entr")] == "entr"
        doc_tests.test_plugin_is_valid()
        doc_tests.test_entr_gradients()
    finally:
        monkeypatch.undo()
        plugins.reset()


def test_a_hook_may_declare_fewer_arguments_than_its_spec():
    calls = []

    @hookimpl
    def xformad_register_interceptions():  # the spec passes `registry`; pluggy allows none
        calls.append("called")

    plugins.validate(types.SimpleNamespace(xformad_register_interceptions=xformad_register_interceptions))
    assert calls == ["called"]


class _Wrapped:
    """An array type no backend's ``owns`` knows: a plugin's hook names its backend."""

    def __init__(self, value):
        self.value = value


def test_the_array_backend_hook_picks_the_backend_for_an_array_type(monkeypatch):
    asked = []

    class Plugin:
        @hookimpl
        def xformad_array_backend(self, value):
            asked.append(type(value).__name__)
            return "numpy" if isinstance(value, _Wrapped) else None

    plugins.plugin_manager().register(Plugin(), name="wrapped-arrays")
    try:
        assert backends.resolve(None, [_Wrapped(1.0)]).name == "numpy"
        assert "_Wrapped" in asked
    finally:
        plugins.plugin_manager().unregister(name="wrapped-arrays")


class _Model:
    """A class whose method a plugin serves (as scipy.stats' distributions are served)."""

    def scaled(self, x):
        return 2.0 * np.asarray(x)


def test_a_kept_interception_is_installed_at_the_first_trace_and_stays(installed):
    original_method = _Model.scaled

    def scaled(self, x):
        if not xformad.extend.is_traced(x):
            return NotImplemented
        return 3.0 * x  # the plugin's own rule, to tell it from the original

    @hookimpl
    def xformad_register_interceptions(registry):
        registry.intercept(_Model, "scaled", scaled, always=True)

    installed({"kept": {"xformad_register_interceptions": xformad_register_interceptions}})
    model = _Model()
    assert _Model.__dict__["scaled"] is original_method  # nothing before a trace
    assert xformad.grad(lambda x: model.scaled(x))(1.0) == 3.0
    kept = _Model.__dict__["scaled"]
    assert kept is not original_method and xformad.extend.original(kept) is original_method
    assert model.scaled(5.0) == 10.0  # outside traces: the original's result
    assert xformad.grad(lambda x: model.scaled(x))(1.0) == 3.0
    _Model.scaled = original_method


def test_a_fallback_interception_yields_to_any_real_one():
    from xformad.registry import Registry

    module = types.ModuleType("fake_library")
    module.f = lambda x: x
    registry = Registry()
    registry.current_plugin = "scipy-like"
    registry.intercept(module, "f", lambda *a: "stand-in", fallback=True)
    registry.current_plugin = "third-party"
    registry.intercept(module, "f", lambda *a: "real")  # no conflict: it replaces the stand-in
    assert registry.interceptions[("fake_library", "f")]() == "real"
    assert registry.owner[("interception", ("fake_library", "f"))] == "third-party"
    registry.current_plugin = "scipy-like"
    registry.intercept(module, "f", lambda *a: "stand-in", fallback=True)  # skipped now
    assert registry.interceptions[("fake_library", "f")]() == "real"
    registry.current_plugin = "fourth"
    with pytest.raises(PluginError, match="claimed by two plugins"):  # real ones still conflict
        registry.intercept(module, "f", lambda *a: "other")
