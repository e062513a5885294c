"""Deterministic engine records (built with checkers.model, as the engine does) for corpus tests."""

from __future__ import annotations

import random
from typing import Any

from checkers.model import (
    ROLES,
    VERDICTS,
    CheckResult,
    Diagnostic,
    DiagnosticDiff,
    Finding,
    FunctionVerdict,
    Triage,
    case_id,
)

PATTERNS = ("check-then-relookup", "clone-to-end-borrow", "cursor-reindex-in-loop",
            "entry-owned-key", "clone-collection-to-iterate")
WORDS = ("map", "key", "value", "cursor", "node", "buf", "cache", "entry", "vec", "slot")

_FLAGS = {"polonius": ("-Zpolonius=next",), "polonius-legacy": ("-Zpolonius=legacy",)}

_TEMPLATE = """fn {name}(map: &mut HashMap<u32, String>, key: u32) -> &String {{
    // {comment}
    if let Some(v) = map.get(&key) {{
        return v;
    }}
    map.insert(key, String::from("{word}"));
    map.get(&key).unwrap()
}}
"""


def make_source(n: int) -> str:
    rng = random.Random(n)
    words = " ".join(rng.choice(WORDS) for _ in range(6))
    return _TEMPLATE.format(name=f"get_{n}", comment=f"case {n}: {words}", word=rng.choice(WORDS))


def make_record(n: int, *, source: str | None = None, edition: str = "2021") -> dict[str, Any]:
    """The engine record (``Triage.to_record()``) of synthetic case ``n``."""
    rng = random.Random(n * 7919)
    source = source if source is not None else make_source(n)
    verdict = VERDICTS[n % len(VERDICTS)]
    e0499 = Diagnostic(code="E0499", level="error",
                       message="cannot borrow `*map` as mutable more than once at a time",
                       borrowck=True, line=6, column=5, end_line=6, end_column=8,
                       labels=({"line": 3, "column": 22, "message": "first borrow"},))
    checks: dict[str, CheckResult] = {}
    for role in ROLES:
        rejects = role == "stable" and verdict != "clean"
        checks[role] = CheckResult(
            role=role, status="ok", accepted=not rejects,
            diagnostics=(e0499,) if rejects else (),
            rustc="1.95.0 (59807616e 2026-04-14)" if role == "stable"
            else "1.97.0-nightly (abcdef012 2026-05-19)",
            flags=_FLAGS.get(role, ()),
            elapsed_ms=30 + rng.randrange(20),
        )
    patterns = tuple(
        Finding(id=PATTERNS[(n + i) % len(PATTERNS)], kind="pattern", cls="P3", line=3, column=5,
                end_line=7, end_column=6, confirmed=(None, True, False)[(n + i) % 3])
        for i in range(n % 3)
    )
    triage = Triage(
        id=case_id(source, edition), source=source, edition=edition, checks=checks,
        verdict=verdict, corroborated=verdict == "polonius-accepts", drift=False,
        reason="synthetic",
        diff=(DiagnosticDiff("removed", e0499),) if verdict == "polonius-accepts" else (),
        functions=(FunctionVerdict(name=f"get_{n}", line=1, end_line=8, verdict=verdict),),
        patterns=patterns,
        origin={"path": f"src/file_{n % 97}.rs", "line": 1 + n % 400},
    )
    return triage.to_record()


def make_labelled(n: int, labels: tuple[str, ...] = ("real-error", "skip", "needs-context"),
                  reviewers: tuple[str, ...] = ("ann", "bob", "cyd")) -> dict[str, Any]:
    """An exported-looking record: engine fields plus corpus fields with consistent history."""
    record = make_record(n)
    day = 1 + n % 28
    at = f"2026-10-{day:02d}T{n % 24:02d}:{n % 60:02d}:00.000Z"
    chosen = sorted({labels[n % len(labels)], labels[(n // 3) % len(labels)]})
    who = reviewers[n % len(reviewers)]
    record.update(
        labels=chosen,
        reviewer=who,
        note=f"note for case {n}" if n % 2 else "",
        created=f"2026-09-{day:02d}T00:00:00.000Z",
        updated=at,
        history=[{"label": name, "action": "added", "reviewer": who, "at": at} for name in chosen],
    )
    return record
