"""Baseline vs. candidates (+ control) → one verdict, the per-diagnostic diff and per-function verdicts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from checkers.cfg import Removed
from checkers.model import CheckResult, Diagnostic, DiagnosticDiff, FunctionVerdict, Triage
from checkers.snippet import FunctionSpan, enclosing_function
from checkers.toolchains import BASELINE, CANDIDATE, CONTROL, CORROBORATOR


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one role said about a region of code (whole case or one function)."""

    ran: bool
    errors: tuple[Diagnostic, ...]

    @property
    def accepted(self) -> bool:
        return self.ran and not self.errors

    @property
    def borrowck_only(self) -> bool:
        return all(d.borrowck for d in self.errors)


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: str
    corroborated: bool
    reason: str


def _codes(errors: Sequence[Diagnostic]) -> str:
    codes = sorted({d.code or "no code" for d in errors})
    return ", ".join(codes) if codes else "no errors"


def decide(stable: Outcome, next_: Outcome, legacy: Outcome | None, *,
           base_name: str = "stable") -> Decision:
    """The verdict table of ARCHITECTURE.md, for one region of code.

    ``stable`` is the NLL outcome Polonius is compared with (``base_name`` says which role gave
    it: stable, or the nightly control when the compilers drift apart).
    """
    legacy_ran = legacy is not None and legacy.ran
    if not stable.ran:
        return Decision("toolchain-error", False, "the stable baseline did not run")
    if not next_.ran:
        return Decision("toolchain-error", False, "the Polonius (next) candidate did not run")

    if stable.accepted:
        if next_.accepted:
            corroborated = legacy_ran and legacy is not None and legacy.accepted
            reason = "accepted by every checker" if corroborated else "accepted by NLL and Polonius"
            if legacy_ran and legacy is not None and not legacy.accepted:
                reason = f"accepted by NLL and Polonius alpha; legacy rejects ({_codes(legacy.errors)})"
            return Decision("clean", corroborated, reason)
        new_borrowck = [d for d in next_.errors if d.borrowck]
        if not new_borrowck:
            # Polonius cannot add a type or resolve error: that is not a Polonius regression.
            return Decision("other-error", False,
                            "NLL accepts; Polonius alpha rejects for non-borrow-check reasons "
                            f"({_codes(next_.errors)})")
        corroborated = legacy_ran and legacy is not None and not legacy.accepted
        return Decision("regression", corroborated,
                        f"NLL accepts; Polonius alpha rejects ({_codes(new_borrowck)})")

    if not stable.borrowck_only:
        other = [d for d in stable.errors if not d.borrowck]
        return Decision("other-error", False,
                        f"{base_name} rejects for non-borrow-check reasons ({_codes(other)})")

    if next_.accepted:
        if not legacy_ran:
            return Decision("polonius-accepts", False,
                            "NLL rejects, Polonius alpha accepts; legacy Polonius did not run "
                            "(not corroborated)")
        assert legacy is not None
        if legacy.accepted:
            return Decision("polonius-accepts", True,
                            f"NLL rejects ({_codes(stable.errors)}); both Polonius analyses accept")
        return Decision("alpha-only-accepts", False,
                        f"only Polonius alpha accepts; legacy rejects ({_codes(legacy.errors)}): "
                        "suspect unsound acceptance")

    if legacy_ran and legacy is not None and legacy.accepted:
        return Decision("needs-full-polonius", True,
                        f"NLL and Polonius alpha reject ({_codes(next_.errors)}); "
                        "only full (legacy) Polonius accepts")
    removed, _kept, added = diff_counts(stable.errors, next_.errors)
    corroborated = legacy_ran and legacy is not None and not legacy.accepted
    if removed and len(next_.errors) < len(stable.errors):
        reason = f"Polonius removes {removed} of {len(stable.errors)} borrow-check errors"
        if legacy_ran and legacy is not None:
            gone = [d.diagnostic for d in diagnostic_diff(stable.errors, next_.errors)
                    if d.change == "removed"]
            legacy_keys = Counter(d.key() for d in legacy.errors)
            disputed = sum(1 for d in gone if legacy_keys[d.key()] > 0)
            corroborated = disputed == 0
            if disputed:
                reason += (f"; legacy Polonius still reports {disputed} of the removed errors "
                           "(suspect: alpha may accept unsound code)")
        return Decision("partial-fix", corroborated, reason)
    suffix = f"; Polonius adds {added}" if added else ""
    return Decision("both-reject", corroborated,
                    f"every checker rejects ({_codes(next_.errors)}){suffix}")


def diff_counts(base: Sequence[Diagnostic], cand: Sequence[Diagnostic]) -> tuple[int, int, int]:
    changes = Counter(d.change for d in diagnostic_diff(base, cand))
    return changes["removed"], changes["kept"], changes["added"]


def diagnostic_diff(base: Sequence[Diagnostic], cand: Sequence[Diagnostic]) -> list[DiagnosticDiff]:
    """Match errors by code (or message) + primary span: removed, kept, added (multiset-aware)."""
    remaining = Counter(d.key() for d in cand)
    out: list[DiagnosticDiff] = []
    for diag in base:
        if remaining[diag.key()] > 0:
            remaining[diag.key()] -= 1
            out.append(DiagnosticDiff("kept", diag))
        else:
            out.append(DiagnosticDiff("removed", diag))
    consumed = Counter(d.key() for d in base)
    for diag in cand:
        if consumed[diag.key()] > 0:
            consumed[diag.key()] -= 1
        else:
            out.append(DiagnosticDiff("added", diag))
    out.sort(key=lambda d: (d.diagnostic.line or 0, d.diagnostic.column or 0, d.change))
    return out


def outcome_of(result: CheckResult | None) -> Outcome | None:
    if result is None:
        return None
    return Outcome(ran=result.ok, errors=result.errors)


def drift_of(checks: Mapping[str, CheckResult]) -> bool:
    """Stable and the nightly control disagree: the difference is the compiler, not Polonius."""
    stable = checks.get(BASELINE)
    control = checks.get(CONTROL)
    if stable is None or control is None or not stable.ok or not control.ok:
        return False
    if stable.accepted != control.accepted:
        return True
    return Counter(d.key() for d in stable.errors) != Counter(d.key() for d in control.errors)


def comparison_base(checks: Mapping[str, CheckResult]) -> CheckResult | None:
    """The NLL result Polonius is compared with: stable, unless the nightly control (the same
    compiler as the Polonius roles) disagrees with it; then the control, so that what the
    compilers differ in (drift) is not taken for what Polonius changes."""
    control = checks.get(CONTROL)
    stable = checks.get(BASELINE)
    if control is not None and drift_of(checks):
        return control
    return stable


def triage_verdict(checks: Mapping[str, CheckResult]) -> tuple[Decision, list[DiagnosticDiff]]:
    stable = checks.get(BASELINE)
    cand = checks.get(CANDIDATE)
    legacy = checks.get(CORROBORATOR)
    if stable is None or not stable.ok:
        why = stable.error if stable is not None else "not configured"
        return Decision("toolchain-error", False,
                        f"stable: {stable.status if stable else 'missing'}: {why}"), []
    if cand is None or not cand.ok:
        why = cand.error if cand is not None else "not configured"
        return Decision("toolchain-error", False,
                        f"polonius: {cand.status if cand else 'missing'}: {why}"), []
    base = comparison_base(checks)
    s, n = outcome_of(base), outcome_of(cand)
    assert base is not None and s is not None and n is not None
    decision = decide(s, n, outcome_of(legacy),
                      base_name="stable" if base is stable else "the nightly control")
    if base is not stable:
        decision = Decision(decision.verdict, decision.corroborated,
                            f"{decision.reason} (compared with the nightly control: stable "
                            "differs from it by compiler drift)")
    if legacy is not None and not legacy.ok and legacy.status not in ("missing", "skipped"):
        decision = Decision(decision.verdict, decision.corroborated,
                            f"{decision.reason}; polonius-legacy {legacy.status}: {legacy.error}")
    return decision, diagnostic_diff(base.errors, cand.errors)


def is_compiled(triage: Triage, line: int) -> bool:
    """Whether rustc compiled the code at ``line`` of ``triage``'s source (see
    :meth:`Triage.is_compiled`)."""
    return triage.is_compiled(line)


def function_verdicts(
    checks: Mapping[str, CheckResult], functions: Sequence[FunctionSpan],
    removed: Sequence[Removed] = (),
) -> list[FunctionVerdict]:
    """Attribute each error to its innermost enclosing fn and decide per function.

    A function inside a region `#[cfg]` removed (``removed``) is ``not-compiled``: rustc said
    nothing about it, so no other verdict holds.
    """
    stable = checks.get(BASELINE)
    cand = checks.get(CANDIDATE)
    legacy = checks.get(CORROBORATOR)
    if not functions or stable is None or cand is None or not stable.ok or not cand.ok:
        return []
    # Per function too, Polonius is judged against the control when it ran (drift aside).
    stable = comparison_base(checks) or stable
    fn_list = list(functions)

    def errors_in(result: CheckResult | None, fn: FunctionSpan) -> tuple[Diagnostic, ...]:
        if result is None:
            return ()
        return tuple(d for d in result.errors if enclosing_function(fn_list, d.line, d.column) is fn)

    # A non-borrowck error outside every function can stop rustc before borrowck runs at all;
    # then a function without errors of its own is not known to be clean.
    unattributed_other = any(
        not d.borrowck and enclosing_function(fn_list, d.line, d.column) is None for d in stable.errors
    )
    out: list[FunctionVerdict] = []
    for fn in fn_list:
        gone = next((r for r in removed if r.contains(fn.line, fn.column)), None)
        if gone is not None:
            out.append(FunctionVerdict(fn.name, fn.line, fn.end_line, "not-compiled",
                                       f"removed by {gone.why}"))
            continue
        s = Outcome(True, errors_in(stable, fn))
        n = Outcome(True, errors_in(cand, fn))
        lg = Outcome(True, errors_in(legacy, fn)) if legacy is not None and legacy.ok else None
        if not s.errors and not n.errors and unattributed_other:
            verdict = "other-error"
        else:
            verdict = decide(s, n, lg).verdict
        out.append(FunctionVerdict(fn.name, fn.line, fn.end_line, verdict))
    return out
