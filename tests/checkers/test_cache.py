"""The result cache: keys, per-role reuse, concurrent scans, and a clear error on a broken file."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checkers.batch import Case, ScanStats, scan_iter
from checkers.cache import CacheError, ResultCache, cache_key, default_cache_path
from checkers.model import CheckResult, Diagnostic
from checkers.snippet import prepare
from checkers.toolchains import Toolchains, load_toolchains

REPO = Path(__file__).resolve().parents[2]


def _result(role: str = "stable", status: str = "ok") -> CheckResult:
    return CheckResult(role=role, status=status, accepted=False, rustc="1.95.0", flags=(),
                       diagnostics=(Diagnostic(code="E0499", level="error", message="m",
                                               borrowck=True, line=3, column=5, end_line=3,
                                               end_column=9),))


def test_put_get_round_trip_and_only_deterministic_statuses(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "r.sqlite3")
    written = cache.put_many({"a": _result(), "b": _result(status="timeout"),
                              "c": _result(status="ice"), "d": _result(status="cpu-limit")})
    assert written == 2  # a timeout without the limit it ran under is not stored
    got = cache.get_many(["a", "b", "c", "d", "zzz"])
    assert set(got) == {"a", "c"}
    assert got["a"].to_dict() == _result().to_dict()
    cache.close()


def test_timeout_is_cached_with_its_limit(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "r.sqlite3")
    assert cache.put_many({"t": _result(status="timeout")}, timeout=10.0) == 1
    assert cache.get_many(["t"], timeout=10.0)["t"].status == "timeout"  # same limit: reused
    assert "t" in cache.get_many(["t"], timeout=5.0)  # it would time out sooner too
    assert cache.get_many(["t"], timeout=30.0) == {}  # a larger limit may finish: run again
    cache.close()


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_path().parent == tmp_path / "elsewhere"


def test_a_broken_cache_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match="--no-cache"):
        ResultCache(path).get_many(["a"])


def test_key_depends_on_identity_edition_and_source() -> None:
    toolchains = load_toolchains()
    info = toolchains.roles["stable"]
    base = cache_key(info, prepare("fn a() {}\n"))
    assert base == cache_key(info, prepare("fn a() {}\r\n"))  # line endings normalised
    assert base != cache_key(info, prepare("fn a() {}\n", edition="2018"))
    assert base != cache_key(info, prepare("\nfn a() {}\n"))  # coordinates differ
    assert base != cache_key(dataclasses.replace(info, flags=("-Zpolonius=next",)),
                             prepare("fn a() {}\n"))
    assert base != cache_key(dataclasses.replace(info, version="1.96.0 (x)"),
                             prepare("fn a() {}\n"))


def _cases() -> list[Case]:
    return [Case(f"pub fn f{i}(v: &mut Vec<u32>) -> u32 {{\n    v.push({i});\n    v[0]\n}}\n")
            for i in range(6)] + [
        Case("let mut v = vec![1];\nlet r = &v[0];\nv.push(2);\nprintln!(\"{r}\");\n"),
        Case("pub fn f() -> u32 {\n    \"no\"\n}\n"),
    ]


def _records(triages: Any) -> list[dict[str, Any]]:
    out = []
    for triage in triages:
        record = triage.to_record()
        for check in record["checks"].values():
            check.pop("elapsed_ms")
        out.append(record)
    return sorted(out, key=lambda r: r["id"])


@pytest.mark.toolchains
def test_warm_scan_reuses_every_role_and_gives_the_same_records() -> None:
    toolchains = load_toolchains()
    cold, warm = ScanStats(), ScanStats()
    first = _records(scan_iter(_cases(), toolchains=toolchains, stats=cold, patterns=False))
    second = _records(scan_iter(_cases(), toolchains=toolchains, stats=warm, patterns=False))
    assert first == second
    assert cold.cache_hits == 0 and cold.rustc_runs > 0
    assert warm.cache_hits == 4 * len(_cases()) and warm.rustc_runs == 0


@pytest.mark.toolchains
def test_a_changed_nightly_reruns_only_its_roles() -> None:
    toolchains = load_toolchains()
    list(scan_iter(_cases(), toolchains=toolchains, patterns=False))
    nightly = toolchains.roles["nightly"]
    changed = Toolchains(
        roles={**toolchains.roles,
               "nightly": dataclasses.replace(nightly, commit=nightly.commit + "-new")},
        limits=toolchains.limits, source_path=toolchains.source_path, notes=toolchains.notes)
    stats = ScanStats()
    list(scan_iter(_cases(), toolchains=changed, stats=stats, patterns=False))
    assert stats.role_checks == len(_cases())  # only the nightly role ran
    assert stats.cache_hits == 3 * len(_cases())


@pytest.mark.toolchains
def test_no_cache_neither_reads_nor_writes() -> None:
    stats = ScanStats()
    list(scan_iter(_cases(), toolchains=load_toolchains(), cache=False, stats=stats,
                   patterns=False))
    assert stats.cache_hits == 0
    assert not default_cache_path().exists()


@pytest.mark.toolchains
def test_concurrent_scans_share_one_cache(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"source": c.source}) + "\n" for c in _cases() * 3))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "app.cli", "scan", str(corpus), "--out", str(tmp_path / f"{n}.jsonl"),
         "--no-patterns", "--batch-size", "2", "--json-summary", str(tmp_path / f"{n}.json")],
        cwd=REPO, env=env, stderr=subprocess.PIPE, text=True) for n in range(3)]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    outputs = [sorted(json.loads(line)["verdict"] for line in (tmp_path / f"{n}.jsonl").open())
               for n in range(3)]
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) == 3 * len(_cases())
    assert ResultCache(default_cache_path()).get_many(
        [cache_key(load_toolchains().roles["stable"], prepare(_cases()[0].source))])


@pytest.mark.toolchains
def test_whole_records_are_reused_until_the_engine_code_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import checkers.scan as scan_module

    toolchains = load_toolchains()
    list(scan_iter(_cases(), toolchains=toolchains))
    warm = ScanStats()
    list(scan_iter(_cases(), toolchains=toolchains, stats=warm))
    assert warm.record_hits == len(_cases())
    monkeypatch.setattr(scan_module, "code_fingerprint", lambda: "changed-engine")
    changed = ScanStats()
    list(scan_iter(_cases(), toolchains=toolchains, stats=changed))
    assert changed.record_hits == 0 and changed.cache_hits == 4 * len(_cases())
    assert changed.rustc_runs == 0


@pytest.mark.toolchains
def test_record_round_trip() -> None:
    from checkers.batch import triage_from_record
    from checkers.engine import check_source

    triage = check_source("let mut v = vec![1];\nlet r = &v[0];\nv.push(2);\nr;\n",
                          origin={"path": "x.rs", "line": 3})
    record = triage.to_record()
    assert triage_from_record(record, origin=triage.origin).to_record() == record


LOOPING = ("#[allow(long_running_const_eval)]\npub const SPIN: u64 = {\n    let mut i: u64 = 0;\n"
           "    loop { i = i.wrapping_add(1); if i == 0 { break; } }\n    i\n};\n")


@pytest.mark.toolchains
def test_scan_reuses_a_timeout_under_the_same_limit_and_reruns_under_a_larger_one() -> None:
    import dataclasses

    from checkers.batch import Case, ScanStats, scan_iter
    from checkers.toolchains import load_toolchains

    base = load_toolchains()

    def scan(limit: float) -> tuple[dict[str, str], ScanStats]:
        tc = dataclasses.replace(base, limits=dataclasses.replace(base.limits, timeout=limit))
        stats = ScanStats()
        (triage,) = scan_iter([Case(LOOPING)], toolchains=tc, patterns=False, stats=stats)
        return {role: c.status for role, c in triage.checks.items()}, stats

    cold, cold_stats = scan(1.0)
    assert set(cold.values()) == {"timeout"} and cold_stats.rustc_runs >= 4
    warm, warm_stats = scan(1.0)
    assert warm == cold and warm_stats.rustc_runs == 0 and warm_stats.record_hits == 1
    shorter, shorter_stats = scan(0.5)
    assert shorter == cold and shorter_stats.rustc_runs == 0  # role results reused
    longer, longer_stats = scan(1.5)
    assert set(longer.values()) == {"timeout"} and longer_stats.rustc_runs >= 4
