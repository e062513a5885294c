"""Detection: the design examples, labeled positives and near misses, and the API's guarantees."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkers.errors import InputError
from checkers.patterns import CATALOG, EPOCH_IDS, PATTERN_IDS, detect
from tests.checkers.patterns.pattern_fixtures import (
    ALLOWED_OVERLAPS,
    example_ids,
    expected_ids,
    fixture_edition,
    fixture_files,
)

WORKAROUND_IDS = [i for i in example_ids() if not i.startswith("epoch-")]
EPOCH_EXAMPLES = [i for i in example_ids() if i.startswith("epoch-")]


def _ids(source: str, edition: str = "2021") -> set[str]:
    found = detect(source, edition=edition)
    return {f.id for f in found.patterns + found.epochs}


@pytest.mark.parametrize("id_", WORKAROUND_IDS)
def test_workaround_example_reports_its_own_id(examples: Path, id_: str) -> None:
    ids = _ids((examples / id_ / "workaround.rs").read_text())
    assert id_ in ids
    assert ids - {id_} <= ALLOWED_OVERLAPS.get(id_, set())


@pytest.mark.parametrize("id_", example_ids())
def test_direct_example_reports_nothing(examples: Path, id_: str) -> None:
    assert _ids((examples / id_ / "direct.rs").read_text()) == set()


@pytest.mark.parametrize("id_", EPOCH_EXAMPLES)
def test_epoch_example_marks_the_outdated_form_only(examples: Path, id_: str) -> None:
    found = detect((examples / id_ / "workaround.rs").read_text())
    assert id_ in {f.id for f in found.epochs}
    assert not found.patterns
    assert {f.id for f in found.epochs} - {id_} <= ALLOWED_OVERLAPS.get(id_, set())


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_labeled_fixture(path: Path) -> None:
    text = path.read_text()
    assert _ids(text, fixture_edition(path)) == expected_ids(text)


def test_every_detector_has_a_positive_fixture_or_example() -> None:
    covered: set[str] = set(example_ids())
    for path in fixture_files():
        covered |= expected_ids(path.read_text())
    assert set(PATTERN_IDS) | set(EPOCH_IDS) <= covered


def test_findings_carry_catalog_class_and_kind(examples: Path) -> None:
    for id_ in example_ids():
        found = detect((examples / id_ / "workaround.rs").read_text())
        for f in found.patterns + found.epochs:
            assert f.cls == CATALOG[f.id].cls
            assert f.kind == CATALOG[f.id].kind
            assert f.confirmed is None and f.rewrite is None


def test_coordinates_are_one_based_characters_in_the_given_text() -> None:
    source = (
        "// ünïcödé ✓ comment\n"
        "fn f(m: &mut std::collections::HashMap<String, u8>, k: &str) -> &mut u8 {\n"
        "    /* é */ m.entry(k.to_owned()).or_insert(0)\n"
        "}\n"
    )
    [finding] = detect(source).patterns
    assert finding.id == "entry-owned-key"
    assert (finding.line, finding.column) == (3, 13)
    assert finding.end_line == 3
    assert finding.end_column == len("    /* é */ m.entry(k.to_owned()).or_insert(0)") + 1


def test_crlf_source_keeps_line_numbers() -> None:
    source = "match x {\r\n    1...3 => {}\r\n    _ => {}\r\n}\r\n"
    [finding] = detect(source).epochs
    assert (finding.id, finding.line, finding.column) == ("epoch-ellipsis-range-pattern", 2, 5)


def test_loose_statements_at_top_level() -> None:
    source = "let mut v = vec![1]; let r = &mut v; r.push(2);\nlet t = try!(parse(v));\n"
    found = detect(source)
    assert [(f.id, f.line, f.column) for f in found.epochs] == [("epoch-try-macro", 2, 9)]
    assert found.patterns == ()


def test_try_macro_in_many_positions() -> None:
    source = (
        "fn f() -> Result<(), E> {\n"
        "    let a = try!(one());\n"
        "    try!(two());\n"
        "    Ok(try!(three(try!(four()))))\n"
        "}\n"
    )
    lines = sorted((f.line, f.column) for f in detect(source, edition="2015").epochs)
    assert lines == [(2, 13), (3, 5), (4, 8), (4, 19)]


def test_order_is_deterministic_and_deduplicated(examples: Path) -> None:
    text = (examples / "epoch-tokio-0x-runtime" / "workaround.rs").read_text()
    first = detect(text)
    assert first == detect(text)
    keys = [(f.line, f.column, f.id) for f in first.epochs]
    assert keys == sorted(keys)
    spans = [(f.id, f.line, f.column, f.end_line, f.end_column) for f in first.epochs]
    assert len(spans) == len(set(spans))


@pytest.mark.parametrize("junk", [
    "", "\x00\x01\x02\xff", "}}}}{{{{", "fn (", "\ud800 lone surrogate", "💥" * 1000,
    "impl<T> for &&&& where where", "unsafe { (*p).x } }" * 50,
    "fn f() -> &u8 { if m.contains_key(&k) { return m.get(&k).unwrap(); ",
])
def test_garbage_never_raises(junk: str) -> None:
    found = detect(junk)
    assert isinstance(found.patterns, tuple) and isinstance(found.epochs, tuple)


def test_unknown_edition_is_an_input_error() -> None:
    with pytest.raises(InputError):
        detect("fn f() {}", edition="2017")


def test_extern_crate_is_low_confidence_in_edition_2015() -> None:
    [finding] = detect("extern crate rand;\n", edition="2015").epochs
    assert finding.confidence == "low"
    [finding] = detect("extern crate rand;\n", edition="2018").epochs
    assert finding.confidence == "high"


def test_scope_block_with_non_reference_binding_is_low_confidence() -> None:
    source = (
        "fn f(v: &mut Vec<u8>) {\n"
        "    { let r = &mut v[0]; let g = Guard::new(r); g.poke(); }\n"
        "    v.push(1);\n"
        "}\n"
    )
    [finding] = detect(source).epochs
    assert (finding.id, finding.confidence) == ("epoch-pre-nll-scope-block", "low")


def test_failure_macros_need_a_failure_import() -> None:
    with_import = "use failure::Error;\nfn f() -> Result<(), Error> { bail!(\"x\") }\n"
    without = "fn f() -> anyhow::Result<()> { bail!(\"x\") }\n"
    assert {f.line for f in detect(with_import).epochs} == {1, 2}
    assert detect(without).epochs == ()


def test_catalog_covers_every_id_with_the_documented_classes() -> None:
    expected = {
        "P3": {"check-then-relookup", "entry-owned-key", "unsafe-lifetime-extension",
               "polonius-the-crab-call", "index-instead-of-reference", "clone-to-end-borrow",
               "cps-callback-instead-of-return", "lending-iterator-raw-pointer"},
        "FULL": {"split-helper-for-cursor", "peek-then-advance-cursor", "cursor-reindex-in-loop"},
        "NONE": {"option-take-put-back", "clone-collection-to-iterate",
                 "split-borrow-free-function"},
    }
    for cls, ids in expected.items():
        assert {e.id for e in CATALOG.values() if e.cls == cls} == ids
    assert len(EPOCH_IDS) == 11
    for entry in CATALOG.values():
        assert entry.title and entry.limitation and entry.reference.startswith("http")
        if entry.cls == "FULL":
            assert "Still needed with Polonius alpha" in entry.explanation
        if entry.cls == "NONE":
            assert "Never removable" in entry.explanation


def test_check_then_relookup_through_a_pattern_that_binds_nothing() -> None:
    head = ("use std::collections::HashMap;\n"
            "pub fn f<'a>(m: &'a mut HashMap<u32, String>, k: u32) -> &'a mut String {\n")
    tail = " m.insert(k, String::new());\n m.get_mut(&k).unwrap()\n}\n"
    guard = " match m.get(&k) { Some(_) => return m.get_mut(&k).unwrap(), None => {} }\n"
    binds = " match m.get(&k) { Some(x) if x.is_empty() => return m.get_mut(&k).unwrap(), _ => {} }\n"
    iflet = " if let Some(_) = m.get(&k) { return m.get_mut(&k).unwrap(); }\n"
    ids = lambda s: {f.id for f in detect(s).patterns}  # noqa: E731
    assert ids(head + guard + tail) == {"check-then-relookup"}
    assert ids(head + iflet + tail) == {"check-then-relookup"}
    assert ids(head + binds + tail) == set()
    owned = ("pub fn g(v: &mut Vec<u32>) -> u32 {\n"
             " match v.first() { Some(_) => v[0], None => { v.push(0); v[0] } }\n}\n")
    assert ids(owned) == set()


def test_async_std_one_finding_per_import_site() -> None:
    source = (
        "use async_std::task;\n"
        "#[async_std::main]\n"
        "async fn main() {\n"
        "    task::spawn(async {}).await;\n"
        "    async_std::task::sleep(std::time::Duration::from_millis(1)).await;\n"
        "    let _f: async_std::fs::File;\n"
        "}\n"
    )
    assert [f.line for f in detect(source).epochs] == [1, 2]
    qualified_only = "fn a() { async_std::task::yield_now(); async_std::task::yield_now(); }\n"
    assert len(detect(qualified_only).epochs) == 1


def test_pre_nll_scope_block_still_reported_without_a_guard() -> None:
    source = (
        "pub fn f(v: &mut Vec<u8>, i: usize) -> u8 {\n"
        "    let prev;\n"
        "    {\n"
        "        let x = &v[i];\n"
        "        prev = *x;\n"
        "    }\n"
        "    v.push(prev);\n"
        "    prev\n"
        "}\n"
    )
    assert [f.id for f in detect(source).epochs] == ["epoch-pre-nll-scope-block"]


def test_findings_say_their_tier_and_why_they_cannot_be_proven(examples: Path) -> None:
    import dataclasses

    from checkers.model import Finding
    from checkers.patterns import status_text

    source = (examples / "option-take-put-back" / "workaround.rs").read_text()
    [finding] = detect(source).patterns
    data = finding.to_dict()
    assert data["tier"] == "candidate" and data["confirmed"] is None
    assert data["unconfirmable"].startswith("no mechanical direct form")
    assert Finding.from_dict(data, kind="pattern") == finding
    assert status_text(finding).startswith("possible workaround, not proven")
    proven = dataclasses.replace(finding, cls="P3", confirmed=True, unconfirmable="")
    assert proven.tier == "workaround" and "Polonius makes it unnecessary" in status_text(proven)
    [epoch] = detect("fn f() -> Result<(), E> { try!(g()); Ok(()) }\n", edition="2015").epochs
    assert epoch.to_dict()["tier"] == "epoch"


def test_borrows_hidden_behind_associated_types_and_aliases_count() -> None:
    source = (
        "use std::collections::HashMap;\n"
        "type Slot<'a> = &'a mut Vec<u8>;\n"
        "pub trait Get { type Out; fn get(self, k: u32) -> Self::Out; }\n"
        "impl<'a> Get for &'a mut HashMap<u32, Vec<u8>> {\n"
        "    type Out = Slot<'a>;\n"
        "    fn get(self, k: u32) -> Self::Out {\n"
        "        if self.contains_key(&k) { return self.get_mut(&k).unwrap(); }\n"
        "        self.insert(k, Vec::new());\n"
        "        self.get_mut(&k).unwrap()\n"
        "    }\n"
        "}\n"
        "pub struct Owned;\n"
        "impl Owned { pub fn n(&mut self, m: &mut HashMap<u32, u32>) -> u32 {\n"
        "    if m.contains_key(&1) { return *m.get(&1).unwrap(); } 0 } }\n"
    )
    assert [f.id for f in detect(source).patterns] == ["check-then-relookup"]
