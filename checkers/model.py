"""The engine's records: diagnostics, per-role check results, findings and the triage of one case."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

SCHEMA_VERSION = 1


class CancelFlag(Protocol):
    """What the engine needs of a cancel signal: ``threading.Event`` or a multiprocessing Event."""

    def is_set(self) -> bool: ...

#: Role names, in display order. ``stable`` is the baseline, ``polonius`` the candidate,
#: ``polonius-legacy`` the corroborating candidate, ``nightly`` the control.
ROLES: tuple[str, ...] = ("stable", "polonius", "polonius-legacy", "nightly")

VERDICTS: tuple[str, ...] = (
    "clean",
    "polonius-accepts",
    "needs-full-polonius",
    "alpha-only-accepts",
    "partial-fix",
    "both-reject",
    "regression",
    "other-error",
    "not-compiled",
    "toolchain-error",
)

EDITIONS: tuple[str, ...] = ("2015", "2018", "2021", "2024")
DEFAULT_EDITION = "2021"


def normalise_source(source: str) -> str:
    """Normalise what does not change meaning: line endings, trailing blanks, a final newline."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    # Every byte-order mark before the first code goes (not only a first one), so normalising
    # twice changes nothing and BOM-prefixed copies of one source share one id.
    lead = len(text) - len(text.lstrip("\ufeff \t\n\f\v"))
    text = text[:lead].replace("\ufeff", "") + text[lead:]
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n"


def case_id(source: str, edition: str) -> str:
    """The record id: sha256 over the normalised source and the edition."""
    digest = hashlib.sha256()
    digest.update(f"edition={edition}\n".encode())
    digest.update(normalise_source(source).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One rustc diagnostic, in the user's coordinates (1-based lines and columns)."""

    code: str | None
    level: str
    message: str
    borrowck: bool
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    #: Secondary labels ("first mutable borrow occurs here"), in user coordinates.
    labels: tuple[dict[str, Any], ...] = ()
    rendered: str = ""

    def key(self) -> tuple[str, int | None, int | None]:
        """Match key across toolchains: code (or message for codeless errors) + primary span."""
        return (self.code or self.message, self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "borrowck": self.borrowck,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }
        if self.labels:
            out["labels"] = list(self.labels)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnostic:
        return cls(
            code=data.get("code"),
            level=data.get("level", "error"),
            message=data.get("message", ""),
            borrowck=bool(data.get("borrowck", False)),
            line=data.get("line"),
            column=data.get("column"),
            end_line=data.get("end_line"),
            end_column=data.get("end_column"),
            labels=tuple(data.get("labels", ())),
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one toolchain role said about one case.

    ``status`` is ``ok`` when rustc ran to completion (accepting or rejecting), otherwise one of
    ``missing``, ``ice``, ``timeout``, ``memory-limit``, ``cpu-limit``, ``output-limit``,
    ``crashed``, ``refused``: each a distinct ``toolchain-error`` reason. An audit adds
    ``dependency-failed`` (the file's crate was not checked under the role) and, for the legacy
    corroborator only, ``skipped`` (not needed: NLL and Polonius alpha accept the package).
    """

    role: str
    status: str
    accepted: bool | None
    diagnostics: tuple[Diagnostic, ...] = ()
    rustc: str = ""
    flags: tuple[str, ...] = ()
    elapsed_ms: int = 0
    error: str = ""
    bootstrap: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.level == "error")

    @property
    def borrowck_errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.errors if d.borrowck)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "accepted": self.accepted,
            "rustc": self.rustc,
            "flags": list(self.flags),
            "elapsed_ms": self.elapsed_ms,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
        if self.error:
            out["error"] = self.error
        if self.bootstrap:
            out["bootstrap"] = True
        return out

    @classmethod
    def from_dict(cls, role: str, data: dict[str, Any]) -> CheckResult:
        return cls(
            role=role,
            status=data.get("status", "ok"),
            accepted=data.get("accepted"),
            diagnostics=tuple(Diagnostic.from_dict(d) for d in data.get("diagnostics", ())),
            rustc=data.get("rustc", ""),
            flags=tuple(data.get("flags", ())),
            elapsed_ms=int(data.get("elapsed_ms", 0)),
            error=data.get("error", ""),
            bootstrap=bool(data.get("bootstrap", False)),
        )


@dataclass(frozen=True, slots=True)
class FunctionVerdict:
    """A verdict for one ``fn`` item, from the diagnostics attributed to it."""

    name: str
    line: int
    end_line: int
    verdict: str
    #: Why, when the verdict needs one: for ``not-compiled`` the attribute that removed it.
    reason: str = ""

    @property
    def compiled(self) -> bool:
        """False when rustc never compiled this function (cfg removed it): no verdict holds."""
        return self.verdict != "not-compiled"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "line": self.line, "end_line": self.end_line,
                               "verdict": self.verdict}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class DiagnosticDiff:
    """How one diagnostic fared between baseline and candidate: removed, kept or added."""

    change: str  # "removed" | "kept" | "added"
    diagnostic: Diagnostic

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, **self.diagnostic.to_dict()}


@dataclass(frozen=True, slots=True)
class Finding:
    """A workaround pattern or idiom-epoch marker found in the source (user coordinates).

    ``kind`` is ``pattern`` (borrow-check workaround) or ``epoch`` (outdated idiom). ``cls`` is
    ``P3``, ``FULL``, ``NONE`` or ``epoch``. ``confirmed`` is ``None`` until a proof by rewrite
    ran; then ``True``/``False`` with ``reason``. ``rewrite`` is the direct form's full source.
    Only ``confirmed=True`` findings are workarounds (``tier`` ``workaround``); every other
    pattern finding is a ``candidate`` ("possible workaround, not proven"). ``unconfirmable``
    says why an id stays a candidate when it has no mechanical direct form.
    """

    id: str
    kind: str
    cls: str
    line: int
    column: int
    end_line: int
    end_column: int
    confidence: str = "high"
    confirmed: bool | None = None
    reason: str = ""
    rewrite: str | None = None
    unconfirmable: str = ""

    @property
    def tier(self) -> str:
        """``workaround`` (proven by rewrite), ``candidate`` (not proven) or ``epoch``."""
        if self.kind == "epoch":
            return "epoch"
        return "workaround" if self.confirmed is True else "candidate"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "class": self.cls,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "confidence": self.confidence,
            "confirmed": self.confirmed,
            "tier": self.tier,
        }
        if self.unconfirmable:
            out["unconfirmable"] = self.unconfirmable
        if self.reason:
            out["reason"] = self.reason
        if self.rewrite is not None:
            out["rewrite"] = self.rewrite
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, kind: str) -> Finding:
        return cls(
            id=data["id"], kind=kind, cls=data.get("class", "epoch" if kind == "epoch" else "P3"),
            line=data["line"], column=data.get("column", 1), end_line=data.get("end_line", data["line"]),
            end_column=data.get("end_column", 1), confidence=data.get("confidence", "high"),
            confirmed=data.get("confirmed"), reason=data.get("reason", ""),
            rewrite=data.get("rewrite"), unconfirmable=data.get("unconfirmable", ""),
        )


@dataclass(frozen=True, slots=True)
class Triage:
    """The engine's answer for one case: every role's result, the verdict and its evidence."""

    id: str
    source: str
    edition: str
    checks: dict[str, CheckResult]
    verdict: str
    corroborated: bool
    drift: bool
    reason: str = ""
    diff: tuple[DiagnosticDiff, ...] = ()
    functions: tuple[FunctionVerdict, ...] = ()
    patterns: tuple[Finding, ...] = ()
    epochs: tuple[Finding, ...] = ()
    origin: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def from_record(cls, record: dict[str, Any], *, origin: Any = ...) -> Triage:
        """Rebuild a Triage from its record (the inverse of :meth:`to_record`).

        ``origin`` replaces the record's own origin when given (cached records carry none).
        """
        return cls(
            id=record["id"],
            source=record["source"],
            edition=record.get("edition", DEFAULT_EDITION),
            checks={role: CheckResult.from_dict(role, data)
                    for role, data in (record.get("checks") or {}).items()},
            verdict=record.get("verdict", ""),
            corroborated=bool(record.get("corroborated", False)),
            drift=bool(record.get("drift", False)),
            reason=record.get("reason", ""),
            diff=tuple(DiagnosticDiff(d.get("change", "kept"), Diagnostic.from_dict(d))
                       for d in record.get("diff") or ()),
            functions=tuple(
                FunctionVerdict(f.get("name", "?"), int(f.get("line", 1)),
                                int(f.get("end_line", f.get("line", 1))), f.get("verdict", ""),
                                f.get("reason", ""))
                for f in record.get("functions") or ()),
            patterns=tuple(Finding.from_dict(f, kind="pattern") for f in record.get("patterns") or ()),
            epochs=tuple(Finding.from_dict(f, kind="epoch") for f in record.get("epochs") or ()),
            origin=record.get("origin") if origin is ... else origin,
            notes=tuple(record.get("notes") or ()),
        )

    def is_compiled(self, line: int) -> bool:
        """Whether rustc compiled the code at ``line`` (user coordinates): False for a case that
        is ``not-compiled`` and inside a function cfg removed. A proof by rewrite of code that
        was not compiled proves nothing."""
        if self.verdict == "not-compiled":
            return False
        return not any(not f.compiled and f.line <= line <= f.end_line for f in self.functions)

    def to_record(self) -> dict[str, Any]:
        """The shared record shape (schema 1): CLI ``--json``, corpus and JSONL all use it."""
        record: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "id": self.id,
            "source": self.source,
            "origin": self.origin,
            "edition": self.edition,
            "checks": {role: result.to_dict() for role, result in self.checks.items()},
            "verdict": self.verdict,
            "corroborated": self.corroborated,
            "drift": self.drift,
            "reason": self.reason,
            "diff": [d.to_dict() for d in self.diff],
            "functions": [f.to_dict() for f in self.functions],
            "patterns": [p.to_dict() for p in self.patterns],
            "epochs": [e.to_dict() for e in self.epochs],
        }
        if self.notes:
            record["notes"] = list(self.notes)
        return record
