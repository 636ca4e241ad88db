"""Pictures of graphs: dot text rendered to SVG, PNG or PDF by Graphviz's ``dot`` program.

xformad draws nothing itself; :meth:`xformad.Graph.to_dot` writes the dot language and
Graphviz lays it out. When ``dot`` is not installed, :class:`GraphvizNotFound` says how to
install it or where to paste the dot text instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from .errors import XformadError

FORMATS = ("svg", "png", "pdf")
TIMEOUT_S = 60  # a laid-out graph of thousands of nodes takes seconds, not minutes


class GraphvizNotFound(XformadError, RuntimeError):
    """Graphviz's ``dot`` program is not on the PATH."""


class RenderError(XformadError, RuntimeError):
    """``dot`` ran but could not render the graph, or the output path is unusable."""


def dot_program() -> str | None:
    """The path of Graphviz's ``dot`` (``$XFORMAD_DOT`` if set), or None when not installed."""
    return shutil.which(os.environ.get("XFORMAD_DOT", "dot"))


def render(dot_text: str, path: str, fmt: str | None = None) -> str:
    """Render ``dot_text`` to ``path``; the format comes from ``fmt`` or the path's suffix.

    Returns ``path``. Raises :class:`GraphvizNotFound` when ``dot`` is missing.

    >>> import numpy as np, xformad
    >>> g = xformad.make_graph(lambda x: np.sin(x) * x)(1.0)
    >>> render(g.to_dot(), "/tmp/graph.svg")  # doctest: +SKIP
    '/tmp/graph.svg'
    """
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise RenderError(
            f"cannot tell which picture format to write for {path!r}: give the file a suffix "
            f"among {', '.join('.' + f for f in FORMATS)}, or write the dot text with --dot."
        )
    program = dot_program()
    if program is None:
        raise GraphvizNotFound(
            "Graphviz's `dot` program is not installed, so the graph cannot be drawn to "
            f"{path!r}. Install Graphviz (apt-get install graphviz, brew install graphviz, or "
            "conda install graphviz), or print the dot text instead (--dot, or graph.to_dot()) "
            "and render it with any Graphviz viewer."
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}", "-o", path],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"Graphviz took over {TIMEOUT_S}s to lay out the graph; draw a smaller program."
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"Graphviz could not render {path!r}: {message}")
    return path
