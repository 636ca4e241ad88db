"""Generated loop source to a numba dispatcher, compiled once per source text.

numba caches machine code on disk only for functions defined in a file (``cache=True``
keys the cache on the file's path and modification time), so each source is written to a
file named by its hash in ``cache_dir()`` and imported from there: the same loop in a
later process (the next test run, the next benchmark) loads in milliseconds instead of
compiling again. The file is written once (atomically, so concurrent processes agree) and
never rewritten, which keeps its timestamp, and with it numba's cache, valid.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

_loaded: dict = {}  # source hash -> dispatcher, for this process
_lock = threading.Lock()


def cache_dir() -> Path:
    """``$XFORMAD_NUMBA_CACHE``, else ``~/.cache/xformad-numba`` (or the temp dir if the
    home directory is not writable)."""
    chosen = os.environ.get("XFORMAD_NUMBA_CACHE")
    if chosen:
        path = Path(chosen)
    else:
        path = Path.home() / ".cache" / "xformad-numba"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"xformad-numba-{os.getuid()}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def compiled(source: str):
    """The ``kernel`` that ``source`` defines (compiled lazily by numba at its first call)."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    with _lock:
        kernel = _loaded.get(digest)
        if kernel is not None:
            return kernel
        name = f"xformad_loop_{digest}"
        path = cache_dir() / f"{name}.py"
        if not path.exists() or path.read_text() != source:
            handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w") as f:
                f.write(source)
            os.replace(temp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba's disk cache re-imports a kernel's module by name
        spec.loader.exec_module(module)
        kernel = _loaded[digest] = module.kernel
        return kernel
