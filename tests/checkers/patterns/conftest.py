"""Fixtures for the pattern-detector tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def examples() -> Path:
    """The design examples (same lookup as pattern_fixtures.EXAMPLES and tests/conftest.py)."""
    path = Path(os.environ.get("PTRIAGE_EXAMPLES", _REPO / "tests" / "data" / "examples"))
    if not path.is_dir():
        path = _REPO / "tests" / "data" / "examples"
    if not path.is_dir():
        pytest.skip("design examples not found (set PTRIAGE_EXAMPLES)")
    return path
