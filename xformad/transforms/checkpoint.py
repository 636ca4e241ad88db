"""``checkpoint``: trade memory for recomputation in reverse mode.

``checkpoint(f)`` behaves like ``f``, but a transform sees one node for the whole call: its
intermediate values are not kept for the backward sweep. When the sweep reaches the node,
the VJP rule runs ``vjp(f, *args)`` afresh, recomputing f's forward pass just then and
dropping it right after. A chain of k checkpointed segments of m steps each keeps about
k + m arrays alive instead of k * m. Traced under ``jit`` or ``make_graph``, the
recomputation is part of the derivative program, where it is freed as it goes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..errors import UnsupportedOperation, XformadError
from ..primitives.core import Primitive
from ..tracing import Tracer
from ..tree import tree_flatten, tree_unflatten


def _flat(fn: Callable, in_tree) -> Callable:
    def flat_fn(*leaves):
        return fn(*tree_unflatten(in_tree, list(leaves)))

    return flat_fn


def _kernel(xp, *leaves, fn, in_tree):
    out = fn(*tree_unflatten(in_tree, list(leaves)))
    if not hasattr(out, "shape"):
        raise XformadError(
            f"checkpoint: the function must return one array, not {type(out).__name__}; "
            "return a single array (np.concatenate the parts) and split it outside."
        )
    return out


checkpoint_p = Primitive("checkpoint", _kernel, doc="a call whose forward is recomputed by its VJP")


def _jvp(tangents, ans, *leaves, fn, in_tree):
    from ..api import jvp

    filled = [t if t is not None else np.zeros_like(x) for t, x in zip(tangents, leaves)]
    return jvp(_flat(fn, in_tree), tuple(leaves), tuple(filled))[1]


def _vjp(ct, ans, needed, *leaves, fn, in_tree):
    from ..api import vjp

    _, back = vjp(_flat(fn, in_tree), *leaves)  # the forward pass, recomputed now
    cts = back(ct)
    return tuple(c if need else None for c, need in zip(cts, needed))


checkpoint_p.def_jvp_joint(_jvp)
checkpoint_p.def_vjp_joint(_vjp)


def checkpoint(fn: Callable) -> Callable:
    """``fn`` with its intermediates recomputed in the backward sweep instead of stored.

    ``fn`` takes arrays (or pytrees of them) and returns one array.

    >>> import numpy as np, xformad
    >>> block = xformad.checkpoint(lambda x: np.sin(np.sin(x)))
    >>> float(xformad.grad(lambda x: np.sum(block(x)))(np.array([0.5]))[0].round(6))
    0.778644
    """

    @functools.wraps(fn)
    def checkpointed(*args):
        leaves, in_tree = tree_flatten(args)
        if not any(type(x) is Tracer for x in leaves):
            return fn(*args)  # nothing is being differentiated: just call it
        from ..compile.environment import snapshot  # the generators fn reaches

        env = snapshot(fn)
        before = env.rng_state()
        out = checkpoint_p.bind(*leaves, fn=fn, in_tree=in_tree)
        drew = env.rng_difference(before, env.rng_state())
        if drew is not None:  # the recomputation would draw other numbers: a wrong gradient
            raise UnsupportedOperation(
                f"checkpoint of {getattr(fn, '__name__', 'a function')}",
                f"it draws random numbers (from {drew}), and the backward sweep runs it again, "
                "which would draw different ones; draw them outside the checkpointed "
                "function and pass them in as an argument",
            )
        return out

    checkpointed.__name__ = f"checkpoint({getattr(fn, '__name__', 'f')})"
    return checkpointed
