"""Acceptance finding (issue 14, "borrow-check classification from rustc's own list"): a
`compile_error!` whose text copies a borrow-check message is not a borrow-check error.

A corpus line can otherwise pass for `both-reject` (and label poison a dataset) without any
borrow in it.
"""

from __future__ import annotations

import pytest

from checkers.engine import check_source

SPOOFS = [
    'compile_error!("lifetime may not live long enough");\npub fn f() {}\n',
    'macro_rules! m { () => { compile_error!("captured variable cannot escape `FnMut` closure '
    'body"); } }\nm!();\n',
]


@pytest.mark.toolchains
@pytest.mark.parametrize("source", SPOOFS)
def test_compile_error_never_passes_for_a_borrow_check_error(source: str) -> None:
    triage = check_source(source, patterns=False)
    errors = triage.checks["stable"].errors
    assert errors and not any(d.borrowck for d in errors), errors
    assert triage.verdict == "other-error", triage.reason


@pytest.mark.toolchains
def test_a_real_codeless_borrow_check_error_still_counts() -> None:
    triage = check_source("pub fn f<'a, 'b>(x: &'a u32, _y: &'b u32) -> &'b u32 { x }\n",
                          patterns=False)
    assert triage.verdict == "both-reject", triage.reason
