"""Compilation: graphs run as plans (``interpreter``) or emitted as Python source
(``codegen``), per input signature (``jit``). ``lines`` renders one node, ``scalars``
decides where Python floats are exact, ``shapes`` guards value-dependent shapes,
``signature`` keys the cache, ``environment`` snapshots and checks what a function reads,
``tiering`` decides when a signature is traced and when its plan is emitted, ``jit`` runs
them."""

_EXPORTS = ("jit", "CacheInfo", "ImpureFunctionError", "RetraceWarning")


def __getattr__(name: str):
    # lazy: importing the package for its submodules (lines, codegen) need not load jit
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.jit"), name)
    raise AttributeError(f"module 'xformad.compile' has no attribute {name!r}")


__all__ = list(_EXPORTS)
