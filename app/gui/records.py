"""Qt-free glue between engine records and the GUI: record → Triage, merged diagnostics, summaries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.corpus import Corpus, CorpusError
from checkers.model import (
    ROLES,
    Diagnostic,
    Finding,
    Triage,
)

ROLE_TITLES: dict[str, str] = {
    "stable": "Stable NLL",
    "polonius": "Polonius",
    "polonius-legacy": "Polonius legacy",
    "nightly": "Nightly control",
}

#: One line per verdict, for the banner and tooltips.
VERDICT_TEXT: dict[str, str] = {
    "clean": "every borrow checker accepts it: nothing to triage",
    "polonius-accepts": "NLL rejects it, both Polonius implementations accept it",
    "needs-full-polonius": "NLL and Polonius alpha reject it; only legacy Polonius accepts it",
    "alpha-only-accepts": "only Polonius alpha accepts it: suspect (alpha unsoundness?)",
    "partial-fix": "Polonius removes some borrow-check errors, not all",
    "both-reject": "NLL and Polonius reject it with the same borrow-check errors",
    "regression": "Polonius rejects what NLL accepts",
    "other-error": "rejected for reasons other than borrow checking (inconclusive)",
    "toolchain-error": "a required toolchain is missing, crashed or timed out",
    "not-compiled": "rustc did not compile this code (removed by cfg): nothing was checked",
}


def require_corpus(corpus: Corpus | None) -> Corpus:
    """The corpus a corpus-thread op was given, or the one-line error when none is open."""
    if corpus is None:
        raise CorpusError("no corpus is open; choose one with File ▸ Switch Corpus")
    return corpus


def triage_from_record(record: dict[str, Any]) -> Triage:
    """Rebuild the engine's ``Triage`` from a stored record (``Triage.to_record()`` shape)."""
    return Triage.from_record(record)


@dataclass(frozen=True, slots=True)
class MergedDiagnostic:
    """One diagnostic as matched across roles (by ``Diagnostic.key()``)."""

    diagnostic: Diagnostic
    roles: tuple[str, ...]
    change: str  # "removed" | "kept" | "added" | "" (not a baseline/candidate difference)


def diff_changes(triage: Triage) -> dict[tuple[str, int | None, int | None], str]:
    """Diagnostic key → removed/kept/added, from ``Triage.diff`` or computed by key."""
    if triage.diff:
        return {d.diagnostic.key(): d.change for d in triage.diff}
    base = triage.checks.get("stable")
    cand = triage.checks.get("polonius")
    if base is None or cand is None:
        return {}
    base_keys = {d.key() for d in base.errors}
    cand_keys = {d.key() for d in cand.errors}
    out = {k: "removed" for k in base_keys - cand_keys}
    out.update({k: "kept" for k in base_keys & cand_keys})
    out.update({k: "added" for k in cand_keys - base_keys})
    return out


def merged_diagnostics(triage: Triage) -> list[MergedDiagnostic]:
    """Every distinct diagnostic of the case with the roles that reported it, in source order."""
    changes = diff_changes(triage)
    seen: dict[tuple[str, int | None, int | None], tuple[Diagnostic, list[str]]] = {}
    for role in ROLES:
        result = triage.checks.get(role)
        if result is None:
            continue
        for diag in result.diagnostics:
            if diag.level not in ("error", "warning"):
                continue
            entry = seen.setdefault(diag.key(), (diag, []))
            entry[1].append(role)
    merged = [MergedDiagnostic(d, tuple(roles), changes.get(key, ""))
              for key, (d, roles) in seen.items()]
    merged.sort(key=lambda m: (m.diagnostic.line or 0, m.diagnostic.column or 0))
    return merged


def summary_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The ``CaseSummary`` fields of a full corpus record (``Corpus.get`` shape)."""
    from app.corpus import origin_text

    patterns = sorted({p["id"] for p in record.get("patterns") or ()}
                      | {e["id"] for e in record.get("epochs") or ()})
    return {
        "id": record["id"], "verdict": record.get("verdict", ""),
        "patterns": tuple(patterns), "labels": tuple(sorted(record.get("labels") or ())),
        "origin": origin_text(record.get("origin")), "updated": record.get("updated", ""),
        "reviewer": record.get("reviewer", ""),
    }


def role_versions(triage: Triage) -> dict[str, str]:
    """role → the rustc version that ran it (empty when the role did not run)."""
    return {role: res.rustc for role, res in triage.checks.items()}


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """What the pattern catalog says about a finding id (falls back to the id itself)."""

    title: str
    cls: str
    explanation: str
    link: str


def catalog_info(finding_id: str) -> CatalogInfo:
    """Title, class, explanation and link of a pattern id from ``checkers.patterns.CATALOG``."""
    try:
        from checkers.patterns import CATALOG
    except ImportError:
        return CatalogInfo(finding_id, "", "", "")
    entry = CATALOG.get(finding_id) if hasattr(CATALOG, "get") else None
    if entry is None:
        return CatalogInfo(finding_id, "", "", "")
    return CatalogInfo(title=str(getattr(entry, "title", finding_id)),
                       cls=str(getattr(entry, "cls", "")),
                       explanation=str(getattr(entry, "explanation", "")),
                       link=str(getattr(entry, "link", "")))


def confirmation_text(finding: Finding) -> str:
    """"confirmed", "not confirmed: …" or "not checked by rewrite" for a finding."""
    if finding.confirmed is None:
        return "not checked by rewrite"
    if finding.confirmed:
        return "confirmed by rewrite" + (f": {finding.reason}" if finding.reason else "")
    return "not confirmed" + (f": {finding.reason}" if finding.reason else "")
