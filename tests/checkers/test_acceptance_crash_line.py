"""Acceptance finding (issue 9, "every error one clear line"): a crashing rustc is one line.

rustc overflows its stack on 5,000 nested blocks and prints "rustc interrupted by SIGSEGV,
printing backtrace" followed by the backtrace; the role's error carried those frames (host
paths of the toolchain) into the record and the `check` table.
"""

from __future__ import annotations

import pytest

from checkers.engine import check_source

DEEP = "pub fn f() " + "{" * 5000 + "}" * 5000 + "\n"


@pytest.mark.toolchains
def test_a_rustc_crash_is_reported_in_one_line() -> None:
    triage = check_source(DEEP, patterns=False)
    stable = triage.checks["stable"]
    assert stable.status == "crashed", stable
    assert "\n" not in stable.error, stable.error
    assert "SIGSEGV" in stable.error
