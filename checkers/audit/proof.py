"""Proof by rewrite in crate context: each workaround's direct form, re-checked inside its own package.

Rewrites go into an overlay copy of the workspace whose folder is named by the rewrites it holds
(so cargo never mistakes one round's sources for another's), the built dependencies are shared,
and only the touched packages are re-checked under stable and both Polonius roles. Several
rewrites (at most one per file) share a re-check; a rewrite whose result cannot be attributed
(its package did not get checked, say because another rewrite broke a package it depends on) is
re-checked alone. The verdict is read by `checkers.patterns.confirm`, the same rule as for
snippets.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from checkers import patterns as pattern_mod
from checkers.model import Finding, Triage


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One finding's direct form: the file it rewrites and the new full source."""

    path: str
    package: str
    finding: Finding
    source: str

    def key(self) -> str:
        return hashlib.sha256(f"{self.path}\0{self.source}".encode("utf-8", "surrogatepass")
                              ).hexdigest()


#: check(rewrites) → the triage of each rewritten file, by Rewrite.key()
BatchCheck = Callable[[Sequence[Rewrite]], Mapping[str, Triage]]


def candidates(records: Sequence[Triage]) -> list[Rewrite]:
    """Every pattern finding with a mechanical direct form, in file order."""
    out: list[Rewrite] = []
    for triage in records:
        origin = triage.origin or {}
        for finding in triage.patterns:
            direct = pattern_mod.rewrite(triage.source, finding)
            if direct is not None:
                out.append(Rewrite(str(origin.get("path")), str(origin.get("package")), finding,
                                   direct))
    return out


def _rounds(rewrites: Sequence[Rewrite]) -> list[list[Rewrite]]:
    """Batches with at most one rewrite per file (two rewrites of one file cannot be combined)."""
    rounds: list[list[Rewrite]] = []
    seen: dict[str, int] = {}
    unique = list({r.key(): r for r in rewrites}.values())
    for rw in unique:
        index = seen.get(rw.path, 0)
        while len(rounds) <= index:
            rounds.append([])
        rounds[index].append(rw)
        seen[rw.path] = index + 1
    return rounds


def _attributable(triage: Triage | None) -> bool:
    return triage is not None and all(c.status == "ok" for c in triage.checks.values())


def prove(records: Sequence[Triage], *, check: BatchCheck,
          progress: Callable[[int, int], None] | None = None) -> tuple[list[Triage], int]:
    """The records with their pattern findings confirmed or not; and how many re-checks ran."""
    rewrites = candidates(records)
    if not rewrites:
        return list(records), 0
    results: dict[str, Triage] = {}
    rechecks = 0
    rounds = _rounds(rewrites)
    total = len(rounds)
    for index, batch in enumerate(rounds, 1):
        out = check(batch)
        rechecks += 1
        for rw in batch:
            triage = out.get(rw.key())
            if len(batch) > 1 and not _attributable(triage):
                alone = check([rw])
                rechecks += 1
                triage = alone.get(rw.key())
            if triage is not None:
                results[rw.key()] = triage
        if progress is not None:
            progress(index, total)
    proved: list[Triage] = []
    for triage in records:
        origin = triage.origin or {}
        path = str(origin.get("path"))
        if not triage.patterns:
            proved.append(triage)
            continue

        def lookup(direct: str, path: str = path, first: Finding = triage.patterns[0]) -> Triage:
            key = Rewrite(path, "", first, direct).key()
            found = results.get(key)
            if found is None:
                raise LookupError(f"no crate-context check for a rewrite of {path}")
            return found

        findings = pattern_mod.confirm(triage.source, triage.patterns, check=lookup,
                                       original=triage)
        proved.append(dataclasses.replace(triage, patterns=tuple(findings)))
    return proved, rechecks
