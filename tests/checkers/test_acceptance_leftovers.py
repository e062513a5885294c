"""Acceptance leftovers: split cases keep file items, wrapping hoists items, consts compile."""

from __future__ import annotations

import pytest

from checkers.engine import check_source


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
