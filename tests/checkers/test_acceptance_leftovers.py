"""Acceptance leftovers: split cases keep file items, wrapping hoists items, consts compile."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkers.engine import check_source
from checkers.inputs import Case, iter_cases_from_paths
from checkers.snippet import prepare


@pytest.mark.toolchains
@pytest.mark.parametrize("source", [
    "pub static X: u32 = 1;\n#[cfg(test)]\nfn t() {}\n",
    "pub const C: usize = { let v = [1, 2]; v.len() };\n#[cfg(test)]\nfn t() {}\n",
    "pub struct S;\nimpl S { pub const K: u8 = 3; }\n#[test]\nfn t() {}\n",
])
def test_compiled_consts_and_statics_mean_the_file_compiled_something(source: str) -> None:
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.reason


@pytest.mark.toolchains
def test_consts_removed_with_the_fns_still_compiled_nothing() -> None:
    source = "#[cfg(test)]\npub static X: u32 = 1;\n#[cfg(test)]\nfn t() {}\n"
    assert check_source(source, patterns=False).verdict == "not-compiled"


@pytest.mark.toolchains
def test_wrapping_hoists_a_file_module_out_of_the_wrapper() -> None:
    triage = check_source("mod foo;\nlet v = vec![1];\n", patterns=False)
    errors = triage.checks["stable"].errors
    assert not any("inside a block" in e.message for e in errors), errors
    assert [(e.code, e.line, e.column) for e in errors] == [("E0583", 1, 1)]


@pytest.mark.toolchains
def test_hoisted_items_and_the_statements_keep_their_lines_and_columns() -> None:
    source = (
        "use std::collections::HashMap;\n"
        "let mut m: HashMap<u8, u8> = HashMap::new(); fn g() -> u8 { \"s\" }\n"
        "#[macro_export]\n"
        "macro_rules! one { () => { 1 } }\n"
        "m.insert(one!(), g());\n"
        "let r = &m; m.clear(); r.len()\n"
    )
    snippet = prepare(source)
    assert snippet.wrapped
    errors = check_source(source, patterns=False).checks["stable"].errors
    assert sorted((e.code, e.line, e.column) for e in errors) == [
        ("E0308", 2, 61), ("E0502", 6, 13)], errors


def _split(tmp_path: Path, source: str) -> dict[str, Case]:
    file = tmp_path / "lib.rs"
    file.write_text(source)
    return {(c.origin or {})["function"]: c for c in iter_cases_from_paths([file], split="fn")}


@pytest.mark.toolchains
def test_a_split_function_keeps_the_files_use_lines(tmp_path: Path) -> None:
    cases = _split(tmp_path, "use std::collections::HashMap;\n"
                             "pub fn f(m: &HashMap<u32,u32>) -> usize { m.len() }\n")
    triage = check_source(cases["f"].source, patterns=False)
    assert triage.verdict == "clean", triage.checks["stable"].errors


@pytest.mark.toolchains
def test_a_split_function_compiles_with_the_files_items_and_keeps_its_lines(
        tmp_path: Path) -> None:
    source = (
        "#![allow(dead_code)]\n"
        "use std::fmt;\n"
        "pub struct S { v: Vec<u32> }\n"
        "impl S { pub fn new() -> S { S { v: vec![LIMIT] } } }\n"
        "const LIMIT: u32 = 3;\n"
        "pub fn other() -> u32 { 1 }\n"
        "pub fn clash() {\n"
        "    let mut s = S::new();\n"
        "    let r = &s.v[0];\n"
        "    s.v.push(2);\n"
        "    let _ = r;\n"
        "}\n"
        "impl fmt::Debug for S {\n"
        "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, \"S\") }\n"
        "}\n"
    )
    cases = _split(tmp_path, source)
    assert set(cases) == {"other", "clash"}
    case = cases["clash"]
    assert (case.origin or {})["line"] == 7 and "pub fn other" not in case.source
    triage = check_source(case.source, patterns=False)
    # Only the borrow conflict: line 4 of the case is line 10 of the file (7 + 4 - 1).
    assert [(e.code, e.line, e.column) for e in triage.checks["stable"].errors] == [
        ("E0502", 4, 5)]
    assert check_source(cases["other"].source, patterns=False).verdict == "clean"
