"""Issue 5's GPU benchmarks: xformad's cupy backend side by side with its peers.

1. MLP 4096-4096-4096-1000, batch 4096, float32, tanh, softmax cross-entropy: the gradient
   by xformad (eager, cupy backend), hand-written cupy backprop, torch CUDA eager, jax.jit;
   and xformad's numpy backend on the same MLP (CPU), for the cupy-over-numpy speed-up.
2. Elementwise: the gradient of sum(tanh(x)*exp(-x**2) + sin(x)**2), 10^8 float32, by
   xformad (eager), hand-written unfused cupy, cupy.fuse, torch eager, jax.jit.

Strict float32 everywhere: TF32 is off for cuBLAS (NVIDIA_TF32_OVERRIDE=0, CUPY_TF32=0),
torch (allow_tf32=False, matmul precision "highest") and jax (matmul precision "highest").
Every contender's gradient is checked against xformad's before it is timed. Times are
medians of interleaved repeats, each call bracketed by device synchronisation.

Run on a CUDA machine:  python benchmarks/bench_gpu.py            (ci/gpu.sh does this)
Run its logic on a CPU:  python benchmarks/bench_gpu.py --device cpu --quick
(numpy stands in for cupy, torch and jax run on the CPU, sizes are tiny).
"""

from __future__ import annotations

import os

# before any CUDA library loads: no TF32 anywhere, and jax must not grab 75% of the GPU
os.environ.setdefault("NVIDIA_TF32_OVERRIDE", "0")
os.environ.setdefault("CUPY_TF32", "0")
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xformad  # noqa: E402
import xformad.backends  # noqa: E402

FULL = {"mlp": (4096, 4096, 4096, 1000, 4096), "elementwise": 10**8, "repeats": 10}
QUICK = {"mlp": (64, 48, 48, 10, 32), "elementwise": 10**5, "repeats": 3}


# -- the programs, written once in plain numpy (xformad differentiates these) -------------
def mlp_loss(params, x, onehot):
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -(onehot * logp).sum() / x.shape[0]


def elementwise_loss(x):
    return np.sum(np.tanh(x) * np.exp(-(x**2)) + np.sin(x) ** 2)


# -- hand-written gradients over an array module (cupy on the GPU, numpy on the CPU) -------
def mlp_hand(xp, params, x, onehot):
    """Backprop as a careful person writes it by hand."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = xp.tanh(x @ w1 + b1)
    h2 = xp.tanh(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    e = xp.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = (e / e.sum(axis=1, keepdims=True) - onehot) / x.shape[0]
    dh2 = (dlogits @ w3.T) * (1 - h2 * h2)
    dh1 = (dh2 @ w2.T) * (1 - h1 * h1)
    return (x.T @ dh1, dh1.sum(axis=0), h1.T @ dh2, dh2.sum(axis=0), h2.T @ dlogits, dlogits.sum(axis=0))


def elementwise_hand(xp, x):
    """d/dx [tanh(x) exp(-x^2) + sin(x)^2], one array operation at a time (unfused)."""
    t = xp.tanh(x)
    e = xp.exp(-(x * x))
    return (1 - t * t) * e - 2 * x * t * e + 2 * xp.sin(x) * xp.cos(x)


# -- the device: synchronisation, uploads ---------------------------------------------------
class Device:
    def __init__(self, kind: str):
        self.kind = kind
        if kind == "cuda":
            import cupy

            self.xp = cupy
            self.backend = "cupy"
            self.sync = cupy.cuda.Device().synchronize
            self.download = cupy.asnumpy
        else:
            self.xp = np
            self.backend = "numpy"
            self.sync = lambda: None
            self.download = np.asarray

    def describe(self) -> str:
        if self.kind != "cuda":
            return f"CPU ({os.cpu_count()} cores), numpy {np.__version__}"
        props = self.xp.cuda.runtime.getDeviceProperties(0)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        return f"{name}, cupy {self.xp.__version__}, numpy {np.__version__}"


def median_times(contenders: dict, sync: Callable, repeats: int) -> dict:
    """Median seconds per call, contenders interleaved within each repeat."""
    samples = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            sync()
            start = time.perf_counter()
            fn()
            sync()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in samples.items()}


def _leaves(g):
    return list(g) if isinstance(g, (tuple, list)) else [g]


MISMATCHES: list = []  # contenders whose gradient disagreed: the run exits non-zero


def prepare(contenders: dict, reference: list, to_host: Callable, rtol: float) -> tuple[dict, dict]:
    """Build and warm up each contender (compiles, caches) and check its gradient against
    ``reference`` (the hand-written one); returns (the ones that ran, {name: why not})."""
    ready, skipped = {}, {}
    for name, make in contenders.items():
        try:
            fn = make()
            got = [to_host(v) for v in _leaves(fn())]
            fn()
        except Exception as exc:  # a peer missing on this machine must not stop the run
            first_line = (str(exc).splitlines() or [""])[0][:100]
            skipped[name] = f"{type(exc).__name__}: {first_line}"
            continue
        errors = [_relative_error(g, want) for g, want in zip(got, reference)]
        if len(got) != len(reference) or not max(errors) <= rtol:
            MISMATCHES.append(name)
            skipped[name] = f"WRONG: gradient off by {max(errors, default=float('nan')):.1e} (> {rtol})"
            continue
        ready[name] = fn
    return ready, skipped


def _relative_error(got, want) -> float:
    scale = float(np.max(np.abs(want))) or 1.0
    return float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want))) / scale


# -- peers ----------------------------------------------------------------------------------
def _torch(kind: str):
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    device = "cuda" if kind == "cuda" else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("torch has no CUDA here")
    return torch, device


def _jax(kind: str):
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")
    platform = "gpu" if kind == "cuda" else "cpu"
    device = jax.devices(platform)[0]
    return jax, device


def torch_mlp(kind, params, x, onehot):
    torch, device = _torch(kind)
    tp = [torch.tensor(p, device=device, requires_grad=True) for p in params]
    tx, toh = torch.tensor(x, device=device), torch.tensor(onehot, device=device)

    def loss():
        w1, b1, w2, b2, w3, b3 = tp
        h1 = torch.tanh(tx @ w1 + b1)
        h2 = torch.tanh(h1 @ w2 + b2)
        logits = h2 @ w3 + b3
        shifted = logits - logits.max(dim=1, keepdim=True).values
        logp = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
        return -(toh * logp).sum() / tx.shape[0]

    return lambda: [g.detach().cpu().numpy() for g in torch.autograd.grad(loss(), tp)]


def jax_mlp(kind, params, x, onehot):
    jax, device = _jax(kind)
    jnp = jax.numpy

    def loss(p, x, onehot):
        w1, b1, w2, b2, w3, b3 = p
        h1 = jnp.tanh(x @ w1 + b1)
        h2 = jnp.tanh(h1 @ w2 + b2)
        logits = h2 @ w3 + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - jnp.log(jnp.exp(shifted).sum(axis=1, keepdims=True))
        return -(onehot * logp).sum() / x.shape[0]

    grad = jax.jit(jax.grad(loss))
    jp = [jax.device_put(p, device) for p in params]
    jx, joh = jax.device_put(x, device), jax.device_put(onehot, device)
    return lambda: [g.block_until_ready() for g in grad(jp, jx, joh)]


def torch_elementwise(kind, x):
    torch, device = _torch(kind)
    tx = torch.tensor(x, device=device, requires_grad=True)

    def grad():
        y = (torch.tanh(tx) * torch.exp(-(tx**2)) + torch.sin(tx) ** 2).sum()
        return torch.autograd.grad(y, tx)[0].detach()

    return grad


def jax_elementwise(kind, x):
    jax, device = _jax(kind)
    jnp = jax.numpy
    grad = jax.jit(jax.grad(lambda x: jnp.sum(jnp.tanh(x) * jnp.exp(-(x**2)) + jnp.sin(x) ** 2)))
    jx = jax.device_put(x, device)
    return lambda: grad(jx).block_until_ready()


def cupy_fused_elementwise(dev, x):
    if dev.kind != "cuda":
        raise RuntimeError("cupy.fuse needs cupy (GPU)")
    cupy = dev.xp

    @cupy.fuse()
    def grad(x):
        t = cupy.tanh(x)
        e = cupy.exp(-(x * x))
        return (1 - t * t) * e - 2 * x * t * e + 2 * cupy.sin(x) * cupy.cos(x)

    dx = cupy.asarray(x)
    return lambda: grad(dx)


# -- the runs -------------------------------------------------------------------------------
def mlp_problem(sizes, rng):
    d_in, h1, h2, d_out, batch = sizes

    def w(m, n):
        return (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)

    params = [w(d_in, h1), np.zeros(h1, np.float32), w(h1, h2), np.zeros(h2, np.float32)]
    params += [w(h2, d_out), np.zeros(d_out, np.float32)]
    x = rng.standard_normal((batch, d_in)).astype(np.float32)
    onehot = np.eye(d_out, dtype=np.float32)[rng.integers(0, d_out, batch)]
    return params, x, onehot


def run_mlp(dev: Device, sizes, repeats: int) -> dict:
    params, x, onehot = mlp_problem(sizes, np.random.default_rng(0))
    xp = dev.xp
    dparams, dx, doh = [xp.asarray(p) for p in params], xp.asarray(x), xp.asarray(onehot)
    grad = xformad.grad(mlp_loss)
    reference = [dev.download(g) for g in mlp_hand(xp, dparams, dx, doh)]
    contenders = {
        f"xformad eager ({dev.backend})": lambda: lambda: grad(dparams, dx, doh),
        f"hand-written {xp.__name__}": lambda: lambda: mlp_hand(xp, dparams, dx, doh),
        "torch eager": lambda: torch_mlp(dev.kind, params, x, onehot),
        "jax.jit": lambda: jax_mlp(dev.kind, params, x, onehot),
    }
    ready, skipped = prepare(contenders, reference, _host(dev), rtol=2e-3)
    return {"medians": median_times(ready, dev.sync, repeats), "skipped": skipped, "reference": reference}


def run_mlp_numpy_backend(sizes, reference: list, repeats: int) -> dict:
    """The same MLP on xformad's numpy backend (host arrays, all CPU threads): the
    denominator of the cupy backend's speed-up. Run last: it is the slowest part."""
    params, x, onehot = mlp_problem(sizes, np.random.default_rng(0))  # run_mlp's problem
    numpy_grad = xformad.grad(mlp_loss, backend="numpy")
    on_cpu = {"xformad eager (numpy backend, CPU)": lambda: lambda: numpy_grad(params, x, onehot)}
    ready, skipped = prepare(on_cpu, reference, np.asarray, rtol=2e-3)
    return {"medians": median_times(ready, lambda: None, repeats), "skipped": skipped}


def run_elementwise(dev: Device, n: int, repeats: int) -> dict:
    x = np.random.default_rng(1).uniform(-2, 2, n).astype(np.float32)
    xp = dev.xp
    dx = xp.asarray(x)
    grad = xformad.grad(elementwise_loss)
    reference = [dev.download(elementwise_hand(xp, dx))]
    contenders = {
        f"xformad eager ({dev.backend})": lambda: lambda: grad(dx),
        f"xformad eager ({dev.backend}, generic rules)": lambda: without_fused_rules(dev, lambda: grad(dx)),
        f"hand-written {xp.__name__} (unfused)": lambda: lambda: elementwise_hand(xp, dx),
        "cupy.fuse": lambda: cupy_fused_elementwise(dev, x),
        "torch eager": lambda: torch_elementwise(dev.kind, x),
        "jax.jit": lambda: jax_elementwise(dev.kind, x),
    }
    ready, skipped = prepare(contenders, reference, _host(dev), rtol=1e-4)
    return {"medians": median_times(ready, dev.sync, repeats), "skipped": skipped}


def without_fused_rules(dev: Device, fn: Callable) -> Callable:
    """``fn`` run with the backend's fused adjoint kernels switched off (what they save)."""
    backend = xformad.backends.get_backend(dev.backend)

    def run():
        saved, backend.vjp_overrides = backend.vjp_overrides, {}
        try:
            return fn()
        finally:
            backend.vjp_overrides = saved

    return run


def _host(dev: Device) -> Callable:
    def to_host(v):
        if hasattr(v, "detach"):  # torch
            return v.detach().cpu().numpy()
        if dev.kind == "cuda" and isinstance(v, dev.xp.ndarray):
            return dev.xp.asnumpy(v)
        return np.asarray(v)

    return to_host


# -- the report -----------------------------------------------------------------------------
def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f} ms" if seconds < 10 else f"{seconds:9.2f} s "


def table(title: str, result: dict, baseline: str) -> list[str]:
    medians = result["medians"]
    lines = [title, f"  {'contender':<40}{'median':>13}  {'ratio to ' + baseline}"]
    base = medians.get(baseline)
    for name, t in medians.items():
        ratio = f"{t / base:8.2f}x" if base else "       -"
        lines.append(f"  {name:<40}{_fmt(t):>13}  {ratio}")
    for name, why in result["skipped"].items():
        lines.append(f"  {name:<40}{'n/a':>13}  ({why})")
    return lines


def _print(lines: list) -> None:
    print("\n".join(lines), flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a logic check, not a measurement)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--only", choices=["mlp", "elementwise"], default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    repeats = args.repeats or config["repeats"]
    dev = Device(args.device)
    lines = [f"device: {dev.describe()}; strict float32 (no TF32); median of {repeats} interleaved repeats"]
    print(lines[0], flush=True)
    results: dict = {}
    sizes = config["mlp"]
    try:  # each table prints as soon as it is done: a time limit keeps what finished
        if args.only in (None, "mlp"):
            mlp = run_mlp(dev, sizes, repeats)
            reference = mlp.pop("reference")
            results["mlp"] = mlp
            label = "-".join(map(str, sizes[:4])) + f", batch {sizes[4]}"
            _print(table(f"\nMLP {label}, float32, gradient", mlp, "torch eager"))
        if args.only in (None, "elementwise"):
            n = config["elementwise"]
            ew = results["elementwise"] = run_elementwise(dev, n, repeats)
            baseline = f"hand-written {dev.xp.__name__} (unfused)"
            title = f"\nelementwise sum(tanh(x)*exp(-x**2)+sin(x)**2), n={n:.0e}, float32, gradient"
            _print(table(title, ew, baseline))
        if args.only in (None, "mlp"):
            cpu = results["mlp_numpy_backend"] = run_mlp_numpy_backend(sizes, reference, 2)
            ours = results["mlp"]["medians"].get(f"xformad eager ({dev.backend})")
            numpy_t = cpu["medians"].get("xformad eager (numpy backend, CPU)")
            if ours and numpy_t:
                _print(
                    [
                        f"\nxformad on the MLP, numpy backend (CPU): {_fmt(numpy_t).strip()}; "
                        f"{dev.backend} backend speed-up over it: {numpy_t / ours:.1f}x"
                    ]
                )
            else:
                _print([f"\nnumpy backend on the MLP: n/a {cpu['skipped']}"])
    except KeyboardInterrupt:
        print("\ninterrupted (time limit): the figures above are complete, the rest is missing")
    if args.json:
        args.json.write_text(json.dumps({"device": dev.describe(), "results": results}, indent=2))
    if MISMATCHES:
        print(f"\nFAILED: gradients disagree with the hand-written ones: {MISMATCHES}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
