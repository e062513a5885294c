"""Acceptance findings (issue 13): every threshold the help allows works; --force never deletes
what is not a dataset; `--out .` works."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.corpus import Corpus
from app.dataset import DuplicateIndex
from tests.app.data.records import make_record

A = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
A_REFORMATTED = "// adds\npub fn add(x: u32,\n           y: u32) -> u32 { x + y /* sum */ }\n"
B = "pub fn longest(v: &[String]) -> Option<&String> {\n    v.iter().max_by_key(|s| s.len())\n}\n"


@pytest.mark.parametrize("threshold", [1.0, 0.999, 0.99])
def test_a_strict_threshold_still_groups_token_equal_cases(threshold: float) -> None:
    # `--threshold J` documents (0, 1]; datasketch cannot band an LSH above ~0.98.
    index = DuplicateIndex({"a" * 64: A, "b" * 64: A_REFORMATTED, "c" * 64: B},
                           threshold=threshold)
    assert index.group_of["b" * 64] == index.group_of["a" * 64] == "a" * 64
    assert index.group_of["c" * 64] == "c" * 64


def _corpus_without_pairs(path: Path) -> Path:
    with Corpus(path) as corpus:
        for n in range(3):
            record = make_record(n)
            record["patterns"] = []  # no confirmed workaround: nothing to re-check with rustc
            corpus.upsert_record(record)
    return path


@pytest.mark.parametrize("out", [".", ".."])
def test_force_never_deletes_a_folder_that_is_not_a_dataset(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        out: str) -> None:
    corpus = _corpus_without_pairs(tmp_path / "c.sqlite3")
    work = tmp_path / "project" / "sub"
    work.mkdir(parents=True)
    (work / "thesis.txt").write_text("precious")
    monkeypatch.chdir(work)
    code = main(["dataset", "--corpus", str(corpus), "--out", out, "--force"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "not a ptriage dataset" in err and "Traceback" not in err
    assert (work / "thesis.txt").read_text() == "precious"
    assert corpus.exists()


def test_force_replaces_a_dataset_written_before(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    corpus = _corpus_without_pairs(tmp_path / "c.sqlite3")
    out = tmp_path / "ds"
    assert main(["dataset", "--corpus", str(corpus), "--out", str(out)]) == 0
    assert main(["dataset", "--corpus", str(corpus), "--out", str(out), "--force",
                 "--split", "train=0.5,test=0.5"]) == 0, capsys.readouterr().err
    assert (out / "data" / "train" / "cases.jsonl").is_file()


def test_an_empty_current_folder_is_a_fine_out(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus_without_pairs(tmp_path / "c.sqlite3")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    assert main(["dataset", "--corpus", str(corpus), "--out", "."]) == 0, capsys.readouterr().err
    assert (tmp_path / "empty" / "data" / "cases.jsonl").is_file()
