"""confirm(): reasons from hand-built triages, and proofs by rewrite with the real toolchains."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from checkers.model import CheckResult, Diagnostic, FunctionVerdict, Triage
from checkers.patterns import CATALOG, confirm, detect, proven_needed, status_text
from tests.checkers.patterns.pattern_fixtures import DATA, example_ids

E0499 = Diagnostic(code="E0499", level="error", message="cannot borrow twice", borrowck=True,
                   line=6, column=9)
E0308 = Diagnostic(code="E0308", level="error", message="mismatched types", borrowck=False,
                   line=12, column=5)


def _triage(verdict: str, *, corroborated: bool = True, **accepted: bool | None) -> Triage:
    checks = {}
    for role in ("stable", "polonius", "polonius-legacy", "nightly"):
        key = role.replace("-", "_")
        ok = accepted.get(key, True)
        diags: tuple[Diagnostic, ...] = () if ok else (
            (E0308,) if verdict == "other-error" else (E0499,))
        checks[role] = CheckResult(role=role, status="ok", accepted=ok, diagnostics=diags)
    return Triage(id="x", source="", edition="2021", checks=checks, verdict=verdict,
                  corroborated=corroborated, drift=False)


ENTRY = "use std::collections::HashMap;\n" \
        "pub fn t<'m>(c: &'m mut HashMap<String, u8>, w: &str) -> &'m mut u8 {\n" \
        "    c.entry(w.to_owned()).or_insert(0)\n}\n"


@pytest.mark.parametrize(("triage", "confirmed", "phrase"), [
    (_triage("polonius-accepts", stable=False), True, "accepted by Polonius alpha and legacy"),
    (_triage("polonius-accepts", stable=False, corroborated=False), False, "not corroborated"),
    (_triage("needs-full-polonius", stable=False, polonius=False), False,
     "direct form also rejected by Polonius alpha (E0499): still needed"),
    (_triage("both-reject", stable=False, polonius=False, polonius_legacy=False), False,
     "a real conflict"),
    (_triage("clean"), False, "superfluous today"),
    (_triage("other-error", stable=False, polonius=False), False,
     "unrelated reason: E0308 mismatched types at line 12"),
    (Triage(id="x", source="", edition="2021", verdict="toolchain-error", corroborated=False,
            drift=False, reason="polonius timed out",
            checks={"stable": CheckResult(role="stable", status="timeout", accepted=None)}),
     False, "toolchain error: polonius timed out"),
])
def test_reasons(triage: Triage, confirmed: bool, phrase: str) -> None:
    [finding] = detect(ENTRY).patterns
    [out] = confirm(ENTRY, [finding], check=lambda _src: triage)
    assert out.confirmed is confirmed
    assert phrase in out.reason
    assert out.rewrite is not None and "get_mut(w)" in out.rewrite


def test_identical_rewrites_are_checked_once() -> None:
    calls: list[str] = []

    def check(src: str) -> Triage:
        calls.append(src)
        return _triage("polonius-accepts", stable=False)

    [finding] = detect(ENTRY).patterns
    out = confirm(ENTRY, [finding, finding], check=check)
    assert len(calls) == 1 and [f.confirmed for f in out] == [True, True]


def test_findings_without_rewrite_keep_confirmed_none(examples: Path) -> None:
    source = (examples / "option-take-put-back" / "workaround.rs").read_text()
    found = detect(source).patterns

    def never(_src: str) -> Triage:
        raise AssertionError("no rewrite, no check")

    assert confirm(source, found, check=never) == found


# ------------------------------------------------------------------ with the real toolchains

def _engine_check(source: str) -> Triage:
    from checkers.engine import check_source

    return check_source(source, patterns=False)


P3_EXAMPLES = [i for i in example_ids() if i in CATALOG and CATALOG[i].cls == "P3"]
NOT_P3 = [i for i in example_ids() if i in CATALOG and CATALOG[i].cls in ("FULL", "NONE")]


@pytest.mark.toolchains
@pytest.mark.parametrize("id_", P3_EXAMPLES)
def test_p3_examples_are_confirmed(examples: Path, id_: str) -> None:
    source = (examples / id_ / "workaround.rs").read_text()
    found = [f for f in detect(source).patterns if f.id == id_]
    out = confirm(source, found, check=_engine_check)
    rewritable = [f for f in out if f.confirmed is not None]
    assert rewritable, f"{id_}: no rewrite"
    for finding in rewritable:
        assert finding.confirmed is True, finding.reason


@pytest.mark.toolchains
@pytest.mark.parametrize("id_", NOT_P3)
def test_full_and_none_examples_are_never_claimed_removable(examples: Path, id_: str) -> None:
    """A FULL/NONE finding is confirmed only as what it is: still needed (never "Polonius makes
    it unnecessary")."""
    source = (examples / id_ / "workaround.rs").read_text()
    out = confirm(source, detect(source).patterns, check=_engine_check)
    for f in out:
        if f.id == id_:
            assert f.confirmed is not True, f.reason
            assert f.tier == "candidate" and "makes it unnecessary" not in status_text(f)
            if proven_needed(f):
                assert "still needed" in status_text(f), status_text(f)


@pytest.mark.toolchains
def test_clone_collection_is_proven_needed_by_its_direct_form(examples: Path) -> None:
    for path in [examples / "clone-collection-to-iterate" / "workaround.rs",
                 *sorted((examples / "clone-collection-to-iterate" / "styles").glob("*.rs"))]:
        if path.name.endswith(".direct.rs"):
            continue
        source = path.read_text()
        out = [f for f in confirm(source, detect(source).patterns, check=_engine_check)
               if f.id == "clone-collection-to-iterate"]
        assert out, path
        for f in out:
            if f.rewrite is None:  # shapes the rewrite does not handle say so
                assert f.confirmed is None and "no mechanical direct form" in f.unconfirmable
            else:
                # proven needed: every checker rejects the direct form; never "removable"
                assert f.confirmed is False and proven_needed(f), (path.name, f.reason)
                assert "rejected by NLL (E05" in f.reason
                assert status_text(f).startswith("workaround still needed"), status_text(f)


@pytest.mark.toolchains
@pytest.mark.parametrize("name", ["ctr_btree_contains", "ctr_is_some_tail", "ctr_should_insert",
                                  "entry_string_from", "entry_clone_key", "unsafe_ptr_param",
                                  "index_position_rename", "clone_vec_early", "unsafe_cast_self",
                                  "index_match_position", "index_enumerate_found",
                                  "ctr_loop_recall", "ctr_while_recall_option"])
def test_own_p3_variants_are_confirmed(name: str) -> None:
    source = (DATA / "positive" / f"{name}.rs").read_text()
    out = confirm(source, detect(source).patterns, check=_engine_check)
    assert out and all(f.confirmed is True for f in out), [(f.id, f.reason) for f in out]


@pytest.mark.toolchains
def test_superfluous_workaround_is_reported_honestly() -> None:
    # The pointer dance returns a plain reborrow: NLL already accepts the direct form.
    source = (
        "pub struct S { v: Vec<u32> }\n"
        "impl S {\n"
        "    pub fn last(&mut self) -> &mut u32 {\n"
        "        let this: *mut S = self;\n"
        "        let r = unsafe { &mut (*this).v[0] };\n"
        "        r\n"
        "    }\n"
        "}\n"
    )
    [finding] = detect(source).patterns
    [out] = confirm(source, [finding], check=_engine_check)
    assert out.confirmed is False
    assert out.reason == ("direct form of fn S::last already compiles under NLL: the workaround "
                          "is superfluous today")
    assert out.rewrite is not None and "unsafe" not in out.rewrite


def test_an_unsafe_read_of_a_copy_value_is_no_lifetime_extension() -> None:
    # Only a reference that leaves the function (or the loop) can be a detached borrow.
    source = (
        "pub struct S { v: Vec<u32> }\n"
        "impl S {\n"
        "    pub fn last(&mut self) -> &mut u32 {\n"
        "        let this: *mut S = self;\n"
        "        let n = unsafe { (*this).v.len() };\n"
        "        &mut self.v[n - 1]\n"
        "    }\n"
        "}\n"
    )
    assert detect(source).patterns == ()


@pytest.mark.toolchains
def test_unrelated_error_in_the_direct_form_is_named() -> None:
    # Returning a borrow changes the method's type; the caller that wants a String breaks.
    source = (DATA / "positive" / "clone_vec_early.rs").read_text() + (
        "pub fn owned(d: &mut Deps) -> Vec<String> { d.deps_of(\"x\") }\n")
    [finding] = detect(source).patterns
    [out] = confirm(source, [finding], check=_engine_check)
    assert out.confirmed is False
    assert out.reason.startswith("direct form does not compile for an unrelated reason: E0308")


# ------------------------------------------------------------- the verdict of the enclosing fn

def _checked(errors: dict[str, tuple[Diagnostic, ...]], functions: tuple[FunctionVerdict, ...],
             verdict: str = "other-error") -> Triage:
    checks = {role: CheckResult(role=role, status="ok", accepted=not errors.get(role),
                                diagnostics=errors.get(role, ()))
              for role in ("stable", "polonius", "polonius-legacy", "nightly")}
    return Triage(id="x", source="", edition="2021", checks=checks, verdict=verdict,
                  corroborated=False, drift=False, functions=functions)


def _diag(code: str, line: int, *, borrowck: bool, message: str = "m") -> Diagnostic:
    return Diagnostic(code=code, level="error", message=message, borrowck=borrowck, line=line,
                      column=5)


MIXED = (DATA / "positive" / "ctr_beside_unrelated_errors.rs").read_text()
CONFLICT = _diag("E0502", 20, borrowck=True)
TYPE_ERROR = _diag("E0308", 26, borrowck=False, message="mismatched types")
FUNCTIONS = (FunctionVerdict("Registry::bucket", 7, 14, "polonius-accepts"),
             FunctionVerdict("grow", 18, 22, "both-reject"),
             FunctionVerdict("count", 25, 27, "other-error"))


def _mixed(*, legacy_in_fn: bool = False, fn_verdict: str = "polonius-accepts") -> Triage:
    e0499 = _diag("E0499", 10, borrowck=True)
    legacy = (CONFLICT, TYPE_ERROR) + ((e0499,) if legacy_in_fn else ())
    functions = (dataclasses.replace(FUNCTIONS[0], verdict=fn_verdict), *FUNCTIONS[1:])
    return _checked({"stable": (e0499, CONFLICT, TYPE_ERROR), "polonius": (CONFLICT, TYPE_ERROR),
                     "polonius-legacy": legacy, "nightly": (e0499, CONFLICT, TYPE_ERROR)},
                    functions)


ORIGINAL = _checked({role: (CONFLICT, TYPE_ERROR) for role in ("stable", "polonius",
                                                               "polonius-legacy", "nightly")},
                    (dataclasses.replace(FUNCTIONS[0], verdict="clean"), *FUNCTIONS[1:]))


def test_unrelated_errors_elsewhere_do_not_block_confirmation() -> None:
    [finding] = detect(MIXED).patterns
    [out] = confirm(MIXED, [finding], check=lambda _src: _mixed(), original=ORIGINAL)
    assert out.confirmed is True, out.reason
    assert "fn Registry::bucket" in out.reason and "(E0499)" in out.reason


def test_without_the_original_triage_the_source_is_checked_once() -> None:
    calls: list[str] = []

    def check(src: str) -> Triage:
        calls.append(src)
        return ORIGINAL if src == MIXED else _mixed()

    [finding] = detect(MIXED).patterns
    out = confirm(MIXED, [finding, finding], check=check)
    assert [f.confirmed for f in out] == [True, True]
    assert calls.count(MIXED) == 1 and len(calls) == 2


def test_legacy_error_inside_the_fn_is_not_corroborated() -> None:
    [finding] = detect(MIXED).patterns
    [out] = confirm(MIXED, [finding], check=lambda _src: _mixed(legacy_in_fn=True),
                    original=ORIGINAL)
    assert out.confirmed is False and "not corroborated" in out.reason


def test_a_new_type_error_from_the_rewrite_is_named() -> None:
    [finding] = detect(MIXED).patterns
    clean_original = _checked({"stable": (CONFLICT,), "polonius": (CONFLICT,),
                               "polonius-legacy": (CONFLICT,), "nightly": (CONFLICT,)}, FUNCTIONS)
    [out] = confirm(MIXED, [finding], check=lambda _src: _mixed(), original=clean_original)
    assert out.confirmed is False
    assert out.reason == ("direct form does not compile for an unrelated reason: E0308 mismatched "
                          "types at line 26")


@pytest.mark.parametrize(("fn_verdict", "phrase"), [
    ("needs-full-polonius", "still needed; only full (legacy) Polonius accepts it"),
    ("both-reject", "a real conflict"),
    ("alpha-only-accepts", "suspect, not confirmed"),
])
def test_function_verdicts_keep_their_honest_reasons(fn_verdict: str, phrase: str) -> None:
    [finding] = detect(MIXED).patterns
    [out] = confirm(MIXED, [finding], check=lambda _src: _mixed(fn_verdict=fn_verdict),
                    original=ORIGINAL)
    assert out.confirmed is False and phrase in out.reason


@pytest.mark.toolchains
def test_confirms_beside_a_real_conflict_and_a_type_error_with_rustc() -> None:
    from checkers.engine import check_source

    original = check_source(MIXED, patterns=False)
    assert original.verdict == "other-error"
    assert {f.name: f.verdict for f in original.functions}["grow"] == "both-reject"
    found = detect(MIXED).patterns
    for given in (original, None):
        [out] = confirm(MIXED, found, check=_engine_check, original=given)
        assert out.confirmed is True, out.reason


@pytest.mark.toolchains
def test_scan_confirms_in_its_batches_like_the_engine(examples: Path) -> None:
    """Direct forms ride in the scan's per-role batches; the proofs equal check_source's."""
    from checkers.batch import Case, ScanStats, scan_iter
    from checkers.engine import check_source
    from checkers.toolchains import load_toolchains

    names = ["check-then-relookup", "entry-owned-key", "index-instead-of-reference",
             "unsafe-lifetime-extension", "clone-to-end-borrow", "option-take-put-back"]
    cases = [Case((examples / n / "workaround.rs").read_text(), origin={"path": n})
             for n in names]
    stats = ScanStats()
    toolchains = load_toolchains()
    got = {t.origin["path"]: t for t in scan_iter(cases, toolchains=toolchains, jobs=1,
                                                  cache=False, confirm=True, stats=stats)}
    assert set(got) == set(names)
    for case in cases:
        alone = check_source(case.source, toolchains=toolchains, confirm=True)
        mine = got[case.origin["path"]]
        assert [(f.id, f.line, f.confirmed, f.reason) for f in mine.patterns] == [
            (f.id, f.line, f.confirmed, f.reason) for f in alone.patterns]
    proven = [f for t in got.values() for f in t.patterns if f.confirmed]
    assert len(proven) >= 5
    # 6 cases + their direct forms, 4 roles: batched, far fewer rustc runs than snippets x roles
    assert stats.role_checks >= 4 * (len(cases) + len(proven))
    assert stats.rustc_runs < stats.role_checks


@pytest.mark.toolchains
@pytest.mark.parametrize("path", [
    "examples:cps-callback-instead-of-return/workaround.rs",
    "examples:cps-callback-instead-of-return/styles/cps_dyn_fnmut.rs",
    "examples:cps-callback-instead-of-return/styles/cps_generic_match.rs",
    "data:positive/adv_cps_match_closure.rs",
    "data:positive/cps_generic_where.rs",
])
def test_cps_callbacks_are_proven_by_returning_the_borrow(examples: Path, path: str) -> None:
    root, rel = path.split(":")
    source = ((examples if root == "examples" else DATA) / rel).read_text()
    out = [f for f in confirm(source, detect(source).patterns, check=_engine_check)
           if f.id == "cps-callback-instead-of-return"]
    assert out and all(f.confirmed is True for f in out), [(f.id, f.reason) for f in out]


@pytest.mark.toolchains
@pytest.mark.parametrize("name", ["adv_crab_fn_call", "crab_macro"])
def test_polonius_the_crab_macro_sites_are_proven(name: str) -> None:
    source = (DATA / "positive" / f"{name}.rs").read_text()
    out = [f for f in confirm(source, detect(source).patterns, check=_engine_check)
           if f.id == "polonius-the-crab-call"]
    sites = [f for f in out if not f.unconfirmable]
    assert sites and all(f.confirmed is True for f in sites), [(f.line, f.reason) for f in out]
    assert all(f.confirmed is None for f in out if f.unconfirmable)  # the `use` line
