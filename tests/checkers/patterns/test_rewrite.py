"""Rewrites: the mechanical direct form of a workaround, checked textually (no compiler here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkers.model import Finding
from checkers.patterns import detect, rewrite
from tests.checkers.patterns.pattern_fixtures import DATA

REWRITABLE = ["check-then-relookup", "entry-owned-key", "index-instead-of-reference",
              "clone-to-end-borrow", "unsafe-lifetime-extension", "lending-iterator-raw-pointer"]


def _only(source: str, id_: str) -> list[Finding]:
    found = detect(source)
    return [f for f in found.patterns + found.epochs if f.id == id_]


@pytest.mark.parametrize("id_", REWRITABLE)
def test_example_rewrite_keeps_lines_and_removes_the_workaround(examples: Path, id_: str) -> None:
    source = (examples / id_ / "workaround.rs").read_text()
    for finding in _only(source, id_):
        out = rewrite(source, finding)
        assert out is not None
        assert out.count("\n") == source.count("\n")
        assert all((f.line, f.column) != (finding.line, finding.column)
                   for f in _only(out, id_))


def test_check_then_relookup_guard_becomes_if_let(examples: Path) -> None:
    source = (examples / "check-then-relookup" / "workaround.rs").read_text()
    guard, recall = _only(source, "check-then-relookup")
    out = rewrite(source, guard)
    assert out is not None
    assert "if let Some(s) = self.sessions.get_mut(&id) {" in out
    assert "contains_key" not in out
    out = rewrite(source, recall)
    assert out is not None
    assert "let found = self.current(); if !found.trim().is_empty() {" in out
    assert "return found;" in out


def test_check_then_relookup_general_shapes() -> None:
    source = (
        "use std::collections::HashMap;\n"
        "fn get<'a>(cache: &'a mut HashMap<u32, Vec<u8>>, key: u32) -> &'a mut Vec<u8> {\n"
        "    if cache.contains_key(&key) {\n"
        "        cache.get_mut(&key).unwrap().push(1);\n"
        "        return cache.get_mut(&key).expect(\"present\");\n"
        "    }\n"
        "    cache.insert(key, Vec::new());\n"
        "    cache.get_mut(&key).unwrap()\n"
        "}\n"
    )
    [finding] = _only(source, "check-then-relookup")
    out = rewrite(source, finding)
    assert out is not None
    assert "if let Some(found) = cache.get_mut(&key) {" in out
    assert "found.push(1);" in out and "return found;" in out


def test_check_then_relookup_insert_variant(examples: Path) -> None:
    source = (DATA / "positive" / "ctr_should_insert.rs").read_text()
    [finding] = _only(source, "check-then-relookup")
    out = rewrite(source, finding)
    assert out is not None
    assert "if let Some(found) = groups.get_mut(&first) { return found; } {" in out


def test_entry_owned_key_return_statement_form() -> None:
    source = (DATA / "positive" / "entry_clone_key.rs").read_text()
    [finding] = _only(source, "entry-owned-key")
    out = rewrite(source, finding)
    assert out is not None
    assert ("{ if let Some(found) = map.get_mut(key) { return found; } "
            "map.insert(key.clone(), String::new()); return map.get_mut(key).unwrap() };") in out


def test_index_instead_of_reference_on_a_field() -> None:
    source = (DATA / "positive" / "index_position_rename.rs").read_text()
    [finding] = _only(source, "index-instead-of-reference")
    out = rewrite(source, finding)
    assert out is not None
    assert "for p in self.players.iter_mut() { if p.name == name {" in out
    assert "return p;" in out


def test_index_binary_search_has_no_mechanical_rewrite() -> None:
    source = (DATA / "positive" / "index_binary_search.rs").read_text()
    [finding] = _only(source, "index-instead-of-reference")
    assert rewrite(source, finding) is None


def test_clone_to_end_borrow_vec_becomes_slice() -> None:
    source = (DATA / "positive" / "clone_vec_early.rs").read_text()
    [finding] = _only(source, "clone-to-end-borrow")
    out = rewrite(source, finding)
    assert out is not None
    assert "-> &[String] {" in out and "return list;" in out and "&self.graph[name]" in out


def test_unsafe_cast_of_self_becomes_a_reborrow() -> None:
    source = (DATA / "positive" / "unsafe_cast_self.rs").read_text()
    [finding] = _only(source, "unsafe-lifetime-extension")
    out = rewrite(source, finding)
    assert out is not None
    assert "let me = &mut *self;" in out and "unsafe {" not in out


def test_unsafe_pointer_from_parameter() -> None:
    source = (DATA / "positive" / "unsafe_ptr_param.rs").read_text()
    [finding] = _only(source, "unsafe-lifetime-extension")
    out = rewrite(source, finding)
    assert out is not None
    assert "if let Some(v) = m.get_mut(&k) {" in out
    assert "*mut" not in out


@pytest.mark.parametrize(("source", "expected"), [
    ("fn f() -> R { let x = try!(g(1)); Ok(x) }\n", "let x = g(1)?;"),
    ("fn f() -> R { try!(a + b); Ok(()) }\n", "(a + b)?;"),
    ("fn c(b: u8) -> u8 { match b { 0...9 => 1, _ => 0 } }\n", "0..=9 =>"),
    ("fn d(x: &Fn(u8) -> u8) {}\n", "x: &dyn Fn(u8) -> u8"),
    ("extern crate rand as random;\n", "use rand as random;"),
])
def test_epoch_rewrites(source: str, expected: str) -> None:
    found = detect(source, edition="2015")
    [finding] = found.epochs
    out = rewrite(source, finding)
    assert out is not None and expected in out


def test_no_rewrite_for_ids_without_a_mechanical_direct_form(examples: Path) -> None:
    for id_ in ("split-helper-for-cursor", "peek-then-advance-cursor", "cursor-reindex-in-loop",
                "option-take-put-back", "split-borrow-free-function"):
        source = (examples / id_ / "workaround.rs").read_text()
        for finding in _only(source, id_):
            assert rewrite(source, finding) is None


def test_rewrite_of_a_finding_not_in_the_source_is_none() -> None:
    stray = Finding(id="entry-owned-key", kind="pattern", cls="P3", line=1, column=1,
                    end_line=1, end_column=2)
    assert rewrite("fn main() {}\n", stray) is None


def _rewritten(name: str, id_: str) -> tuple[str, str]:
    source = (DATA / "positive" / f"{name}.rs").read_text()
    [finding] = _only(source, id_)
    out = rewrite(source, finding)
    assert out is not None
    assert out.count("\n") == source.count("\n")  # diagnostics keep the user's lines
    return source, out


def test_index_match_on_position_becomes_a_loop() -> None:
    _, out = _rewritten("index_match_position", "index-instead-of-reference")
    assert "for t in self.tabs.iter_mut() { if t.title == title { return t; } }" in out
    assert "position" not in out


def test_index_enumerate_with_found_flag_becomes_a_loop() -> None:
    _, out = _rewritten("index_enumerate_found", "index-instead-of-reference")
    assert "for b in buckets.iter_mut() { if b.id == id {" in out
    assert "return b;" in out
    assert "enumerate" not in out and "hit" not in out


def test_index_enumerate_whose_flag_is_used_again_has_no_rewrite() -> None:
    source = (DATA / "positive" / "index_enumerate_found.rs").read_text().replace(
        "    buckets.push(", "    let _ = hit;\n    buckets.push(")
    [finding] = _only(source, "index-instead-of-reference")
    assert rewrite(source, finding) is None


def test_index_match_with_a_none_arm_that_does_work_has_no_rewrite() -> None:
    source = (DATA / "positive" / "index_match_position.rs").read_text().replace(
        "None => {}", "None => { self.tabs.clear(); }")
    [finding] = _only(source, "index-instead-of-reference")
    assert rewrite(source, finding) is None


def test_loop_recall_binds_the_call_once() -> None:
    _, out = _rewritten("ctr_while_recall_option", "check-then-relookup")
    assert "let found = self.peek_word(); if found.is_some_and(" in out
    assert "return found;" in out and out.count("self.peek_word()") == 1


def test_unsafe_block_used_as_a_receiver_keeps_its_parentheses() -> None:
    source = (DATA / "positive" / "adv_unsafe_cast_arena.rs").read_text()
    (finding,) = _only(source, "unsafe-lifetime-extension")
    out = rewrite(source, finding)
    assert out is not None and "unsafe {" not in out
    assert "(&mut (*self)).nodes.iter_mut()" in out


def test_transmute_inside_an_unsafe_let_value_is_detected_and_undone() -> None:
    source = (DATA / "positive" / "adv_unsafe_transmute_loop.rs").read_text()
    (finding,) = _only(source, "unsafe-lifetime-extension")
    out = rewrite(source, finding)
    assert out is not None and "transmute" not in out


def test_clone_collection_rewrites_iterate_the_field_itself(examples: Path) -> None:
    source = (examples / "clone-collection-to-iterate" / "workaround.rs").read_text()
    (finding,) = _only(source, "clone-collection-to-iterate")
    out = rewrite(source, finding)
    assert out is not None and "in self.rules.iter().cloned()" in out
    styles = examples / "clone-collection-to-iterate" / "styles"
    keys = (styles / "clonecoll_keys_collect.rs").read_text()
    (finding,) = _only(keys, "clone-collection-to-iterate")
    out = rewrite(keys, finding)
    assert out is not None and "for name in self.open.keys() {" in out
    assert "collect::<Vec<_>>()" not in out and out.count("\n") == keys.count("\n")


def test_cps_rewrite_returns_the_borrow_and_fixes_its_callers(examples: Path) -> None:
    source = (examples / "cps-callback-instead-of-return" / "workaround.rs").read_text()
    (finding,) = _only(source, "cps-callback-instead-of-return")
    out = rewrite(source, finding)
    assert out is not None
    assert "pub fn with_config<'cps>(" in out and "cache: &'cps mut BTreeMap" in out
    assert ") -> &'cps Config {" in out and "FnOnce" not in out
    assert "{ let cfg = with_config(cache, name); cfg.retries }" in out
    assert out.count("\n") == source.count("\n")


def test_polonius_the_crab_rewrites_undo_the_crate(examples: Path) -> None:
    source = (examples / "polonius-the-crab-call" / "workaround.rs").read_text()
    call, = [f for f in _only(source, "polonius-the-crab-call") if f.unconfirmable == ""]
    out = rewrite(source, call)
    assert out is not None
    assert "match { let stock = &mut self.stock; stock.get_mut(sku) } {" in out
    assert "Some(count) =>" in out and "None => { let stock = &mut self.stock;" in out
    macro = (DATA / "positive" / "adv_crab_fn_call.rs").read_text()
    uses = [f for f in _only(macro, "polonius-the-crab-call") if f.unconfirmable]
    assert len(uses) == 1 and rewrite(macro, uses[0]) is None  # the import has no direct form
    (site,) = [f for f in _only(macro, "polonius-the-crab-call") if not f.unconfirmable]
    out = rewrite(macro, site)
    assert out is not None and "polonius!" not in out and "return v;" in out


def test_rewrites_do_not_depend_on_the_hash_seed() -> None:
    """Two same-span hits with different variants: which one wins (so which direct form is proven)
    must be the same in every process, whatever PYTHONHASHSEED is."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, pathlib\n"
        "from checkers.patterns import detect, rewrite\n"
        "for p in sorted(pathlib.Path('tests/data/examples').rglob('*.rs')):\n"
        "    src = p.read_text(encoding='utf-8')\n"
        "    for f in detect(src).patterns:\n"
        "        r = rewrite(src, f) or ''\n"
        "        print(p.name, f.id, f.line, hashlib.sha256(r.encode()).hexdigest()[:12])\n"
    )
    root = Path(__file__).resolve().parents[3]
    outputs = set()
    for seed in ("0", "1", "2", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, check=True,
                             capture_output=True, text=True).stdout
        assert out.count("\n") > 20
        outputs.add(out)
    assert len(outputs) == 1
