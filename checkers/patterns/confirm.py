"""Confirmation by rewrite: compile each finding's direct form and read the verdict honestly."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence

from checkers.model import Diagnostic, Finding, FunctionVerdict, Triage
from checkers.patterns.rewrite import rewrite
from checkers.snippet import enclosing_function, function_spans


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


def _other_errors(triage: Triage) -> list[Diagnostic]:
    stable = triage.checks.get("stable")
    return [d for d in stable.errors if not d.borrowck] if stable is not None else []


def _new_other_errors(rewritten: Triage, original: Triage | None) -> list[Diagnostic]:
    """Non-borrow-check errors of the direct form that the source as given does not have.

    Matched by code and message, not position: a rewrite may move the lines after it.
    """
    before = Counter((d.code, d.message) for d in _other_errors(original)) if original else Counter()
    out = []
    for diag in _other_errors(rewritten):
        key = (diag.code, diag.message)
        if before[key] > 0:
            before[key] -= 1
        else:
            out.append(diag)
    return out


def _within(diagnostics: Sequence[Diagnostic], fv: FunctionVerdict) -> list[Diagnostic]:
    return [d for d in diagnostics if d.line is not None and fv.line <= d.line <= fv.end_line]


def _function_of(source: str, finding: Finding, triage: Triage) -> FunctionVerdict | None:
    """The rewritten triage's verdict for the `fn` that holds `finding` (by name, then lines)."""
    span = enclosing_function(function_spans(source), finding.line)
    if span is None:
        return None
    same_name = [f for f in triage.functions if f.name == span.name]
    holding = [f for f in same_name if f.line <= finding.line <= f.end_line]
    if holding:
        return holding[0]
    return min(same_name, key=lambda f: abs(f.line - span.line), default=None)


#: Reason prefix of a FULL/NONE finding whose proof showed the workaround is still needed.
NEEDED_PREFIX = "proven still needed"


def proven_needed(finding: Finding) -> bool:
    """A FULL/NONE finding whose direct form the compiler rejected as the catalog predicts."""
    return finding.confirmed is False and finding.reason.startswith(NEEDED_PREFIX)


def judge_function(triage: Triage, fv: FunctionVerdict, *,
                   original: Triage | None, cls: str = "P3") -> tuple[bool, str]:
    """(confirmed, reason) from the verdict of the one `fn` that held the workaround.

    Errors elsewhere in the file that the source as given already has do not count: a real
    conflict or a type error in another function says nothing about this one.
    """
    checks = triage.checks
    stable = checks.get("stable")
    alpha = checks.get("polonius")
    legacy = checks.get("polonius-legacy")
    if triage.verdict == "toolchain-error" or stable is None or not stable.ok or alpha is None \
            or not alpha.ok:
        return judge(triage)
    new = _new_other_errors(triage, original)
    if new:
        return False, f"direct form does not compile for an unrelated reason: {_first(new)}"
    mine = _within(stable.errors, fv)
    where = f"fn {fv.name}"
    if not mine and fv.verdict == "clean":
        return False, (f"direct form of {where} already compiles under NLL: the workaround is "
                       "superfluous today")
    other = [d for d in mine if not d.borrowck]
    if other:
        return False, f"direct form of {where} does not compile: {_first(other)}"
    nll = _codes([d for d in mine if d.borrowck])
    legacy_ran = legacy is not None and legacy.ok
    legacy_mine = _within(legacy.errors, fv) if legacy is not None and legacy_ran else []
    if fv.verdict == "polonius-accepts" and legacy_ran and not legacy_mine:
        return True, (f"direct form of {where} rejected by NLL ({nll}) and accepted by Polonius "
                      "alpha and legacy: the workaround can go once Polonius is stable")
    if fv.verdict == "polonius-accepts":
        return False, (f"direct form of {where} rejected by NLL ({nll}) and accepted by Polonius "
                       "alpha, but not corroborated by polonius-legacy")
    alpha_mine = _within(alpha.errors, fv)
    # FULL/NONE: the proof shows the workaround is real and still needed. `confirmed` stays False
    # (it means "Polonius makes it unnecessary", nothing else); the reason starts with
    # NEEDED_PREFIX so readers can tell "proven needed" from "proof failed".
    if fv.verdict == "needs-full-polonius" and cls == "FULL":
        return False, (f"{NEEDED_PREFIX}: direct form of {where} rejected by NLL ({nll}) and by "
                       f"Polonius alpha ({_codes(alpha_mine)}), accepted by full (legacy) "
                       "Polonius: a real workaround, still needed until full Polonius")
    if fv.verdict == "both-reject" and cls == "NONE":
        return False, (f"{NEEDED_PREFIX}: direct form of {where} rejected by NLL ({nll}) and by "
                       "both Polonius analyses: a real workaround that no borrow checker removes")
    if fv.verdict == "needs-full-polonius":
        return False, (f"direct form of {where} also rejected by Polonius alpha "
                       f"({_codes(alpha_mine)}): still needed; only full (legacy) Polonius "
                       "accepts it")
    if fv.verdict == "alpha-only-accepts":
        return False, (f"only Polonius alpha accepts the direct form of {where}; legacy rejects "
                       f"it ({_codes(legacy_mine)}): suspect, not confirmed")
    if fv.verdict in ("both-reject", "partial-fix"):
        return False, (f"direct form of {where} rejected by NLL and by Polonius "
                       f"({_codes(alpha_mine)}): a real conflict, the workaround is needed")
    return False, f"not confirmed: {where} verdict {fv.verdict}"


def confirm(source: str, findings: Sequence[Finding], *, check: Callable[[str], Triage],
            original: Triage | None = None) -> tuple[Finding, ...]:
    """Prove workaround findings by compiling their direct form with `check`.

    The verdict that counts is the one for the `fn` holding the finding: it is confirmed
    (`confirmed=True`) when, in the rewritten source, stable rejects that function with
    borrow-check errors alone, both Polonius implementations accept it, and the rewrite adds no
    non-borrow-check error that `source` itself does not have. `original` is the triage of
    `source` as given (the engine has it); without it, `source` is checked here when needed.
    A finding of class FULL whose direct form only full (legacy) Polonius accepts, or of class
    NONE whose direct form every checker rejects, is proven *needed*: ``confirmed=False`` with a
    reason starting with ``NEEDED_PREFIX`` (see :func:`proven_needed`).
    Findings without a mechanical rewrite (and epoch markers) keep `confirmed=None`; a pattern
    finding whose shape the rewrite cannot handle says so in `unconfirmable`. Identical rewrites
    are checked once.
    """
    triages: dict[str, Triage] = {}
    out: list[Finding] = []
    baseline: list[Triage | None] = [original]
    for finding in findings:
        direct = rewrite(source, finding) if finding.kind == "pattern" else None
        if direct is None:
            if finding.kind == "pattern" and not finding.unconfirmable:
                finding = dataclasses.replace(finding, unconfirmable=(
                    f"no mechanical direct form for this shape of {finding.id} (the rewrite does "
                    "not handle it), so the compiler could not be asked"))
            out.append(finding)
            continue
        if direct not in triages:
            triages[direct] = check(direct)
        triage = triages[direct]
        fv = _function_of(source, finding, triage)
        if fv is None:
            confirmed, reason = judge(triage)
        else:
            if baseline[0] is None and _other_errors(triage):
                baseline[0] = check(source)  # are those errors the rewrite's, or already there?
            confirmed, reason = judge_function(triage, fv, original=baseline[0],
                                               cls=finding.cls)
        out.append(dataclasses.replace(finding, confirmed=confirmed, reason=reason,
                                       rewrite=direct))
    return tuple(out)
