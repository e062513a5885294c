"""Shared fixtures: isolated data/cache/config dirs, and the toolchain skip/require policy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = Path(os.environ.get("PTRIAGE_EXAMPLES", REPO / "tests" / "data" / "examples"))
if not EXAMPLES.is_dir():
    EXAMPLES = REPO / "tests" / "data" / "examples"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real corpus, cache or config from a test."""
    base = tmp_path_factory.mktemp("ptriage-home")
    for var, sub in (("PTRIAGE_DATA_DIR", "data"), ("PTRIAGE_CACHE_DIR", "cache"),
                     ("PTRIAGE_CONFIG_DIR", "config")):
        (base / sub).mkdir()
        monkeypatch.setenv(var, str(base / sub))


def require_toolchains() -> bool:
    return os.environ.get("PTRIAGE_REQUIRE_TOOLCHAINS", "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("toolchains") for item in items):
        return
    from checkers.toolchains import load_toolchains

    try:
        toolchains = load_toolchains()
        missing = [r.role for r in toolchains.roles.values() if not r.available]
        problem = f"toolchain roles not runnable: {', '.join(missing)}" if missing else ""
    except Exception as exc:  # noqa: BLE001 - any failure here means "no toolchains"; reported below
        problem = f"toolchains cannot be loaded: {exc}"
    if not problem:
        return
    if require_toolchains():
        raise pytest.UsageError(
            f"PTRIAGE_REQUIRE_TOOLCHAINS=1 but {problem}. Install them with "
            "`rustup toolchain install stable nightly`."
        )
    skip = pytest.mark.skip(reason=f"{problem} (install with `rustup toolchain install stable nightly`)")
    for item in items:
        if item.get_closest_marker("toolchains"):
            item.add_marker(skip)
