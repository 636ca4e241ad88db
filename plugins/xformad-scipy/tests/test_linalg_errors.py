"""Everything the scipy.linalg family does not serve raises a clear error (an XformadError
saying what to do instead) rather than returning a number; scipy's own errors stay
scipy's; and plain calls (nothing traced) are scipy's, options and all."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.linalg
from xformad_scipy.errors import LinalgError

import xformad

A = np.array([[2.0, 1.0], [0.5, 3.0]])
ONES = np.ones(2)
NEGATIVE_EIGENVALUE = np.array([[-1.0, 0.2], [0.1, 2.0]])
SINGULAR = np.array([[0.0, 1.0], [0.0, 2.0]])


def _grad(fn, x):
    return xformad.grad(lambda a: np.sum(np.real(fn(a))))(x)


REFUSED = [
    # (function of the traced matrix, input, words the message must contain)
    (lambda a: scipy.linalg.cholesky(a), A + 0j, "complex"),
    (lambda a: scipy.linalg.cho_factor(a)[0], A + 0j, "complex"),
    (lambda a: scipy.linalg.cho_solve((a, False), ONES), A + 0j, "complex"),
    (lambda a: scipy.linalg.eigh(a)[0], A + 0j, "real symmetric"),
    (lambda a: scipy.linalg.eigh(a, np.eye(2))[0], A, "cholesky(b"),
    (lambda a: scipy.linalg.eigh(a, subset_by_index=(0, 0))[0], A, "index the result"),
    (lambda a: scipy.linalg.eigh(a, subset_by_value=(0, 5))[0], A, "index the result"),
    (lambda a: scipy.linalg.solve(a, ONES, assume_a="her"), A + 0j, "assume_a='gen'"),
    (lambda a: scipy.linalg.solve(a, ONES, assume_a="pos"), A + 0j, "assume_a='gen'"),
    (lambda a: scipy.linalg.inv(a, assume_a="her"), A + 0j, "assume_a='gen'"),
    (lambda a: scipy.linalg.lu_factor(a)[0], np.ones((2, 3)), "square matrices only"),
    (lambda a: scipy.linalg.sqrtm(a, disp=True), A, "without it"),
    (lambda a: scipy.linalg.sqrtm(a, blocksize=32), A, "without it"),
    (lambda a: scipy.linalg.logm(a, disp=False), A, "without it"),
    (lambda a: scipy.linalg.sqrtm(a), np.array(2.0), "np.sqrt"),
    (lambda a: scipy.linalg.sqrtm(a), NEGATIVE_EIGENVALUE, "branch cut"),
    (lambda a: scipy.linalg.logm(a), NEGATIVE_EIGENVALUE, "branch cut"),
    (lambda a: scipy.linalg.sqrtm(a), SINGULAR, "negative real axis (or zero)"),
    (lambda a: scipy.linalg.logm(a), SINGULAR, "negative real axis (or zero)"),
    (lambda a: scipy.linalg.sqrtm(a), NEGATIVE_EIGENVALUE + 0j, "negative real axis"),
    # scipy takes any trans and solves something that depends on a's memory layout
    (lambda a: scipy.linalg.solve_triangular(a, ONES, trans=5), A, "use 0, 1, 2, 'N', 'T' or 'C'"),
]


@pytest.mark.parametrize("fn, x, words", REFUSED)
def test_unserved_requests_raise_a_clear_xformad_error(fn, x, words):
    with warnings.catch_warnings(), pytest.raises(LinalgError) as raised:
        warnings.simplefilter("ignore")  # scipy's own warnings on the singular inputs
        _grad(fn, x)
    assert isinstance(raised.value, xformad.XformadError)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "fn, error",
    [
        (lambda a: scipy.linalg.solve(a, ONES, assume_a="nonsense"), ValueError),
        (lambda a: scipy.linalg.inv(a, assume_a="tridiagonal"), KeyError),
        (lambda a: scipy.linalg.solve(a, ONES, transposed=True), NotImplementedError),
        (lambda a: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), ONES, trans="T"), ValueError),
        (lambda a: scipy.linalg.cholesky(-a), np.linalg.LinAlgError),
        (lambda a: scipy.linalg.solve(-a, ONES, assume_a="pos"), np.linalg.LinAlgError),
        (lambda a: scipy.linalg.solve(a * 0, ONES), np.linalg.LinAlgError),
    ],
    ids=["structure", "inv-structure", "lu-trans", "complex-transposed", "not-pd", "pos-not-pd", "singular"],
)
def test_scipys_own_errors_are_scipys(fn, error):
    x = A + 0j if error is NotImplementedError else A
    with pytest.raises(error):
        fn(x)  # plain
    with pytest.raises(error):
        _grad(fn, x)  # traced


def test_det_gradient_at_a_singular_matrix_raises_instead_of_returning_nan():
    assert scipy.linalg.det(np.ones((2, 2))) == 0
    with pytest.raises(np.linalg.LinAlgError):
        _grad(lambda a: scipy.linalg.det(a), np.ones((2, 2)))


def test_plain_calls_are_untouched():
    # outside a trace scipy's function is in place; inside one, a call with no traced
    # argument runs it too (options the traced path refuses included)
    assert scipy.linalg.solve.__module__ == "scipy.linalg._basic"

    def uses_constants(x):
        c = scipy.linalg.cho_factor(A @ A.T)
        root, _ = scipy.linalg.sqrtm(A @ A.T, disp=False)
        return x * np.sum(scipy.linalg.cho_solve(c, ONES)) + x * np.sum(root)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # sqrtm's disp
        grad = xformad.grad(uses_constants)(1.0)
        expected = np.sum(np.linalg.solve(A @ A.T, ONES)) + np.sum(scipy.linalg.sqrtm(A @ A.T))
    np.testing.assert_allclose(grad, expected, rtol=1e-12)
