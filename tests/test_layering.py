"""Each xformad module imports on its own (in a fresh interpreter, first): no import cycle
leaves a module half-initialised, whichever a user or plugin imports first."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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
