"""The plugin's error types: XformadErrors, so ``except xformad.XformadError`` sees them."""

from __future__ import annotations

from xformad.extend import UnsupportedOperation, XformadError


class SpecialFunctionError(XformadError, NotImplementedError):
    """A scipy.special function was asked for something this plugin cannot give (each
    message says what to do instead)."""


class SignalError(XformadError, NotImplementedError):
    """A scipy.signal function was called with an option this plugin does not serve for
    traced inputs (each message says what to do instead)."""


class IntegrateError(XformadError, NotImplementedError):
    """A scipy.integrate solve was asked for something this plugin cannot differentiate
    (an option, a closure over a traced value, a failed solve; each message says what to
    do instead)."""


class LinalgError(XformadError, NotImplementedError):
    """A scipy.linalg function was asked, on traced values, for something this plugin does
    not serve (an option, a complex input, an undefined derivative; each message says what
    to do instead)."""


class StatsError(XformadError, NotImplementedError):
    """A scipy.stats distribution was asked, on traced values, for something this plugin
    does not serve (a method, a distribution, an argument without a derivative; each
    message says what to do instead)."""


class UnservedFunctionError(UnsupportedOperation):
    """A public scipy function that no family serves failed on traced values (scipy's own
    code could not take them): the message names ``scipy.<module>.<function>`` and, where
    xformad serves an equivalent, what to call instead (``xformad_scipy/unserved.py``)."""


class UnservedTypeError(UnservedFunctionError, TypeError):
    """UnservedFunctionError for a TypeError of scipy's code: ``except TypeError`` still
    catches it, as it caught the original."""


class UnservedAttributeError(UnservedFunctionError, AttributeError):
    """UnservedFunctionError for an AttributeError (an ndarray attribute a traced value has
    not): ``except AttributeError`` and ``hasattr`` still see one."""
