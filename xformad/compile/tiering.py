"""When a jitted function's signature is worth compiling: tiered execution.

Compiling costs a trace at two levels (``f``'s operations recorded inside the recording of
its derivative): for a large program, several eager calls' worth. A user who wraps a
function in ``jit`` expects it never to be slower, so a signature runs eagerly (``f``
itself, exactly what it computes without jit) until compiling can no longer make the calls
so far cost more than 10% over eager ones, counted call by call over the first k calls for
every k:

    after k eager calls costing E in all, compile now if  c ≤ E · (0.1 + 1.1 / k)

(``k e + c ≤ 1.1 (k + 1) e`` with ``e = E / k``), where ``c`` is the predicted cost of the
compiling call (it returns the traced result). Three tiers, as PyPy's and V8's:

1. eager calls, timed (``Warmup.record``);
2. the trace's graph as a plan run by a loop (``interpreter.py``): no source, no
   ``compile()``, about 2 µs per node to build, and several times cheaper per call than
   eager, which re-traces ``f`` every time;
3. the same graph emitted as straight-line source (``codegen.py``): 20-80 µs per node to
   emit and compile, the fastest calls (Python floats for scalars, common subexpressions
   merged). A plan graduates when the budget allows it (``Warmup.graduates``: the calls so
   far, the codegen and one checking run within 10% over as many eager calls); no re-trace.

A tier's first calls are timed: a plan clearly slower than eager (``MARGIN``) goes back to
eager (``Warmup.demote``), emitted code clearly slower than its plan goes back to the plan,
emitted code compiled at once (``compile_after=n``) slower than eager goes back to eager. Once emitted
code has proved itself, calls are no longer timed.

``c`` is predicted from an eager call's time: ``traced_ratio`` times it for a function whose
eager calls trace (a grad traces f), ``eager_ratio`` times it for one whose eager calls
trace nothing (plain numpy under ``jit(f)``: numpy's own speed). Both start from measured
defaults and are refined by every compile in the process (``observe``), as is the codegen
cost per node (``observe_codegen``), so the model learns the machine and the program.

``compile_after=n`` replaces the model with a fixed count (``0``: compile on the first call,
as a JAX user expects of ``jax.jit``), and compiles straight to emitted code.
"""

from __future__ import annotations

import time

from ..errors import XformadError

BOUND = 0.1  # compiling may add at most this fraction to the eager time of the calls so far
TRIAL_CALLS = 3  # compiled calls timed against the eager mean before it is trusted
# a plan replays the kernels eager calls run, without their tracing, and emitted code is the
# plan simplified: either measuring slower than the tier below is noise (a loaded machine)
# unless clearly so, and going back would cost every later call
MARGIN = 1.25


class CostModel:
    """The process-wide prediction of what compiling costs (seconds)."""

    def __init__(self):
        # measured (benchmarks/RESULTS.md, issue 18), rounded up so that a first compile is
        # late rather than early: tracing a grad for the interpreted tier and planning it
        # costs 2.0-3.1 of its eager calls (the trace is nested: f's operations are recorded
        # at two levels, and the backward sweep is recorded instead of only computed); a
        # plain numpy function, whose eager calls record nothing, 400-4700 of them
        self.traced_ratio = 4.0
        self.eager_ratio = 5000.0
        # emitting source and compile() of it, per node of the derivative program
        self.codegen_per_node = 60e-6
        # backend name -> what emitting a program costs there beyond that (a compiling
        # backend's compile: numba's, seconds), starting from the backend's own estimate
        # (``Backend.emission_seconds``) and learnt from each emission, as the rest is
        self.emission_fixed: dict = {}

    def predict(self, nodes: float, eager_seconds: float) -> float:
        """A compile's cost, from an eager call's time and what it recorded."""
        return (self.traced_ratio if nodes > 0 else self.eager_ratio) * eager_seconds

    def observe(self, compile_seconds: float, nodes: float, eager_seconds: float) -> None:
        """A compile's measured cost: move the prediction half way to it."""
        if eager_seconds <= 0:
            return
        ratio = compile_seconds / eager_seconds
        if nodes > 0:
            self.traced_ratio = 0.5 * (self.traced_ratio + ratio)
        else:
            self.eager_ratio = 0.5 * (self.eager_ratio + ratio)

    def codegen_cost(self, program_nodes: int, backend=None) -> float:
        """What emitting a program of ``program_nodes`` nodes for ``backend`` costs."""
        return self.codegen_per_node * program_nodes + self._fixed(backend)

    def _fixed(self, backend) -> float:
        if backend is None:
            return 0.0
        return self.emission_fixed.get(backend.name, getattr(backend, "emission_seconds", 0.0))

    def observe_codegen(self, seconds: float, program_nodes: int, backend=None) -> None:
        if backend is not None and getattr(backend, "emission_seconds", 0.0) > 0:
            beyond = max(0.0, seconds - self.codegen_per_node * program_nodes)
            self.emission_fixed[backend.name] = 0.5 * (self._fixed(backend) + beyond)
        elif program_nodes > 0:
            self.codegen_per_node = 0.5 * (self.codegen_per_node + seconds / program_nodes)


model = CostModel()


def check_policy(compile_after) -> None:
    if compile_after == "auto" or (type(compile_after) is int and compile_after >= 0):
        return
    raise XformadError(
        f"jit: compile_after must be 'auto' (compile once it cannot cost more than 10% over "
        f"eager calls) or a count of eager calls n >= 0 (0: compile on the first call), not "
        f"{compile_after!r}"
    )


def _median(times: list) -> float:
    return sorted(times)[len(times) // 2]


class Warmup:
    """One signature's record: its eager calls before it compiles, then its first calls in
    each tier, and all its calls' time together (``spent``: the budget of 10% over eager)."""

    __slots__ = ("calls", "seconds", "nodes", "trial", "demoted", "spent", "total", "interpreted")

    def __init__(self):
        self.calls = 0  # eager calls
        self.seconds = 0.0  # the eager calls' time, all together
        self.nodes = 0  # what their traces recorded, all together
        self.trial: list = []  # the current tier's calls' times (its first TRIAL_CALLS)
        self.demoted = False  # compiled calls were slower: eager from now on
        self.spent = 0.0  # every call of the signature, compiling ones included
        self.total = 0  # calls of the signature, all tiers
        self.interpreted = 0.0  # the interpreted tier's median call, once it graduated

    def record(self, seconds: float, nodes: int) -> None:
        self.calls += 1
        self.seconds += seconds
        self.nodes += nodes
        self.spent += seconds
        self.total += 1

    def compiled(self, seconds: float) -> None:
        """The call that compiled took ``seconds`` (its result included)."""
        self.spent += seconds
        self.total += 1

    def ready(self, compile_after) -> bool:
        """Whether to compile at this call (the model, or a fixed count)."""
        if compile_after != "auto":
            return self.calls >= compile_after
        if self.calls == 0:
            return False
        k = self.calls
        predicted = model.predict(self.nodes / k, self.seconds / k)
        return predicted <= self.seconds * (BOUND + (1 + BOUND) / k)

    def mean(self) -> float:
        return self.seconds / self.calls if self.calls else 0.0

    def timed(self, seconds: float) -> None:
        """One call of the compiled tiers."""
        self.spent += seconds
        self.total += 1
        if len(self.trial) < TRIAL_CALLS:
            self.trial.append(seconds)

    def demote(self, seconds: float, margin: float = 1.0) -> bool:
        """Time one of the first compiled calls; True once they proved slower than eager
        (by more than ``margin`` times)."""
        self.timed(seconds)
        if len(self.trial) < TRIAL_CALLS or not self.calls:
            return False
        self.demoted = _median(self.trial) > margin * self.mean()
        return self.demoted

    def graduates(self, program_nodes: int, backend=None) -> bool:
        """Whether emitting the interpreted program as source fits the budget now: this
        call, plus the codegen (and a compiling backend's compile) and one verifying run,
        within 10% over as many eager calls."""
        if len(self.trial) < 1 or not self.calls:
            return False
        run = _median(self.trial)
        cost = model.codegen_cost(program_nodes, backend) + run
        return self.spent + cost <= (1 + BOUND) * self.total * self.mean()

    def graduated(self, seconds: float) -> None:
        """Codegen took ``seconds``; the emitted program's first calls are timed next."""
        self.interpreted = _median(self.trial)
        self.spent += seconds
        self.trial = []

    def slower_than_interpreted(self) -> bool:
        """The emitted program's first calls against the interpreted ones (after TRIAL_CALLS)."""
        return len(self.trial) >= TRIAL_CALLS and _median(self.trial) > MARGIN * self.interpreted


now = time.perf_counter
