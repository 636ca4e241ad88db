"""The count of computes Python control flow forced on traced dask values.

Kept apart from ``counted.py`` so that reading the count imports no dask.
"""

from __future__ import annotations

import threading
import warnings

from xformad import intercept
from xformad.tracing import _stack  # the calling thread's trace depth

from .errors import ComputeWarning

_lock = threading.Lock()
_count = 0
_warned = False


def computes() -> int:
    """How many computes Python control flow on traced dask values forced so far."""
    return _count


def reset_computes() -> None:
    """Set the count to zero and warn again at the next forced compute."""
    global _count, _warned
    with _lock:
        _count, _warned = 0, False


def _forced(what: str) -> None:
    """Count (and the first time, warn about) a compute forced while a trace runs here;
    a result converted after the transform returned is the user's own compute."""
    global _count, _warned
    if _stack.depth == 0:
        return
    with _lock:
        _count += 1
        first, _warned = not _warned, True
    if first:
        warnings.warn(
            f"{what} of a traced dask value computed it (the dask graph built so far ran "
            "once, to decide Python control flow). Each such compute is counted in "
            "xformad_dask.computes(); keep branches on dask values out of the differentiated "
            "function (np.where, or decide on a small numpy value) to stay lazy. This "
            "warning is shown once.",
            ComputeWarning,
            stacklevel=6,
        )


def run_forced(what: str, compute):
    """``compute()`` for a conversion of a traced dask value: counted, and run with
    xformad's interception of numpy functions lifted. The scheduler pickles the graph, and
    pickle finds numpy's functions by name: while the interception wrappers stand in
    numpy's namespace, ``numpy.sum`` is not the function dask holds and pickling fails."""
    _forced(what)
    if _stack.depth == 0 or not intercept.installed():
        return compute()
    intercept.release()  # this thread's trace holds one count: the last one lifts it
    try:
        return compute()
    finally:
        intercept.acquire()
