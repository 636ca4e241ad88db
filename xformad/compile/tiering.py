"""When a jitted function's signature is worth compiling: tiered execution.

Compiling costs a trace at two levels, codegen and Python's ``compile()`` of the emitted
source: for a large program, many eager calls' worth. A user who wraps a function in
``jit`` expects it never to be slower, so a signature runs eagerly (``f`` itself, exactly
what it computes without jit) until compiling can no longer make the calls so far cost more
than 10% over eager ones, counted call by call over the first k calls for every k:

    after k eager calls costing E in all, compile now if  c ≤ E · (0.1 + 1.1 / k)

(``k e + c ≤ 1.1 (k + 1) e`` with ``e = E / k``), where ``c`` is the predicted cost of the
compile. From then on each call runs the compiled program, which is cheaper than an eager
one (a signature whose compiled calls turn out slower goes back to eager: ``Warmup.demote``).

``c`` is predicted from what the eager calls recorded: ``seconds_per_node`` times the nodes
their traces recorded (a grad's eager call traces f), or, for a function whose eager calls
trace nothing (plain numpy under ``jit(f)``), ``eager_ratio`` times an eager call's time.
Both start from measured defaults and are refined by every compile in the process
(``observe``), so the model learns the machine and the program's shape.

``compile_after=n`` replaces the model with a fixed count (``0``: compile on the first call,
as a JAX user expects of ``jax.jit``).
"""

from __future__ import annotations

import time

from ..errors import XformadError

BOUND = 0.1  # compiling may add at most this fraction to the eager time of the calls so far
TRIAL_CALLS = 3  # compiled calls timed against the eager mean before it is trusted


class CostModel:
    """The process-wide prediction of a compile's cost (seconds)."""

    def __init__(self):
        # measured (benchmarks/RESULTS.md, issue 18), rounded up so that a first compile is
        # late rather than early: a compile costs 170-500 µs per node an eager grad call
        # records, and 400-4700 eager calls of a plain numpy function (which records none:
        # its eager calls are numpy's own, far cheaper than tracing it)
        self.seconds_per_node = 400e-6
        self.eager_ratio = 5000.0

    def predict(self, nodes: float, eager_seconds: float) -> float:
        if nodes > 0:
            return self.seconds_per_node * nodes
        return self.eager_ratio * eager_seconds

    def observe(self, compile_seconds: float, nodes: float, eager_seconds: float) -> None:
        """A compile's measured cost: move the prediction half way to it."""
        if nodes > 0:
            self.seconds_per_node = 0.5 * (self.seconds_per_node + compile_seconds / nodes)
        elif eager_seconds > 0:
            self.eager_ratio = 0.5 * (self.eager_ratio + compile_seconds / eager_seconds)


model = CostModel()


def check_policy(compile_after) -> None:
    if compile_after == "auto" or (type(compile_after) is int and compile_after >= 0):
        return
    raise XformadError(
        f"jit: compile_after must be 'auto' (compile once it cannot cost more than 10% over "
        f"eager calls) or a count of eager calls n >= 0 (0: compile on the first call), not "
        f"{compile_after!r}"
    )


class Warmup:
    """One signature's eager calls before it compiles, and its first compiled calls."""

    __slots__ = ("calls", "seconds", "nodes", "trial", "demoted")

    def __init__(self):
        self.calls = 0
        self.seconds = 0.0  # the eager calls' time, all together
        self.nodes = 0  # what their traces recorded, all together
        self.trial: list = []  # the first compiled calls' times
        self.demoted = False  # compiled calls were slower: eager from now on

    def record(self, seconds: float, nodes: int) -> None:
        self.calls += 1
        self.seconds += seconds
        self.nodes += nodes

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

    def demote(self, seconds: float) -> bool:
        """Time one of the first compiled calls; True once they proved slower than eager."""
        self.trial.append(seconds)
        if len(self.trial) < TRIAL_CALLS or not self.calls:
            return False
        self.demoted = sorted(self.trial)[len(self.trial) // 2] > self.mean()
        return self.demoted


now = time.perf_counter
