"""Plugin kernels and plugin modules meet numpy as numpy: a kernel that calls library
Python code runs outside the trace's interception, a module whose name merely starts with
"xformad" is user code, and an intercepted function passed to a transform is traced."""

from __future__ import annotations

import math
import sys
import types

import numpy as np

import xformad
from xformad.extend import Primitive


def _library_code(x):
    """What a scipy routine does: make a work array with np.zeros and fill it."""
    out = np.zeros(8, dtype=x.dtype)
    out[: x.shape[0]] = x
    assert type(out) is np.ndarray  # not a trace's Buffer
    return np.fft.fft(out)


def test_a_plugin_kernel_calling_library_code_gets_plain_arrays():
    padded_fft = Primitive("test.padded_fft", lambda xp, x: _library_code(x), differentiable=False)
    x = np.arange(4.0) + 0j
    graph = xformad.make_graph(lambda v: padded_fft.bind(v))(x)
    assert [n.primitive.name for n in graph.nodes] == ["test.padded_fft"]
    np.testing.assert_array_equal(xformad.jvp(lambda v: padded_fft.bind(v), (x,), (x,))[0], _library_code(x))


def test_a_trace_opened_inside_a_plugin_kernel_is_intercepted_again():
    def kernel(xp, x):
        # a kernel may differentiate something itself: its own trace sees np.zeros as usual
        def inner(v):
            out = np.zeros(2)
            out[0] = v * v
            return out.sum()

        return np.asarray(xformad.grad(inner)(float(x)))

    twice = Primitive("test.twice", kernel, differentiable=False)
    assert xformad.make_graph(lambda v: twice.bind(v))(3.0) is not None
    assert float(twice.bind(3.0)) == 6.0
    traced = xformad.jvp(lambda v: twice.bind(v) + v, (3.0,), (1.0,))
    assert float(traced[0]) == 9.0


def test_a_module_named_like_a_plugin_is_user_code():
    module = types.ModuleType("xformad_demo")
    exec(
        "import numpy as np\ndef f(x):\n    out = np.zeros(3)\n    out[0] = x * 2.0\n    return out.sum()\n",
        module.__dict__,
    )
    sys.modules["xformad_demo"] = module
    try:
        assert xformad.grad(module.f)(1.5) == 2.0
    finally:
        del sys.modules["xformad_demo"]


def test_an_intercepted_function_passed_to_a_transform_is_traced():
    assert xformad.grad(math.sin)(0.5) == math.cos(0.5)
    assert xformad.jit(xformad.grad(math.exp), compile_after=0)(0.25) == math.exp(0.25)
