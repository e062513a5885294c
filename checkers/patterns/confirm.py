"""Confirmation by rewrite: compile each finding's direct form and read the verdict honestly."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from checkers.model import Diagnostic, Finding, Triage
from checkers.patterns.rewrite import rewrite


def _codes(diagnostics: Sequence[Diagnostic]) -> str:
    codes = sorted({d.code or d.message for d in diagnostics})
    return ", ".join(codes[:4]) + (", …" if len(codes) > 4 else "")


def _first(diagnostics: Sequence[Diagnostic]) -> str:
    d = diagnostics[0]
    where = f" at line {d.line}" if d.line is not None else ""
    return f"{d.code + ' ' if d.code else ''}{d.message}{where}"


def judge(triage: Triage) -> tuple[bool, str]:
    """(confirmed, reason) for the triage of a finding's direct form."""
    checks = triage.checks
    stable = checks.get("stable")
    alpha = checks.get("polonius")
    legacy = checks.get("polonius-legacy")
    if triage.verdict == "toolchain-error" or stable is None or not stable.ok:
        why = triage.reason or (stable.error if stable is not None else "stable role missing")
        return False, f"toolchain error: {why or triage.verdict}"
    if stable.accepted:
        return False, "direct form already compiles under NLL: the workaround is superfluous today"
    other = [d for d in stable.errors if not d.borrowck]
    if other:
        return False, f"direct form does not compile for an unrelated reason: {_first(other)}"
    nll = _codes(stable.borrowck_errors)
    if triage.verdict == "polonius-accepts" and triage.corroborated:
        return True, (f"direct form rejected by NLL ({nll}) and accepted by Polonius alpha and "
                      "legacy: the workaround can go once Polonius is stable")
    if triage.verdict == "polonius-accepts":
        return False, (f"direct form rejected by NLL ({nll}) and accepted by Polonius alpha, but "
                       "not corroborated by polonius-legacy")
    if alpha is not None and alpha.ok and not alpha.accepted:
        alpha_codes = _codes(alpha.borrowck_errors or alpha.errors)
        if legacy is not None and legacy.ok and legacy.accepted:
            return False, (f"direct form also rejected by Polonius alpha ({alpha_codes}): still "
                           "needed; only full (legacy) Polonius accepts it")
        return False, (f"direct form rejected by NLL and by Polonius ({alpha_codes}): a real "
                       "conflict, the workaround is needed")
    if alpha is not None and alpha.ok and alpha.accepted and legacy is not None and legacy.ok \
            and not legacy.accepted:
        return False, (f"only Polonius alpha accepts the direct form; legacy rejects it "
                       f"({_codes(legacy.errors)}): suspect, not confirmed")
    return False, f"not confirmed: verdict {triage.verdict}" + (
        f" ({triage.reason})" if triage.reason else "")


def confirm(source: str, findings: Sequence[Finding], *,
            check: Callable[[str], Triage]) -> tuple[Finding, ...]:
    """Prove workaround findings by compiling their direct form with `check`.

    A finding is `confirmed=True` only when stable rejects the rewritten source with borrow-check
    errors alone and both Polonius implementations accept it. Findings without a mechanical
    rewrite (and epoch markers) keep `confirmed=None`. Identical rewrites are checked once.
    """
    verdicts: dict[str, tuple[bool, str]] = {}
    out: list[Finding] = []
    for finding in findings:
        direct = rewrite(source, finding) if finding.kind == "pattern" else None
        if direct is None:
            out.append(finding)
            continue
        if direct not in verdicts:
            verdicts[direct] = judge(check(direct))
        confirmed, reason = verdicts[direct]
        out.append(dataclasses.replace(finding, confirmed=confirmed, reason=reason,
                                       rewrite=direct))
    return tuple(out)
