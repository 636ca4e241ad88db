"""The numba backend: numpy's array module and kernels, with the emitted programs of
``xformad.jit(f, backend="numba")`` fusing elementwise chains into compiled loops.

Everything but the fused loops is the numpy backend's (the same ``xp``, the same kernels),
so what the loops do not serve runs exactly as on numpy. A loop may round differently from
numpy in the last bit (libm instead of numpy's SIMD routines; sums accumulated per block
instead of pairwise): ``result_tolerance`` says by how much jit accepts it, and jit checks
every new program against the traced (numpy) results before using it.
"""

from __future__ import annotations

import os

import numpy as np

from xformad.extend import Backend

# below this many elements numpy's calls are cheap beside the loop's call (typing each
# argument, allocating its outputs): measured on the RNN's 64 x 64 gradient sums, fusing
# them was 15% slower than numpy's adds
DEFAULT_MIN_SIZE = 16384


class NumbaBackend(Backend):
    name = "numba"
    priority = -1  # never chosen by backend="auto" over numpy: ask for it by name
    xp = np
    result_tolerance = 1e-12
    # a rolled program's numba compile, new kernels in a new process: 1.7-3.5 s measured
    # (benchmarks/RESULTS.md, issue 16); jit learns the real figure from each emission
    emission_seconds = 2.5

    def __init__(self):
        super().__init__()
        self.min_size = int(os.environ.get("XFORMAD_NUMBA_MIN_SIZE", DEFAULT_MIN_SIZE))
        # a loop is rolled where that saves at least this much per call (rolled.saves)
        self.min_roll_saving_us = float(os.environ.get("XFORMAD_NUMBA_MIN_ROLL_SAVING_US", 9.0))

    def availability(self) -> tuple[bool, str]:
        try:
            import numba  # noqa: F401
        except ImportError as exc:
            return False, f"numba is not installed ({exc}): pip install numba"
        return True, ""

    def owns(self, value) -> bool:
        return False  # numpy arrays are the numpy backend's: numba is chosen by name only

    def emission_graph(self, graph):
        # these import numba: only once a program is emitted here
        from .fusion import fuse
        from .rolled import roll

        return fuse(roll(graph, self.min_roll_saving_us), self.min_size)
