"""A 2-D 'valid' convolution written as an accumulation over kernel offsets, the way image
filters are written in plain numpy, followed by a smooth activation and a mean."""

import numpy as np

from . import Program


def conv2d_valid(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros_like(image[:H, :W])
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + H, j : j + W]
    return out


def feature_loss(kernel, image):
    return np.mean(np.tanh(conv2d_valid(image, kernel)) ** 2)


def make_args(rng):
    return 0.3 * rng.standard_normal((3, 3)), rng.standard_normal((7, 8))


PROGRAM = Program(
    "conv2d_accumulate",
    feature_loss,
    make_args,
    argnums=(0, 1),
    order=2,
    autograd=False,
    jax=True,
    note="autograd cannot add a traced value into an ndarray in place (out += ...)",
)
