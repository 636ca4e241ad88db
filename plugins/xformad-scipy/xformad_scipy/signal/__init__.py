"""scipy.signal: convolutions and correlations of traced arrays (docs/signal.md).

scipy's convolutions are Python functions (they start with ``np.asarray``), so each is
intercepted (``handlers``) and bound as a primitive whose kernel is scipy's own function
(``kernels``: scipy's values to the last bit) and whose derivatives are convolutions again
(``rules``, ``geometry``, ``boundaries``): exact, in both modes, to any order.
"""

from __future__ import annotations

from .handlers import HANDLERS
from .primitives import PRIMITIVES

_BOTH = "in1, in2"

# (qualified scipy name, differentiable arguments, note): the lead's docs/coverage.md
COVERAGE = [
    (
        "scipy.signal.convolve",
        _BOTH,
        "n-d, real or complex; mode 'full'/'same'/'valid', method 'auto'/'direct'/'fft'",
    ),
    (
        "scipy.signal.correlate",
        _BOTH,
        "n-d, real or complex; mode 'full'/'same'/'valid', method 'auto'/'direct'/'fft'",
    ),
    ("scipy.signal.fftconvolve", _BOTH, "n-d, real or complex; every mode; axes= served"),
    (
        "scipy.signal.convolve2d",
        _BOTH,
        "every mode; boundary 'fill'/'wrap'/'symm' (and aliases); fillvalue: a constant (traced: raises)",
    ),
    (
        "scipy.signal.correlate2d",
        _BOTH,
        "every mode; boundary 'fill'/'wrap'/'symm' (and aliases); fillvalue: a constant (traced: raises)",
    ),
]


def register_primitives(registry) -> None:
    """Register the convolution primitives."""
    for primitive in PRIMITIVES:
        registry.add_primitive(primitive)


def register_interceptions(registry) -> None:
    """Stand in for scipy.signal's convolutions while a trace is open."""
    import scipy.signal

    for name, handler in HANDLERS.items():
        registry.intercept(scipy.signal, name, handler)
