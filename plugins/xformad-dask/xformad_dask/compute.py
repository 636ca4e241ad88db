"""Computing results of the dask backend: all of them in one ``dask.compute``.

A gradient and the loss it belongs to share the forward work (``X @ w``, ...): computed
together, dask runs each shared task once; computed one by one, twice.
"""

from __future__ import annotations

from xformad.tree import tree_flatten, tree_unflatten


def compute(*results, **kwargs):
    """``results`` (pytrees of dask arrays and other values) computed in one
    ``dask.compute`` on the current scheduler (a ``Client``'s, or ``scheduler=`` in
    ``kwargs``); the same structure comes back with numpy arrays in place.

    >>> loss, g = xformad_dask.compute(loss, g)  # doctest: +SKIP
    """
    import dask

    leaves, tree = tree_flatten(list(results))
    values = dask.compute(*leaves, **kwargs)
    out = tree_unflatten(tree, list(values))
    return out[0] if len(out) == 1 else tuple(out)


def persist(*results, **kwargs):
    """``results`` persisted in one ``dask.persist``: computed on the workers and kept in
    their memory, still dask arrays (a later gradient step reads them without recomputing)."""
    import dask

    leaves, tree = tree_flatten(list(results))
    values = dask.persist(*leaves, **kwargs)
    out = tree_unflatten(tree, list(values))
    return out[0] if len(out) == 1 else tuple(out)
