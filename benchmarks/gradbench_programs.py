"""Five plain-numpy programs of the shape GradBench uses, for bench_jit_pays.py.

Each is a scalar loss written the way a person writes it in numpy, Python loops included
(they unroll under tracing, so each program is thousands of IR nodes). At ``FULL`` sizes:

1. ``lsq``: least squares, a Python loop of 1000 scalar terms (y_i - (a x_i + b))^2 with
   x[i], y[i] read one at a time; gradient w.r.t. the length-2 array p = (a, b).
2. ``det``: the cofactor (Laplace) expansion of the determinant of a 7x7 matrix, recursive
   in Python over the matrix's numpy scalars; gradient w.r.t. the matrix.
3. ``ode``: RK4, 100 steps, of a 4-species competitive Lotka-Volterra system
   x' = r x (1 - A x); loss sum(x(T)^2); gradient w.r.t. the 20 parameters (r, A).
4. ``lstm``: a 2-layer LSTM (input 8, hidden 16, float64) over 100 steps, squared error
   of the top layer's hidden state against targets; gradient w.r.t. the flat parameters.
5. ``particles``: 4 particles in 2D with softened pairwise attraction and a harmonic
   tether, 1000 semi-implicit Euler steps; loss on the final positions; gradient w.r.t.
   the initial velocities.

``REDUCED`` sizes (what bench_jit_pays.py runs by default, to finish in about 8 minutes
on two cores) keep lsq and ode at full size, det at 6x6, the LSTM at 40 steps and the
particles at 100 steps; ``programs(sizes)`` builds the five at any sizes.

Every program is a ``Program``: the loss (gradient w.r.t. argument 0), a function making its
inputs, a closed-form reference gradient where there is one (``lsq``, ``det``), and the same
program in jax.numpy (built lazily: importing this module does not import jax). Checks:
``reference_check`` (the closed form, and complex-step directional derivatives, exact to
rounding since every loss is real-analytic in its parameters) and
``finite_difference_check`` (central differences along a few directions).

The jax versions do the same arithmetic per step, but write the time loops as
``lax.fori_loop`` / ``lax.scan`` (a Python loop of 1000 steps takes ``jax.jit`` about a
minute to compile on this machine: the session that wrote this measured 57 s and 100 s for
lsq; not re-measured since), and the determinant as the same cofactor expansion with each
minor computed once and batched per level (the unrolled recursion is some 15,000 scalar ops
at 7x7, not tried: an unrolled program of that size is what took a minute above), so jax
does O(n 2^n) work there where the numpy program does O(n!). That is how one writes these
in jax; it is not the same program as the numpy one for ``det``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FULL = {"lsq": 1000, "det": 7, "ode": 100, "lstm": 100, "particles": 1000}
REDUCED = {"lsq": 1000, "det": 6, "ode": 100, "lstm": 40, "particles": 100}


@dataclass
class Program:
    name: str
    description: str
    loss: Callable  # plain numpy; gradient w.r.t. argument 0
    make_args: Callable  # rng -> tuple of arguments
    jax_loss: Callable  # (jnp, lax) -> the same loss in jax
    reference: Callable | None = None  # (*args) -> the exact gradient, where closed form


def perturb(args: tuple, rng, scale: float = 1e-3) -> tuple:
    """A slightly different copy of the float arrays in ``args`` (same shapes and dtypes),
    for the "inputs changed on every call" measurements."""
    return tuple(
        a * (1.0 + scale * rng.standard_normal(a.shape)) if isinstance(a, np.ndarray) else a for a in args
    )


# -- 1. least squares --------------------------------------------------------------------------
def lsq(p, x, y):
    a = p[0]
    b = p[1]
    total = 0.0
    for i in range(len(x)):
        total = total + (y[i] - (a * x[i] + b)) ** 2
    return total


def make_lsq(n: int) -> Program:
    def make_args(rng):
        x = rng.uniform(-1.0, 1.0, n)
        y = 2.0 * x - 0.5 + 0.1 * rng.standard_normal(n)
        return np.array([1.5, 0.2]), x, y

    def reference(p, x, y):
        r = y - (p[0] * x + p[1])
        return np.array([-2.0 * np.sum(r * x), -2.0 * np.sum(r)])

    def jax_loss(jnp, lax):
        def lsq_jax(p, x, y):
            a = p[0]
            b = p[1]

            def term(i, total):
                return total + (y[i] - (a * x[i] + b)) ** 2

            return lax.fori_loop(0, len(x), term, jnp.zeros((), p.dtype))

        return lsq_jax

    return Program(
        "lsq", f"least squares, Python loop of {n} scalar terms", lsq, make_args, jax_loss, reference
    )


# -- 2. cofactor determinant ---------------------------------------------------------------------
def _cofactor(a, rows, cols):
    """Laplace expansion along the first of ``rows``; ``a`` is the matrix as nested lists of
    its scalars."""
    if len(rows) == 1:
        return a[rows[0]][cols[0]]
    if len(rows) == 2:
        r0, r1 = rows
        c0, c1 = cols
        return a[r0][c0] * a[r1][c1] - a[r0][c1] * a[r1][c0]
    r0, rest = rows[0], rows[1:]
    total = 0.0
    for j, c in enumerate(cols):
        term = a[r0][c] * _cofactor(a, rest, cols[:j] + cols[j + 1 :])
        total = total + term if j % 2 == 0 else total - term
    return total


def det(A):
    n = A.shape[0]
    a = [[A[i, j] for j in range(n)] for i in range(n)]
    return _cofactor(a, tuple(range(n)), tuple(range(n)))


def _minor_tables(n: int):
    """For the jax version: per level k = 2..n (the bottom k rows), the column subsets of
    size k, and for each subset and each of its columns j the index of the subset without j
    at level k - 1."""
    levels = {1: list(itertools.combinations(range(n), 1))}
    tables = []
    for k in range(2, n + 1):
        levels[k] = list(itertools.combinations(range(n), k))
        below = {s: i for i, s in enumerate(levels[k - 1])}
        cols = np.array(levels[k])
        sub = np.array([[below[s[:j] + s[j + 1 :]] for j in range(k)] for s in levels[k]])
        tables.append((n - k, cols, sub, np.array([(-1.0) ** j for j in range(k)])))
    return np.array(levels[1])[:, 0], tables


def make_det(n: int) -> Program:
    def make_args(rng):
        return (rng.standard_normal((n, n)) + 2.0 * np.eye(n),)

    def reference(A):
        return np.linalg.det(A) * np.linalg.inv(A).T  # d det(A) / dA = det(A) inv(A)^T

    def jax_loss(jnp, lax):
        first, tables = _minor_tables(n)

        def det_jax(A):
            d = A[n - 1][first]  # the 1x1 minors of the last row
            for row, cols, sub, signs in tables:
                d = jnp.sum(signs * A[row][cols] * d[sub], axis=1)
            return d[0]

        return det_jax

    return Program(
        "det", f"Laplace-expansion determinant, {n}x{n}, recursive", det, make_args, jax_loss, reference
    )


# -- 3. RK4 ODE -------------------------------------------------------------------------------
ODE_DT = 0.05


def _lv(x, r, A):
    return r * x * (1.0 - A @ x)


def _rk4_step(f, x, h, r, A):
    k1 = f(x, r, A)
    k2 = f(x + 0.5 * h * k1, r, A)
    k3 = f(x + 0.5 * h * k2, r, A)
    k4 = f(x + h * k3, r, A)
    return x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def make_ode(steps: int) -> Program:
    def ode(params, x0):
        r = params[:4]
        A = params[4:].reshape(4, 4)
        x = x0
        for _ in range(steps):
            x = _rk4_step(_lv, x, ODE_DT, r, A)
        return np.sum(x**2)

    def make_args(rng):
        r = np.array([1.0, 0.72, 1.53, 1.27])
        A = np.array(
            [
                [1.00, 1.09, 1.52, 0.00],
                [0.00, 1.00, 0.44, 1.36],
                [2.33, 0.00, 1.00, 0.47],
                [1.21, 0.51, 0.35, 1.00],
            ]
        )
        params = np.concatenate([r, A.ravel()]) * (1.0 + 0.01 * rng.standard_normal(20))
        return params, np.array([0.3, 0.4, 0.2, 0.35])

    def jax_loss(jnp, lax):
        def ode_jax(params, x0):
            r = params[:4]
            A = params[4:].reshape(4, 4)
            x = lax.fori_loop(0, steps, lambda _, x: _rk4_step(_lv, x, ODE_DT, r, A), x0)
            return jnp.sum(x**2)

        return ode_jax

    return Program("ode", f"RK4 ODE, {steps} steps, 4-species Lotka-Volterra", ode, make_args, jax_loss)


# -- 4. 2-layer LSTM ----------------------------------------------------------------------------
LSTM_IN, LSTM_HIDDEN = 8, 16
_LSTM_SHAPES = [
    (4 * LSTM_HIDDEN, LSTM_IN),
    (4 * LSTM_HIDDEN, LSTM_HIDDEN),
    (4 * LSTM_HIDDEN,),
    (4 * LSTM_HIDDEN, LSTM_HIDDEN),
    (4 * LSTM_HIDDEN, LSTM_HIDDEN),
    (4 * LSTM_HIDDEN,),
]


def _unpack(params):
    out, start = [], 0
    for shape in _LSTM_SHAPES:
        size = int(np.prod(shape))
        out.append(params[start : start + size].reshape(shape))
        start += size
    return out


def _lstm_cell(xp, Wx, Wh, b, x, h, c):
    H = LSTM_HIDDEN
    z = Wx @ x + Wh @ h + b
    i = 1.0 / (1.0 + xp.exp(-z[:H]))
    f = 1.0 / (1.0 + xp.exp(-z[H : 2 * H]))
    o = 1.0 / (1.0 + xp.exp(-z[2 * H : 3 * H]))
    g = xp.tanh(z[3 * H :])
    c = f * c + i * g
    h = o * xp.tanh(c)
    return h, c


def lstm(params, xs, targets):
    Wx1, Wh1, b1, Wx2, Wh2, b2 = _unpack(params)
    h1 = c1 = h2 = c2 = np.zeros(LSTM_HIDDEN)
    loss = 0.0
    for t in range(xs.shape[0]):
        h1, c1 = _lstm_cell(np, Wx1, Wh1, b1, xs[t], h1, c1)
        h2, c2 = _lstm_cell(np, Wx2, Wh2, b2, h1, h2, c2)
        loss = loss + np.sum((h2 - targets[t]) ** 2)
    return loss


def make_lstm(steps: int) -> Program:
    def make_args(rng):
        n = sum(int(np.prod(s)) for s in _LSTM_SHAPES)
        params = rng.standard_normal(n) * 0.3
        xs = rng.standard_normal((steps, LSTM_IN))
        targets = 0.5 * np.tanh(rng.standard_normal((steps, LSTM_HIDDEN)))
        return params, xs, targets

    def jax_loss(jnp, lax):
        def lstm_jax(params, xs, targets):
            Wx1, Wh1, b1, Wx2, Wh2, b2 = _unpack(params)

            def step(carry, xt):
                h1, c1, h2, c2, loss = carry
                x, target = xt
                h1, c1 = _lstm_cell(jnp, Wx1, Wh1, b1, x, h1, c1)
                h2, c2 = _lstm_cell(jnp, Wx2, Wh2, b2, h1, h2, c2)
                return (h1, c1, h2, c2, loss + jnp.sum((h2 - target) ** 2)), None

            zero = jnp.zeros(LSTM_HIDDEN, params.dtype)
            carry, _ = lax.scan(step, (zero, zero, zero, zero, jnp.zeros((), params.dtype)), (xs, targets))
            return carry[4]

        return lstm_jax

    desc = f"2-layer LSTM, {steps} steps, hidden {LSTM_HIDDEN}, input {LSTM_IN}"
    return Program("lstm", desc, lstm, make_args, jax_loss)


# -- 5. particles -------------------------------------------------------------------------------
N_PARTICLES, PARTICLE_DT, STRENGTH, SOFTENING = 4, 0.01, 0.05, 0.1


def _accel(xp, x):
    d = x[:, None, :] - x[None, :, :]  # (n, n, 2) separations
    r2 = xp.sum(d**2, axis=-1) + SOFTENING  # softened: the diagonal is SOFTENING, not 0
    inv3 = r2**-1.5
    return -STRENGTH * xp.sum(d * inv3[:, :, None], axis=1) - x  # attraction + tether


def make_particles(steps: int) -> Program:
    def particles(v0, x0, target):
        x = x0
        v = v0
        for _ in range(steps):
            v = v + PARTICLE_DT * _accel(np, x)
            x = x + PARTICLE_DT * v
        return np.sum((x - target) ** 2)

    def make_args(rng):
        x0 = rng.uniform(-1.0, 1.0, (N_PARTICLES, 2))
        v0 = 0.3 * rng.standard_normal((N_PARTICLES, 2))
        target = rng.uniform(-0.5, 0.5, (N_PARTICLES, 2))
        return v0, x0, target

    def jax_loss(jnp, lax):
        def particles_jax(v0, x0, target):
            def step(_, state):
                x, v = state
                v = v + PARTICLE_DT * _accel(jnp, x)
                return x + PARTICLE_DT * v, v

            x, _ = lax.fori_loop(0, steps, step, (x0, v0))
            return jnp.sum((x - target) ** 2)

        return particles_jax

    desc = f"{N_PARTICLES} particles in 2D, {steps} semi-implicit Euler steps"
    return Program("particles", desc, particles, make_args, jax_loss)


def programs(sizes: dict = REDUCED) -> dict:
    """The five programs at ``sizes`` (loop lengths; the matrix order for det)."""
    makers = {
        "lsq": make_lsq,
        "det": make_det,
        "ode": make_ode,
        "lstm": make_lstm,
        "particles": make_particles,
    }
    return {name: maker(sizes[name]) for name, maker in makers.items()}


# -- checks -------------------------------------------------------------------------------------
def complex_step(loss: Callable, args: tuple, direction: np.ndarray, h: float = 1e-30) -> float:
    """d/dt loss(args[0] + t direction, *args[1:]) at t = 0 by the complex step: exact to
    rounding for a loss that is real-analytic in args[0] (no cancellation)."""
    return float(np.imag(loss(args[0] + 1j * h * direction, *args[1:])) / h)


def reference_check(program: Program, grad_value, args: tuple, directions=3, seed=1) -> float:
    """Largest relative error of ``grad_value`` (the gradient w.r.t. args[0]) against the
    closed form where there is one, and against complex-step directional derivatives along
    a few random directions."""
    rng = np.random.default_rng(seed)
    g = np.asarray(grad_value)
    worst = 0.0
    if program.reference is not None:
        want = program.reference(*args)
        worst = float(np.max(np.abs(g - want)) / np.max(np.abs(want)))
    for _ in range(directions):
        v = rng.standard_normal(np.shape(args[0]))
        want = complex_step(program.loss, args, v)
        worst = max(worst, abs(float(np.sum(g * v)) - want) / abs(want))
    return worst


def finite_difference_check(
    program: Program, grad_value, args: tuple, directions: int = 3, seed: int = 2
) -> float:
    """Largest relative error of grad . v against central finite differences of the loss
    along a few random unit directions v."""
    rng = np.random.default_rng(seed)
    g = np.asarray(grad_value)
    x = np.asarray(args[0], dtype=float)
    h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    worst = 0.0
    for _ in range(directions):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        fd = (float(program.loss(x + h * v, *args[1:])) - float(program.loss(x - h * v, *args[1:]))) / (2 * h)
        worst = max(worst, abs(float(np.sum(g * v)) - fd) / abs(fd))
    return worst
