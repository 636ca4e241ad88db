"""Every error xformad raises is an XformadError; each message says what to do next."""


class XformadError(Exception):
    """Base class of all xformad errors."""


class NonScalarOutputError(XformadError, TypeError):
    """grad was asked to differentiate a function whose output is not a scalar."""


class ComplexOutputError(NonScalarOutputError):
    """grad (or jacrev) was asked for the gradient of a complex-valued output, which is not
    defined; differentiate a real quantity, or use jacfwd / vjp with an explicit cotangent."""


class InvalidArgumentError(XformadError, ValueError):
    """An argument has a value the function cannot use (e.g. a negative number of digits)."""


class UndefinedDerivativeError(InvalidArgumentError):
    """The derivative asked for does not exist at this input (repeated eigenvalues), or
    depends on a choice numpy leaves arbitrary (the phase of complex eigenvectors)."""


class NonDifferentiableInputError(XformadError, TypeError):
    """An integer or boolean input was marked for differentiation."""


class UnsupportedOperation(XformadError, NotImplementedError):
    """A numpy function or ufunc has no xformad primitive or lowering."""

    def __init__(self, name: str, detail: str = ""):
        self.name = name
        plugin = (
            "add it from a plugin: register a Primitive with its kernel and JVP/VJP rules in an "
            "`xformad_register_primitives` hook (see docs/plugins.md)."
        )
        if detail:  # what is served instead, or why not: that first
            msg = f"xformad cannot differentiate {name}: {detail}. Or {plugin}"
        else:
            msg = (
                f"xformad cannot differentiate {name}: it is neither a primitive nor lowered onto "
                "primitives. Rewrite this step with supported numpy functions (see "
                f"docs/coverage.md), or {plugin}"
            )
        super().__init__(msg)


class TracerConversionError(XformadError):
    """A traced value was converted to something that would drop its derivative."""


class TracerAttributeError(XformadError, AttributeError):
    """An ndarray attribute a traced value cannot offer (``.data``, ``.ctypes``...). An
    AttributeError too, so ``hasattr`` and ``getattr(x, name, default)`` keep working."""


class EscapedTracerError(XformadError, RuntimeError):
    """A traced value was used after the transform that created it had returned."""


class UnknownBackend(XformadError, ValueError):
    """No backend is registered under the requested name."""


class BackendUnavailable(XformadError, RuntimeError):
    """The backend exists but cannot run here (library missing, no device)."""


class DeviceMismatchError(XformadError, TypeError):
    """Arrays of one backend were passed to a transform running on another."""


class PluginError(XformadError, RuntimeError):
    """A plugin is misconfigured, e.g. two plugins claim the same primitive."""


class ImpureFunctionError(XformadError, RuntimeError):
    """A jitted function is stateful: tracing it changed what it reads (a global counter,
    a list it appends to, an attribute it sets) or drew random numbers, so a cached
    program would replay one call instead of running the function."""


class ConstantWriteError(XformadError, ValueError):
    """A constant array was written into after a traced computation used it (the graph
    holds it by reference, so it is read-only until the call returns)."""


class GuardFailed(XformadError):
    """A value took another branch than when the program was traced (a ``bool``/``int``
    concretisation, an integer array, a value-dependent shape): re-trace. Raised by emitted
    code (``args[0]``: the index of the failed guard in ``graph.guards``) and by the
    scheduler (``args[0]``: what differed)."""


class BatchingError(XformadError, ValueError):
    """``vmap`` cannot batch this program exactly (an argument without the batch axis, a
    value-dependent shape that differs between members, ...); the message says what to do."""


class BatchedControlFlowError(BatchingError):
    """Python control flow (``if``, ``while``, ``int()``, an integer array handed to numpy)
    on a batched value whose members disagree: one traced branch cannot serve them all."""


class BatchingFallbackWarning(UserWarning):
    """A primitive has no batching rule: ``vmap`` applies it once per batch member (exact,
    but a Python loop)."""
