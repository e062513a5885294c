"""Batching adapts to its input: whole files that will run alone anyway are units of their own,
imports that cannot resolve alone keep a file out of batches, and the edition of a scanned file
comes from its Cargo package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checkers.batch import (
    SOLO_CHARS,
    Case,
    ScanStats,
    _units,
    batch_placement,
    iter_cases_from_paths,
    predicted_unresolved,
    scan_iter,
)
from checkers.engine import check_file, check_source
from checkers.snippet import package_edition, prepare
from checkers.toolchains import load_toolchains

SMALL = "pub fn add(a: u8, b: u8) -> u8 { a + b }\n"
WHOLE_FILE = ("use serde::Serialize;\nuse crate::error::Error;\n\n"
              + "".join(f"pub fn f{i}(v: &mut Vec<u8>) {{ v.push({i}); }}\n" for i in range(80)))


@pytest.mark.parametrize(("source", "expected"), [
    ("use std::collections::HashMap;\nuse core::fmt;\nfn f() {}\n", None),
    ("mod inner { pub struct X; }\nuse inner::X;\nuse self::inner::X as Y;\n", None),
    ("use serde::Serialize;\n", "imports from `serde`, a crate that is not here"),
    ("use {std::fmt, memchr::memchr};\n", "imports from `memchr`, a crate that is not here"),
    ("use crate::error::Error;\n", "imports `crate::error`, which this file does not define"),
    ("mod error { pub struct Error; }\nuse crate::error::Error;\n", None),
    ("#[cfg(test)]\nmod tests;\n", "declares the out-of-line module `mod tests;`"),
])
def test_predicted_unresolved(source: str, expected: str | None) -> None:
    assert predicted_unresolved(source) == expected


def test_whole_files_that_run_alone_are_units_of_their_own() -> None:
    big = "pub fn f() {}\n" * (SOLO_CHARS // 14 + 10)
    cases = [Case(SMALL), Case(WHOLE_FILE), Case(SMALL.replace("add", "sub")), Case(big),
             Case(SMALL.replace("add", "mul"))]
    units = list(_units(cases, 128, None, "fp", cache=False, patterns=False, confirm=False))
    sizes = sorted(len(u.cases) for u in units)
    assert sizes == [1, 1, 3]
    assert batch_placement(prepare(WHOLE_FILE))[0] == "solo"
    assert batch_placement(prepare(big))[0] == "solo"
    assert batch_placement(prepare(SMALL))[0] == "module"
    # --batch-size 1 keeps its meaning: one case per unit
    assert [len(u.cases) for u in _units(cases, 1, None, "fp", cache=False, patterns=False,
                                         confirm=False)] == [1] * 5


@pytest.mark.toolchains
def test_batched_whole_files_give_the_verdicts_of_single_checks() -> None:
    tc = load_toolchains()
    sources = [SMALL, WHOLE_FILE, SMALL.replace("add", "sub"),
               "pub fn g(v: &mut Vec<u8>) {\n    let a = &v[0];\n    v.clear();\n    let _ = *a;\n}\n"]
    stats = ScanStats()
    batched = {t.source: (t.verdict, t.reason, [(f.name, f.verdict) for f in t.functions])
               for t in scan_iter([Case(s) for s in sources], toolchains=tc, patterns=False,
                                  cache=False, stats=stats)}
    alone = {s: (t.verdict, t.reason, [(f.name, f.verdict) for f in t.functions])
             for s in sources for t in [check_source(s, toolchains=tc, patterns=False)]}
    assert batched == alone
    assert batched[WHOLE_FILE][1].startswith("needs its crate: E0432")


def _package(root: Path, manifest: str, files: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(manifest)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


ASYNC = "pub async fn later() {}\n"


def test_package_edition_from_cargo_toml(tmp_path: Path) -> None:
    _package(tmp_path / "old", '[package]\nname = "old"\nedition = "2015"\n', {"src/lib.rs": ASYNC})
    _package(tmp_path / "ws", '[workspace]\nmembers = ["m"]\n[workspace.package]\n'
             'edition = "2018"\n', {})
    _package(tmp_path / "ws" / "m", '[package]\nname = "m"\nedition.workspace = true\n',
             {"src/lib.rs": ASYNC})
    _package(tmp_path / "bare", '[package]\nname = "bare"\n', {"src/lib.rs": ASYNC})
    assert package_edition(tmp_path / "old" / "src" / "lib.rs") == "2015"
    assert package_edition(tmp_path / "ws" / "m" / "src" / "lib.rs") == "2018"
    assert package_edition(tmp_path / "bare" / "src" / "lib.rs") == "2015"  # Cargo's default
    loose = tmp_path / "loose.rs"
    loose.write_text(ASYNC)
    assert package_edition(loose) is None
    editions = {Path(c.origin["path"]).parts[-3]: c.edition  # type: ignore[index]
                for c in iter_cases_from_paths([tmp_path])
                if Path(c.origin["path"]).name == "lib.rs"}  # type: ignore[index]
    assert editions == {"old": "2015", "m": "2018", "bare": "2015"}
    header = tmp_path / "old" / "src" / "header.rs"
    header.write_text("//@ edition:2021\n" + ASYNC)
    (case,) = iter_cases_from_paths([header])
    assert case.edition == "2021"  # a compiletest header still wins


@pytest.mark.toolchains
def test_check_and_scan_compile_a_package_file_in_its_edition(tmp_path: Path) -> None:
    _package(tmp_path / "old", '[package]\nname = "old"\nedition = "2015"\n', {"src/lib.rs": ASYNC})
    lib = tmp_path / "old" / "src" / "lib.rs"
    triage = check_file(lib, edition=None, patterns=False)
    assert triage.edition == "2015"
    assert [d.code for d in triage.checks["stable"].errors] == ["E0670"]  # async fn in 2015
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "app.cli", "scan", "--no-patterns",
                           str(tmp_path / "old"), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["edition"] == "2015"


@pytest.mark.toolchains
def test_scan_summary_counts_cases_that_need_their_crate(tmp_path: Path) -> None:
    (tmp_path / "a.rs").write_text(WHOLE_FILE)
    (tmp_path / "b.rs").write_text(SMALL)
    proc = subprocess.run([sys.executable, "-m", "app.cli", "scan", "--no-patterns",
                           str(tmp_path), "--out", str(tmp_path / "out.jsonl"),
                           "--json-summary", str(tmp_path / "summary.json")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "needs its crate" in proc.stderr and "ptriage audit" in proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["needs_crate"] == 1


SPECIALIZED = ("use super::{Array, SmallVec, SpecFrom};\n\n"
               "impl<'a, A: Array> SpecFrom<A, &'a [A::Item]> for SmallVec<A>\nwhere\n"
               "    A::Item: Clone,\n{\n    #[inline]\n"
               "    default fn spec_from(slice: &'a [A::Item]) -> SmallVec<A> {\n"
               "        slice.into_iter().cloned().collect()\n    }\n}\n")
#: Whole files of one crate that fail alone in different passes (as smallvec, itertools and
#: others do in the bench's whole-file corpus).
CRATE_FILES = [
    SPECIALIZED,
    "pub struct P { a: u8 }\nimpl Clone for P {\n    clone_fields!(P, a);\n}\n",
    "pub struct D;\nimpl std::fmt::Debug for D {\n    debug_fmt_fields!(D);\n}\n",
    "#[cfg(feature = \"std\")]\npub mod io {\n    mod error;\n}\npub fn f() -> u8 { 1 }\n",
    "pub fn ok(v: &mut Vec<u8>) { v.push(1); }\n",
    "pub fn conflict(v: &mut Vec<u8>) {\n    let a = &v[0];\n    v.clear();\n    let _ = *a;\n}\n",
]


@pytest.mark.parametrize(("source", "reason"), [
    (SPECIALIZED, "imports through `super` from the crate root"),
    (CRATE_FILES[1], "uses the macro `clone_fields!`, which this file does not define"),
    (CRATE_FILES[3], "declares the out-of-line module `mod error;`"),
    ("macro_rules! m { () => {} }\nm!();\nfn f() { println!(\"{}\", 1); }\n", None),
])
def test_predicted_unresolved_whole_file_failures(source: str, reason: str | None) -> None:
    assert predicted_unresolved(source) == reason


@pytest.mark.toolchains
def test_failing_crate_files_batched_equal_their_single_checks() -> None:
    tc = load_toolchains()

    def summary(triage: object) -> tuple[object, ...]:
        return (triage.verdict, {role: [(d.code, d.line, d.column) for d in c.diagnostics]  # type: ignore[attr-defined]
                                 for role, c in triage.checks.items()})  # type: ignore[attr-defined]

    cases = [Case(s, edition="2018") for s in CRATE_FILES]
    batched = {t.source: summary(t) for t in scan_iter(cases, toolchains=tc, patterns=False,
                                                        cache=False)}
    alone = {s: summary(check_source(s, edition="2018", toolchains=tc, patterns=False))
             for s in CRATE_FILES}
    assert batched == alone
