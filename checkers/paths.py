"""Where the engine keeps files: platformdirs locations, each overridable by an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "polonius-triage"


def _dir(env: str, default: str) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser() if value else Path(default)


def cache_dir() -> Path:
    """Result cache and toolchain probes (``PTRIAGE_CACHE_DIR`` overrides)."""
    return _dir("PTRIAGE_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME))


def config_dir() -> Path:
    """User toolchains.toml and GUI settings (``PTRIAGE_CONFIG_DIR`` overrides)."""
    return _dir("PTRIAGE_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The default corpus (``PTRIAGE_DATA_DIR`` overrides)."""
    return _dir("PTRIAGE_DATA_DIR", platformdirs.user_data_dir(APP_NAME))
