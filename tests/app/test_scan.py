"""`ptriage scan` end to end with real rustc: folders, corpora, split, summary, resume, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app.cli import main
from app.commands.scan import done_key, read_done_ids
from app.jsonl import validate_record
from checkers.patterns import detect
from tests.conftest import EXAMPLES
from tests.data.corpus.generate import generate

pytestmark = pytest.mark.toolchains

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "app" / "schema" / "record.schema.json").read_text())

PC3 = """use std::collections::HashMap;

pub fn get(map: &mut HashMap<u32, String>) -> &String {
    if let Some(v) = map.get(&1) {
        return v;
    }
    map.insert(1, String::new());
    map.get(&1).unwrap()
}
"""
CLEAN = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
CONFLICT = "pub fn clash() {\n    let mut v = vec![1];\n    let r = &v[0];\n    v.push(2);\n" \
           "    println!(\"{r}\");\n}\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / ".gitignore").write_text("generated/\n*.bak.rs\n")
    (root / "src").mkdir()
    (root / "src" / "map.rs").write_text(PC3)
    (root / "src" / "add.rs").write_text(CLEAN)
    (root / "src" / "relookup.rs").write_text(
        (EXAMPLES / "check-then-relookup" / "workaround.rs").read_text())
    (root / "src" / "old.bak.rs").write_text(CLEAN)
    (root / "generated").mkdir()
    (root / "generated" / "g.rs").write_text(CLEAN)
    (root / "target").mkdir()
    (root / "target" / "t.rs").write_text(CLEAN)
    (root / "src" / "latin1.rs").write_bytes(b"// caf\xe9\n")
    return root


def test_scan_folder_streams_records_and_prints_a_summary(
        capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    code, stdout, err = run(capsys, "scan", str(project), "--out", str(out))
    assert code == 0, err
    records = _lines(out)
    assert sorted(Path(r["origin"]["path"]).name for r in records) == [
        "add.rs", "map.rs", "relookup.rs"]
    for record in records:
        jsonschema.validate(record, SCHEMA)
        assert validate_record(record) is None
    by_name = {Path(r["origin"]["path"]).name: r for r in records}
    assert by_name["map.rs"]["verdict"] == "polonius-accepts"
    relookup = by_name["relookup.rs"]
    found = detect(relookup["source"], edition="2021")
    assert relookup["patterns"] and [(p["id"], p["line"]) for p in relookup["patterns"]] == [
        (f.id, f.line) for f in found.patterns]
    # confirmation is on by default: the workaround is proven by its rewrite
    assert all(p["confirmed"] is True and p["tier"] == "workaround"
               for p in relookup["patterns"])
    assert (f"workarounds proven by the compiler: {len(found.patterns)}; candidates (possible "
            "workaround, not proven): 0") in err
    assert f"{project / 'src' / 'latin1.rs'}: not valid UTF-8" in err
    assert "scanned 3 cases" in err and "1 input skipped" in err
    assert "polonius-accepts" in err and "role failures: none" in err
    assert "\nscan: " not in err and not err.startswith("scan: ")  # no progress when stderr is not a terminal
    assert stdout == ""


def test_scan_jsonl_corpus_to_stdout_with_bad_lines_and_json_summary(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join([
        json.dumps({"id": "a", "source": CONFLICT}),
        "{broken",
        json.dumps({"id": "b", "source": CLEAN, "edition": "2018",
                    "origin": {"repo": "x", "path": "lib.rs", "line": 7}}),
        json.dumps({"source": 42}),
    ]) + "\n")
    summary = tmp_path / "summary.json"
    code, stdout, err = run(capsys, "scan", str(corpus), "--json-summary", str(summary),
                            "--no-patterns", "--progress")
    assert code == 0, err
    records = {r["origin"].get("id"): r for r in map(json.loads, stdout.splitlines())}
    assert records["a"]["verdict"] == "both-reject"
    assert records["b"]["edition"] == "2018"
    assert records["b"]["origin"] == {"repo": "x", "path": "lib.rs", "line": 7, "id": "b"}
    assert f"{corpus}:2: not valid JSON" in err and f"{corpus}:4: missing \"source\"" in err
    assert "scan: 2/" in err  # --progress forces progress lines on a non-terminal
    data = json.loads(summary.read_text())
    assert data["cases"] == 2 and data["skipped_inputs"] == 2
    assert data["verdicts"] == {"clean": 1, "both-reject": 1}
    assert data["rate"] > 0


def test_split_fn_records_carry_function_origin_and_own_coordinates(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "two.rs"
    file.write_text(CLEAN + "\n" + CONFLICT)
    code, stdout, err = run(capsys, "scan", str(file), "--split", "fn", "--no-patterns")
    assert code == 0, err
    records = {r["origin"]["function"]: r for r in map(json.loads, stdout.splitlines())}
    assert records["add"]["origin"] == {"path": str(file), "line": 1, "end_line": 3,
                                        "function": "add"}
    clash = records["clash"]
    assert clash["origin"]["line"] == 5 and clash["verdict"] == "both-reject"
    (error,) = [d for d in clash["checks"]["stable"]["diagnostics"] if d["level"] == "error"]
    # Coordinates are the case's own: line 4 of the function is line 8 of the file.
    assert (error["code"], error["line"], error["column"]) == ("E0502", 4, 5)


def test_resume_skips_done_ids_and_repairs_a_torn_last_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    sources = [CLEAN.replace("add", f"add{i}") for i in range(6)]
    corpus.write_text("".join(json.dumps({"source": s}) + "\n" for s in sources))
    out = tmp_path / "out.jsonl"
    code, _o, err = run(capsys, "scan", str(corpus), "--out", str(out), "--no-patterns")
    assert code == 0, err
    full = out.read_text().splitlines(keepends=True)
    out.write_text("".join(full[:2]) + full[2][:40])  # two whole records and a torn one
    assert len(read_done_ids(out)) == 2 and out.read_text().endswith("\n")
    code, _o, err = run(capsys, "scan", str(corpus), "--out", str(out), "--no-patterns",
                        "--resume")
    assert code == 0, err
    assert "2 already in the output" in err and "scanned 4 cases" in err
    ids = [r["id"] for r in _lines(out)]
    assert len(ids) == len(set(ids)) == 6


def test_resume_needs_an_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _o, err = run(capsys, "scan", str(tmp_path), "--resume")
    assert code == 2 and "--resume needs --out" in err


def test_unreachable_dask_scheduler_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    import checkers.executors as executors

    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", 0.5)
    (tmp_path / "a.rs").write_text(CLEAN)
    code, _o, err = run(capsys, "scan", str(tmp_path), "--executor", "dask://127.0.0.1:9")
    assert code == 3 and "cannot reach the Dask scheduler at 127.0.0.1:9" in err


def test_ctrl_c_keeps_whole_lines_and_resume_finishes(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(c) + "\n" for c in generate(120, seed=3)))
    out = tmp_path / "out.jsonl"
    argv = [sys.executable, "-m", "app.cli", "scan", str(corpus), "--out", str(out),
            "--no-cache", "--batch-size", "4", "--jobs", "2", "--no-patterns"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _o, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err
    partial = _lines(out)  # every line parses: nothing torn
    assert 0 < len(partial) < 120
    done = subprocess.run([*argv, "--resume"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    ids = Counter(r["id"] for r in _lines(out))
    expected = Counter(_record_id(c) for c in generate(120, seed=3))
    assert set(ids) == set(expected)
    assert all(ids[i] <= expected[i] for i in ids)  # nothing checked twice


def _record_id(case: dict[str, Any]) -> str:
    from checkers.model import case_id

    return case_id(str(case["source"]), str(case["edition"]))


def test_read_done_ids_reports_lines_that_are_not_records(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "a1", "verdict": "clean"}\nnot json\n{"no": "id"}\n'
                   '{"id": "b2", "verdict": "clean", "origin": {"path": "b.rs"}}\n{"id": "c')
    bad: list[int] = []
    assert read_done_ids(out, on_bad_line=bad.append) == {
        done_key("a1", None), done_key("b2", {"path": "b.rs"})}
    assert bad == [2, 3]
    assert out.read_text().endswith('"b.rs"}}\n')  # the torn tail is cut off
