"""Does jit pay for itself? xformad.jit(grad(f)) against eager grad(f) over the first k calls.

For each of five GradBench-shaped plain-numpy programs (gradbench_programs.py: least
squares, a Laplace-expansion determinant, an RK4 ODE, a 2-layer LSTM, a particle
simulation) and k in (1, 3, 10, 100): the total wall time of the first k calls of a freshly
made ``xformad.jit(xformad.grad(f))`` with its default policy (``compile_after="auto"``:
eager calls, then a plan, then emitted code; ``docs/jit.md``) against the first k calls of
a freshly made ``xformad.grad(f)``, the ratio jit / eager (targets: <= 1.1 at every k,
<= 0.5 at k = 100), and the same for ``jax.jit(jax.grad(f_jax))`` with the jax version of
the program (float64, block_until_ready). Two tables per program: the same inputs on every
call, and inputs changed on every call (a slightly different array each call: jit caches
per shape, not value). Under each: the steady-state time per call (median of the last 20
calls of the k = 100 runs), and per run which tier ran which calls (e: eager, p: plan,
c: emitted code; from ``cache_info()``, read between calls), the call that traced (its
time, and that in eager calls) and the call that emitted the plan as code.

Then the cost per node of the derivative program, phase by phase (trace, plan, emit), on
lsq and particles at three sizes each (10^3 to 10^5 nodes), each phase timed alone
(``per_node_cost``). Last, the emitted program's own cost: ``jit(grad(f), compile_after=0)``
(traces and emits on the first call); it runs after everything else because each compile
also teaches jit's process-wide cost model when to compile.

Timing: 3 repetitions, median; in each, fresh functions, run interleaved call by call
(call i of eager, jit and jax, then call i + 1: a slow patch of the machine hits them
alike). One run of max(k) calls gives every k: the first k calls of a fresh function cost
the sum of its first k call times, whatever follows them (``--separate``: a fresh run for
every k instead, slower, the same quantity). Each run starts after gc.collect() and
gc.freeze(), so Python's full collections, which walk every live object (jax's among them),
charge the calls for their own garbage only. The cost model is process-wide and learns from
every compile: the programs run in the order given, each after the earlier ones' compiles.

Every result is checked: each jit and jax result against eager grad's for the same inputs
(jit's to 1e-10 relative: bit for bit is what the tests check), and once at start (not
timed) grad(f) against central finite differences along a few directions and against a
reference (closed form, complex step).

Run (about 8 minutes on 2 shared cores; --quick: k in (1, 3, 10), one repetition):
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_jit_pays.py
Options: --programs lsq det ..., --full (the GradBench-shaped sizes: far longer), --separate,
--repeats n, --per-node (only the cost per node section).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import common  # noqa: E402, F401  (warns when the thread variables are not 1)
from bench_jit import _jax  # noqa: E402
from common import _fmt  # noqa: E402
from gradbench_programs import (  # noqa: E402
    FULL,
    REDUCED,
    finite_difference_check,
    perturb,
    programs,
    reference_check,
)

import xformad  # noqa: E402

TARGET_ANY_K, TARGET_K100 = 1.1, 0.5
STEADY_CALLS = 20  # the steady state: the median of the last this-many calls of a run


def _contenders(program, jax) -> dict:
    """Name -> a function that makes a fresh gradient function (args -> numpy-comparable)."""
    made = {
        "eager": lambda: xformad.grad(program.loss),
        "jit": lambda: xformad.jit(xformad.grad(program.loss)),
    }
    if jax is not None:
        f_jax = program.jax_loss(jax.numpy, jax.lax)

        def fresh_jax():
            g = jax.jit(jax.grad(f_jax))
            return lambda *args: jax.block_until_ready(g(*args))

        made["jax"] = fresh_jax
    return made


def _tier(info) -> str:
    """What a jitted function ran its last call with: e (eager), p (a plan: the interpreted
    tier) or c (emitted code)."""
    if not info.specializations:
        return "e"
    return "p" if getattr(info, "planned", 0) else "c"


def _run(fns: dict, inputs: list, calls: int) -> dict:
    """The first ``calls`` calls of each of ``fns`` (name -> fresh function), interleaved
    call by call (call i of each, then call i + 1 of each: a slow patch of the machine hits
    them alike), call i on inputs[i % len(inputs)]. Per name: the per-call seconds, the
    results, and for a jitted function its tier after each call (``_tier``, read outside
    the timed region) and the calls that traced (``cache_info().compiles`` went up)."""
    out = {name: {"times": [], "results": [], "tiers": "", "traced_at": [], "compiles": 0} for name in fns}
    # Python's full collections walk every live object, jax's and earlier runs' included:
    # freeze what exists now, so that the calls pay for collecting their own garbage only
    gc.collect()
    gc.freeze()
    for i in range(calls):
        args = inputs[i % len(inputs)]
        for name, fn in fns.items():
            start = time.perf_counter()
            result = fn(*args)
            elapsed = time.perf_counter() - start
            rec = out[name]
            rec["times"].append(elapsed)
            rec["results"].append(result)
            probe = getattr(fn, "cache_info", None)
            if probe is not None:
                info = probe()
                rec["tiers"] += _tier(info)
                if info.compiles > rec["compiles"]:
                    rec["traced_at"].append(i + 1)
                rec["compiles"] = info.compiles
    gc.unfreeze()
    return out


def _timeline(tiers: str) -> str:
    """'eeep' 'ppcc' -> 'e1-3 p4-5 c6-7': which tier ran which calls."""
    spans, start = [], 0
    for i in range(1, len(tiers) + 1):
        if i == len(tiers) or tiers[i] != tiers[start]:
            spans.append(f"{tiers[start]}{start + 1}" + (f"-{i}" if i > start + 1 else ""))
            start = i
    return " ".join(spans)


def _check_results(name: str, got: list, want: list, rtol: float) -> None:
    for i, (a, b) in enumerate(zip(got, want)):
        a, b = np.asarray(a), np.asarray(b)
        err = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))
        if not err <= rtol:
            raise AssertionError(f"{name}: call {i + 1} differs from eager grad by {err:.2e} (relative)")


def measure(program, jax, ks: tuple, repeats: int, separate: bool) -> dict:
    """{table: {contender: {"totals": {k: [seconds per repetition]}, "runs": [per-call
    times of each max(k) run], "tiers"/"traced_at": [per run, see _run], "info":
    cache_info() after the last run}}}."""
    base = program.make_args(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    tables = {"same": [base], "changed": [perturb(base, rng) for _ in range(max(ks))]}
    made = _contenders(program, jax)

    def cell():
        return {"totals": {k: [] for k in ks}, "runs": [], "tiers": [], "traced_at": [], "info": None}

    out = {t: {c: cell() for c in made} for t in tables}
    lengths = ks if separate else (max(ks),)
    for _ in range(repeats):
        for table, inputs in tables.items():
            for calls in lengths:
                fns = {name: make() for name, make in made.items()}
                runs = _run(fns, inputs, calls)
                for name, rec in runs.items():
                    if name != "eager":
                        rtol = 1e-10 if name == "jit" else 1e-8
                        label = f"{program.name} {name} ({table} inputs)"
                        _check_results(label, rec["results"], runs["eager"]["results"], rtol)
                    cell = out[table][name]
                    for k in ks:
                        if k <= calls and (not separate or k == calls):
                            cell["totals"][k].append(sum(rec["times"][:k]))
                    if calls == max(ks):
                        cell["runs"].append(rec["times"])
                        cell["tiers"].append(rec["tiers"])
                        cell["traced_at"].append(rec["traced_at"])
                        if hasattr(fns[name], "cache_info"):
                            cell["info"] = fns[name].cache_info()
    return out


def _ratio_cell(r: float, target: float) -> str:
    return f"{r:.2f} {'ok' if r <= target else 'MISS'}"


def report_program(program, nodes: int, data: dict, ks: tuple) -> None:
    titles = {"same": "same inputs on every call", "changed": "inputs changed on every call"}
    has_jax = "jax" in data["same"]
    for table, title in titles.items():
        med = {c: {k: statistics.median(v["totals"][k]) for k in ks} for c, v in data[table].items()}
        print(f"  {title}: total time of the first k calls of a fresh function (median)")
        head = f"    {'k':>4}{'eager':>12}{'jit':>12}{'jit/eager':>14}{'target':>9}"
        if has_jax:
            head += f"{'jax.jit':>12}{'jax/eager':>11}"
        print(head)
        for k in ks:
            r = med["jit"][k] / med["eager"][k]
            target = TARGET_K100 if k == 100 else TARGET_ANY_K
            line = f"    {k:>4}{_fmt(med['eager'][k]):>12}{_fmt(med['jit'][k]):>12}"
            line += f"{_ratio_cell(r, target):>14}{'<= ' + str(target):>9}"
            if has_jax:
                line += f"{_fmt(med['jax'][k]):>12}{med['jax'][k] / med['eager'][k]:>10.2f}x"
            print(line)
        runs = {c: v["runs"] for c, v in data[table].items()}
        n_runs = len(runs["eager"][0])
        last = min(STEADY_CALLS, max(1, n_runs // 2))
        steady = {c: statistics.median(t for run in r for t in run[-last:]) for c, r in runs.items()}
        line = f"    steady state (calls {n_runs - last + 1}-{n_runs}): eager {_fmt(steady['eager'])}, "
        line += f"jit {_fmt(steady['jit'])} (jit/eager {steady['jit'] / steady['eager']:.2f})"
        if has_jax:
            line += f", jax.jit {_fmt(steady['jax'])}"
        print(line + " per call")
        jit_runs = runs["jit"]
        for run, tiers, traced in zip(jit_runs, data[table]["jit"]["tiers"], data[table]["jit"]["traced_at"]):
            at_calls = ",".join(map(str, traced)) or "never"
            line = f"    jit tiers: {_timeline(tiers)}; traced at call {at_calls}"
            if traced:  # the compiling call against an eager call (the eager calls' median)
                at = traced[0]
                eager_mean = statistics.median(run[: at - 1]) if at > 1 else float("nan")
                line += f" ({_fmt(run[at - 1])}, {run[at - 1] / eager_mean:.1f} eager calls)"
            emitted = tiers.find("c")
            if emitted > 0 and "p" in tiers[:emitted]:
                line += f"; emitted as code at call {emitted + 1} ({_fmt(run[emitted])})"
            print(line)
        info = data[table]["jit"]["info"]
        if info is not None:
            fields = ("compiles", "hits", "eager_calls", "specializations", "planned", "mode")
            summary = ", ".join(f"{f} {getattr(info, f)}" for f in fields if hasattr(info, f))
            print(f"    jit cache_info() after the last run: {summary}")
        if table == "same" and has_jax:
            jax_first = _fmt(statistics.median(r[0] for r in runs["jax"]))
            print(f"    jax.jit first call (trace + compile): {jax_first}")


def summarize(program, data: dict, ks: tuple) -> dict:
    """What the compiled-from-the-first-call section compares with: eager's medians."""
    same = data["same"]["eager"]
    n_runs = len(same["runs"][0])
    last = min(STEADY_CALLS, max(1, n_runs // 2))
    return {
        "totals": {k: statistics.median(same["totals"][k]) for k in ks},
        "first": statistics.median(run[0] for run in same["runs"]),
        "steady": statistics.median(t for run in same["runs"] for t in run[-last:]),
        "last": last,
    }


def compiled_from_first_call(selected: dict, nodes: dict, eager: dict, ks: tuple, repeats: int) -> None:
    """The compiled program's own cost: jit(grad(f), compile_after=0), which traces and
    compiles on its first call, where that keyword exists. Run after every other
    measurement, because each compile also refines jit's process-wide cost model (which
    decides when a default jit compiles): the tables above are not affected by these."""
    try:
        xformad.jit(lambda x: x, compile_after=0)
    except TypeError:
        print("\n(xformad.jit has no compile_after: no compiled-from-the-first-call section)")
        return
    print("\ncompiled from the first call: xformad.jit(grad(f), compile_after=0), same inputs on every call,")
    print(f"  median of {repeats} fresh run(s); ratios to the eager medians of the tables above (same")
    print("  inputs; measured earlier, not interleaved with these)")
    head = f"  {'program':<11}{'nodes':>7}{'1st call':>11}{'us/node':>9}"
    head += "".join(f"{'k=' + str(k):>9}" for k in ks)
    head += f"{'steady':>11}{'/eager':>8}"
    print(head)
    for name, program in selected.items():
        args = program.make_args(np.random.default_rng(0))
        want = xformad.grad(program.loss)(*args)
        runs = []
        for _ in range(repeats):
            fn = xformad.jit(xformad.grad(program.loss), compile_after=0)
            rec = _run({"jit": fn}, [args], max(ks))["jit"]
            _check_results(f"{name} jit(compile_after=0)", rec["results"], [want] * max(ks), 1e-10)
            runs.append(rec["times"])
        e = eager[name]
        first = statistics.median(run[0] for run in runs)
        per_node = (first - e["first"]) / nodes[name]
        line = f"  {name:<11}{nodes[name]:>7}{_fmt(first):>11}{per_node * 1e6:>9.0f}"
        line += "".join(f"{statistics.median(sum(r[:k]) for r in runs) / e['totals'][k]:>8.2f}x" for k in ks)
        steady = statistics.median(t for run in runs for t in run[-e["last"] :])
        line += f"{_fmt(steady):>11}{steady / e['steady']:>7.2f}x"
        print(line)
    print("  (us/node: (first call - first eager call) / nodes; k=n: the first n calls' total / eager's;")
    print("   steady: the median of the last calls, as above, and its ratio to eager's steady state)")


PER_NODE_SIZES = {"lsq": (100, 1000, 10000), "particles": (10, 100, 1000)}


def per_node_cost(repeats: int) -> None:
    """What compiling costs per node of the derivative program, phase by phase, on programs
    of 10^3 to 10^5 nodes: the steps jit takes (``compile/jit.py``), each timed alone with
    Python's collector paused as jit pauses it, medians of ``repeats``."""
    from xformad.compile.jit import Specialisation, _collection_paused
    from xformad.compile.trace import trace_with_fallback

    print("\ncost per node of the derivative program (the steps of jit's compiling call, timed alone;")
    print(f"  median of {repeats} after one untimed; plan = build + one checking run, emit = codegen +")
    print("  compile() + one checking run; plan call, code call: one call of each once built)")
    head = f"  {'program':<16}{'nodes':>8}{'eager call':>12}{'trace':>10}{'plan':>10}{'emit':>10}"
    head += f"{'trace+plan':>12}{'trace+emit':>12}{'plan call':>11}{'code call':>11}"
    print(head)
    for name, sizes in PER_NODE_SIZES.items():
        for size in sizes:
            program = programs({**REDUCED, name: size})[name]
            args = program.make_args(np.random.default_rng(0))
            g = xformad.grad(program.loss)
            g(*args)
            phases = {k: [] for k in ("eager", "trace", "plan", "emit", "plan call", "code call")}
            for rep in range(repeats + 1):  # the first: untimed (first-use costs of the kernels)
                gc.collect()
                with _collection_paused():
                    t0 = time.perf_counter()
                    g(*args)
                    t1 = time.perf_counter()
                    traced, _ = trace_with_fallback(g, args, {})
                    t2 = time.perf_counter()
                    made = [traced.graph, traced.backend, name, traced.input_leaves, traced.results]
                    plan = Specialisation(*made, traced.out_tree, True, interpreted=True)
                    t3 = time.perf_counter()
                    code = Specialisation(*made, traced.out_tree, True)
                    t4 = time.perf_counter()
                    plan.run(*traced.input_leaves)
                    t5 = time.perf_counter()
                    code.run(*traced.input_leaves)
                    t6 = time.perf_counter()
                if rep == 0:
                    continue
                for times, seconds in zip(
                    phases.values(), (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)
                ):
                    times.append(seconds)
            med = {k: statistics.median(v) for k, v in phases.items()}
            nodes = len(traced.graph.nodes)

            def us(sec):
                return f"{sec / nodes * 1e6:.1f} us"

            line = f"  {name + ' ' + str(size):<16}{nodes:>8}{_fmt(med['eager']):>12}{us(med['trace']):>10}"
            line += f"{us(med['plan']):>10}{us(med['emit']):>10}{us(med['trace'] + med['plan']):>12}"
            line += f"{us(med['trace'] + med['emit']):>12}"
            line += f"{_fmt(med['plan call']):>11}{_fmt(med['code call']):>11}"
            print(line)
    print("  (per node of grad(f)'s graph; lsq n: a Python loop of n scalar terms; particles n: n steps)")


def checks(selected: dict) -> dict:
    """Not timed: grad(f) against central finite differences and the reference; the IR size."""
    print("\nchecks (once, not timed): xformad.grad against central differences along 3 directions")
    print("and against the reference (closed form for lsq and det; complex-step directional derivatives)")
    print(f"  {'program':<11}{'IR nodes':>10}{'vs central diff':>18}{'vs reference':>15}")
    nodes = {}
    for name, program in selected.items():
        args = program.make_args(np.random.default_rng(0))
        g = xformad.grad(program.loss)(*args)
        fd = finite_difference_check(program, g, args)
        ref = reference_check(program, g, args)
        nodes[name] = len(xformad.make_graph(xformad.grad(program.loss))(*args).nodes)
        print(f"  {name:<11}{nodes[name]:>10}{fd:>18.1e}{ref:>15.1e}")
        if not (fd < 1e-5 and ref < 1e-10):
            raise AssertionError(f"{name}: gradient check failed (central diff {fd:.1e}, ref {ref:.1e})")
    return nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="k in (1, 3, 10) and one repetition")
    parser.add_argument("--programs", nargs="+", choices=list(FULL), default=list(FULL), metavar="NAME")
    parser.add_argument("--full", action="store_true", help="GradBench-shaped sizes (takes far longer)")
    parser.add_argument("--separate", action="store_true", help="a fresh run for every k, not prefix sums")
    parser.add_argument("--per-node", action="store_true", help="only the cost per node section")
    parser.add_argument("--repeats", type=int, default=None, help="repetitions (default 3; 1 with --quick)")
    args = parser.parse_args()
    ks = (1, 3, 10) if args.quick else (1, 3, 10, 100)
    repeats = args.repeats or (1 if args.quick else 3)
    sizes = FULL if args.full else REDUCED
    selected = {name: p for name, p in programs(sizes).items() if name in args.programs}
    start = time.perf_counter()

    jax = _jax()
    versions = f"numpy {np.__version__}, xformad {getattr(xformad, '__version__', '?')}"
    if jax is not None:
        versions += f", jax {jax.__version__}"
    threads = os.environ.get("OMP_NUM_THREADS")
    print(
        "jit that pays for itself: k calls of a fresh xformad.jit(grad(f)) against k calls of fresh grad(f)"
    )
    print(f"  {versions}; {os.cpu_count()} cores, OMP/OPENBLAS/MKL threads = {threads}")
    policy = os.environ.get("XFORMAD_JIT_COMPILE_AFTER")
    print(f"  xformad.jit with its default arguments (XFORMAD_JIT_COMPILE_AFTER={policy})")
    print(f"  k = {ks}; median of {repeats} repetition(s), fresh functions each, interleaved call by call;")
    how = (
        "a fresh run for every k"
        if args.separate
        else "the first k call times of one fresh run of max(k) calls"
    )
    print(f"  totals are {how}")
    if args.full:
        print("  sizes: the GradBench-shaped ones (full)")
    else:
        changed = ", ".join(f"{n} {FULL[n]} -> {REDUCED[n]}" for n in selected if FULL[n] != REDUCED[n])
        print(f"  sizes REDUCED from the GradBench-shaped ones to fit ~8 min on 2 cores: {changed}")
        print("    (loop lengths; det: the matrix order; --full runs them at full size)")
    print("  jax versions: the same arithmetic per step, time loops as lax.fori_loop/lax.scan (an unrolled")
    print("    Python loop of 1000 steps takes jax.jit about a minute to compile here); det as the same")
    print("    cofactor expansion with each minor computed once, batched per level (O(n 2^n), not O(n!))")

    if args.per_node:
        per_node_cost(repeats)
        return
    nodes = checks(selected)
    eager = {}
    for name, program in selected.items():
        print(f"\n{name}: {program.description}; grad(f) is {nodes[name]} IR nodes")
        data = measure(program, jax, ks, repeats, args.separate)
        report_program(program, nodes[name], data, ks)
        eager[name] = summarize(program, data, ks)
    per_node_cost(repeats)
    compiled_from_first_call(selected, nodes, eager, ks, repeats)
    print(f"\ntotal wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
