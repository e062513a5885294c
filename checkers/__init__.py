"""Polonius Triage engine: check Rust code under NLL and Polonius, detect workarounds. No Qt."""

from __future__ import annotations

from checkers.errors import CheckerError, ConfigError, InputError, ToolchainError
from checkers.model import (
    DEFAULT_EDITION,
    EDITIONS,
    ROLES,
    SCHEMA_VERSION,
    VERDICTS,
    CheckResult,
    Diagnostic,
    Finding,
    FunctionVerdict,
    Triage,
    case_id,
    normalise_source,
)

__all__ = [
    "DEFAULT_EDITION",
    "EDITIONS",
    "ROLES",
    "SCHEMA_VERSION",
    "VERDICTS",
    "CheckResult",
    "CheckerError",
    "ConfigError",
    "Diagnostic",
    "Finding",
    "FunctionVerdict",
    "InputError",
    "ToolchainError",
    "Triage",
    "case_id",
    "normalise_source",
]
