"""How a kernel calls scipy.linalg: the original function, not the interception wrapper.

xformad runs a plugin's kernel shielded from the trace's interceptions, so scipy meets
numpy itself. One thing remains: ``logm`` estimates matrix norms with numpy's global
generator (``np.random.randint`` in scipy.sparse.linalg's onenormest), and jit refuses a
program during whose trace the global random state advanced (it would be impure).
``keep_random_state=True`` puts the state back after the call, so such a kernel leaves no
mark on the caller's random stream.
"""

from __future__ import annotations

import numpy as np


def scipy_linalg(name: str, keep_random_state: bool = False):
    """``scipy.linalg.<name>`` as kernels call it."""
    import scipy.linalg

    from xformad.extend import original

    function = original(getattr(scipy.linalg, name))
    if not keep_random_state:
        return function

    def call(*args, **kwargs):
        state = np.random.get_state()
        try:
            return function(*args, **kwargs)
        finally:
            np.random.set_state(state)

    return call
