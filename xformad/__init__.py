"""xformad: exact derivatives of ordinary numpy programs, by program transformation.

>>> import numpy as np, xformad
>>> def f(x1, x2):
...     return np.log(x1) + x1 * x2 - np.sin(x2)
>>> g1, g2 = xformad.grad(f, argnums=(0, 1))(2.0, 5.0)
"""

from .api import (
    grad,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    make_graph,
    stop_gradient,
    value_and_grad,
    vjp,
)
from .errors import (
    BackendUnavailable,
    DeviceMismatchError,
    EscapedTracerError,
    NonDifferentiableInputError,
    NonScalarOutputError,
    PluginError,
    TracerConversionError,
    UnknownBackend,
    UnsupportedOperation,
    XformadError,
)
from .hookspecs import hookimpl
from .ir import Graph
from .primitives.core import Primitive
from .tree import tree_flatten, tree_map, tree_unflatten

__version__ = "0.1.0"

# Features that live in their own modules, imported on first use.
_LAZY = {
    "jit": "xformad.compile.jit",  # not xformad.jit: a module there would shadow the function
    "source": "xformad.codegen",
    "custom_vjp": "xformad.custom",
    "custom_jvp": "xformad.custom",
    "explain": "xformad.explain",
    "checkpoint": "xformad.jit",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xformad' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "grad",
    "value_and_grad",
    "jvp",
    "vjp",
    "jacfwd",
    "jacrev",
    "hessian",
    "hvp",
    "make_graph",
    "stop_gradient",
    "Graph",
    "Primitive",
    "hookimpl",
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
    "XformadError",
    "NonScalarOutputError",
    "NonDifferentiableInputError",
    "UnsupportedOperation",
    "TracerConversionError",
    "EscapedTracerError",
    "UnknownBackend",
    "BackendUnavailable",
    "DeviceMismatchError",
    "PluginError",
]
