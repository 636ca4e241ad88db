"""Everything a plugin needs, in one public module (the scipy plugin, plugins/xformad-scipy,
imports nothing else from xformad).

- ``hookimpl``: the marker for hook implementations (``xformad/hookspecs.py`` lists the
  hooks: ``xformad_register_primitives``, ``xformad_register_interceptions``,
  ``xformad_backends``, ``xformad_array_backend``).
- ``Primitive`` and its rule declarations: ``def_pointwise`` (one derivative per input,
  serving forward and reverse mode), ``def_linear``, ``def_jvp``/``def_vjp`` (and their
  ``_joint`` forms) for the rest; ``nondifferentiable``; ``def_batch`` (how vmap batches
  it) with the shared rules of ``batch_rules`` (``looped``, ``stacked``, ``shifted_axes``,
  ...), and ``def_batch_elementwise`` for elementwise functions; ``def_diagonal`` (how it
  maps jacrev's and jacfwd's symbolic unit seeds) with the rules of ``diagonal``.
- ``Registry``: what the registration hooks receive (``add_primitive``,
  ``register_callable``, ``intercept``, ``add_backend``).
- ``Backend``: the base class of array backends.
- ``is_traced``: whether a value is being traced (so an interception handler can return
  ``NotImplemented`` for plain values); ``safe_mul``, ``expand_reduced``,
  ``device_constant``: helpers for derivative rules.
- ``original``: the function an interception wrapper stands in for.
- ``plain_values``: an argument with its traced leaves as the plain arrays they hold (to
  ask whether a call that failed on traced values runs on plain ones).
- The errors a plugin raises: ``XformadError``, ``UnsupportedOperation``, ``PluginError``.
- ``linalg_rules``: numpy.linalg's derivative rules for the decompositions (``svd_jvp``,
  ``svd_vjp``, ``qr_jvp``, ``qr_vjp``, ``pinv_jvp``, ``pinv_vjp``, ``eig_jvp``, ``eig_vjp``),
  for a plugin whose own kernel computes the same decomposition (scipy.linalg's): the
  signatures are those of ``def_jvp_joint``/``def_vjp_joint`` rules of np.linalg's primitives;
  and ``refuse_tied_eigenvectors(w, coupling)``, eigh's check that eigenvector derivatives
  exist (an UndefinedDerivativeError at equal eigenvalues, or near ones that ``coupling``,
  the projected (co)tangent, couples).

``xformad.testing`` has the matching checks (``check_grads``).
"""

from __future__ import annotations

from types import SimpleNamespace

from .backends.base import Backend
from .buffers import Buffer, live_trace, resolve
from .errors import PluginError, UnsupportedOperation, XformadError
from .hookspecs import hookimpl
from .intercept import original
from .primitives import batch_rules, diagonal
from .primitives import linalg as _linalg
from .primitives.core import Primitive, nondifferentiable
from .primitives.rules import device_constant, expand_reduced, safe_mul
from .registry import Registry
from .tracing import Tracer, concrete
from .tree import tree_map

__all__ = [
    "Backend",
    "PluginError",
    "Primitive",
    "Registry",
    "UnsupportedOperation",
    "XformadError",
    "batch_rules",
    "device_constant",
    "diagonal",
    "expand_reduced",
    "hookimpl",
    "is_traced",
    "linalg_rules",
    "nondifferentiable",
    "original",
    "plain_values",
    "safe_mul",
]


def is_traced(value) -> bool:
    """Whether ``value`` is a traced value of a trace still running (a Tracer, or an array
    made inside the traced function that a traced value was written into)."""
    return (type(value) is Tracer or type(value) is Buffer) and live_trace(value) is not None


def plain_values(value):
    """``value`` (an argument: a pytree) with every traced leaf replaced by the plain array
    it holds now, its derivative dropped: for a plugin asking whether a call that failed on
    traced values would run on plain ones (then the failure is the tracing's)."""
    return tree_map(lambda v: concrete(resolve(v)) if type(v) in (Tracer, Buffer) else v, value)


linalg_rules = SimpleNamespace(
    **{
        f"{name}_{mode}": getattr(_linalg, f"_{name}_{mode}")
        for name in ("svd", "qr", "pinv", "eig")
        for mode in ("jvp", "vjp")
    },
    refuse_tied_eigenvectors=_linalg._refuse_tied_eigenvectors,
)
