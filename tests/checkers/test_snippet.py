"""Input handling: wrapping loose statements, line maps, function spans, refusing host-file access."""

from __future__ import annotations

import random

import pytest

from checkers.engine import check_source
from checkers.errors import InputError
from checkers.snippet import (
    decode_source,
    enclosing_function,
    function_spans,
    host_file_access,
    needs_crate_root,
    prepare,
)


def test_items_are_not_wrapped() -> None:
    snippet = prepare("use std::fmt;\npub struct S;\nimpl S { fn f(&self) {} }\n")
    assert not snippet.wrapped and snippet.line_offset == 0
    assert snippet.map_line(2) == 2


def test_statements_are_wrapped_without_moving_columns() -> None:
    user = "let x = 1;\n    let y = x + 1;\n"
    snippet = prepare(user)
    assert snippet.wrapped and snippet.line_offset == 1
    compiled = snippet.source.splitlines()
    assert compiled[1:3] == user.splitlines()
    assert snippet.map_line(3) == 2
    assert snippet.map_line(1) is None  # the wrapper's header


def test_trailing_expression_gets_a_semicolon() -> None:
    snippet = prepare("let v = vec![1];\nv.len()")
    assert "v.len();" in snippet.source


def test_question_mark_makes_wrapper_return_result() -> None:
    snippet = prepare("let n: u8 = \"1\".parse()?;\n")
    assert "-> std::result::Result<(), std::boxed::Box<dyn std::error::Error>>" in snippet.source
    assert snippet.source.rstrip().endswith("Ok(())\n}".rstrip())


def test_question_mark_inside_a_fn_does_not() -> None:
    snippet = prepare("fn f() -> Option<u8> { Some(1)? ; None }\nlet _ = f();\n")
    assert "Result" not in snippet.source.splitlines()[0]


def test_item_macros_stay_items() -> None:
    assert not prepare("thread_local! { static X: u8 = 1; }\n").wrapped
    assert not prepare("macro_rules! m { () => {} }\n").wrapped
    assert prepare("println!(\"hi\");\n").wrapped


def test_crlf_and_bom_are_normalised() -> None:
    snippet = prepare("\ufefflet a = 1;\r\nlet b = a;\r\n")
    assert "\r" not in snippet.source and "\ufeff" not in snippet.source


@pytest.mark.parametrize("edition", ["2016", "21", "", "latest"])
def test_bad_edition(edition: str) -> None:
    with pytest.raises(InputError, match="unknown edition"):
        prepare("fn f() {}", edition=edition)


def test_decode_errors_are_one_sentence() -> None:
    with pytest.raises(InputError, match=r"x\.rs: not valid UTF-8 \(byte 0xff at line 2\)"):
        decode_source(b"fn f() {}\n\xff\n", name="x.rs")
    with pytest.raises(InputError, match="binary"):
        decode_source(b"\x00\x01", name="x.rs")
    with pytest.raises(InputError, match="over the 10-byte limit"):
        decode_source(b"x" * 11, name="x.rs", max_bytes=10)


def test_function_spans_qualify_impl_methods_and_nesting() -> None:
    source = "struct S;\nimpl S {\n    fn a(&self) {\n        fn inner() {}\n    }\n}\nfn b() {}\n"
    spans = function_spans(source)
    assert [(f.name, f.line, f.end_line) for f in spans] == [
        ("S::a", 3, 5), ("S::a::inner", 4, 4), ("b", 7, 7)]
    assert enclosing_function(spans, 4).name == "S::a::inner"
    assert enclosing_function(spans, 3).name == "S::a"
    assert enclosing_function(spans, 1) is None


@pytest.mark.parametrize(
    "source",
    [
        'const X: &str = include_str!("/etc/passwd");',
        'const X: &[u8] = std::include_bytes!("../secret");',
        "include!(\"x.rs\");",
        '#[path = "/etc/hosts"]\nmod hosts;',
        "macro_rules! m { () => { r#include_str!(\"/etc/shadow\") } }",
    ],
)
def test_host_file_access_is_detected(source: str) -> None:
    reason = host_file_access(source)
    assert reason is not None and "refused" in reason and "allow_include" in reason


def test_include_in_comment_is_fine() -> None:
    assert host_file_access("// include_str!(\"/etc/passwd\")\n/* include!(x) */ fn f() {}") is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [("#![allow(dead_code)]\nfn f() {}", True), ("use crate::a::b;", True),
     ("extern crate alloc;", True), ("#[macro_export]\nmacro_rules! m { () => {} }", True),
     ("fn f() { let crate_name = 1; }", False)],
)
def test_needs_crate_root(source: str, expected: bool) -> None:
    assert needs_crate_root(source) is expected


@pytest.mark.toolchains
def test_garbage_never_raises_anything_but_input_error() -> None:
    rng = random.Random(1234)
    alphabet = "fn let mut & * { } ( ) ; : < > ' \" \\ # ! ? x y 0 1 \n\t é 漢 🦀"
    pieces = alphabet.split(" ")
    for _ in range(12):
        source = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(60))
        try:
            triage = check_source(source, patterns=False)
        except InputError:
            continue
        assert triage.verdict in {"clean", "other-error", "both-reject", "toolchain-error",
                                  "polonius-accepts", "partial-fix"}
        for result in triage.checks.values():
            for diag in result.diagnostics:
                assert diag.line is None or 1 <= diag.line <= source.count("\n") + 1


# --- issue 9: the loose-statement wrapper, normalisation, lone surrogates --------------------


@pytest.mark.toolchains
@pytest.mark.parametrize("source", [
    "let v = vec![1];\nv.len() // how many",
    "let v = vec![1];\nv.len() /* a */ // how many\n",
    "let v = vec![1];\nv.len()\n// how many\n",
])
def test_trailing_comment_after_the_last_expression_is_clean(source: str) -> None:
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.reason


@pytest.mark.parametrize("source", ["\ufeff\ufefffn f() {}\n", "\n\ufefffn f() {}\n",
                                    "\ufeff\n\ufeff \nfn f() {}\n", "fn f() {}"])
def test_normalise_source_is_idempotent_and_boms_give_one_id(source: str) -> None:
    from checkers.model import case_id, normalise_source

    once = normalise_source(source)
    assert normalise_source(once) == once
    assert case_id(source, "2021") == case_id("fn f() {}\n", "2021")


@pytest.mark.toolchains
def test_leading_boms_compile_like_the_id_says() -> None:
    assert check_source("\ufeff\ufefffn f() {}\n", patterns=False).verdict == "clean"


def test_lone_surrogate_is_an_input_error() -> None:
    with pytest.raises(InputError, match="lone surrogate"):
        prepare("fn f() {}\n// \ud800\n")
    with pytest.raises(InputError, match=r"lone surrogate \(U\+DC00\) at line 2"):
        check_source("fn f() {}\nlet x = '\udc00';\n", patterns=False)


# --- issue 14: item-position macros -----------------------------------------------------------


@pytest.mark.parametrize("source", [
    "cfg_if::cfg_if! {\n    if #[cfg(unix)] { fn a() {} } else { fn b() {} }\n}\nfn c() {}\n",
    "pin_project! {\n    struct P { x: u8 }\n}\n",
    "macro_rules! impl_x { ($t:ident) => { impl $t { fn go(&self) {} } } }\n"
    "struct Foo;\nimpl_x!(Foo);\n",
    "my_items! { fn f() {} }\nmod m {}\n",
    '#[cfg(not(any(unix, windows)))]\ncompile_error!("unsupported target");\npub fn f() {}\n',
])
def test_item_position_macros_make_a_file_of_items(source: str) -> None:
    assert not prepare(source).wrapped


@pytest.mark.parametrize("source", ["println!(\"hi\");\n", "let x = 1;\nimpl_x!(Foo);\n",
                                    "std::assert_eq!(1, 1);\n", "vec![1].len();\n"])
def test_real_statements_still_wrap(source: str) -> None:
    assert prepare(source).wrapped


@pytest.mark.toolchains
def test_item_macro_file_compiles_without_wrapper_errors() -> None:
    source = ("macro_rules! impl_x { ($t:ident) => { impl $t { fn go(&self) {} } } }\n"
              "struct Foo;\nimpl_x!(Foo);\n"
              "macro_rules! items { ($($i:item)*) => { $($i)* } }\n"
              "items! { pub fn f(v: &mut Vec<u8>) { v.push(1); } }\n")
    triage = check_source(source, patterns=False)
    assert triage.verdict == "clean", triage.reason


@pytest.mark.toolchains
def test_item_macro_file_is_not_wrapped_into_errors_of_its_own() -> None:
    # Wrapped in a fn, `mod other;` becomes "cannot declare a non-inline module inside a
    # block": an error the file does not have. As items, it is the file's own E0583.
    triage = check_source("cfg_if::cfg_if! {\n    if #[cfg(unix)] { pub fn a() {} }\n}\n"
                          "mod other;\n", patterns=False)
    messages = [d.message for d in triage.checks["stable"].errors]
    assert not any("inside a block" in m for m in messages), messages
    assert "E0583" in [d.code for d in triage.checks["stable"].errors]
