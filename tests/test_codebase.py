"""Codebase rules CI enforces: ruff, mypy --strict on the engine, and Qt only under app/gui/."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QT_IMPORT = re.compile(r"^\s*(?:from|import)\s+(?:PySide6|shiboken6|PyQt\d)\b", re.M)


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_qt_is_imported_only_under_app_gui() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("checkers", "app")
        for path in (REPO / folder).rglob("*.py")
        if "gui" not in path.relative_to(REPO).parts and QT_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "--quiet", "."], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_engine() -> None:
    result = subprocess.run([_tool("mypy")], cwd=REPO, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
