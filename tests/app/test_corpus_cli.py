"""`ptriage add/stats/label/labels/export/import` against real corpus files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import jsonl
from app.cli import main
from app.corpus import CORPUS_VERSION, Corpus, default_corpus_path
from tests.app.data.records import make_labelled, make_record

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    path = tmp_path / "cli.sqlite3"
    with Corpus(path) as c:
        for n in range(6):
            c.upsert_record(make_record(n))
    return path


def test_label_by_prefix_remove_and_note(capsys: pytest.CaptureFixture[str], corpus_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with Corpus(corpus_path) as c:
        cid = c.summaries()[0].id
    monkeypatch.setenv("PTRIAGE_REVIEWER", "env-reviewer")
    code, out, _ = run(capsys, "label", cid[:8], "real-error", "skip", "--corpus",
                       str(corpus_path))
    assert code == 0 and out.startswith(cid[:12]) and "real-error, skip" in out
    code, out, _ = run(capsys, "label", cid[:8], "skip", "--remove", "--note", "seen it",
                       "--reviewer", "zoe", "--corpus", str(corpus_path))
    assert code == 0 and "real-error" in out and "skip" not in out
    with Corpus(corpus_path) as c:
        record = c.get(cid)
    assert record is not None
    assert record["note"] == "seen it" and record["reviewer"] == "zoe"
    assert [(h["label"], h["action"], h["reviewer"]) for h in record["history"]] == [
        ("real-error", "added", "env-reviewer"), ("skip", "added", "env-reviewer"),
        ("skip", "removed", "zoe")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["label", "zzzz", "skip"], "not a case id"),
        (["label", "0000", "skip"], "no case id starts with '0000'"),
        (["label", "ID", "no-such-label"], "unknown label 'no-such-label'"),
        (["label", "ID"], "give at least one LABEL or --note"),
    ],
)
def test_label_errors_exit_2(capsys: pytest.CaptureFixture[str], corpus_path: Path,
                             argv: list[str], message: str) -> None:
    with Corpus(corpus_path) as c:
        cid = c.summaries()[-1].id
    if cid.startswith("0000"):
        pytest.skip("synthetic id happens to start with 0000")
    argv = [cid[:10] if a == "ID" else a for a in argv]
    try:
        code, _, err = run(capsys, *argv, "--corpus", str(corpus_path))
    except SystemExit as exc:  # a usage error of `label`, with its usage line
        code, (_, err) = int(exc.code or 0), capsys.readouterr()
    assert code == 2 and message in err


def test_default_corpus_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    with Corpus() as c:
        ids = [c.upsert_record(make_record(n)) for n in range(4)]
        c.add_labels(ids[0], ["skip"], reviewer="ann")
    assert default_corpus_path().is_file()
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["cases"] == 4 and stats["labels"]["skip"] == 1
    assert stats["reviewers"] == {"": 3, "ann": 1}
    code, out, _ = run(capsys, "stats")
    assert code == 0 and "4 cases in" in out and "verdicts:" in out and "ann" in out


def test_export_import_round_trip_via_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          corpus_path: Path) -> None:
    with Corpus(corpus_path) as c:
        for s in c.summaries()[:3]:
            c.add_labels(s.id, ["real-error"], reviewer="ann")
    first = tmp_path / "first.jsonl"
    code, _, err = run(capsys, "export", "--out", str(first), "--corpus", str(corpus_path))
    assert code == 0 and "exported 6 cases" in err
    empty = tmp_path / "empty.sqlite3"
    code, out, _ = run(capsys, "import", str(first), "--corpus", str(empty))
    assert code == 0 and out.strip() == f"imported {first}: 6 added, 0 merged, 0 unchanged"
    code, out, _ = run(capsys, "import", str(first), "--corpus", str(empty))
    assert out.strip().endswith("0 added, 0 merged, 6 unchanged")
    code, out, _ = run(capsys, "export", "--corpus", str(empty))
    assert code == 0 and out.encode() == first.read_bytes()

    code, out, _ = run(capsys, "export", "--label", "real-error", "--reviewer", "ann",
                       "--corpus", str(empty))
    assert len(out.splitlines()) == 3
    code, out, _ = run(capsys, "export", "--since", "2999-01-01", "--corpus", str(empty))
    assert out == ""
    code, out, err = run(capsys, "export", "--label", "nope", "--corpus", str(empty))
    assert code == 2 and "unknown label 'nope'" in err


def test_import_bad_file_exit_2_and_unchanged(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, corpus_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = jsonl.dumps_record(make_labelled(1))
    bad.write_text(f"{good}\n{good[:100]}\n", encoding="utf-8")
    before = corpus_path.read_bytes()
    code, out, err = run(capsys, "import", str(bad), "--corpus", str(corpus_path))
    assert code == 2 and out == ""
    assert err.splitlines()[0].startswith(f"{bad}:2: truncated line")
    assert "nothing imported" in err
    assert corpus_path.read_bytes() == before


def test_labels_command(capsys: pytest.CaptureFixture[str], corpus_path: Path) -> None:
    flag = ["--corpus", str(corpus_path)]
    code, out, _ = run(capsys, "labels", *flag)
    assert code == 0 and out.splitlines()[0] == "1  #2e9d57  confirmed-false-positive"
    assert run(capsys, "labels", "--add", "nll-fp", "--key", "9", "--colour", "#123ABC",
               *flag)[0] == 0
    assert run(capsys, "labels", "--rename", "nll-fp", "nll-false-positive", *flag)[0] == 0
    assert run(capsys, "labels", "--retire", "nll-false-positive", *flag)[0] == 0
    code, out, _ = run(capsys, "labels", "--all", "--json", *flag)
    entry = next(e for e in json.loads(out) if e["name"] == "nll-false-positive")
    assert entry == {"name": "nll-false-positive", "key": None, "colour": "#123abc",
                     "retired": True}
    code, _, err = run(capsys, "labels", "--add", "skip", *flag)
    assert code == 2 and "already exists" in err


def test_newer_corpus_refused_by_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    Corpus(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {CORPUS_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    for argv in (["stats"], ["export"], ["labels"], ["label", "abcd", "skip"]):
        code, _, err = run(capsys, *argv, "--corpus", str(path))
        assert code == 2 and "newer ptriage" in err, argv
    assert path.read_bytes() == before


def test_ptriage_runs_as_a_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PTRIAGE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "app.cli", "stats", "--json"], env=env,
                          capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cases"] == 0
    assert (tmp_path / "corpus.sqlite3").is_file()


@pytest.mark.toolchains
def test_add_checks_and_stores(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "lib.rs"
    source.write_text(
        "use std::collections::HashMap;\n"
        "fn get_default(map: &mut HashMap<u32, String>, key: u32) -> &mut String {\n"
        "    match map.get_mut(&key) {\n"
        "        Some(value) => value,\n"
        "        None => {\n"
        "            map.insert(key, String::new());\n"
        "            map.get_mut(&key).unwrap()\n"
        "        }\n"
        "    }\n"
        "}\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "c.sqlite3"
    code, out, err = run(capsys, "add", str(source), "--corpus", str(corpus))
    assert code == 0, err
    assert out.startswith("added ")
    code, out, err = run(capsys, "add", str(source), "--corpus", str(corpus))
    assert code == 0 and out.startswith("updated "), err
    with Corpus(corpus) as c:
        assert c.count() == 1
        summary = c.summaries()[0]
        assert summary.origin == str(source)
        assert summary.verdict in ("polonius-accepts", "needs-full-polonius")
    code, _, err = run(capsys, "add", str(tmp_path / "missing.rs"), "--corpus", str(corpus))
    assert code == 2 and "missing.rs" in err
