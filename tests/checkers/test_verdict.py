"""The verdict table as pure logic: every row, the diff matching, drift and per-function attribution."""

from __future__ import annotations

import pytest

from checkers.diagnostics import is_borrowck
from checkers.model import CheckResult, Diagnostic
from checkers.snippet import FunctionSpan
from checkers.verdict import Outcome, decide, diagnostic_diff, drift_of, function_verdicts, triage_verdict


def bc(line: int, code: str = "E0499") -> Diagnostic:
    return Diagnostic(code=code, level="error", message="cannot borrow", borrowck=True, line=line,
                      column=5)


def other(line: int) -> Diagnostic:
    return Diagnostic(code="E0308", level="error", message="mismatched types", borrowck=False,
                      line=line, column=1)


OK = Outcome(True, ())
DOWN = Outcome(False, ())


def rej(*diags: Diagnostic) -> Outcome:
    return Outcome(True, diags)


@pytest.mark.parametrize(
    ("stable", "next_", "legacy", "verdict", "corroborated"),
    [
        (OK, OK, OK, "clean", True),
        (OK, OK, None, "clean", False),
        (rej(bc(3)), OK, OK, "polonius-accepts", True),
        (rej(bc(3)), OK, None, "polonius-accepts", False),
        (rej(bc(3)), OK, DOWN, "polonius-accepts", False),
        (rej(bc(3)), rej(bc(3)), OK, "needs-full-polonius", True),
        (rej(bc(3)), OK, rej(bc(3)), "alpha-only-accepts", False),
        (rej(bc(3), bc(9)), rej(bc(9)), rej(bc(9)), "partial-fix", True),
        (rej(bc(3), bc(9)), rej(bc(9)), rej(bc(3), bc(9)), "partial-fix", False),
        (rej(bc(3)), rej(bc(3)), rej(bc(3)), "both-reject", True),
        (rej(bc(3)), rej(bc(4)), rej(bc(3)), "both-reject", True),
        (OK, rej(bc(3)), rej(bc(3)), "regression", True),
        (rej(other(2)), rej(other(2)), rej(other(2)), "other-error", False),
        (rej(bc(3), other(2)), OK, OK, "other-error", False),
        (DOWN, OK, OK, "toolchain-error", False),
        (OK, DOWN, OK, "toolchain-error", False),
    ],
)
def test_verdict_table(stable: Outcome, next_: Outcome, legacy: Outcome | None, verdict: str,
                       corroborated: bool) -> None:
    decision = decide(stable, next_, legacy)
    assert (decision.verdict, decision.corroborated) == (verdict, corroborated)
    assert decision.reason


def test_diff_is_multiset_aware_and_sorted() -> None:
    base = [bc(3), bc(3), bc(7, "E0502")]
    cand = [bc(3), bc(8)]
    changes = [(d.change, d.diagnostic.line) for d in diagnostic_diff(base, cand)]
    assert changes == [("kept", 3), ("removed", 3), ("removed", 7), ("added", 8)]


def _result(role: str, *diags: Diagnostic, status: str = "ok") -> CheckResult:
    return CheckResult(role=role, status=status, accepted=None if status != "ok" else not diags,
                       diagnostics=diags)


def test_drift_when_stable_and_control_disagree() -> None:
    checks = {"stable": _result("stable", bc(3)), "nightly": _result("nightly")}
    assert drift_of(checks)
    checks = {"stable": _result("stable", bc(3)), "nightly": _result("nightly", bc(3))}
    assert not drift_of(checks)
    checks = {"stable": _result("stable", bc(3)), "nightly": _result("nightly", status="ice")}
    assert not drift_of(checks)


def test_triage_verdict_names_the_failed_role() -> None:
    checks = {"stable": _result("stable", status="timeout"), "polonius": _result("polonius")}
    decision, diff = triage_verdict(checks)
    assert decision.verdict == "toolchain-error" and "stable: timeout" in decision.reason
    assert diff == []


def test_function_verdicts_attribute_to_innermost_fn() -> None:
    functions = [FunctionSpan("outer", 1, 20, 0), FunctionSpan("outer::inner", 5, 8, 1),
                 FunctionSpan("free", 22, 30, 0)]
    checks = {
        "stable": _result("stable", bc(6), bc(25)),
        "polonius": _result("polonius", bc(25)),
        "polonius-legacy": _result("polonius-legacy"),
    }
    verdicts = {f.name: f.verdict for f in function_verdicts(checks, functions)}
    assert verdicts == {"outer": "clean", "outer::inner": "polonius-accepts",
                        "free": "needs-full-polonius"}


def test_unattributed_type_error_makes_clean_functions_unknown() -> None:
    functions = [FunctionSpan("f", 3, 5, 0)]
    checks = {"stable": _result("stable", other(1)), "polonius": _result("polonius", other(1))}
    assert [f.verdict for f in function_verdicts(checks, functions)] == ["other-error"]


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("E0499", "cannot borrow `x` as mutable more than once at a time", True),
        ("E0716", "temporary value dropped while borrowed", True),
        ("E0308", "mismatched types", False),
        ("E0425", "cannot find value `x` in this scope", False),
        (None, "lifetime may not live long enough", True),
        ("E0521", "borrowed data escapes outside of method", True),
        (None, "cannot use register `bx`: rbx is used internally by LLVM and cannot be used as "
               "an operand for inline asm", False),
        (None, "cannot borrow here, since the borrowed element may contain interior mutability",
         False),
        (None, "`T` does not live long enough", True),
        (None, "returns a closure that contains a reference to a captured variable, which then "
               "escapes the closure body", True),
        (None, "implementation of `FnOnce` is not general enough", True),
        (None, "higher-ranked lifetime error", True),
        (None, "captured variable cannot escape `FnMut` closure body", True),
        (None, "cannot find macro `foo` in this scope", False),
        (None, "use of deprecated `try` macro", False),
        ("dangerous_implicit_autorefs", "implicit autoref creates a reference", False),
    ],
)
def test_borrowck_classification(code: str | None, message: str, expected: bool) -> None:
    assert is_borrowck(code, message) is expected


def test_record_round_trips_through_from_record() -> None:
    from checkers.model import Finding, FunctionVerdict, Triage

    triage = Triage(
        id="0" * 64, source="fn f() {}\n", edition="2018",
        checks={"stable": _result("stable", bc(3)), "polonius": _result("polonius")},
        verdict="polonius-accepts", corroborated=False, drift=True, reason="why",
        diff=tuple(diagnostic_diff([bc(3)], [])),
        functions=(FunctionVerdict("f", 1, 1, "polonius-accepts"),),
        patterns=(Finding("entry-owned-key", "pattern", "P3", 1, 1, 1, 9, confirmed=True,
                          reason="ok", rewrite="fn g() {}\n"),),
        epochs=(Finding("epoch-try-macro", "epoch", "epoch", 1, 1, 1, 5),),
        origin={"path": "a.rs", "line": 1}, notes=("n",),
    )
    record = triage.to_record()
    assert Triage.from_record(record).to_record() == record
    assert Triage.from_record(record, origin=None).origin is None


# --- drift is not Polonius --------------------------------------------------------------------

#: `cfg(version)` is true on the 1.97 nightly and false on 1.95 stable (which runs this with
#: RUSTC_BOOTSTRAP=1 because of the feature gate): real compiler drift, as a real file shows it.
DRIFT_PRELUDE = '#![feature(cfg_version)]\n#[cfg(version("1.96"))]\npub fn drifted() -> u8 { "x" }\n'


def test_pure_type_error_under_polonius_only_is_not_a_regression() -> None:
    assert decide(OK, rej(other(2)), rej(other(2))).verdict == "other-error"
    assert decide(OK, rej(other(2), bc(3)), None).verdict == "regression"


def test_control_replaces_stable_when_the_compilers_drift() -> None:
    checks = {"stable": _result("stable"), "polonius": _result("polonius", other(2)),
              "polonius-legacy": _result("polonius-legacy", other(2)),
              "nightly": _result("nightly", other(2))}
    decision, diff = triage_verdict(checks)
    assert decision.verdict == "other-error"
    assert "nightly control" in decision.reason
    assert [d.change for d in diff] == ["kept"]


@pytest.mark.toolchains
def test_nightly_only_type_error_is_drift_not_regression() -> None:
    from checkers.engine import check_source

    triage = check_source(DRIFT_PRELUDE, patterns=False)
    assert triage.checks["stable"].accepted
    assert [d.code for d in triage.checks["nightly"].errors] == ["E0308"]
    assert triage.drift
    assert triage.verdict == "other-error", triage.reason
    assert [f.verdict for f in triage.functions] == ["other-error"]


@pytest.mark.toolchains
def test_per_function_drift_is_not_regression_and_real_conflicts_stay() -> None:
    from checkers.engine import check_source

    source = DRIFT_PRELUDE + ("pub fn conflict(v: &mut Vec<u8>) {\n    let first = &v[0];\n"
                              "    v.clear();\n    let _ = *first;\n}\n")
    triage = check_source(source, patterns=False)
    verdicts = {f.name: f.verdict for f in triage.functions}
    assert verdicts == {"drifted": "other-error", "conflict": "both-reject"}
    assert "regression" not in (triage.verdict, *verdicts.values())
