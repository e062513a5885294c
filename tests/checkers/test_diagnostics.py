"""Borrow-check classification on real rustc output: rustc_borrowck's own messages, nothing else."""

from __future__ import annotations

import platform

import pytest

from checkers.engine import check_source

pytestmark = pytest.mark.toolchains


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 register names")
def test_inline_asm_register_error_is_not_borrow_check() -> None:
    source = "pub fn f(x: u64) { unsafe { std::arch::asm!(\"\", in(\"bx\") x); } }\n"
    triage = check_source(source, patterns=False)
    stable = triage.checks["stable"]
    assert [d.message.split(":")[0] for d in stable.errors] == ["cannot use register `bx`"]
    assert not any(d.borrowck for d in stable.errors)
    assert triage.verdict == "other-error", triage.reason


def test_codeless_region_error_from_rustc_is_borrow_check() -> None:
    source = "fn f<'a, 'b>(x: &'a u8, _y: &'b u8) -> &'b u8 { x }\n"
    triage = check_source(source, patterns=False)
    stable = triage.checks["stable"]
    assert [(d.code, d.message) for d in stable.errors] == [
        (None, "lifetime may not live long enough")]
    assert all(d.borrowck for d in stable.errors)
    assert triage.verdict == "both-reject", triage.reason
