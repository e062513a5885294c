"""`ptriage audit`: the command line over checkers.audit (real cargo, real bubblewrap)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.corpus import Corpus
from app.jsonl import validate_record

WORKSPACES = Path(__file__).resolve().parents[1] / "data" / "workspaces"


@pytest.mark.toolchains
def test_audit_writes_jsonl_report_and_corpus(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "records.jsonl"
    report = tmp_path / "audit.md"
    corpus = tmp_path / "corpus.sqlite3"
    code = main(["audit", str(WORKSPACES / "depfail"), "--offline", "-q", "--out", str(out),
                 "--report", str(report), "--corpus", "--corpus-path", str(corpus)])
    assert code == 0
    summary = capsys.readouterr().out
    assert "stable" in summary and "dependency-failed" not in summary.splitlines()[0]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["origin"]["path"]: r["verdict"] for r in records} == {
        "base/src/lib.rs": "polonius-accepts", "user/src/lib.rs": "toolchain-error"}
    assert all(validate_record(r) is None for r in records)
    assert "| user | dependency-failed | ok | ok |" in report.read_text()
    with Corpus(corpus) as stored:
        assert {stored.get(r["id"])["origin"]["package"] for r in records} == {"base", "user"}


@pytest.mark.toolchains
def test_audit_json_selects_a_package(capsys: Any) -> None:
    code = main(["audit", str(WORKSPACES / "depfail"), "--offline", "-q", "-p", "base",
                 "--json", "--no-confirm"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in data["packages"]] == ["base"]
    assert [r["origin"]["path"] for r in data["records"]] == ["base/src/lib.rs"]
    assert data["roles"]["polonius"]["bootstrap"] is True


def test_audit_outside_a_package_exits_2(tmp_path: Path, capsys: Any) -> None:
    assert main(["audit", str(tmp_path), "--offline"]) == 2
    err = capsys.readouterr().err
    assert "not inside a Cargo package" in err and len(err.strip().splitlines()) == 1


def test_origin_package_must_be_a_string() -> None:
    record = {"schema": 1, "id": "0" * 64, "source": "", "edition": "2021", "checks": {},
              "verdict": "clean", "corroborated": False, "drift": False, "reason": "", "diff": [],
              "functions": [], "patterns": [], "epochs": [],
              "origin": {"path": "a.rs", "line": 1, "package": 3}}
    problem = validate_record(record)
    assert problem is not None and "package" in problem
    record["origin"] = {"path": "a.rs", "line": 1, "package": "a", "target": "lib"}
    assert validate_record(record) is None


@pytest.mark.toolchains
def test_audit_without_offline_runs_cargo_fetch_in_the_sandbox(capsys: Any) -> None:
    # path dependencies only: `cargo fetch` (the one step allowed network) has nothing to fetch
    code = main(["audit", str(WORKSPACES / "depfail"), "-q", "-p", "base", "--no-confirm"])
    assert code == 0
    assert "polonius-accepts 1" in capsys.readouterr().out


@pytest.mark.toolchains
def test_add_takes_a_workspace_and_stores_its_file_records(tmp_path: Path, capsys: Any) -> None:
    corpus = tmp_path / "corpus.sqlite3"
    lookup = WORKSPACES / "mixed" / "wsleaf" / "src" / "lookup.rs"
    code = main(["add", str(WORKSPACES / "depfail"), str(lookup), "--offline",
                 "--corpus", str(corpus)])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("added ") and line.endswith("depfail: base/src/lib.rs")
               and " polonius-accepts " in line for line in out), out
    assert any(line.startswith("audited ") and "2 file records" in line for line in out), out
    with Corpus(corpus) as stored:
        records = list(stored.iter_records())
    packages = sorted(r["origin"].get("package", "") for r in records)
    assert packages == ["", "base", "user"]  # the lone file is a snippet: no package
    # a second add updates the same records, never duplicates them
    assert main(["add", str(WORKSPACES / "depfail" / "Cargo.toml"), "--offline",
                 "--corpus", str(corpus)]) == 0
    again = capsys.readouterr().out.splitlines()
    assert sum(1 for line in again if line.startswith("updated ")) == 2, again
    with Corpus(corpus) as stored:
        assert stored.count() == 3


def test_add_refuses_a_folder_without_cargo_toml_in_one_line(tmp_path: Path, capsys: Any) -> None:
    assert main(["add", str(tmp_path), "--corpus", str(tmp_path / "c.sqlite3")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a folder without a Cargo.toml" in err[0]
