"""Engine tests with the real toolchains: verdicts on the shared examples, safety limits, role failures."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from checkers.engine import check_source
from checkers.toolchains import load_toolchains
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.toolchains

VERDICT_FOR_CLASS = {"P3": "polonius-accepts", "FULL": "needs-full-polonius", "NONE": "both-reject"}


def _example_classes() -> dict[str, str]:
    """Class of every borrow-check example, derived from the recorded compiler facts."""
    facts = json.loads((EXAMPLES / "verdicts.json").read_text())
    examples = facts.get("examples", facts)
    classes: dict[str, str] = {}
    for name, entry in examples.items():
        direct = entry.get("direct") if isinstance(entry, dict) else None
        if not isinstance(direct, dict) or "edition_2021" not in direct:
            continue
        roles = direct["edition_2021"]
        if "polonius_next" not in roles:
            continue
        next_ok = roles["polonius_next"]["verdict"] == "accept"
        legacy_ok = roles["polonius_legacy"]["verdict"] == "accept"
        classes[name] = "P3" if next_ok and legacy_ok else "FULL" if legacy_ok else "NONE"
    return classes


CLASSES = _example_classes()


def test_examples_cover_every_class() -> None:
    assert set(CLASSES.values()) == {"P3", "FULL", "NONE"}
    assert len(CLASSES) >= 14


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_direct_form_gets_verdict_of_its_class(name: str) -> None:
    source = (EXAMPLES / name / "direct.rs").read_text()
    triage = check_source(source, patterns=False)
    assert triage.verdict == VERDICT_FOR_CLASS[CLASSES[name]], triage.reason
    assert triage.corroborated
    assert not triage.drift
    stable = triage.checks["stable"]
    assert stable.accepted is False
    assert stable.errors and all(d.borrowck for d in stable.errors)
    # every function-level verdict that is not clean must match the case's class
    interesting = {f.verdict for f in triage.functions if f.verdict != "clean"}
    assert interesting == {triage.verdict}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_workaround_form_is_clean(name: str) -> None:
    source = (EXAMPLES / name / "workaround.rs").read_text()
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.reason
    assert all(r.accepted for r in triage.checks.values())


def test_recorded_error_codes_match() -> None:
    facts = json.loads((EXAMPLES / "verdicts.json").read_text())
    examples = facts.get("examples", facts)
    source = (EXAMPLES / "peek-then-advance-cursor" / "direct.rs").read_text()
    triage = check_source(source, patterns=False)
    recorded = examples["peek-then-advance-cursor"]["direct"]["edition_2021"]
    for role, key in (("stable", "stable"), ("polonius", "polonius_next"),
                      ("nightly", "nightly_nll")):
        codes = sorted({d.code for d in triage.checks[role].errors})
        assert codes == recorded[key]["error_codes"]


def test_record_shape_has_contract_fields() -> None:
    source = (EXAMPLES / "entry-owned-key" / "direct.rs").read_text()
    record = check_source(source, patterns=False).to_record()
    assert record["schema"] == 1
    assert record["verdict"] == "polonius-accepts"
    assert record["corroborated"] is True and record["drift"] is False
    for role in ("stable", "polonius", "polonius-legacy", "nightly"):
        check = record["checks"][role]
        assert isinstance(check["accepted"], bool)
        assert check["rustc"] and isinstance(check["flags"], list)
        assert isinstance(check["elapsed_ms"], int)
    assert record["checks"]["polonius"]["flags"] == ["-Zpolonius=next"]
    diag = record["checks"]["stable"]["diagnostics"][0]
    assert diag["code"] == "E0499" and diag["borrowck"] is True
    assert diag["line"] == 9 and diag["column"] == 5
    assert record["functions"] == [
        {"name": "tally", "line": 5, "end_line": 11, "verdict": "polonius-accepts"}
    ]


def test_loose_statements_map_to_user_lines() -> None:
    source = "let mut v = vec![1, 2];\nlet first = &v[0];\nv.push(3);\nprintln!(\"{first}\");\n"
    triage = check_source(source, patterns=False)
    assert triage.verdict == "both-reject"
    (diag,) = triage.checks["stable"].errors
    assert diag.code == "E0502"
    assert (diag.line, diag.column) == (3, 1)
    assert {lab["line"] for lab in diag.labels} <= {2, 3, 4}


def test_loose_trailing_expression_and_question_mark() -> None:
    source = "let n: i32 = \"5\".parse()?;\nlet v = vec![n];\nv.len()"
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.checks["stable"].diagnostics


def test_type_error_is_other_error() -> None:
    source = "pub fn f() -> u32 {\n    let s: String = 5;\n    0\n}\n"
    triage = check_source(source, patterns=False)
    assert triage.verdict == "other-error"
    (diag,) = triage.checks["stable"].errors
    assert diag.code == "E0308" and not diag.borrowck and diag.line == 2


def test_function_verdicts_find_a_fixed_fn_in_a_both_reject_file() -> None:
    fixed = (EXAMPLES / "entry-owned-key" / "direct.rs").read_text()
    real = textwrap.dedent("""
        pub fn conflict() {
            let mut v = vec![1];
            let r = &v[0];
            v.push(2);
            let _ = r;
        }
    """)
    triage = check_source(fixed + real, patterns=False)
    assert triage.verdict == "partial-fix"
    verdicts = {f.name: f.verdict for f in triage.functions}
    assert verdicts == {"tally": "polonius-accepts", "conflict": "both-reject"}


def test_edition_2015_try_macro() -> None:
    source = (EXAMPLES / "epoch-try-macro" / "workaround.rs").read_text()
    assert check_source(source, edition="2015", patterns=False).verdict == "clean"
    assert check_source(source, edition="2021", patterns=False).verdict == "other-error"


def _toml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "toolchains.toml"
    path.write_text(textwrap.dedent(body))
    return path


def _rustc_pids() -> set[int]:
    """Live rustc/bwrap processes this test process started (not other rustc on the machine)."""
    from checkers.rustc import descendants

    mine = set()
    for pid in descendants(os.getpid()):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm in ("rustc", "bwrap"):
            mine.add(pid)
    return mine


def test_infinite_const_eval_times_out_and_leaves_no_process(tmp_path: Path) -> None:
    tc = load_toolchains(_toml(tmp_path, """
        [limits]
        timeout = 2
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    source = textwrap.dedent("""
        #![allow(long_running_const_eval)]
        pub const SPIN: u64 = {
            let mut i: u64 = 0;
            loop { i = i.wrapping_add(1); if i == 0 { break; } }
            i
        };
    """)
    before = _rustc_pids()
    started = time.monotonic()
    triage = check_source(source, toolchains=tc, patterns=False)
    elapsed = time.monotonic() - started
    assert triage.verdict == "toolchain-error"
    assert {r.status for r in triage.checks.values()} == {"timeout"}
    assert "2 s" in triage.checks["stable"].error
    assert elapsed < 2 + 3, elapsed
    assert _rustc_pids() - before == set()


def test_memory_bomb_hits_the_limit(tmp_path: Path) -> None:
    tc = load_toolchains(_toml(tmp_path, """
        [limits]
        memory_mb = 512
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    triage = check_source("pub static BIG: [u8; 1 << 31] = [7; 1 << 31];\n", toolchains=tc,
                          patterns=False)
    assert triage.verdict == "toolchain-error"
    assert triage.checks["stable"].status == "memory-limit"
    assert "512 MiB" in triage.checks["stable"].error


FAKE_ICE_RUSTC = """#!/bin/sh
# Answers -vV like a nightly, passes the flag probe, and panics on real work.
case "$1" in
  -vV) printf 'rustc 1.97.0-nightly (fake 2026-05-19)\\nbinary: rustc\\ncommit-hash: fake\\ncommit-date: 2026-05-19\\nhost: x86_64-unknown-linux-gnu\\nrelease: 1.97.0-nightly\\n'; exit 0;;
esac
for last; do :; done
case "$last" in
  *probe.rs) exit 0;;
  *pc3.rs) exit 1;;
esac
echo "error: internal compiler error: compiler/rustc_borrowck/src/polonius/legacy.rs:42: boom" >&2
touch rustc-ice-2026-05-19T00_00_00-1.txt
exit 101
"""  # noqa: E501


def test_ice_in_one_role_leaves_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fake-rustc"
    fake.write_text(FAKE_ICE_RUSTC)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    tc = load_toolchains(_toml(tmp_path, f"""
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
        [roles.polonius-legacy]
        rustc = "{fake}"
        polonius = "legacy"
        [roles.nightly]
        toolchain = "nightly"
        polonius = "off"
    """))
    monkeypatch.chdir(tmp_path)
    source = (EXAMPLES / "entry-owned-key" / "direct.rs").read_text()
    triage = check_source(source, toolchains=tc, patterns=False)
    legacy = triage.checks["polonius-legacy"]
    assert legacy.status == "ice" and legacy.accepted is None
    assert "boom" in legacy.error
    assert triage.checks["stable"].accepted is False
    assert triage.checks["polonius"].accepted is True
    assert triage.checks["nightly"].accepted is False
    assert triage.verdict == "polonius-accepts" and triage.corroborated is False
    # the ICE dump landed in the scratch dir, not in the user's cwd
    assert not list(tmp_path.glob("rustc-ice-*"))


def test_include_of_host_file_is_refused() -> None:
    triage = check_source('pub const P: &str = include_str!("/etc/passwd");\n', patterns=False)
    assert triage.verdict == "toolchain-error"
    assert all(r.status == "refused" for r in triage.checks.values())
    assert "include_str!" in triage.reason
    assert "root:" not in json.dumps(triage.to_record())


def test_include_allowed_by_switch(tmp_path: Path) -> None:
    data = tmp_path / "data.txt"
    data.write_text("hello")
    tc = load_toolchains(_toml(tmp_path, """
        [limits]
        allow_include = true
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    triage = check_source(f'pub const P: &str = include_str!("{data}");\n', toolchains=tc,
                          patterns=False)
    assert triage.verdict == "clean"


def test_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTRIAGE_SECRET_TOKEN", "hunter2")
    triage = check_source('pub const T: &str = env!("PTRIAGE_SECRET_TOKEN");\n', patterns=False)
    assert triage.verdict == "other-error"
    assert "hunter2" not in json.dumps(triage.to_record())


def test_checkers_import_pulls_no_qt() -> None:
    code = ("import sys, pkgutil, importlib, checkers, app.cli\n"
            "for m in pkgutil.walk_packages(checkers.__path__, 'checkers.'):\n"
            "    importlib.import_module(m.name)\n"
            "import app.commands, app.corpus, app.jsonl\n"
            "for m in pkgutil.iter_modules(app.commands.__path__, 'app.commands.'):\n"
            "    importlib.import_module(m.name)\n"
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ}, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_feature_gated_code_runs_stable_with_bootstrap() -> None:
    source = "#![feature(never_type)]\npub fn f() -> Option<!> { None }\n"
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.reason
    assert triage.checks["stable"].bootstrap is True
    assert any("RUSTC_BOOTSTRAP=1" in note for note in triage.notes)
    plain = check_source("pub fn f() {}\n", patterns=False)
    assert plain.checks["stable"].bootstrap is False


def test_compiletest_edition_header_is_honoured_when_edition_is_auto() -> None:
    source = "//@ edition:2015\npub fn f(x: &Fn()) { x() }\n"
    assert check_source(source, edition=None, patterns=False).edition == "2015"
    assert check_source(source, edition=None, patterns=False).verdict == "clean"
    assert check_source(source, edition="2021", patterns=False).verdict == "other-error"


UNSOUND_ALPHA = """\
use std::fmt::Display;

pub fn pick<'a>(fallback: &'a String, fresh: bool) -> impl Display + use<'a> {
    if fresh {
        let made = format!("made-{}", fallback.len());
        return &made;
    }
    fallback
}
"""

REAL_CONFLICT = """
pub fn always<'a>(fallback: &'a String) -> impl Display + use<'a> {
    let _ = fallback;
    let made = String::from("made");
    &made
}
"""


def test_alpha_only_acceptance_is_flagged() -> None:
    # Polonius alpha on this nightly accepts returning a local through an opaque type with
    # several defining uses (rust-lang/rust#160669); legacy and NLL reject it.
    triage = check_source(UNSOUND_ALPHA, patterns=False)
    assert triage.verdict == "alpha-only-accepts"
    assert not triage.corroborated


def test_partial_fix_disputed_by_legacy_is_not_corroborated() -> None:
    triage = check_source(UNSOUND_ALPHA + REAL_CONFLICT, patterns=False)
    assert triage.verdict == "partial-fix"
    assert triage.corroborated is False
    assert "legacy Polonius still reports 1" in triage.reason
    assert {f.name: f.verdict for f in triage.functions} == {
        "pick": "alpha-only-accepts", "always": "both-reject"}
    changes = sorted((d.change, d.diagnostic.line) for d in triage.diff)
    assert changes == [("kept", 14), ("removed", 6)]


def test_diagnostic_flood_hits_the_output_cap(tmp_path: Path) -> None:
    tc = load_toolchains(_toml(tmp_path, """
        [limits]
        output_kb = 2
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    body = "\n".join(f'    let x{i}: u8 = "s";' for i in range(50))
    triage = check_source(f"pub fn f() {{\n{body}\n}}\n", toolchains=tc, patterns=False)
    assert triage.verdict == "toolchain-error"
    assert triage.checks["stable"].status == "output-limit"
    assert "2 KiB" in triage.reason


REVISIONED = """\
//@ revisions: nll polonius legacy
//@ [polonius] compile-flags: -Z polonius=next
#[cfg(legacy)]
pub fn only_legacy() -> u32 { "not a number" }
pub fn everywhere() {}
"""


def test_ui_test_revisions_become_cfg_flags_per_role() -> None:
    triage = check_source(REVISIONED, patterns=False)
    flags = {role: result.flags for role, result in triage.checks.items()}
    assert flags["stable"] == ("--cfg", "nll")
    assert flags["polonius"] == ("-Zpolonius=next", "--cfg", "polonius")
    assert flags["polonius-legacy"] == ("-Zpolonius=legacy", "--cfg", "legacy")
    assert triage.checks["polonius-legacy"].errors[0].code == "E0308"
    assert triage.checks["stable"].accepted and triage.checks["polonius"].accepted
    assert any("--cfg <revision>" in note for note in triage.notes)
    plain = check_source(REVISIONED.replace("//@ revisions", "// revisions"), patterns=False)
    assert plain.checks["stable"].flags == ()


def test_revisioned_tests_are_never_batched_with_others() -> None:
    from checkers.batch import batch_placement
    from checkers.snippet import prepare

    assert batch_placement(prepare(REVISIONED))[0] == "solo"
    assert batch_placement(prepare("pub fn f() {}\n"))[0] == "module"
