"""xformad: exact derivatives of ordinary numpy programs, by program transformation.

>>> import numpy as np, xformad
>>> def f(x1, x2):
...     return np.log(x1) + x1 * x2 - np.sin(x2)
>>> g1, g2 = xformad.grad(f, argnums=(0, 1))(2.0, 5.0)
"""

# The tracer first, then the modules that connect themselves to it (``tracing.connect``):
# arrays made in a trace, interception, the primitives, numpy's protocols, ndarray methods.
from . import tracing  # noqa: F401, I001  (this order is the layering)
from . import buffers, intercept  # noqa: F401, I001
from .primitives import elementwise as _elementwise  # noqa: F401, I001
from .numpy_api import dispatch as _dispatch, indexing as _indexing  # noqa: F401, I001
from . import tracer_methods  # noqa: F401, I001
from .api import (
    elementwise_grad,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linearize,
    make_graph,
    stop_gradient,
    value_and_grad,
    vjp,
    vmap,
)
from .errors import (
    BackendUnavailable,
    BatchedControlFlowError,
    BatchingError,
    BatchingFallbackWarning,
    ConstantWriteError,
    DeviceMismatchError,
    EscapedTracerError,
    NonDifferentiableInputError,
    NonScalarOutputError,
    PluginError,
    TracerConversionError,
    UndefinedDerivativeError,
    UnknownBackend,
    UnsupportedOperation,
    XformadError,
)
from .hookspecs import hookimpl
from .ir import Graph
from .primitives.core import Primitive
from .tree import tree_flatten, tree_map, tree_unflatten

__version__ = "0.1.0"

# Imported last: these build on everything above. (The names shadow same-named
# submodules, e.g. xformad.explain is the function; import the module with importlib.)
from . import testing  # noqa: E402  (xformad.testing.check_grads, without a separate import)
from .compile.codegen import source  # noqa: E402
from .compile.jit import jit  # noqa: E402
from .explain import explain  # noqa: E402
from .transforms.checkpoint import checkpoint  # noqa: E402
from .transforms.custom import custom_jvp, custom_vjp  # noqa: E402

__all__ = [
    "grad",
    "value_and_grad",
    "jvp",
    "vjp",
    "jacfwd",
    "jacrev",
    "jacobian",
    "elementwise_grad",
    "linearize",
    "hessian",
    "hvp",
    "vmap",
    "make_graph",
    "stop_gradient",
    "jit",
    "checkpoint",
    "source",
    "custom_jvp",
    "custom_vjp",
    "explain",
    "testing",
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
    "UndefinedDerivativeError",
    "ConstantWriteError",
    "EscapedTracerError",
    "UnknownBackend",
    "BackendUnavailable",
    "DeviceMismatchError",
    "PluginError",
    "BatchingError",
    "BatchedControlFlowError",
    "BatchingFallbackWarning",
]
