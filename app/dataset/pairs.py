"""Workaround → direct-form pairs: the direct form, the re-check of both sides, the proof rule."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.dataset.errors import DatasetCancelled
from checkers.errors import CancelledError

if TYPE_CHECKING:
    from checkers.model import CancelFlag, Triage
    from checkers.toolchains import Toolchains

#: The roles a pair's proof rests on.
PROOF_ROLES: tuple[str, ...] = ("stable", "polonius", "polonius-legacy")

def role_evidence(triage: Triage) -> dict[str, Any]:
    out: dict[str, Any] = {"verdict": triage.verdict}
    for role in sorted(set(PROOF_ROLES) | set(triage.checks)):
        check = triage.checks.get(role)
        if check is None:
            out[role] = {"status": "missing", "accepted": None, "error_codes": []}
            continue
        codes = sorted({d.code or d.message for d in check.errors})
        out[role] = {"status": check.status, "accepted": check.accepted, "error_codes": codes,
                     "borrowck_only": all(d.borrowck for d in check.errors)}
    return out


def pair_problem(evidence: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why a pair's evidence does not prove it (``None`` when it does): the workaround side must
    compile on stable; the direct side must be rejected by stable with borrow-check errors only
    and accepted by both Polonius analyses."""
    rejected, chosen = evidence["rejected"], evidence["chosen"]
    if any(chosen[r]["status"] != "ok" or rejected[r]["status"] != "ok" for r in PROOF_ROLES):
        return "a toolchain role did not run"
    if rejected["stable"]["accepted"] is not True:
        return "the workaround side does not compile on stable"
    if chosen["stable"]["accepted"] is not False:
        return "stable accepts the direct form (the workaround is superfluous)"
    if not chosen["stable"]["borrowck_only"]:
        return "stable rejects the direct form for a reason besides borrow checking"
    if chosen["polonius"]["accepted"] is not True or chosen["polonius-legacy"]["accepted"] is not True:
        return "a Polonius analysis rejects the direct form"
    return None


def direct_form(record: Mapping[str, Any], finding: Mapping[str, Any]) -> str | None:
    """The rewritten source the finding carries, or recomputed with the public rewrite API."""
    stored = finding.get("rewrite")
    if isinstance(stored, str):
        return stored
    from checkers.model import Finding
    from checkers.patterns import rewrite

    return rewrite(record["source"], Finding.from_dict(dict(finding), kind="pattern"))


def function_at(record: Mapping[str, Any], line: int) -> str | None:
    holding = [f for f in record.get("functions", ()) if f["line"] <= line <= f["end_line"]]
    return min(holding, key=lambda f: f["end_line"] - f["line"])["name"] if holding else None


Check = Callable[[str, str], "Triage"]


#: What a side is checked as: source, edition, ``--cfg-test``, features (as the case was).
Side = tuple[str, str, bool, tuple[str, ...]]


def cfg_of(record: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
    """The ``--cfg-test`` switch and ``--features`` a record was checked with, read back from
    the stable role's flags (``--test``, ``--cfg feature="…"``), so a re-check compiles alike."""
    flags = list(record.get("checks", {}).get("stable", {}).get("flags", ()))
    features = []
    for flag, value in itertools.pairwise([*flags, ""]):
        if flag == "--cfg" and value.startswith('feature="') and value.endswith('"'):
            features.append(value[len('feature="'):-1])
    return "--test" in flags, tuple(sorted(set(features)))


def recheck(sides: Sequence[Side], *, check: Check | None, toolchains: Toolchains | None,
             cancel: CancelFlag | None,
             progress: Callable[[float, str], None] | None) -> dict[Side, Triage]:
    """Each side checked by every role: with ``check`` one at a time (it is not told the cfg
    options), else through the batch engine (batched rustc runs, parallel, result cache), one
    scan per set of cfg options. Raises DatasetCancelled."""
    out: dict[Side, Triage] = {}
    done = 0

    def report() -> None:
        if progress is not None:
            progress(0.1 + 0.85 * done / len(sides), f"re-checking {done} of {len(sides)} sources")

    try:
        if check is not None:
            for side in sides:
                check_cancel(cancel)
                report()
                out[side] = check(side[0], side[1])
                done += 1
            return out
        from checkers.inputs import Case
        from checkers.model import case_id
        from checkers.scan import scan_iter

        by_cfg: dict[tuple[bool, tuple[str, ...]], list[Side]] = defaultdict(list)
        for side in sides:
            by_cfg[(side[2], side[3])].append(side)
        for (cfg_test, features), group in sorted(by_cfg.items()):
            wanted: dict[str, list[Side]] = defaultdict(list)
            for side in group:
                wanted[case_id(side[0], side[1])].append(side)
            report()
            for triage in scan_iter([Case(source=s[0], edition=s[1]) for s in group],
                                    toolchains=toolchains, patterns=False, cancel=cancel,
                                    cfg_test=cfg_test, features=features):
                for side in wanted.get(triage.id, ()):
                    out[side] = triage
                done += 1
                report()
            check_cancel(cancel)
    except CancelledError as exc:
        raise DatasetCancelled("dataset cancelled; nothing was written") from exc
    return out


def check_cancel(cancel: CancelFlag | None) -> None:
    if cancel is not None and cancel.is_set():
        raise DatasetCancelled("dataset cancelled; nothing was written")
