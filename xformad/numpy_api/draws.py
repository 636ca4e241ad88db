"""Random draws under tracing: traced parameters (reparameterised) and draws as program nodes.

- ``np.random.normal(loc=mu, scale=sigma)`` with traced ``mu``/``sigma`` is numpy's own
  formula ``mu + sigma * standard_normal(size)`` (likewise ``uniform``, ``lognormal``,
  ``exponential``): the same generator call consumes the same stream and gives the same
  numbers to the last bit (numpy computes these draws exactly so), and the derivative flows
  through the parameters (the reparameterisation trick of black-box VI and VAEs).
- While ``xformad.jit`` traces, every draw from numpy's global generator (``np.random.*``)
  and from a generator made inside the function with a seed is handled as follows: a draw
  from the global generator becomes a node of the program (``random_draw``) whose kernel
  calls the generator again at run time, so a compiled program draws fresh numbers from the
  same generator each call, exactly as eager calls do. Draws from a generator seeded inside
  the function are the same on every call, so they are constants; draws from an unseeded
  one made inside are nodes (fresh numbers on every call, as eager calls draw). Each recorded draw logs
  the generator's state before and after it; the jit's purity check accepts a generator
  whose change is exactly the chain of logged draws (``explained``), and refuses anything
  else, as before.

Generators made with ``np.random.default_rng`` inside a trace are a subclass with these
methods; a ``Generator`` made outside (its methods are compiled code xformad cannot reach)
refuses traced parameters with a message naming the formula to write.
"""

from __future__ import annotations

import threading

import numpy as np

from .. import buffers
from ..errors import ConstantWriteError, UnsupportedOperation
from ..primitives.core import Primitive, nondifferentiable
from ..tracing import _stack

_global = np.random.mtrand._rand  # the RandomState behind np.random.*
_make_rng = np.random.default_rng  # the originals (this module is imported outside any trace)
_reseed = np.random.seed


def _draw_kernel(xp, source, args, kwargs, traced_value):
    if _recording.replay:  # the jit's check of an emitted program: the traced numbers
        return traced_value
    return source(*args, **dict(kwargs))


draw_p = Primitive("random_draw", _draw_kernel)
nondifferentiable(draw_p)
draw_p.effectful = True  # it advances its generator: kept, and never merged


class _Recording(threading.local):
    def __init__(self):
        self.log = None  # a list while jit traces: (generator, state before, state after)
        self.replay = False  # draw nodes return their traced values (no generator call)


_recording = _Recording()


class replaying:
    """Context manager: run a program with draw nodes giving the values drawn when it was
    traced, without touching the generators (the jit's check of an emitted program)."""

    def __enter__(self):
        self.saved = _recording.replay
        _recording.replay = True

    def __exit__(self, *exc) -> None:
        _recording.replay = self.saved


class recording:
    """Context manager: draws are program nodes while it is open (``xformad.jit``)."""

    def __enter__(self) -> list:
        self.saved = _recording.log
        _recording.log = []
        return _recording.log

    def __exit__(self, *exc) -> None:
        _recording.log = self.saved


def state_of(generator):
    if isinstance(generator, np.random.RandomState):
        return frozen(generator.get_state(legacy=False))
    return frozen(generator.bit_generator.state)


def frozen(state):
    if isinstance(state, dict):
        return tuple((k, frozen(v)) for k, v in state.items())
    if isinstance(state, (list, tuple)):
        return tuple(frozen(v) for v in state)
    if isinstance(state, np.ndarray):
        return (state.dtype.str, state.shape, state.tobytes())
    return state


def explained(log: list, generator, before, after) -> bool:
    """Whether ``generator`` went from state ``before`` to ``after`` by the logged draws alone."""
    chain = [(b, a) for g, b, a in log if g is generator]
    if not chain:
        return False
    state = before
    for b, a in chain:
        if b != state:
            return False
        state = a
    return state == after


def _draw(source, generator, *args, **kwargs):
    """``source(*args, **kwargs)``: a program node while jit traces a draw from a generator
    that outlives the call, else the plain draw."""
    out = kwargs.get("out")
    if out is not None and _stack.depth:
        _check_out(out)
        result = _draw_plain_or_node(source, generator, *args, **kwargs)
        if type(out) is buffers.Buffer:
            buffers.written_behind(out)  # numpy's C code filled it: earlier snapshots are stale
        return result
    return _draw_plain_or_node(source, generator, *args, **kwargs)


def _check_out(out) -> None:
    """A draw into ``out=`` is written by numpy's C code, which no trace sees."""
    if type(out) is buffers.Buffer and buffers.holds_traced(out):
        raise UnsupportedOperation(
            "a random draw into out= an array holding traced values",
            "numpy's generator writes the numbers into its memory, beside the traced values; "
            "draw into a fresh array (noise = rng.standard_normal(n)) and combine it with them",
        )
    if isinstance(out, np.ndarray) and type(out) is not buffers.Buffer and not out.flags.writeable:
        raise ConstantWriteError(
            "a random draw into out= an array the traced computation already used: xformad's "
            "graph holds it by reference, so it is read-only until the call returns. Draw into "
            "an array made inside the function (noise = np.empty(n)) or a fresh one "
            "(noise = rng.standard_normal(n))"
        )


def _draw_plain_or_node(source, generator, *args, **kwargs):
    log = _recording.log
    if log is None or not _stack.depth or getattr(generator, "_xf_seeded_here", False):
        return source(*args, **kwargs)
    before = state_of(generator)
    value = source(*args, **kwargs)
    params = {"source": source, "args": args, "kwargs": tuple(kwargs.items()), "traced_value": value}
    return _recorded(log, generator, before, draw_p, params)


def _recorded(log: list, generator, before, prim, params: dict):
    """The node of a draw (or reseed) just made, in the outermost trace, and the generator's
    change logged for the jit's purity check."""
    with replaying():  # the node's value is the one just drawn: no second draw
        result = _stack.outermost.process(prim, (), params)
    # (a stand-in for a Generator made outside is logged as that Generator: same state)
    log.append((getattr(generator, "_xf_original", generator), before, state_of(generator)))
    return result


# method -> (its standard draw, parameter names and defaults, formula)
_FORMULAS = {
    "normal": ("standard_normal", (("loc", 0.0), ("scale", 1.0)), lambda z, loc, scale: loc + scale * z),
    "uniform": ("random", (("low", 0.0), ("high", 1.0)), lambda u, low, high: low + (high - low) * u),
    "lognormal": ("standard_normal", (("mean", 0.0), ("sigma", 1.0)), lambda z, m, s: np.exp(m + s * z)),
    "exponential": ("standard_exponential", (("scale", 1.0),), lambda e, scale: scale * e),
}
_LEGACY_NAMES = {"random": "random_sample"}  # RandomState's name for Generator.random


def _reparameterised(generator, method: str, args: tuple, kwargs: dict, call):
    """``generator.method(*args, **kwargs)`` with traced parameters, or None if none is."""
    standard, params, formula = _FORMULAS[method]
    names = [n for n, _ in params] + ["size"]
    bound = dict(zip(names, args))
    bound.update(kwargs)
    values = [bound.get(n, d) for n, d in params]
    if buffers.live_trace(values) is None:
        return None
    values = [buffers.resolve(v, plain_constants=False) for v in values]
    size = bound.get("size")
    if size is None:
        size = np.broadcast_shapes(*(np.shape(v) for v in values))
    if isinstance(generator, np.random.RandomState):
        standard = _LEGACY_NAMES.get(standard, standard)
    sample = call(standard, size)
    return formula(sample, *values)


def _seed_kernel(xp, args):
    if not _recording.replay:
        _reseed(*args)
    return np.zeros(())


seed_p = Primitive("random_seed", _seed_kernel)
nondifferentiable(seed_p)
seed_p.effectful = True  # it resets numpy's global generator: kept, and never merged


def _seed(*args, **kwargs):
    """``np.random.seed(s)`` inside a trace: also a node while jit traces, so a compiled
    program re-seeds where the function does and then draws what it draws."""
    args = args + tuple(kwargs.values())
    log = _recording.log
    before = state_of(_global) if log is not None else None
    _reseed(*args)
    if log is not None and _stack.depth:
        _recorded(log, _global, before, seed_p, {"args": args})


def _legacy(method: str):
    """``np.random.<method>`` (numpy's global generator) inside a trace."""
    original = getattr(_global, method)

    def handler(*args, **kwargs):
        if method in _FORMULAS:
            result = _reparameterised(
                _global,
                method,
                args,
                kwargs,
                lambda name, size: _draw(getattr(_global, name), _global, size=size),
            )
            if result is not None:
                return result
        return _draw(original, _global, *args, **kwargs)

    handler.__name__ = method
    return handler


# numpy's global draws (np.random.<name>) served inside traces
LEGACY_DRAWS = (
    "normal", "uniform", "lognormal", "exponential", "standard_normal", "randn", "rand",
    "random", "random_sample", "standard_exponential", "standard_t", "gamma", "beta",
    "laplace", "poisson", "binomial", "randint", "choice", "permutation",
    "multivariate_normal", "dirichlet",
)  # fmt: skip
# (others, like np.random.weibull, are not program nodes: jit refuses them as impure)


class TracingGenerator(np.random.Generator):
    """numpy's Generator, with traced parameters reparameterised and draws recorded while
    jit traces: what ``np.random.default_rng`` makes inside a trace, and the stand-in for a
    Generator made outside (``stand_in_generators``), over the same bit generator."""

    def _call(self, name, size):
        return _draw(getattr(np.random.Generator, name).__get__(self), self, size=size)


def _generator_method(method: str):
    plain = getattr(np.random.Generator, method)

    def call(self, *args, **kwargs):
        if method in _FORMULAS and _stack.depth:
            result = _reparameterised(self, method, args, kwargs, self._call)
            if result is not None:
                return result
        if _stack.depth:
            return _draw(plain.__get__(self), self, *args, **kwargs)
        return plain(self, *args, **kwargs)

    call.__name__ = method
    call.__doc__ = plain.__doc__
    return call


for _method in (
    "normal", "uniform", "lognormal", "exponential", "standard_normal", "random", "integers",
    "standard_exponential", "standard_t", "standard_cauchy", "standard_gamma", "gamma", "beta",
    "chisquare", "laplace", "logistic", "gumbel", "poisson", "binomial", "choice", "permutation",
    "multivariate_normal", "dirichlet", "multinomial", "triangular", "vonmises", "weibull",
):  # fmt: skip
    setattr(TracingGenerator, _method, _generator_method(_method))


def _default_rng(seed=None):
    """``np.random.default_rng`` inside a trace: the same generator, as a TracingGenerator."""
    if isinstance(seed, np.random.Generator):
        return seed  # numpy returns a Generator it is given unchanged
    generator = TracingGenerator(_make_rng(seed).bit_generator)
    if seed is not None and not isinstance(seed, np.random.BitGenerator):
        generator._xf_seeded_here = True  # the same numbers on every call: constants
    return generator


def register(registry) -> None:
    for method in LEGACY_DRAWS:
        if hasattr(np.random, method) and hasattr(_global, method):
            registry.intercept(np.random, method, _legacy(method))
    registry.intercept(np.random, "default_rng", _default_rng)
    registry.intercept(np.random, "seed", _seed)


def generator_stand_ins():
    """A replacement function for ``reach.stand_in`` and argument lists: each
    ``np.random.Generator`` made outside the trace is stood in for, for one trace, by one
    TracingGenerator over the same bit generator (the same stream, with traced parameters
    reparameterised and draws recorded under jit); anything else gets None."""
    made: dict = {}

    def stand_in(value):
        if type(value) is not np.random.Generator:
            return None
        proxy = made.get(id(value))
        if proxy is None:
            proxy = made[id(value)] = TracingGenerator(value.bit_generator)
            proxy._xf_original = value
        return proxy

    return stand_in
