"""A witness for the test LocalClusters: a thread that looks at every cluster ten times a
second and records each change it sees (a worker leaving the scheduler, a worker process
exiting and its exit code, the parent's end of a worker's keep-alive pipe closing or
pointing elsewhere), with the test that was running, and a buffer of distributed's log.

Why: on fresh clones under load both worker processes of the session's cluster have been
seen to go away at the same instant with nothing in the test output to say why. A worker
process exits at once when the parent's end of its keep-alive pipe closes
(distributed/process.py), so "the fd now points elsewhere" would mean some code in the
test process closed a descriptor it did not own. The hang report and the lost-workers
warning print what this recorded.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time

clusters: list = []  # every LocalCluster the tests started
current_test = ["(none)"]  # set by conftest before each test
events: collections.deque = collections.deque(maxlen=200)
log_lines: collections.deque = collections.deque(maxlen=300)
_started = time.monotonic()
_thread = None


class _Buffer(logging.Handler):
    def emit(self, record):
        try:
            when = f"{record.created % 1000:8.2f}"
            log_lines.append(f"{when} {record.name} {record.levelname}: {record.getMessage()}")
        except Exception:  # noqa: BLE001  (a log record must never fail the caller)
            pass


def _fd_target(fd) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError as exc:
        return f"closed ({exc.strerror})"


def _snapshot(cluster) -> dict:
    """What can be seen of one cluster now, as {thing: state}."""
    seen = {}
    try:
        seen["scheduler workers"] = len(cluster.scheduler.workers)
    except Exception as exc:  # noqa: BLE001
        seen["scheduler workers"] = repr(exc)
    for name, nanny in dict(cluster.workers).items():
        seen[f"nanny {name}"] = str(getattr(nanny, "status", "?"))
        process = getattr(getattr(nanny, "process", None), "process", None)  # an AsyncProcess
        if process is None:
            seen[f"worker {name} process"] = "none"
            continue
        seen[f"worker {name} process"] = f"pid={process.pid} exitcode={process.exitcode}"
        keep = getattr(process, "_keep_child_alive", None)
        if keep is not None:
            fd = None if keep.closed else keep.fileno()
            target = "closed by its owner" if fd is None else f"{fd} -> {_fd_target(fd)}"
            seen[f"worker {name} keep-alive fd"] = target
    return seen


def _watch():
    last: dict = {}
    while True:
        for index, cluster in enumerate(list(clusters)):
            try:
                now = _snapshot(cluster)
            except Exception as exc:  # noqa: BLE001
                now = {"snapshot": repr(exc)}
            before = last.get(index, {})
            for key in sorted(set(now) | set(before)):
                if now.get(key) != before.get(key):
                    events.append(
                        f"+{time.monotonic() - _started:7.2f}s cluster {index} [{current_test[0]}] "
                        f"{key}: {before.get(key, '-')} -> {now.get(key, 'gone')}"
                    )
            last[index] = now
        time.sleep(0.1)


def start() -> None:
    """Start the witness and the log buffer (once)."""
    global _thread
    if _thread is not None:
        return
    handler = _Buffer(level=logging.INFO)
    for name in ("distributed", "tornado"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    _thread = threading.Thread(target=_watch, name="cluster-watch", daemon=True)
    _thread.start()


def report() -> str:
    return (
        "--- what the cluster witness saw (oldest first) ---\n"
        + "\n".join(events)
        + "\n--- distributed's log in this process, newest 40 lines (oldest first) ---\n"
        + "\n".join(list(log_lines)[-40:])
        + "\n"
    )
