"""A realistic program: one 2-d convolution layer of a small "conv net" (images convolved
with a learned kernel, tanh, squared error against targets), written in plain numpy and
scipy.signal. Its gradient in the kernel against finite differences and against autograd
(whose autograd.scipy.signal.convolve is an independent implementation), eager and jit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import xformad
from xformad.testing import check_grads


@pytest.fixture
def data(rng):
    images = rng.normal(size=(3, 8, 7))
    targets = np.tanh(rng.normal(size=(3, 6, 5)))  # the 'valid' output of a 3 x 3 kernel
    kernel = 0.3 * rng.normal(size=(3, 3))
    return images, targets, kernel


def layer_loss(kernel, images, targets, bias=0.1):
    loss = 0.0
    for image, target in zip(images, targets):
        activation = np.tanh(scipy.signal.convolve2d(image, kernel, mode="valid") + bias)
        loss = loss + np.sum((activation - target) ** 2)
    return loss / len(images)


def layer_loss_by_correlation(kernel, images, targets, bias=0.1):
    # the same layer as an n-d correlation with the reversed kernel, all images at once
    activation = np.tanh(scipy.signal.correlate(images, kernel[None, ::-1, ::-1], mode="valid") + bias)
    return np.sum((activation - targets) ** 2) / len(images)


def test_gradient_in_the_kernel_matches_finite_differences(data):
    images, targets, kernel = data
    check_grads(lambda k: layer_loss(k, images, targets), (kernel,), modes=("fwd", "rev"), order=2)
    check_grads(lambda k: layer_loss_by_correlation(k, images, targets), (kernel,), modes=("rev",), order=1)


def test_gradient_in_the_kernel_matches_autograd_eager_and_jit(data):
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    import autograd.scipy.signal as asig

    images, targets, kernel = data

    def autograd_loss(kernel):
        loss = 0.0
        for image, target in zip(images, targets):
            activation = anp.tanh(asig.convolve(image, kernel, mode="valid") + 0.1)
            loss = loss + anp.sum((activation - target) ** 2)
        return loss / len(images)

    expected = autograd.grad(autograd_loss)(kernel)
    grad = xformad.grad(layer_loss)
    np.testing.assert_allclose(grad(kernel, images, targets), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        xformad.grad(layer_loss_by_correlation)(kernel, images, targets), expected, rtol=1e-12, atol=1e-14
    )
    fast = xformad.jit(grad)
    np.testing.assert_allclose(fast(kernel, images, targets), expected, rtol=1e-12, atol=1e-14)
    # the compiled program on another kernel: still autograd's numbers
    other = kernel[::-1].copy()
    np.testing.assert_allclose(fast(other, images, targets), autograd.grad(autograd_loss)(other), rtol=1e-12)


def test_a_few_steps_of_gradient_descent_reduce_the_loss(data):
    images, targets, kernel = data
    value_and_grad = xformad.jit(xformad.value_and_grad(layer_loss))
    losses = []
    for _ in range(5):
        loss, g = value_and_grad(kernel, images, targets)
        losses.append(float(loss))
        kernel = kernel - 0.02 * g
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]
    np.testing.assert_allclose(losses[-1], layer_loss(kernel + 0.02 * g, images, targets), rtol=1e-14)
