"""What a hung dask test prints before it ends the run: the state of every LocalCluster the
tests started (is each worker process alive, its exit code, what the scheduler knows of
it, the scheduler's and the workers' last log lines) and every thread's stack.

A compute waits for workers for ever, so a test whose workers died would hang the whole run
with nothing to say why; this is the evidence the next person needs.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading

from cluster_watch import clusters
from cluster_watch import report as witness_report


def _write(text: str) -> None:
    for stream in (sys.__stdout__, sys.__stderr__):  # CI may keep only one of them
        try:
            stream.write(text)
            stream.flush()
        except Exception:  # noqa: BLE001  (a closed stream must not stop the report)
            pass


def newest_log_lines(log, count: int) -> list:
    """The ``count`` newest lines of one entry of ``cluster.get_logs()`` (a string, newest
    line first, in this distributed; a list of records in others)."""
    entries = log.splitlines() if isinstance(log, str) else [str(e) for e in log or ()]
    return entries[:count]


def _cluster_state(cluster) -> str:
    lines = [f"cluster {cluster!r}"]
    try:
        known = dict(cluster.scheduler.workers)
        lines.append(f"  scheduler knows {len(known)} worker(s): {sorted(known)}")
        for address, ws in known.items():
            lines.append(f"    {address}: status={ws.status} processing={len(ws.processing)}")
        lines.append(f"  tasks on the scheduler: {len(cluster.scheduler.tasks)}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"  scheduler state unreadable: {exc!r}")
    for name, nanny in dict(cluster.workers).items():
        process = getattr(getattr(nanny, "process", None), "process", None)
        if process is None:
            lines.append(f"  worker {name}: nanny status={nanny.status}, no process")
            continue
        lines.append(
            f"  worker {name}: nanny status={nanny.status} pid={process.pid} "
            f"alive={process.is_alive()} exitcode={process.exitcode}"
        )
    try:
        for name, log in cluster.get_logs(scheduler=True, workers=True).items():
            lines.append(f"  log of {name}:")
            lines.extend(f"    {entry}" for entry in newest_log_lines(log, 15))
    except Exception as exc:  # noqa: BLE001
        lines.append(f"  worker logs unreadable: {exc!r}")
    return "\n".join(lines) + "\n"


def _report_and_exit(test_id: str, seconds: float, config) -> None:
    # pytest captures file descriptors 1 and 2 into temporary files that an exiting process
    # never prints: hand the real ones back first
    capture = config.pluginmanager.getplugin("capturemanager") if config is not None else None
    captured = ("", "")
    if capture is not None:
        try:
            captured = capture.read_global_capture()  # the test's output so far
            capture.suspend_global_capture(in_=False)
        except Exception:  # noqa: BLE001
            pass
    _write(f"\n\n=== {test_id} still running after {seconds:.0f} s: reporting and exiting ===\n")
    # the stacks first: CI keeps the tail of a long output, where the evidence must be
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            faulthandler.dump_traceback(file=stream, all_threads=True)
        except Exception:  # noqa: BLE001
            pass
    for name, text in zip(("stdout", "stderr"), captured):  # worker processes write here too
        tail = (text or "").splitlines()[-20:]
        _write(f"--- captured {name} of the test, last {len(tail)} lines ---\n" + "\n".join(tail) + "\n")
    for cluster in clusters:
        try:
            _write(_cluster_state(cluster))
        except Exception as exc:  # noqa: BLE001
            _write(f"cluster report failed: {exc!r}\n")
    _write(witness_report())
    _write(f"=== {test_id} hung: the report above ends here ===\n")
    os._exit(1)


class HangWatch:
    """A timer per test: past ``seconds``, report and exit the run (a failure). Backed by
    faulthandler's own timer, which fires even if no Python thread can run."""

    def __init__(self, test_id: str, seconds: float, config=None):
        self._timer = threading.Timer(seconds, _report_and_exit, args=(test_id, seconds, config))
        self._timer.daemon = True
        self._seconds = seconds

    def __enter__(self):
        self._timer.start()
        faulthandler.dump_traceback_later(self._seconds + 60, exit=True)
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        faulthandler.cancel_dump_traceback_later()
