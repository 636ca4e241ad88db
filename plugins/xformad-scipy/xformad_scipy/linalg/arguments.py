"""What every scipy.linalg handler does with its arguments before binding a primitive.

A handler serves a call only when an argument is traced (else it returns NotImplemented
and scipy runs). Options that change nothing for traced values are accepted:
``check_finite`` is passed on to scipy's kernel (the same check, the same error), and
``overwrite_a``/``overwrite_b`` only *allow* scipy to reuse an input's memory, which a
traced value never offers, so the result is the same. Everything else that is not served
raises ``LinalgError`` with the way out.
"""

from __future__ import annotations

import numpy as np

from xformad.extend import is_traced

from ..errors import LinalgError


def any_traced(*values) -> bool:
    """Whether a value, or one inside a tuple or list (``(c, lower)``, nested lists), is
    traced."""
    for value in values:
        if isinstance(value, (tuple, list)):
            if any_traced(*value):
                return True
        elif is_traced(value):
            return True
    return False


def as_array(x):
    """``x`` as an array, traced or not (a list holding traced values becomes one)."""
    return x if is_traced(x) else np.asarray(x)


def refuse(function: str, what: str, instead: str):
    raise LinalgError(f"scipy.linalg.{function}: {what} is not served for traced inputs; {instead}.")


def require_real(function: str, *arrays, why: str = "") -> None:
    """Hermitian and branch-cut functions are served for real inputs only."""
    if any(np.iscomplexobj(a) for a in arrays):
        refuse(
            function,
            "a complex input",
            why or "split the problem into real and imaginary parts, or use a real matrix",
        )


def as_matrix_rhs(b):
    """``(b2, squeeze)``: a 1-D right-hand side as one column, as scipy reads it
    (its batch rule: ``b`` is a matrix whenever it has two axes or more)."""
    if np.ndim(b) == 1:
        return b[:, None], True
    return b, False


def square_matrix(function: str, a) -> None:
    shape = np.shape(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"scipy.linalg.{function}: expected a square matrix, got shape {shape}")
