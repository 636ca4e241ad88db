"""scipy.linalg, served for traced values (being built: see the issue "SciPy as scientists call it")."""

from __future__ import annotations


def register_primitives(registry) -> None:
    """Register this family's primitives (registry.add_primitive)."""


def register_interceptions(registry) -> None:
    """Intercept this family's Python-level scipy functions (registry.intercept)."""
