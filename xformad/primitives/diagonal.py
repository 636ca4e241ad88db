"""A batch of scaled unit vectors, kept symbolic: the seeds of a Jacobian.

``jacrev`` and ``jacfwd`` batch one sweep over the unit seeds of an output or an input: n
members of n entries, all zero but one. Materialised (``np.eye``), they make each
linear step of the sweep cost n times its unbatched cost: the Jacobian of tanh(W x) by
reverse mode multiplies an n×n identity by W, n³ multiply-adds, where the rows of the
result are d_k W[k] (n²). ``DiagonalBatch`` is that batch without the zeros, in bands:
member k is the sum over the bands (offset o, values d_o, all of one member shape) of d_o
with every entry but the one at flat position k - o set to zero. The seeds are one band,
o = 0, d = ones. Slices shift a band (``x[1:]`` of the seeds: member k is entry k - 1), and
the sum of two shifted slices has two bands, so banded Jacobians and Hessians (stencils,
Rosenbrock's function, chains) stay n·bands entries instead of n².

A primitive that maps such a batch to another one, or to a plain batch more cheaply than
from the dense form, says so with ``Primitive.def_diagonal(rule)`` (the rules below); every
other primitive, and every guard and output, sees the dense batch (``dense()``). So the
result is the one the dense seeds give, entry for entry, except that entries which are
structurally zero (an output that does not read that input) are exact zeros even beside an
infinite or NaN factor, where 0 × inf would have made them NaN.

A rule ``rule(prim, size, args, batched, params)`` has the signature of a batching rule
(``batch_rules``), gets at least one ``DiagonalBatch`` among ``args``, and returns the
result, or None where it cannot keep the structure (the dense batch is used instead).
This module imports nothing of xformad's primitives (core.py imports it).
"""

from __future__ import annotations

import numpy as np

from .. import backends
from ..tracing import Tracer, concrete
from .batch_rules import shape_of


class DiagonalBatch:
    """``size`` members; member k is the sum over ``bands`` (offset -> values, all of one
    shape) of the values with every entry but the one at flat position k - offset zeroed.
    Values whose position maps to no member (k outside the batch) are ignored."""

    __slots__ = ("bands", "size")

    def __init__(self, bands: dict, size: int):
        self.bands = bands
        self.size = size

    @classmethod
    def seeds(cls, d) -> DiagonalBatch:
        """The unit vectors of d's shape, scaled by d: one band at offset 0."""
        return cls({0: d}, int(np.prod(shape_of(d), dtype=np.int64)))

    def _any(self):
        return next(iter(self.bands.values()))

    @property
    def member_shape(self) -> tuple:
        return shape_of(self._any())

    @property
    def shape(self) -> tuple:
        return (self.size,) + self.member_shape

    @property
    def dtype(self):
        return self._any().dtype

    def same_layout(self, other: DiagonalBatch) -> bool:
        return (
            self.size == other.size and self.member_shape == other.member_shape and self.dtype == other.dtype
        )

    def map(self, fn) -> DiagonalBatch:
        return DiagonalBatch({o: fn(d) for o, d in self.bands.items()}, self.size)

    def first_member(self):
        """Member 0, concrete (what vmap traces its member on), without the other n - 1."""
        length = int(np.prod(self.member_shape, dtype=np.int64))
        member = backends.active().xp.zeros(length, dtype=self.dtype)
        for o, d in self.bands.items():
            if 0 <= -o < length:
                member[-o] += np.reshape(concrete(d), (-1,))[-o]
        return np.reshape(member, self.member_shape)

    def dense(self):
        """The batch as an array, batch axis first (traced where the bands are)."""
        n, shape = self.size, self.member_shape
        length = int(np.prod(shape, dtype=np.int64))
        low, high = min(self.bands), max(self.bands)
        if low < high and high - low + 1 <= length + 1 and 0 <= high <= n:  # two bands or more
            return np.reshape(self._banded(n, length, low, high), self.shape)
        xp = backends.active().xp
        out = None  # per band, the n × L identity shifted by its offset times its values
        for o, d in self.bands.items():
            term = xp.eye(n, length, k=-o, dtype=self.dtype) * np.reshape(d, (length,))
            out = term if out is None else out + term
        return np.reshape(out, self.shape)

    def _banded(self, n: int, length: int, low: int, high: int):
        """The n × L matrix written in one pass: row k holds its entries for offsets high
        down to low side by side, padded with zeros to L + 1 values; read flat from
        position ``high``, each value lands at column k - offset (the extra value per row
        is what shifts the next row by one). Entries without a member are zeros here, so
        nothing wraps into a neighbouring row."""
        xp = backends.active().xp
        width = high - low + 1
        zeros = None
        columns = []
        for o in range(high, low - 1, -1):
            d = self.bands.get(o)
            column = None if d is None else _by_member(np.reshape(d, (-1,)), o, n)
            if column is None:
                zeros = xp.zeros(n, dtype=self.dtype) if zeros is None else zeros
                column = zeros
            columns.append(column)
        rows = np.stack(columns, axis=1)
        padded = np.concatenate([rows, xp.zeros((n, length + 1 - width), dtype=self.dtype)], axis=1)
        return np.reshape(np.reshape(padded, (-1,))[high : high + n * length], (n, length))


def dense(x):
    return x.dense() if type(x) is DiagonalBatch else x


def _fits(other, shape: tuple) -> bool:
    """An unbatched operand that broadcasts to ``shape`` without growing it."""
    other_shape = shape_of(other)
    if len(other_shape) > len(shape):
        return False
    return all(o in (1, s) for o, s in zip(other_shape[::-1], shape[::-1]))


def _placed(v, before: int, after: int):
    """A 1-D ``v`` with ``before`` zeros in front and ``after`` behind (axis 0)."""
    if not before and not after:
        return v
    xp = backends.active().xp
    rest = shape_of(v)[1:]
    parts = [xp.zeros((before,) + rest, dtype=v.dtype)] if before else []
    parts.append(v)
    if after:
        parts.append(xp.zeros((after,) + rest, dtype=v.dtype))
    return np.concatenate(parts)


def _by_member(v, offset: int, size: int):
    """Rows of ``v`` (one per member entry position p) moved to the member they belong to,
    k = p + offset: a (size, ...) array, zero for members without an entry in this band."""
    length = shape_of(v)[0]
    first, last = max(0, offset), min(size, length + offset)  # members with an entry here
    if first >= last:
        return None
    return _placed(v[first - offset : last - offset], first, size - last)


def _sum_by_member(parts: list, size: int):
    out = None
    for v, o in parts:
        term = _by_member(v, o, size)
        if term is not None:
            out = term if out is None else out + term
    if out is None:
        shape = (size,) + shape_of(parts[0][0])[1:]
        return backends.active().xp.zeros(shape, dtype=parts[0][0].dtype)
    return out


def scaling(prim, size, args, batched, params):
    """``x * u`` and ``x / u`` (and ``safe_multiply``) with ``x`` diagonal and ``u`` shared
    by all members: each member's entries scaled, so the batch keeps its bands. Two
    diagonal factors multiply where their bands meet. ``u / x`` is not diagonal."""
    a, b = args
    if type(a) is DiagonalBatch:
        if type(b) is DiagonalBatch:
            if prim.name == "divide" or not a.same_layout(b):
                return None
            common = [o for o in a.bands if o in b.bands]
            if not common:
                return None
            return DiagonalBatch({o: prim.bind(a.bands[o], b.bands[o], **params) for o in common}, size)
        if not batched[1] and _fits(b, a.member_shape):
            return a.map(lambda d: prim.bind(d, b, **params))
        return None
    if prim.name != "divide" and not batched[0] and _fits(a, b.member_shape):
        return b.map(lambda d: prim.bind(a, d, **params))
    return None


def per_band(prim, size, args, batched, params):
    """A map that keeps zeros zero and every entry's flat position (negative, conjugate; a
    C-order reshape): applied to each band's values, the batch keeps its bands."""
    return args[0].map(lambda d: prim.bind(d, **params))


def summed(prim, size, args, batched, params):
    """``x ± y``, both diagonal with one member shape: band by band (a band of one side
    alone is ``0 ± d``, as the dense sum computes it). A shared or dense term fills the
    zeros in, so it is not diagonal."""
    a, b = args
    if type(a) is not DiagonalBatch or type(b) is not DiagonalBatch or not a.same_layout(b):
        return None
    bands = {}
    for o in list(a.bands) + [o for o in b.bands if o not in a.bands]:
        left, right = a.bands.get(o), b.bands.get(o)
        if right is None:
            bands[o] = left
        else:
            bands[o] = prim.bind(right.dtype.type(0) if left is None else left, right, **params)
    return DiagonalBatch(bands, size)


def total(prim, size, args, batched, params):
    """The sum over all of a member's axes is the sum of its entries: per band, its values
    moved to their members."""
    x = args[0]
    ndim = len(x.member_shape)
    axis = params["axis"]
    if axis is not None and sorted(np.atleast_1d(axis).tolist()) != list(range(ndim)):
        return None
    out = _sum_by_member([(np.reshape(d, (-1,)), o) for o, d in x.bands.items()], size)
    return np.reshape(out, (size,) + (1,) * ndim) if params["keepdims"] else out


def matmul(prim, size, args, batched, params):
    """A diagonal vector against a shared vector or matrix: member k's product is the sum,
    over its entries d_p (p = k - o), of d_p times row (or column) p of the other operand,
    so the batch is the other operand scaled and shifted by bands: n² work instead of the
    n³ of the dense product."""
    a, b = args
    if type(a) is DiagonalBatch and not batched[1] and len(a.member_shape) == 1:
        if len(shape_of(b)) == 1:  # d_p b_p
            return _sum_by_member([(d * b, o) for o, d in a.bands.items()], size)
        if len(shape_of(b)) == 2:  # d_p b[p, :]
            n = a.member_shape[0]
            return _sum_by_member([(np.reshape(d, (n, 1)) * b, o) for o, d in a.bands.items()], size)
        return None
    if type(b) is DiagonalBatch and not batched[0] and len(b.member_shape) == 1:
        if len(shape_of(a)) == 1:  # a_p d_p
            return _sum_by_member([(a * d, o) for o, d in b.bands.items()], size)
        if len(shape_of(a)) == 2:  # a[:, p] d_p, scaled in a's own layout, then a view
            return _sum_by_member([(np.transpose(a * d), o) for o, d in b.bands.items()], size)
        return None
    return None


def _plain_slice(spec: tuple, length: int):
    """(start, stop) of a 1-D index that is one slice of step 1, else None."""
    if len(spec) != 1 or spec[0][0] != "s":
        return None
    _, start, stop, step = spec[0]
    begin, end, stride = slice(start, stop, step).indices(length)
    if stride != 1:
        return None
    return begin, max(begin, end)


def sliced(prim, size, args, batched, params):
    """``x[a:b]`` of a 1-D member: entry p becomes entry p - a, so each band's values are
    sliced and its offset grows by a."""
    x = args[0]
    if len(args) != 1 or type(x) is not DiagonalBatch or len(x.member_shape) != 1:
        return None
    window = _plain_slice(params["spec"], x.member_shape[0])
    if window is None or window[0] == window[1]:
        return None
    a, b = window
    return DiagonalBatch({o + a: d[a:b] for o, d in x.bands.items()}, size)


def placed(prim, size, args, batched, params):
    """The transpose of a slice (zeros of the full length, the member written at a:b):
    entry p becomes entry p + a, so each band's values are padded and its offset shrinks."""
    x = args[0]
    shape = tuple(params["shape"])
    if len(args) != 1 or type(x) is not DiagonalBatch or len(x.member_shape) != 1 or len(shape) != 1:
        return None
    window = _plain_slice(params["spec"], shape[0])
    if window is None or window[1] - window[0] != x.member_shape[0]:
        return None
    a, b = window
    return DiagonalBatch({o - a: _placed(d, a, shape[0] - b) for o, d in x.bands.items()}, size)


def _is_zero(value) -> bool:
    """A shared operand known to be all zeros (a concrete value: a traced one may differ
    on a later call of a compiled program, so it is not looked at)."""
    if type(value) is DiagonalBatch or type(value) is Tracer:
        return False
    try:
        return bool(np.all(np.asarray(value) == 0))
    except Exception:
        return False


def selected(prim, size, args, batched, params):
    """``where(c, x, 0)`` (a select's cotangent: relu, clamps) with ``c`` shared: each
    entry is kept or zeroed, so the batch keeps its bands; both branches diagonal select
    band by band."""
    c, x, y = args
    if batched[0]:
        return None
    diag = [a for a in (x, y) if type(a) is DiagonalBatch]
    first = diag[0]
    if not _fits(c, first.member_shape) or not all(first.same_layout(a) for a in diag):
        return None
    for a, b in zip((x, y), batched[1:]):
        if type(a) is not DiagonalBatch and (b or not _fits(a, first.member_shape) or not _is_zero(a)):
            return None
    zero = first.dtype.type(0)
    bands = {}
    for o in {o for a in diag for o in a.bands}:
        left = x.bands.get(o, zero) if type(x) is DiagonalBatch else zero
        right = y.bands.get(o, zero) if type(y) is DiagonalBatch else zero
        bands[o] = prim.bind(c, left, right, **params)
    return DiagonalBatch(bands, size)
