"""scipy's own value, with the derivatives of a numpy composite of the same function.

Every served method returns ``with_derivative(call, scipy_value(call, *args), stand_in)``:

- ``scipy_value_p`` runs scipy itself (``scipy.stats.<dist>.<method>``) on the concrete
  arguments, so values, the handling of invalid parameters (nan), points outside the
  support (-inf, 0, 1), shapes, dtypes and scipy's own errors are scipy's to the last bit.
  It carries no derivative.
- ``stand_in`` is the same function written with numpy calls and scipy.special ufuncs on
  the traced values (``location_scale.py`` with ``models.py``, ``poisson.py``, ...). It
  records ordinary primitives, so it differentiates in both modes, to any order.
- ``with_derivative_p(value, stand_in)`` is the value of the first and the derivative of
  the second: the result is scipy's number and its derivative is the composite's.

scipy's value is computed first, so a call scipy refuses raises scipy's error before the
composite runs (in compiled programs too: the node runs on every call). The same pair
serves inside a composite where scipy has the better value (``student_t.py``: stdtr).
"""

from __future__ import annotations

import numpy as np

from xformad.extend import Primitive, batch_rules

from ..errors import StatsError


def _scipy_function(call: str):
    """``scipy.stats.norm.logpdf`` from its dotted name (scipy's modules import lazily)."""
    import importlib

    parts = call.split(".")
    target = importlib.import_module(".".join(parts[:2]))  # scipy.stats, scipy.special
    for name in parts[2:]:
        target = getattr(target, name)
    return target


def _to_host(value):
    return value.get() if hasattr(value, "__cuda_array_interface__") else value


def _scipy_value_kernel(xp, *args, call: str, keywords: tuple = (), options: tuple = ()):
    """``<call>(*positional, **dict(zip(keywords, trailing)), **options)``, ``call`` a dotted
    name such as ``scipy.stats.norm.logpdf``."""
    args = [_to_host(a) for a in args]  # scipy computes on the host
    cut = len(args) - len(keywords)
    result = _scipy_function(call)(*args[:cut], **dict(zip(keywords, args[cut:])), **dict(options))
    return result if xp is np else xp.asarray(result)


scipy_value_p = Primitive("scipy.stats.value", _scipy_value_kernel, differentiable=False)

# vmap: scipy's kernel takes one problem at a time, so a batch goes member by member
for _p in (scipy_value_p,):
    _p.def_batch(batch_rules.looped)


def _with_derivative_kernel(xp, value, stand_in):
    return value


with_derivative_p = Primitive("scipy.stats.with_derivative_of", _with_derivative_kernel)
with_derivative_p.def_linear(None, lambda g: g)  # the value carries none; the stand-in's passes
# vmap: the value, batched wherever either argument is (the two have one shape)
with_derivative_p.def_batch(batch_rules.on_all_batched)

PRIMITIVES = [scipy_value_p, with_derivative_p]


def scipy_value(call: str, *args, keywords: tuple = (), **options):
    """scipy's result (``call`` its dotted name) for traced arguments, as a value without
    derivative; ``keywords`` name the trailing arguments, ``options`` are constants."""
    return scipy_value_p.bind(*args, call=call, keywords=keywords, options=tuple(sorted(options.items())))


def with_derivative(call: str, value, stand_in):
    """``value`` (scipy's), differentiating as ``stand_in`` does."""
    if np.shape(value) != np.shape(stand_in):  # a mismatch would misplace derivatives
        raise StatsError(
            f"{call}: internal shape mismatch between scipy's result "
            f"{np.shape(value)} and the differentiable composite {np.shape(stand_in)}; "
            "please report this with the call's argument shapes"
        )
    return with_derivative_p.bind(value, stand_in)
