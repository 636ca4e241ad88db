"""The whole ndarray surface on a Tracer: each attribute works as numpy's does, or raises
an XformadError (or numpy's own exception type), never an AttributeError from inside."""

from __future__ import annotations

import numpy as np
import pytest

import xformad
from xformad.testing import check_grads

PUBLIC = sorted(n for n in dir(np.ndarray) if not n.startswith("_"))


@pytest.mark.parametrize("name", PUBLIC)
def test_every_ndarray_attribute_is_served_or_refused_clearly(name):
    seen = {}

    def f(x):
        try:
            seen["value"] = getattr(x, name)
        except xformad.XformadError as exc:
            seen["error"] = exc
        return np.sum(x)

    xformad.grad(f)(np.array([[1.0, 2.0], [3.0, 4.0]]))
    if "error" in seen:
        assert "traced" in str(seen["error"])
        assert isinstance(seen["error"], AttributeError)  # hasattr(x, name) stays usable


def test_attributes_that_describe_memory():
    def f(x):
        assert x.nbytes == 32 and x.itemsize == 8
        assert x.flags.c_contiguous and x.flags["C_CONTIGUOUS"] and x.flags.writeable
        assert x.T.flags.f_contiguous and x.T.base is x
        assert x.flags["C"] and x.flags["CONTIGUOUS"] and x.flags["WRITEABLE"] and x.flags["O"]
        assert x.T.flags["F_CONTIGUOUS"] and not x.T.flags["OWNDATA"] and not x.flags["X"]
        with pytest.raises(KeyError):
            x.flags["NO_SUCH_FLAG"]
        assert x.strides == (16, 8)
        assert not hasattr(x, "ctypes") and not hasattr(x, "data")
        return np.sum(x)

    xformad.grad(f)(np.ones((2, 2)))


def test_setting_shape_reshapes_in_place():
    def f(x):
        y = x * 1.0
        y.shape = (3, 2)
        return np.sum(y[:, 0] * np.array([1.0, 2.0, 3.0]))

    x = np.arange(6.0)
    assert xformad.grad(f)(x).tolist() == [1.0, 0.0, 2.0, 0.0, 3.0, 0.0]
    assert f(x.copy()) == xformad.value_and_grad(f)(x)[0]


def test_setting_shape_of_a_view_is_refused_with_the_fix():
    def f(x):
        v = x[:]
        v.shape = (2, 2)
        return np.sum(v)

    with pytest.raises(xformad.UnsupportedOperation, match="reshape"):
        xformad.grad(f)(np.ones(4))


def test_view_with_another_dtype_is_refused():
    with pytest.raises(xformad.UnsupportedOperation, match="astype"):
        xformad.grad(lambda x: np.sum(x.view(np.int64)))(np.ones(2))


def test_round_of_a_traced_scalar_follows_numpy():
    def f(x):
        s = np.sum(x)
        n = round(s)  # an integer, as round(np.float64) is
        assert int(n) == 2 and np.issubdtype(
            np.asarray(n).dtype if not hasattr(n, "dtype") else n.dtype, np.integer
        )
        return s * n + round(s, 1)

    x = np.array([0.7, 1.6])
    value, g = xformad.value_and_grad(f)(x)
    s = 2.3
    assert value == pytest.approx(s * round(s) + round(s, 1))
    np.testing.assert_allclose(g, [round(s)] * 2)  # round's derivative is zero


def test_round_of_a_traced_array_is_numpys_type_error():
    with pytest.raises(TypeError, match="__round__"):
        xformad.grad(lambda x: np.sum(round(x)))(np.ones(2))


def test_format_contains_and_divmod():
    def f(x):
        assert f"{np.sum(x):.2f}" == "3.00"
        assert 1.0 in x and 7.0 not in x
        q, r = divmod(7.0, x)
        return np.sum(q + r * x)

    x = np.array([1.0, 2.0])
    assert xformad.value_and_grad(f)(x)[0] == pytest.approx(
        np.sum(np.floor_divide(7.0, x) + np.remainder(7.0, x) * x)
    )


def test_partition_and_put_methods_work_in_place():
    def f(x):
        y = x * 1.0
        y.partition(1)
        y.put([0, 2], x[:2] * 3)
        return y

    x = np.array([3.0, 1.0, 2.0])
    np.testing.assert_array_equal(xformad.vjp(f, x)[0], f(x.copy()))
    check_grads(f, (x,))


@pytest.mark.parametrize("scalar_type", [np.int64, np.int32, np.intp, np.float16, np.complex64])
def test_numpy_scalar_types_cast_traced_arrays_as_numpy(scalar_type):
    x = np.array([1.5, -2.7, 3.2])

    def f(x):
        return x * np.real(scalar_type(x)).astype(np.float64)

    np.testing.assert_array_equal(xformad.vjp(f, x)[0], f(x))
    cast = xformad.vjp(lambda x: scalar_type(x[0] * 2), x)[0]
    assert type(cast) is type(scalar_type(x[0] * 2)) and cast == scalar_type(x[0] * 2)
    if np.dtype(scalar_type).kind == "i":  # truncation has no derivative
        np.testing.assert_array_equal(xformad.grad(lambda x: np.sum(x * scalar_type(x)))(x), [1.0, -2.0, 3.0])
