"""xformad-scipy: ``scipy.special`` functions as differentiable xformad primitives.

Installed, it is found by xformad through the ``xformad`` entry-point group: plain
``scipy.special.erf(x)`` inside a function given to ``xformad.grad`` (or any transform)
then differentiates, to any order, on the numpy backend (scipy kernels) and the cupy
backend (cupyx.scipy.special kernels).

>>> import numpy as np, scipy.special, xformad
>>> float(xformad.grad(lambda x: scipy.special.erf(x))(0.0))  # 2 / sqrt(pi)
1.1283791670955126
"""

from __future__ import annotations

from .special.functions import PRIMITIVES, SERVES
from .special.python_level import polygamma

__version__ = "0.1.0"
__all__ = ["PRIMITIVES", "SERVES", "polygamma", "__version__"]
