"""Unchecked is a state: code that cfg removes is `not-compiled`, and --cfg-test/--features compile it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checkers.batch import Case, ScanStats, scan_iter
from checkers.cfg import evaluate, removed_regions, role_cfg
from checkers.engine import check_source
from checkers.toolchains import load_toolchains
from checkers.verdict import is_compiled

CONFLICT = "    let first = &v[0];\n    v.clear();\n    let _ = *first;\n"

GATED_FILE = ('#![cfg(feature = "extra")]\n'
              f"pub fn gated(v: &mut Vec<u8>) {{\n{CONFLICT}}}\n")

TEST_MODULE = ("pub fn shipped(v: &mut Vec<u8>) {\n    v.push(1);\n}\n\n"
               "#[cfg(test)]\nmod tests {\n    #[test]\n    fn gated_test() {\n"
               f"        let mut v = vec![1u8];\n{CONFLICT}    }}\n}}\n")

TARGET_GATED = (f"#[cfg(windows)]\npub fn on_windows(v: &mut Vec<u8>) {{\n{CONFLICT}}}\n"
                f"#[cfg(unix)]\npub fn on_unix(v: &mut Vec<u8>) {{\n{CONFLICT}}}\n")


def _verdicts(triage: object) -> dict[str, str]:
    return {f.name: f.verdict for f in triage.functions}  # type: ignore[attr-defined]


@pytest.mark.toolchains
def test_feature_gated_file_is_not_compiled_never_clean() -> None:
    triage = check_source(GATED_FILE, patterns=False)
    assert triage.checks["stable"].accepted  # rustc said nothing: it compiled nothing
    assert triage.verdict == "not-compiled", triage.reason
    assert "--features" in triage.reason
    assert _verdicts(triage) == {"gated": "not-compiled"}
    assert not is_compiled(triage, 3)


@pytest.mark.toolchains
def test_features_option_compiles_the_gated_file() -> None:
    triage = check_source(GATED_FILE, patterns=False, features=["extra"])
    assert triage.verdict == "both-reject", triage.reason
    assert _verdicts(triage) == {"gated": "both-reject"}
    assert triage.checks["stable"].flags[-2:] == ("--cfg", 'feature="extra"')
    assert is_compiled(triage, 3)


@pytest.mark.toolchains
def test_cfg_test_module_and_test_fns_are_not_compiled_until_cfg_test() -> None:
    plain = check_source(TEST_MODULE, patterns=False)
    assert _verdicts(plain) == {"shipped": "clean", "gated_test": "not-compiled"}
    gated = next(f for f in plain.functions if not f.compiled)
    assert gated.reason == "removed by #[cfg(test)]"
    assert not is_compiled(plain, 11) and is_compiled(plain, 2)
    assert any("--cfg-test" in note for note in plain.notes)
    with_tests = check_source(TEST_MODULE, patterns=False, cfg_test=True)
    assert with_tests.verdict == "both-reject", with_tests.reason
    assert _verdicts(with_tests) == {"shipped": "clean", "gated_test": "both-reject"}


@pytest.mark.toolchains
def test_target_cfg_decided_by_the_compilers_cfg_set() -> None:
    triage = check_source(TARGET_GATED, patterns=False)
    expected_off = "on_unix" if sys.platform == "win32" else "on_windows"
    verdicts = _verdicts(triage)
    assert verdicts[expected_off] == "not-compiled"
    assert {v for k, v in verdicts.items() if k != expected_off} == {"both-reject"}


@pytest.mark.toolchains
def test_cfg_predicates_against_rustc_print_cfg() -> None:
    tc = load_toolchains()
    cfgs = role_cfg(tc.roles["stable"])
    assert cfgs is not None and ("debug_assertions", None) in cfgs
    assert evaluate('all(debug_assertions, not(feature = "x"))', cfgs) is True
    assert evaluate('any(feature = "x", test)', cfgs) is False
    assert evaluate('version("1.80")', cfgs) is None  # not decided here: treated as compiled
    regions = removed_regions('#[cfg(version("1.0"))]\nfn f() {}\n', cfgs)
    assert regions == []


@pytest.mark.toolchains
def test_scan_cache_keys_include_the_cfg_options(tmp_path: Path) -> None:
    tc = load_toolchains()
    cases = [Case(TEST_MODULE), Case(GATED_FILE)]
    first = {t.source: t.verdict for t in scan_iter(cases, toolchains=tc, patterns=False)}
    assert first == {TEST_MODULE: "clean", GATED_FILE: "not-compiled"}
    stats = ScanStats()
    second = {t.source: t.verdict for t in scan_iter(cases, toolchains=tc, patterns=False,
                                                     cfg_test=True, features=("extra",),
                                                     stats=stats)}
    assert second == {TEST_MODULE: "both-reject", GATED_FILE: "both-reject"}
    assert stats.record_hits == 0 and stats.cache_hits == 0
    again = ScanStats()
    third = {t.source: t.verdict for t in scan_iter(cases, toolchains=tc, patterns=False,
                                                    features="extra", cfg_test=True,
                                                    stats=again)}
    assert third == second and again.record_hits == 2


@pytest.mark.toolchains
def test_cli_check_and_scan_take_cfg_test_and_features(tmp_path: Path) -> None:
    source = tmp_path / "lib.rs"
    source.write_text(TEST_MODULE + GATED_FILE.replace("#![cfg", "#[cfg").replace(
        "pub fn gated", "pub fn gated_fn"))

    def ptriage(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.cli", *argv], capture_output=True,
                              text=True, timeout=300, check=False)

    plain = ptriage("check", "--json", "--no-patterns", str(source))
    assert plain.returncode == 0, plain.stderr
    functions = {f["name"]: f["verdict"] for f in json.loads(plain.stdout)["functions"]}
    assert functions == {"shipped": "clean", "gated_test": "not-compiled",
                         "gated_fn": "not-compiled"}
    full = ptriage("check", "--json", "--no-patterns", "--cfg-test", "--features", "extra",
                   str(source))
    functions = {f["name"]: f["verdict"] for f in json.loads(full.stdout)["functions"]}
    assert functions == {"shipped": "clean", "gated_test": "both-reject",
                         "gated_fn": "both-reject"}
    out = tmp_path / "out.jsonl"
    scan = ptriage("scan", "--no-patterns", "--cfg-test", "--features", "extra", str(source),
                   "--out", str(out))
    assert scan.returncode == 0, scan.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert {f["name"]: f["verdict"] for f in record["functions"]} == functions


@pytest.mark.toolchains
def test_check_table_says_why_a_function_was_not_compiled(tmp_path: Path) -> None:
    source = tmp_path / "lib.rs"
    source.write_text(TEST_MODULE)
    proc = subprocess.run([sys.executable, "-m", "app.cli", "check", "--no-patterns", str(source)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "gated_test (lines 8-13): not-compiled (removed by #[cfg(test)])" in proc.stdout
    assert "--cfg-test" in proc.stdout


@pytest.mark.toolchains
def test_proof_by_rewrite_of_code_that_was_not_compiled_proves_nothing() -> None:
    from tests.conftest import EXAMPLES

    workaround = (EXAMPLES / "clone-to-end-borrow" / "workaround.rs").read_text()
    gated = '#![cfg(feature = "extra")]\n' + workaround.replace("//!", "//")
    compiled = check_source(workaround, confirm=True)
    assert compiled.patterns and all(p.confirmed for p in compiled.patterns)
    for triage in (check_source(gated, confirm=True),
                   next(iter(scan_iter([Case(gated)], toolchains=load_toolchains(),
                                       confirm=True, cache=False)))):
        assert triage.verdict == "not-compiled"
        assert triage.patterns
        for finding in triage.patterns:
            assert finding.confirmed is False, finding.reason
            assert "superfluous" not in finding.reason
            assert "not-compiled" in finding.reason or "not compiled" in finding.reason


@pytest.mark.toolchains
@pytest.mark.parametrize(("source", "codes"), [
    ("use serde::Serialize;\npub fn f() {}\n", "E0432"),
    ("mod other;\npub fn f() {}\n", "E0583"),
    ("pub fn f() -> u8 { memchr::x() }\n", "E0433"),
    ("extern crate rand;\npub fn f() {}\n", "E0463"),
    ("pub fn f() { let _v = Vecc::<u8>::new(); }\n", ""),  # a typo, not a missing crate
])
def test_unresolved_imports_say_the_case_needs_its_crate(source: str, codes: str) -> None:
    triage = check_source(source, patterns=False)
    assert triage.verdict == "other-error"
    if codes:
        assert triage.reason.startswith(f"needs its crate: {codes}"), triage.reason
        assert "ptriage audit" in triage.reason
    else:
        assert not triage.reason.startswith("needs its crate"), triage.reason


@pytest.mark.toolchains
def test_a_worker_loading_its_own_toolchains_applies_the_units_cfg_options() -> None:
    """What a Dask worker does: load toolchains.toml itself, then check with the unit's options."""
    from checkers.batch import WorkUnit, process_unit
    from checkers.cfg import with_cfg

    tc = load_toolchains()
    configured = with_cfg(tc, cfg_test=True, features=("extra",))
    assert configured.fingerprint() != tc.fingerprint()
    unit = WorkUnit((Case(TEST_MODULE), Case(GATED_FILE)), str(tc.source_path),
                    configured.fingerprint(), cache=False, patterns=False, cfg_test=True,
                    features=("extra",))
    result = process_unit(unit)
    assert sorted(t.verdict for t in result.triages) == ["both-reject", "both-reject"]
