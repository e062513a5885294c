"""Acceptance leftovers: split cases keep file items, wrapping hoists items, consts compile."""

from __future__ import annotations

import pytest

from checkers.engine import check_source
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
