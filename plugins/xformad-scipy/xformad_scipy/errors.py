"""The plugin's one error type: an XformadError, so ``except xformad.XformadError`` sees it."""

from __future__ import annotations

from xformad.extend import XformadError


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
