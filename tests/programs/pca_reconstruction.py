"""PCA reconstruction error: centre, truncated SVD, project onto the top components."""

import numpy as np

from . import Program


def reconstruction_error(data, n_components=2):
    centred = data - data.mean(axis=0)
    U, s, Vt = np.linalg.svd(centred, full_matrices=False)
    components = Vt[:n_components]
    reconstructed = centred @ components.T @ components
    return np.sum((centred - reconstructed) ** 2) / len(data)


def make_args(rng):
    latent = rng.standard_normal((15, 2)) * np.array([3.0, 1.5])
    return (latent @ rng.standard_normal((2, 4)) + 0.3 * rng.standard_normal((15, 4)),)


PROGRAM = Program("pca_reconstruction", reconstruction_error, make_args, order=2)
