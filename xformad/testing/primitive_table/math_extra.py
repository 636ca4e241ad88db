"""Spec rows for the special-function primitives (xformad/primitives/special_math.py)."""

from __future__ import annotations

import numpy as np

from .case import Case

CASES: list[Case] = [
    Case("i0", np.i0, [((),), ((3,),), ((2, 3),)], (-3.0, 3.0)),
    Case("i0", lambda x: np.i0(x * 10.0), [((4,),)], (-3.0, 3.0)),
]

NONDIFF_CASES = {"frexp_exponent": lambda x: np.frexp(x)[1]}
