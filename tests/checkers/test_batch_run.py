"""scan_iter with real rustc: fallbacks (ICE, stray diagnostics), refusals, cancel, progress, memory bound."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

import checkers.batching as batching
from checkers.batch import Case, ScanStats, check_batch, scan_iter
from checkers.engine import check_source
from checkers.rustc import RawRun
from checkers.snippet import prepare
from checkers.toolchains import Toolchains, load_toolchains

pytestmark = pytest.mark.toolchains

PC3 = """use std::collections::HashMap;
pub fn get(map: &mut HashMap<u32, String>) -> &String {
    if let Some(v) = map.get(&1) {
        return v;
    }
    map.insert(1, String::new());
    map.get(&1).unwrap()
}
"""
CONFLICT = "let mut v = vec![1];\nlet r = &v[0];\nv.push(2);\nprintln!(\"{r}\");\n"
CLEAN = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
TYPE_ERROR = "pub fn f() -> u32 {\n    \"no\"\n}\n"
MARKER = "// ptriage-test: crash the batch\n"


@pytest.fixture(scope="module")
def toolchains() -> Toolchains:
    return load_toolchains()


def _summary(triage: Any) -> tuple[Any, ...]:
    return (triage.verdict, triage.corroborated, triage.drift, triage.functions,
            {role: (c.status, [(d.code, d.line, d.column) for d in c.diagnostics])
             for role, c in triage.checks.items()})


def _alone(source: str, toolchains: Toolchains) -> tuple[Any, ...]:
    return _summary(check_source(source, toolchains=toolchains, patterns=False))


def test_a_crashing_batch_is_bisected_down_to_single_checks(
        toolchains: Toolchains, monkeypatch: pytest.MonkeyPatch) -> None:
    real = batching.run_rustc

    def crash_batches_with_marker(info: Any, source: str, **kw: Any) -> RawRun:
        if source.count("mod __ptriage_b") > 1 and MARKER in source:
            return RawRun("ice", 101, (), "thread 'rustc' panicked", 5,
                          error="internal compiler error: simulated")
        return real(info, source, **kw)

    monkeypatch.setattr(batching, "run_rustc", crash_batches_with_marker)
    sources = [PC3, MARKER + CLEAN, CONFLICT, CLEAN.replace("add", "sum"), TYPE_ERROR]
    snippets = [prepare(s) for s in sources]
    counters: dict[str, int] = {}
    results = check_batch(toolchains.roles["stable"], snippets, toolchains=toolchains,
                          counters=counters)
    assert counters["bisections"] >= 2
    alone = [check_source(s, toolchains=toolchains, patterns=False).checks["stable"]
             for s in sources]
    assert [r.status for r in results] == ["ok"] * len(sources)
    assert [[(d.code, d.line, d.column) for d in r.diagnostics] for r in results] == [
        [(d.code, d.line, d.column) for d in r.diagnostics] for r in alone]


def test_a_diagnostic_outside_every_module_is_not_trusted(
        toolchains: Toolchains, monkeypatch: pytest.MonkeyPatch) -> None:
    real = batching.run_rustc

    def add_stray_error(info: Any, source: str, **kw: Any) -> RawRun:
        raw = real(info, source, **kw)
        if source.count("mod __ptriage_b") > 1:
            stray = {"level": "error", "message": "stray", "code": None, "spans": [
                {"file_name": "snippet.rs", "line_start": 1, "line_end": 1, "column_start": 1,
                 "column_end": 4, "is_primary": True}]}
            return RawRun(raw.status, 1, (*raw.messages, stray), raw.stderr_text, raw.elapsed_ms)
        return raw

    monkeypatch.setattr(batching, "run_rustc", add_stray_error)
    counters: dict[str, int] = {}
    results = check_batch(toolchains.roles["stable"], [prepare(CLEAN), prepare(CONFLICT)],
                          toolchains=toolchains, counters=counters)
    assert counters["bisections"] == 1 and counters["solo_runs"] == 2
    assert [r.accepted for r in results] == [True, False]


def test_errors_in_one_snippet_do_not_hide_later_errors_of_another(toolchains: Toolchains) -> None:
    # An out-of-range literal is a lint error rustc only reports when no earlier pass failed.
    lint = "pub fn f() -> u8 {\n    let x: u8 = 256;\n    x\n}\n"
    sources = [TYPE_ERROR, lint, CONFLICT, CLEAN]
    stats = ScanStats()
    got = {t.source: _summary(t) for t in scan_iter([Case(s) for s in sources],
                                                     toolchains=toolchains, patterns=False,
                                                     cache=False, stats=stats)}
    for source in sources:
        assert got[source] == _alone(source, toolchains)
    assert got[lint][0] == "other-error"
    assert stats.reruns > 0


def test_include_is_refused_exactly_as_a_single_check(toolchains: Toolchains) -> None:
    source = 'pub fn f() -> &\'static str {\n    include_str!("/etc/hostname")\n}\n'
    (triage,) = scan_iter([Case(source)], toolchains=toolchains, patterns=False, cache=False)
    alone = check_source(source, toolchains=toolchains, patterns=False)
    assert triage.verdict == alone.verdict == "toolchain-error"
    assert triage.reason == alone.reason and "include_str!" in triage.reason
    assert {r: c.status for r, c in triage.checks.items()} == {
        r: c.status for r, c in alone.checks.items()}


def test_origin_and_patterns_are_carried(toolchains: Toolchains) -> None:
    from checkers import patterns

    origin = {"path": "src/lib.rs", "line": 40}
    (triage,) = scan_iter([Case(PC3, origin=origin)], toolchains=toolchains, cache=False)
    assert triage.origin == origin and triage.verdict == "polonius-accepts"
    found = patterns.detect(PC3, edition="2021")
    assert triage.patterns == tuple(found.patterns) and triage.epochs == tuple(found.epochs)


def test_cancel_stops_the_scan_without_error(toolchains: Toolchains) -> None:
    cancel = threading.Event()
    cases = [Case(CLEAN.replace("add", f"add{i}")) for i in range(200)]
    seen = 0
    for _triage in scan_iter(cases, toolchains=toolchains, cache=False, cancel=cancel,
                             batch_size=4, jobs=1, patterns=False):
        seen += 1
        cancel.set()
    assert 1 <= seen <= 8


def test_progress_reaches_one_and_cases_are_pulled_lazily(toolchains: Toolchains) -> None:
    pulled = 0

    def cases() -> Iterator[Case]:
        nonlocal pulled
        for i in range(40):
            pulled += 1
            yield Case(CLEAN.replace("add", f"add{i}"))

    updates: list[float] = []
    results = scan_iter(cases(), toolchains=toolchains, cache=False, batch_size=4, jobs=1,
                        patterns=False, total=40, progress=lambda f, _m: updates.append(f))
    next(results)
    # At most two units per worker are in flight, plus the one being built.
    assert pulled <= 4 * 3
    rest = list(results)
    assert len(rest) == 39 and pulled == 40
    assert updates == sorted(updates) and updates[-1] == 1.0


def test_leading_lint_attributes_stay_with_their_own_snippet(toolchains: Toolchains) -> None:
    allow = "#![allow(overflowing_literals)]\npub fn f() -> u8 {\n    let x: u8 = 256;\n    x\n}\n"
    deny = "#![deny(unused_mut)]\npub fn g() -> u8 {\n    let mut y = 1;\n    y\n}\n"
    plain = "pub fn h() -> u8 {\n    let mut z = 1;\n    let w: u8 = 256;\n    z + w\n}\n"
    sources = [allow, deny, plain, CLEAN]
    stats = ScanStats()
    got = {t.source: _summary(t) for t in scan_iter([Case(s) for s in sources],
                                                     toolchains=toolchains, patterns=False,
                                                     cache=False, stats=stats)}
    assert stats.batch_runs > 0
    for source in sources:
        assert got[source] == _alone(source, toolchains)
    assert got[allow][0] == "clean" and got[deny][0] == "other-error"
    assert got[plain][0] == "other-error"  # its own overflow, not silenced by `allow`'s attribute
