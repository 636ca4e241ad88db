"""Net torque and angular momentum of point masses, with np.cross."""

import numpy as np

from . import Program


def rotational_objective(positions, velocities, forces, masses):
    centre = np.average(positions, axis=0, weights=masses)
    r = positions - centre
    torque = np.cross(r, forces).sum(axis=0)
    angular_momentum = np.sum(masses[:, None] * np.cross(r, velocities), axis=0)
    return torque @ torque + np.linalg.norm(angular_momentum)


def make_args(rng):
    return (
        rng.standard_normal((5, 3)),
        rng.standard_normal((5, 3)),
        rng.standard_normal((5, 3)),
        rng.uniform(0.5, 2.0, 5),
    )


PROGRAM = Program(
    "rigid_body_torque",
    rotational_objective,
    make_args,
    argnums=(0, 1, 2),
    autograd=False,
    note="autograd has no gradient for np.average",
    jax=True,
    order=2,
)
