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

    def ids(self):
        return [f"{self.prim}-{'x'.join(str(s) for s in shapes)}" for shapes in self.shapes]

    def draw(self, shapes, rng, *, scalars: bool = True) -> tuple:
        """Inputs of these shapes from the case's domain (complex for complex dtypes);
        ``extra["shift"][0][k]`` is added to argument k. ``scalars``: a shape () draws a
        numpy scalar rather than a 0-d array."""
        args = []
        lo, hi = self.domain
        shift = self.extra.get("shift")
        for k, shape in enumerate(shapes):
            x = rng.uniform(lo, hi, size=shape)
            if np.dtype(self.dtype).kind == "c":
                x = x + 1j * rng.uniform(lo, hi, size=shape)
            if shift:
                x = x + shift[0][k]
            args.append(np.asarray(x, dtype=self.dtype) if shape or not scalars else self.dtype(x))
        return tuple(args)
