"""The plugin's one error type: an XformadError, so ``except xformad.XformadError`` sees it."""

from __future__ import annotations

from xformad.extend import XformadError


class SpecialFunctionError(XformadError, NotImplementedError):
    """A scipy.special function was asked for something this plugin cannot give (each
    message says what to do instead)."""
