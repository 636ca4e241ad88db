"""The numpy backend: the default, CPU, always available. A built-in pluggy plugin."""

from __future__ import annotations

import numpy as np

from ..hookspecs import hookimpl
from .base import Backend


class NumpyBackend(Backend):
    name = "numpy"
    priority = 0

    xp = np  # a plain attribute: read on every primitive application

    def owns(self, value) -> bool:
        return isinstance(value, (np.ndarray, np.generic))


@hookimpl
def xformad_backends():
    return [NumpyBackend()]
