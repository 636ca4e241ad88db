"""Derivative rules shared by every convolution served, from a description of each (a layout).

Each function is ``y = window(full(p(in1), q(in2)))``: the full convolution of its inputs
after a map each (reversed along the convolved axes and/or conjugated: ``q`` reverses and
conjugates ``in2`` for a correlation), cropped to scipy's window (``geometry``).

- Forward mode: ``y`` is linear in each input over the reals, so the tangent is the same
  call with the tangent in that input's place (for a nonzero fill value, the fill belongs to
  the constant part: the tangent of ``in1`` is taken with zeros).
- Reverse mode: with ``g`` the cotangent put back in its window of the full result (zeros
  around it), the transpose of convolving with ``w`` is the 'valid' convolution of ``g``
  with ``w`` reversed (a correlation without conjugation, as the VJP is the transpose of
  the JVP): ``ct1 = p(valid(g, reversed(q(in2))))`` and ``ct2 = q(valid(g, reversed(p(in1))))``
  (each map is its own transpose).

The rules bind the primitives again, so they differentiate themselves (any order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import embed, full_shape, window_start


@dataclass(frozen=True)
class OperandMap:
    """What happens to an input before the full convolution. Reversing and conjugating are
    each their own transpose, so the map also brings a cotangent back."""

    reverse: bool = False
    conjugate: bool = False

    def reversed(self) -> OperandMap:
        return OperandMap(not self.reverse, self.conjugate)

    def __call__(self, x, axes: tuple):
        if self.reverse and axes:
            x = np.flip(x, axis=axes)
        if self.conjugate and np.iscomplexobj(x):  # a real array is its own conjugate
            x = np.conjugate(x)
        return x


AS_IS = OperandMap()
REVERSED = OperandMap(reverse=True)
CONJUGATED = OperandMap(conjugate=True)
REVERSED_CONJUGATE = OperandMap(reverse=True, conjugate=True)


def attach_rules(primitive, layout) -> None:
    """Give ``primitive`` its JVP and VJP rules, from ``layout`` (see ``layouts.Layout``)."""

    def tangent_of_first(t, ans, in1, in2, **params):
        return primitive.bind(t, in2, **layout.linear_params(params))

    def tangent_of_second(t, ans, in1, in2, **params):
        return primitive.bind(in1, t, **params)

    def cotangent_of_first(ct, ans, in1, in2, **params):
        g, axes, p, q = _in_full(layout, ct, ans, in1, in2, params)
        kernel = q.reversed()(in2, axes)
        padding = layout.padding(in1, in2, params)
        if padding is None:
            return p(layout.convolve(g, kernel, "valid", params), axes)
        # through the padding: the full convolution covers the padded in1, then fold it back
        return p(padding.transpose(layout.convolve(g, kernel, "full", params), np.shape(in1)), axes)

    def cotangent_of_second(ct, ans, in1, in2, **params):
        g, axes, p, q = _in_full(layout, ct, ans, in1, in2, params)
        padding = layout.padding(in1, in2, params)
        if padding is None:
            return q(layout.convolve(g, p.reversed()(in1, axes), "valid", params), axes)
        # the kernel saw the padded in1 (fill included): correlate g with it
        return q(layout.convolve(np.flip(padding.apply(p(in1, axes)), axis=axes), g, "valid", params), axes)

    primitive.def_jvp(tangent_of_first, tangent_of_second)
    primitive.def_vjp(cotangent_of_first, cotangent_of_second)


def _in_full(layout, ct, ans, in1, in2, params):
    """The cotangent embedded in the full result, the convolved axes and the operand maps."""
    shape1, shape2 = np.shape(in1), np.shape(in2)
    axes = layout.axes(len(shape1), params)
    full = full_shape(shape1, shape2, axes)
    start = window_start(full, np.shape(ans), shape2, layout.late_centre(params))
    p, q = layout.maps(shape1, shape2, params)
    return embed(ct, full, start), axes, p, q
