"""Auditing a Cargo workspace in its own context: `run_audit(path, options=…) -> AuditResult`.

The entry point for the CLI (`ptriage audit`) and the GUI. Modules: `workspace` (finding the
workspace, the overlay copy), `runner` (cargo per role in the sandbox), `mapping` (cargo's JSON →
per-file records), `proof` (proof by rewrite in crate context), `report` (HTML/Markdown).
"""

from __future__ import annotations

from checkers.audit.run import (
    AuditError,
    AuditOptions,
    AuditProgress,
    AuditResult,
    RoleOutcome,
    TrustRequired,
    run_audit,
)

__all__ = ["AuditError", "AuditOptions", "AuditProgress", "AuditResult", "RoleOutcome",
           "TrustRequired", "run_audit"]
