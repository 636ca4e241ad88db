"""One row of the primitive spec table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    prim: str
    fn: object
    shapes: list  # list of tuples of input shapes
    domain: tuple = (-2.0, 2.0)
    order: int = 2
    dtype: object = np.float64
    differentiable: bool = True
    extra: dict = field(default_factory=dict)

    # shifts: extra["shift"][k] is added to argument k's draws for each shape set
    def ids(self):
        return [f"{self.prim}-{'x'.join(str(s) for s in shapes)}" for shapes in self.shapes]
