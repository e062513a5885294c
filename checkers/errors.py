"""The engine's error hierarchy: one root, specific subclasses, messages a user can act on."""

from __future__ import annotations


class CheckerError(Exception):
    """Root of every error the engine raises on purpose."""


class InputError(CheckerError):
    """The user's input cannot be checked (empty, binary, not UTF-8, too large, bad edition)."""


class ConfigError(CheckerError):
    """toolchains.toml (or another config file) is malformed; the message names file and line."""


class ToolchainError(CheckerError):
    """A toolchain role cannot run at all (missing binary, unusable flags)."""


class CancelledError(CheckerError):
    """Work was cancelled through the caller's cancel event."""
