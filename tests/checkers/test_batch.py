"""Batch scanning without rustc: gitignore walking, case sources, module layout, trust rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checkers.batch import (
    Case,
    GitIgnore,
    _trust,
    batch_placement,
    batch_refusal,
    compose_batch,
    iter_cases_from_paths,
    parse_gitignore,
    split_functions,
    walk_rust_files,
)
from checkers.errors import InputError
from checkers.model import case_id
from checkers.snippet import prepare


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _names(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in walk_rust_files(root)]


# ---------------------------------------------------------------------------------------------
# .gitignore subset


def test_gitignore_globs_dirs_negation_and_anchors(tmp_path: Path) -> None:
    rules = GitIgnore(parse_gitignore(
        "# comment\n\n*.gen.rs\nbuild/\n/top.rs\nsub/deep.rs\n!keep.gen.rs\ndocs/**/x.rs\n"
        "\\#hash.rs\nspaced.rs   \n", tmp_path))
    root = tmp_path

    def ignored(rel: str, is_dir: bool = False) -> bool:
        return rules.ignored(root / rel, is_dir=is_dir)

    assert ignored("a.gen.rs") and ignored("x/y/a.gen.rs")
    assert not ignored("keep.gen.rs") and not ignored("x/keep.gen.rs")
    assert ignored("build", is_dir=True) and ignored("x/build", is_dir=True)
    assert not ignored("build")  # dir/ only matches directories
    assert ignored("top.rs") and not ignored("x/top.rs")  # leading slash anchors
    assert ignored("sub/deep.rs") and not ignored("x/sub/deep.rs")  # middle slash anchors
    assert ignored("docs/x.rs") and ignored("docs/a/b/x.rs") and not ignored("x.rs")
    assert ignored("#hash.rs") and ignored("spaced.rs")
    assert not ignored("main.rs")


def test_gitignore_character_classes_and_question_mark(tmp_path: Path) -> None:
    rules = GitIgnore(parse_gitignore("file[0-2].rs\nv?.rs\nlib[!a].rs\n", tmp_path))
    assert rules.ignored(tmp_path / "file1.rs", is_dir=False)
    assert not rules.ignored(tmp_path / "file3.rs", is_dir=False)
    assert rules.ignored(tmp_path / "v1.rs", is_dir=False)
    assert not rules.ignored(tmp_path / "v12.rs", is_dir=False)
    assert rules.ignored(tmp_path / "libb.rs", is_dir=False)
    assert not rules.ignored(tmp_path / "liba.rs", is_dir=False)


def test_walk_skips_target_hidden_and_ignored_with_nested_gitignores(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    _write(root / ".gitignore", "*.skip.rs\ngenerated/\n")
    _write(root / "src" / "lib.rs", "fn a() {}\n")
    _write(root / "src" / "x.skip.rs", "fn b() {}\n")
    _write(root / "src" / "notes.txt", "not rust\n")
    _write(root / "target" / "debug" / "build.rs", "fn c() {}\n")
    _write(root / ".cargo" / "hidden.rs", "fn d() {}\n")
    _write(root / "generated" / "g.rs", "fn e() {}\n")
    _write(root / "sub" / ".gitignore", "local.rs\n!special.skip.rs\n")
    _write(root / "sub" / "local.rs", "fn f() {}\n")
    _write(root / "sub" / "special.skip.rs", "fn g() {}\n")
    _write(root / "sub" / "kept.rs", "fn h() {}\n")
    _write(root / "other" / "local.rs", "fn i() {}\n")
    assert _names(root) == ["other/local.rs", "src/lib.rs", "sub/kept.rs",
                            "sub/special.skip.rs"]
    # Scanning a subfolder still honours the repository's root .gitignore.
    assert [p.name for p in walk_rust_files(root / "src")] == ["lib.rs"]


def test_explicit_file_is_read_even_when_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path / ".gitignore", "*.rs\n")
    file = _write(tmp_path / "a.rs", "fn main() {}\n")
    assert list(walk_rust_files(tmp_path)) == []
    cases = list(iter_cases_from_paths([file]))
    assert [c.origin for c in cases] == [{"path": str(file), "line": 1}]


# ---------------------------------------------------------------------------------------------
# Inputs → cases


def test_jsonl_corpus_reports_bad_lines_with_file_and_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"source": "fn a() {}", "id": "first"}),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": "no-source"}),
        json.dumps({"source": "fn b() {}", "edition": "2019"}),
        json.dumps({"source": "fn c() {}", "edition": "2018",
                    "origin": {"path": "x.rs", "line": 40}}),
        json.dumps({"source": "   "}),
        json.dumps({"source": "fn d() {}", "origin": "nope"}),
    ]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    skipped: list[tuple[str, str]] = []
    cases = list(iter_cases_from_paths([corpus], on_skip=lambda w, r: skipped.append((w, r))))
    assert [c.source for c in cases] == ["fn a() {}", "fn c() {}"]
    assert cases[0].id == "first"
    assert cases[0].origin == {"path": str(corpus), "line": 1, "id": "first"}
    assert cases[1].edition == "2018" and cases[1].origin == {"path": "x.rs", "line": 40}
    assert [w for w, _ in skipped] == [f"{corpus}:{n}" for n in (3, 4, 5, 6, 8, 9)]
    assert "not valid JSON" in skipped[0][1]
    assert "unknown edition" in skipped[3][1]
    assert "empty" in skipped[4][1]


def test_unreadable_and_missing_inputs_are_reported(tmp_path: Path) -> None:
    _write(tmp_path / "ok.rs", "fn a() {}\n")
    (tmp_path / "binary.rs").write_bytes(b"fn a() {}\x00\x01")
    (tmp_path / "latin1.rs").write_bytes(b"// caf\xe9\nfn a() {}\n")
    skipped: list[tuple[str, str]] = []
    cases = list(iter_cases_from_paths([tmp_path, tmp_path / "missing"],
                                       on_skip=lambda w, r: skipped.append((w, r))))
    assert [Path(c.origin["path"]).name for c in cases if c.origin] == ["ok.rs"]
    reasons = dict(skipped)
    assert "NUL" in reasons[str(tmp_path / "binary.rs")]
    assert "UTF-8" in reasons[str(tmp_path / "latin1.rs")]
    assert "no such file" in reasons[str(tmp_path / "missing")]


def test_split_fn_gives_each_top_level_function_with_its_lines(tmp_path: Path) -> None:
    source = (
        "use std::fmt;\n"
        "\n"
        "/// Doc.\n"
        "#[inline]\n"
        "pub fn first() -> u32 {\n"
        "    1\n"
        "}\n"
        "\n"
        "impl S { fn method(&self) {} }\n"
        "fn second() {}\n"
    )
    file = _write(tmp_path / "a.rs", source)
    cases = list(iter_cases_from_paths([file], split="fn"))
    assert [c.origin for c in cases] == [
        {"path": str(file), "line": 3, "end_line": 7, "function": "first"},
        {"path": str(file), "line": 10, "end_line": 10, "function": "second"},
    ]
    # The function leads its case; the file's other items follow so that it compiles in context.
    assert cases[0].source.startswith("/// Doc.\n#[inline]\npub fn first() -> u32 {\n    1\n}\n\n")
    assert cases[0].source.endswith("use std::fmt;\nimpl S { fn method(&self) {} }\n")
    assert [t[1:] for t in split_functions(source)] == [(3, 7, "first"), (10, 10, "second")]


def test_split_fn_in_jsonl_offsets_by_the_origin_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"source": "fn a() {}\n\nfn b() {}\n",
                                  "origin": {"path": "lib.rs", "line": 100}}) + "\n")
    cases = list(iter_cases_from_paths([corpus], split="fn"))
    assert [(c.origin or {}).get("line") for c in cases] == [100, 102]


def test_bad_options_raise_input_error() -> None:
    with pytest.raises(InputError, match="split"):
        list(iter_cases_from_paths([], split="line"))
    with pytest.raises(InputError, match="edition"):
        list(iter_cases_from_paths([], edition="2019"))


def test_case_record_id_is_the_record_id() -> None:
    case = Case(source="fn a() {}\r\n", edition="2018")
    assert case.record_id == case_id("fn a() {}\n", "2018")


# ---------------------------------------------------------------------------------------------
# Module layout and eligibility


def test_compose_batch_keeps_columns_and_maps_lines_back() -> None:
    first = prepare("fn a() {}\nfn b() {}\n")
    loose = prepare("let x = 1;\nlet y = x;")
    source, members = compose_batch([first, loose])
    lines = source.split("\n")
    assert lines[0] == "mod __ptriage_b0 {"
    assert lines[1] == "fn a() {}"  # not indented: columns are unchanged
    assert (members[0].first, members[0].last) == (2, 3)
    map_b = members[1].mapper()
    assert lines[members[1].first - 1].startswith("#[allow(")  # the loose-statement wrapper
    assert map_b(members[1].first) is None  # wrapper line: not the user's
    assert map_b(members[1].first + 1) == 1
    assert map_b(members[1].first + 2) == 2
    assert members[0].mapper()(members[1].first + 1) is None


@pytest.mark.parametrize(("source", "edition", "placement", "reason"), [
    ("#![feature(never_type)]\nfn a() {}\n", "2021", "solo", "#![feature"),
    ("fn a() {}\n#![allow(dead_code)]\n", "2021", "solo", "#![allow"),
    ("extern crate core;\n", "2021", "solo", "extern crate"),
    ("#[macro_export]\nmacro_rules! m { () => {} }\n", "2021", "solo", "exports macros"),
    ("fn f() { let x = ; }\n", "2021", "solo", "does not parse"),
    ("fn __ptriage_b1() {}\n", "2021", "solo", "reserved"),
    ("fn a() -> u32 { crate::b() }\nfn b() -> u32 { 1 }\n", "2021", "host", "crate::"),
    ("pub fn f() { super::g() }\n", "2021", "host", "super"),
    ("mod m { pub fn f() { super::super::g() } }\n", "2021", "host", "super"),
    ("pub(super) fn f() {}\n", "2021", "host", "super"),
    ("#[no_mangle]\npub extern \"C\" fn f() {}\n", "2021", "host", "no_mangle"),
    ("#[export_name = \"x\"]\npub fn f() {}\n", "2021", "host", "export_name"),
    ("fn f() -> u32 { line!() }\n", "2021", "host", "line!"),
    ("mod a { pub fn g() {} }\nuse a::g;\n", "2015", "host", "2015"),
    ("fn f() { ::helper() }\nfn helper() {}\n", "2015", "host", "2015"),
    ("macro_rules! m { () => { crate::f() } }\nfn f() {}\n", "2021", "solo", "macros"),
])
def test_batch_placement(source: str, edition: str, placement: str, reason: str) -> None:
    where, why = batch_placement(prepare(source, edition=edition))
    assert where == placement
    assert why is not None and reason in why


def test_a_host_is_the_crate_root_and_the_others_follow_in_modules() -> None:
    host = prepare("fn a() -> u32 { crate::b() }\nfn b() -> u32 { 1 }\n")
    other = prepare("fn c() {}\n")
    source, members = compose_batch([host, other], hosted=True)
    assert source.startswith("fn a() -> u32 { crate::b() }\nfn b() -> u32 { 1 }\nmod __ptriage_b1 {")
    assert (members[0].first, members[0].last) == (1, 2)
    assert members[0].mapper()(2) == 2
    assert (members[1].first, members[1].last) == (4, 4)


def test_ordinary_snippets_are_batchable() -> None:
    assert batch_refusal(prepare("// super is only a word here\nfn f() {}\n")) is None
    # Leading lint attributes act on the same code at the top of a module.
    assert batch_refusal(prepare("//! Doc.\n#![allow(dead_code)]\n#![deny(unused_mut)]\n"
                                 "fn f() {}\n")) is None
    # `super` inside the snippet's own module never reaches the crate root.
    assert batch_refusal(prepare("fn g() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n"
                                 "    fn t() { super::g(); g() }\n}\n")) is None
    assert batch_refusal(prepare("let v = vec![1];\nprintln!(\"{v:?}\");")) is None
    # Edition 2015 paths into std resolve the same from any module.
    assert batch_refusal(prepare("use std::fmt;\nfn f() { ::std::mem::drop(1); }\n",
                                 edition="2015")) is None


# ---------------------------------------------------------------------------------------------
# Trust rules


def _msg(code: str | None, message: str = "x") -> dict[str, object]:
    return {"level": "error", "message": message,
            "code": {"code": code} if code is not None else None, "spans": []}


def test_trust_everything_in_a_batch_without_errors() -> None:
    assert _trust([[], [], []]) == ["trust", "trust", "trust"]


def test_trust_hard_errors_and_rerun_the_rest() -> None:
    decisions = _trust([
        [_msg("E0499", "cannot borrow `v` as mutable more than once at a time")],
        [_msg("E0308", "mismatched types")],
        [],
        [_msg("overflowing_literals", "literal out of range for `u8`")],
        [_msg(None, "lifetime may not live long enough")],
    ])
    assert decisions == ["trust", "trust", "rerun", "rerun", "trust"]


def test_lint_errors_are_trusted_only_without_hard_errors_in_the_batch() -> None:
    decisions = _trust([
        [_msg("overflowing_literals", "literal out of range for `u8`")],
        [_msg("let_underscore_lock", "non-binding let on a synchronization lock"),
         _msg("invalid_reference_casting", "assigning to `&T` is undefined behavior")],
        [],
    ])
    assert decisions == ["trust", "trust", "rerun"]


def test_unattributable_kinds_poison_the_batch() -> None:
    decisions = _trust([
        [_msg("E0499", "cannot borrow")],
        [_msg(None, "expected one of `;` or `}`, found `)`")],
        [],
    ])
    assert decisions == ["rerun", "solo", "rerun"]
    assert _trust([[_msg("E0463", "can't find crate")], [_msg("E0308")]]) == ["solo", "rerun"]
    assert _trust([[_msg(None, "expected item")], [_msg("unused_must_use")]]) == ["solo", "rerun"]


def test_edition_header_is_honoured_unless_an_edition_is_given(tmp_path: Path) -> None:
    from checkers.batch import iter_cases_from_paths

    (tmp_path / "old.rs").write_text("//@ edition:2015\npub fn f(x: &Fn()) { x() }\n")
    (tmp_path / "new.rs").write_text("pub fn g() {}\n")
    (tmp_path / "c.jsonl").write_text('{"source": "//@ edition:2018\\nfn h() {}\\n"}\n'
                                      '{"source": "fn k() {}", "edition": "2024"}\n')
    auto = {Path(c.origin["path"]).name + str(c.origin.get("line")): c.edition
            for c in iter_cases_from_paths([tmp_path / "old.rs", tmp_path / "new.rs",
                                            tmp_path / "c.jsonl"])}
    assert sorted(auto.values()) == ["2015", "2018", "2021", "2024"]
    forced = {c.edition for c in iter_cases_from_paths([tmp_path / "old.rs"], edition="2021")}
    assert forced == {"2021"}


def test_explicit_non_rust_files_are_reported_not_read(tmp_path: Path) -> None:
    from checkers.batch import iter_cases_from_paths

    (tmp_path / "README.md").write_text("# hello\n")
    (tmp_path / "lib.rs").write_text("pub fn f() {}\n")
    skipped: list[tuple[str, str]] = []
    cases = list(iter_cases_from_paths([tmp_path / "README.md", tmp_path / "lib.rs"],
                                       on_skip=lambda where, why: skipped.append((where, why))))
    assert [Path(c.origin["path"]).name for c in cases] == ["lib.rs"]
    assert skipped == [(str(tmp_path / "README.md"),
                        "not a .rs or .jsonl file (check it on its own with `ptriage check FILE`)")]
