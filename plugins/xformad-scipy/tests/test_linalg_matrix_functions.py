"""scipy.linalg.expm, sqrtm and logm on traced values: values are scipy's, derivatives
(Fréchet derivatives by the block-triangular trick) match finite differences in both
modes to order 2, jit equals eager; and the Fréchet derivative itself is checked against
scipy.linalg.expm_frechet."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from test_linalg_checks import check_function, run_compiled

import xformad

RNG = np.random.default_rng(3)
N = 3
NOISE = RNG.standard_normal((N, N))
A = RNG.standard_normal((N, N)) + 3 * np.eye(N)  # eigenvalues in the right half plane
SPD = A @ A.T + np.eye(N)
ROTATION_LIKE = np.array([[1.0, -2.0, 0.3], [2.0, 1.0, 0.1], [0.2, 0.1, 3.0]])  # complex eigenvalues
A_COMPLEX = A + 0.5j * RNG.standard_normal((N, N))


def case(name, fn, *args):
    return pytest.param(fn, args, id=name)


CASES = [
    case("expm", lambda a: scipy.linalg.expm(a), 0.5 * NOISE),
    case("expm-batch", lambda a: scipy.linalg.expm(a), 0.5 * RNG.standard_normal((2, N, N))),
    case("expm-complex", lambda a: scipy.linalg.expm(a), 0.3 * A_COMPLEX),
    case("expm-1x1", lambda a: scipy.linalg.expm(a), np.array([[0.7]])),
    case("expm-0d", lambda a: scipy.linalg.expm(a), np.array(0.7)),
    case("expm-diagonal", lambda a: scipy.linalg.expm(a), np.diag([0.1, -0.4, 0.9])),
    case("sqrtm", lambda a: scipy.linalg.sqrtm(a), A),
    case("sqrtm-spd", lambda a: scipy.linalg.sqrtm(a), SPD),
    case("sqrtm-complex-eigenvalues", lambda a: scipy.linalg.sqrtm(a), ROTATION_LIKE),
    case("sqrtm-complex", lambda a: scipy.linalg.sqrtm(a), A_COMPLEX),
    case("sqrtm-batch", lambda a: scipy.linalg.sqrtm(a), np.stack([A, SPD])),
    case("logm", lambda a: scipy.linalg.logm(a), A),
    # scipy's logm is the slowest kernel here: its variants run on 2 x 2 matrices
    case("logm-spd", lambda a: scipy.linalg.logm(a), SPD[:2, :2]),
    case("logm-complex-eigenvalues", lambda a: scipy.linalg.logm(a), ROTATION_LIKE[:2, :2]),
    case("logm-complex", lambda a: scipy.linalg.logm(a), A_COMPLEX[:2, :2]),
    case("logm-batch", lambda a: scipy.linalg.logm(a), np.stack([A[:2, :2], SPD[:2, :2]])),
    case("expm-of-logm", lambda a: scipy.linalg.expm(scipy.linalg.logm(a)), A[:2, :2]),
]


@pytest.mark.parametrize("fn, args", CASES)
def test_values_gradients_and_jit(fn, args):
    check_function(fn, args)


def test_expm_tangent_is_scipys_expm_frechet():
    a, e = 0.5 * NOISE, RNG.standard_normal((N, N))
    value, tangent = xformad.jvp(lambda a: scipy.linalg.expm(a), (a,), (e,))
    expm_ref, frechet_ref = scipy.linalg.expm_frechet(a, e)
    np.testing.assert_allclose(value, expm_ref, rtol=1e-12)
    np.testing.assert_allclose(tangent, frechet_ref, rtol=1e-12)


def test_sqrtm_tangent_solves_the_sylvester_equation():
    # X = sqrtm(A): X dX + dX X = dA
    x, dx = xformad.jvp(lambda a: scipy.linalg.sqrtm(a), (A,), (NOISE,))
    np.testing.assert_allclose(dx, scipy.linalg.solve_sylvester(x, x, NOISE), rtol=1e-10)


def test_the_frechet_derivative_is_linear_in_a_tiny_or_huge_direction():
    # the direction is scaled to A's size before the block trick: no loss at either extreme
    _, unit = xformad.jvp(lambda a: scipy.linalg.logm(a), (A,), (NOISE,))
    for scale in (1e-12, 1e12):
        _, scaled = xformad.jvp(lambda a: scipy.linalg.logm(a), (A,), (scale * NOISE,))
        np.testing.assert_allclose(scaled / scale, unit, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:logm result may be inaccurate")
def test_logm_leaves_the_global_random_stream_alone():
    # scipy's logm draws from numpy's global generator (its norm estimator); the kernel
    # puts the state back (else jit would refuse the program as impure)
    state = np.random.get_state()
    run_compiled(xformad.grad(lambda a: np.sum(scipy.linalg.logm(a))), np.stack([A, SPD]))
    after = np.random.get_state()
    assert all(np.array_equal(x, y) for x, y in zip(state[1:2], after[1:2])) and state[2:] == after[2:]


def test_float32_stays_float32():
    a = A.astype(np.float32)
    for fn in (lambda a: scipy.linalg.expm(0.1 * a), lambda a: scipy.linalg.sqrtm(a)):
        value, tangent = xformad.jvp(fn, (a,), (np.ones_like(a),))
        assert value.dtype == tangent.dtype == np.float32
        assert xformad.grad(lambda a: np.sum(fn(a)))(a).dtype == np.float32
