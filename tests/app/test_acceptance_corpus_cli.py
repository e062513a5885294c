"""Acceptance findings (issues 9, 13, 14) on `ptriage add` and on a corpus that cannot be written."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.corpus import Corpus
from tests.app.data.records import make_record
from tests.conftest import require_toolchains

REPO = Path(__file__).resolve().parents[2]
BWRAP = shutil.which("bwrap")
needs_bwrap = pytest.mark.skipif(BWRAP is None and not require_toolchains(),
                                 reason="bubblewrap (bwrap) is not installed")

CHECK_THEN_RELOOKUP = """use std::collections::HashMap;

pub fn get_default(map: &mut HashMap<u32, String>, key: u32) -> &mut String {
    if map.contains_key(&key) {
        return map.get_mut(&key).unwrap();
    }
    map.insert(key, String::new());
    map.get_mut(&key).unwrap()
}
"""


def _records(corpus_path: Path) -> list[dict[str, object]]:
    with Corpus(corpus_path) as corpus:
        return [corpus.get(s.id) for s in corpus.summaries()]  # type: ignore[misc]


@pytest.mark.toolchains
def test_add_takes_the_edition_of_the_enclosing_package(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    # `async` is an identifier in 2015 only: checked as 2021 it is a syntax error.
    package = tmp_path / "pkg"
    (package / "src").mkdir(parents=True)
    (package / "Cargo.toml").write_text(
        '[package]\nname = "p"\nversion = "0.1.0"\nedition = "2015"\n')
    lib = package / "src" / "lib.rs"
    lib.write_text("pub fn async() -> u32 { 1 }\n")
    corpus_path = tmp_path / "c.sqlite3"
    assert main(["add", "--corpus", str(corpus_path), str(lib)]) == 0
    capsys.readouterr()
    (record,) = _records(corpus_path)
    assert record["edition"] == "2015"
    assert record["verdict"] == "clean"


@pytest.mark.toolchains
def test_add_proves_workarounds_as_check_and_scan_do(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    # Without the proof an added case never gives `ptriage dataset` a pair.
    source = tmp_path / "w.rs"
    source.write_text(CHECK_THEN_RELOOKUP)
    corpus_path = tmp_path / "c.sqlite3"
    assert main(["add", "--corpus", str(corpus_path), str(source)]) == 0
    capsys.readouterr()
    (record,) = _records(corpus_path)
    patterns = record["patterns"]
    assert isinstance(patterns, list)
    found = [p for p in patterns if p["id"] == "check-then-relookup"]
    assert found and found[0]["confirmed"] is True, patterns


@needs_bwrap
def test_changing_a_corpus_on_a_read_only_medium_does_not_call_it_foreign(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    corpus_path = folder / "c.sqlite3"
    with Corpus(corpus_path) as corpus:
        cid = corpus.upsert_record(make_record(0))
    assert not list(folder.glob("*-wal"))
    assert BWRAP is not None
    done = subprocess.run(
        [BWRAP, "--dev-bind", "/", "/", "--ro-bind", str(folder), str(folder),
         sys.executable, "-m", "app.cli", "label", cid[:12], "skip", "--corpus", str(corpus_path)],
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "not a ptriage corpus" not in lines[0]
    assert "read-only" in lines[0] and str(corpus_path) in lines[0]
    # and it is still read as a corpus
    done = subprocess.run(
        [BWRAP, "--dev-bind", "/", "/", "--ro-bind", str(folder), str(folder),
         sys.executable, "-m", "app.cli", "stats", "--json", "--corpus", str(corpus_path)],
        env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["cases"] == 1, done.stderr


@pytest.mark.parametrize("option", [
    "--out", pytest.param("--json-summary", marks=pytest.mark.toolchains)])
def test_outputs_never_overwrite_a_corpus_database(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path, option: str) -> None:
    # `ptriage export --out corpus.sqlite3` (a slip of the keyboard) replaced the corpus with
    # JSONL; every later command then called it "not a ptriage corpus".
    corpus_path = tmp_path / "c.sqlite3"
    with Corpus(corpus_path) as corpus:
        corpus.upsert_record(make_record(0))
    before = corpus_path.read_bytes()
    argv = (["export", "--corpus", str(corpus_path), "--out", str(corpus_path)]
            if option == "--out" else
            ["scan", str(tmp_path / "none.jsonl"), "--json-summary", str(corpus_path)])
    (tmp_path / "none.jsonl").write_text("")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"cannot write {corpus_path}: it is a SQLite database" in err, err
    assert corpus_path.read_bytes() == before


@pytest.mark.toolchains
def test_add_from_stdin_ignores_the_package_of_the_current_folder(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "Cargo.toml").write_text(
        '[package]\nname = "p"\nversion = "0.1.0"\nedition = "2015"\n')
    monkeypatch.chdir(package)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"pub fn f() {}\n")))
    corpus_path = tmp_path / "c.sqlite3"
    assert main(["add", "--corpus", str(corpus_path), "-"]) == 0, capsys.readouterr().err
    (record,) = _records(corpus_path)
    assert record["edition"] == "2021"
