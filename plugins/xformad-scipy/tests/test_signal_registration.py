"""How the scipy.signal family is wired: its primitives and interceptions are registered,
its coverage table names what it serves, and calls reach it however scipy was imported."""

from __future__ import annotations

import numpy as np
import scipy.signal
from scipy.signal import convolve2d, fftconvolve  # bound before any trace
from xformad_scipy import signal as family
from xformad_scipy.signal.handlers import HANDLERS

import xformad
import xformad.plugins


def _recorded(f, *args):
    return [node.primitive.name for node in xformad.make_graph(f)(*args).nodes]


def test_every_handler_has_a_primitive_and_a_coverage_row():
    registry = xformad.plugins.registry()
    served = {name for name, _, _ in family.COVERAGE}
    assert served == {f"scipy.signal.{name}" for name in HANDLERS}
    for name in HANDLERS:
        assert f"scipy.signal.{name}" in registry.primitives
        assert ("scipy.signal", name) in registry.interceptions
    for row in family.COVERAGE:
        assert len(row) == 3 and all(isinstance(text, str) for text in row)


def test_outside_traces_scipy_is_scipy(rng):
    a, b = rng.normal(size=(4, 4)), rng.normal(size=(2, 2))
    xformad.grad(lambda b: np.sum(scipy.signal.convolve(a, b)))(b)  # opens and closes a trace
    assert not getattr(scipy.signal.convolve, "__xformad_intercepted__", False)
    # a handler asked about plain arrays lets scipy answer
    assert HANDLERS["convolve"](a, b) is NotImplemented


def test_module_attribute_and_import_styles_reach_the_primitive(rng):
    import scipy.signal as sig

    a, b = rng.normal(size=(5, 4)), rng.normal(size=(2, 3))
    assert _recorded(lambda b: scipy.signal.correlate2d(a, b), b) == ["scipy.signal.correlate2d"]
    assert _recorded(lambda b: sig.fftconvolve(a, b, mode="valid"), b) == ["scipy.signal.fftconvolve"]
    # names bound by `from scipy.signal import ...` at the top of this module
    assert _recorded(lambda b: convolve2d(a, b, "same"), b) == ["scipy.signal.convolve2d"]
    assert _recorded(lambda b: fftconvolve(a, b), b) == ["scipy.signal.fftconvolve"]
    np.testing.assert_allclose(
        xformad.grad(lambda b: np.sum(convolve2d(a, b) ** 2))(b),
        xformad.grad(lambda b: np.sum(scipy.signal.convolve2d(a, b) ** 2))(b),
        rtol=1e-15,
    )
