"""Acceptance findings (issue 14): a cfg that removes part of a line does not remove the whole line."""

from __future__ import annotations

import pytest

from checkers.engine import check_source

# rustfmt would split these; generated and hand-golfed code does not.
ONE_LINE_WITH_GATED_STATEMENT = (
    'pub fn mostly() -> u32 { #[cfg(feature = "log")] { let _a = 1; } '
    "let mut v = vec![1]; let r = &v[0]; v.push(2); *r }\n"
)
GATED_NEIGHBOUR_ON_THE_SAME_LINE = (
    '#[cfg(feature = "x")] pub fn gated() {} '
    "pub fn shipped() -> u32 { let mut v = vec![1]; let r = &v[0]; v.push(2); *r }\n"
)


@pytest.mark.toolchains
@pytest.mark.parametrize("source, name", [
    (ONE_LINE_WITH_GATED_STATEMENT, "mostly"),
    (GATED_NEIGHBOUR_ON_THE_SAME_LINE, "shipped"),
])
def test_a_compiled_function_sharing_a_line_with_removed_code_keeps_its_verdict(
        source: str, name: str) -> None:
    triage = check_source(source, patterns=False)
    assert triage.checks["stable"].errors, "rustc compiled the function and found its E0502"
    verdicts = {f.name: f.verdict for f in triage.functions}
    assert verdicts[name] == "both-reject", triage.functions


@pytest.mark.toolchains
def test_the_gated_neighbour_itself_is_still_not_compiled() -> None:
    triage = check_source(GATED_NEIGHBOUR_ON_THE_SAME_LINE, patterns=False)
    verdicts = {f.name: f.verdict for f in triage.functions}
    assert verdicts["gated"] == "not-compiled"


@pytest.mark.toolchains
def test_an_error_after_a_nested_fn_on_the_same_line_belongs_to_the_outer_fn() -> None:
    source = ("pub fn outer() -> u32 { fn inner() {} inner(); "
              "let mut v = vec![1]; let r = &v[0]; v.push(2); *r }\n")
    triage = check_source(source, patterns=False)
    verdicts = {f.name: f.verdict for f in triage.functions}
    assert verdicts == {"outer": "both-reject", "outer::inner": "clean"}, triage.functions


CFG_ATTR_SHAPES = """#[cfg_attr(feature = "y", cfg(any()))]
pub fn removed_with_y() { let mut v = vec![1]; let r = &v[0]; v.push(2); let _ = r; }

#[cfg_attr(test, derive(Debug))]
pub struct Kept;

#[cfg_attr(all(), test)]
fn a_test_fn() { let mut v = vec![1]; let r = &v[0]; v.push(2); let _ = r; }
"""


@pytest.mark.toolchains
def test_cfg_attr_that_applies_cfg_or_test_removes_what_it_is_on() -> None:
    plain = {f.name: f for f in check_source(CFG_ATTR_SHAPES, patterns=False).functions}
    assert plain["removed_with_y"].verdict == "both-reject"  # feature y is off: nothing applied
    assert plain["a_test_fn"].verdict == "not-compiled", plain["a_test_fn"]
    with_y = {f.name: f for f in check_source(CFG_ATTR_SHAPES, patterns=False,
                                              features=("y",)).functions}
    assert with_y["removed_with_y"].verdict == "not-compiled", with_y["removed_with_y"]
    assert "cfg_attr" in with_y["removed_with_y"].reason
    as_test = {f.name: f for f in check_source(CFG_ATTR_SHAPES, patterns=False,
                                               cfg_test=True).functions}
    assert as_test["a_test_fn"].verdict == "both-reject"


@pytest.mark.toolchains
def test_loose_statements_beside_a_test_module_were_compiled() -> None:
    # The statements are wrapped and compiled; only the test module is removed by cfg.
    source = "let v = vec![1];\nlet n = v.len();\n#[cfg(test)]\nmod tests { #[test] fn t() {} }\n"
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.reason
    assert {f.name: f.verdict for f in triage.functions} == {"t": "not-compiled"}
