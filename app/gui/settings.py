"""GUI settings: a QSettings INI file under the config dir (PTRIAGE_CONFIG_DIR), made on demand."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from checkers.paths import config_dir

SETTINGS_FILE = "gui.ini"


def settings_path() -> Path:
    """Where the GUI settings live; ``PTRIAGE_CONFIG_DIR`` moves them (tests, portable installs)."""
    return config_dir() / SETTINGS_FILE


def open_settings() -> QSettings:
    """A QSettings on :func:`settings_path`; call when needed, never at import time."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def read_str(key: str, default: str = "") -> str:
    value = open_settings().value(key, default)
    return value if isinstance(value, str) else default


def write(key: str, value: str | bool) -> None:
    settings = open_settings()
    settings.setValue(key, value)
    settings.sync()


def write_many(values: dict[str, str | bool]) -> None:
    """Several keys with one file sync (each sync costs tens of ms on the GUI thread)."""
    settings = open_settings()
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()
