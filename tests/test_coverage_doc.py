"""docs/coverage.md is generated from the registry; this test fails when it is stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xformad import coverage
from xformad.__main__ import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"


def test_coverage_doc_is_up_to_date():
    current = DOC.read_text(encoding="utf-8")
    recorded = coverage.recorded_numpy_version(current)
    if recorded != np.__version__:
        pytest.skip(f"docs/coverage.md was generated with numpy {recorded}, this is numpy {np.__version__}")
    assert current == coverage.render(), f"docs/coverage.md is stale: run `{coverage.COMMAND}`"


def test_listing_covers_each_group_and_knows_the_unsupported():
    supported, unsupported, utilities = coverage.listing()
    names = {label for rows in supported.values() for label, _ in rows}
    for expected in ("`np.sin`", "`np.median`", "`np.nanmean`", "`np.cov`", "`np.sinc`", "`np.where`"):
        assert any(label.startswith(expected) for label in names), expected
    assert supported["ufuncs"] and supported["numpy functions"]
    missing = {label for rows in unsupported.values() for label, _ in rows}
    assert "`np.isnat`" in missing  # a datetime ufunc: never differentiable
    assert "`np.zeros`" in utilities
    assert not names & missing


def test_aliases_are_listed_once_with_their_other_names():
    text = coverage.render()
    assert "`np.absolute` (also `np.abs`)" in text
    assert text.count("| `np.abs`") == 0


def test_unsupported_detection_follows_the_registry():
    registry = coverage.builtin_registry()
    registry.handlers.pop(np.median)
    supported, unsupported, _ = coverage.listing(registry)
    assert ("`np.median`", "") in unsupported["numpy functions"]
    assert all(label != "`np.median`" for label, _ in supported["numpy functions"])


def test_cli_check_and_write(tmp_path, capsys):
    target = tmp_path / "coverage.md"
    assert main(["coverage", "--check", str(target)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["coverage", "--write", str(target)]) == 0
    assert main(["coverage", "--check", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == coverage.render()
    assert main(["coverage"]) == 0
    assert "## Unsupported" in capsys.readouterr().out
