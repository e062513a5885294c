"""Acceptance leftovers in the CLI: `label --remove` usage, the first non-borrowck error, `add`, --jobs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.cli import main
from app.commands._parsing import max_jobs
from app.corpus import Corpus
from tests.app.data.records import make_record


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("extra", [[], ["--note", "x"]])
def test_label_remove_without_a_label_is_a_usage_error_of_label(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str]) -> None:
    corpus = tmp_path / "c.sqlite3"
    with Corpus(corpus) as c:
        cid = c.upsert_record(make_record(0))
    code, _, err = run(capsys, "label", cid[:8], "--remove", *extra, "--corpus", str(corpus))
    assert code == 2
    assert err.startswith("usage: ptriage label ")
    assert err.strip().splitlines()[-1] == (
        "ptriage label: error: --remove needs at least one LABEL to remove")


@pytest.mark.toolchains
def test_check_names_the_earliest_error_that_is_not_borrow_check(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "m.rs"
    file.write_text("bitflags::bitflags!{}\nlazy_static::lazy_static!{}\n")
    code, out, err = run(capsys, "check", "--no-patterns", str(file))
    assert code == 0, err
    (line,) = [x for x in out.splitlines() if "first error that is not borrow-check" in x]
    assert "E0433 1:1 cannot find module or crate `bitflags`" in line, out


@pytest.mark.parametrize("command", ["scan", "audit"])
def test_an_absurd_jobs_count_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    (tmp_path / "a.rs").write_text("pub fn f() {}\n")
    cap = max_jobs()
    code, out, err = run(capsys, command, "--jobs", "100000", str(tmp_path))
    assert code == 2 and out == ""
    assert err.endswith(f"--jobs 100000 is more than {cap} (4 × the {os.cpu_count()} CPUs "
                        f"here); pass --jobs {cap} or fewer\n") and err.count("\n") == 1


@pytest.mark.toolchains
def test_the_largest_jobs_count_still_scans(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    (tmp_path / "a.rs").write_text("pub fn f() {}\n")
    code, out, err = run(capsys, "scan", "--no-patterns", "--jobs", str(max_jobs()),
                         str(tmp_path))
    assert code == 0, err
    assert '"verdict": "clean"' in out


GATED_CONFLICT = ("#[cfg({cfg})]\npub fn gated() {{ let mut v = vec![1]; let r = &v[0]; "
                  "v.push(2); let _ = r; }}\n")


def test_add_refuses_a_file_that_is_not_rust_unless_forced(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    corpus = tmp_path / "c.sqlite3"
    notes = tmp_path / "notes.txt"
    notes.write_text("pub fn f() {}\n")
    code, out, err = run(capsys, "add", str(notes), "--corpus", str(corpus))
    assert code == 2 and out == ""
    assert err == f"ptriage: {notes}: not a .rs file (pass --force to add it as Rust anyway)\n"
    with Corpus(corpus) as c:
        assert c.stats()["cases"] == 0


@pytest.mark.toolchains
def test_add_force_takes_a_file_that_is_not_rust(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("pub fn f() {}\n")
    code, out, err = run(capsys, "add", "--force", str(notes), "--corpus",
                         str(tmp_path / "c.sqlite3"))
    assert code == 0, err
    assert out.startswith("added ") and out.rstrip().endswith(f"clean {notes}")


@pytest.mark.toolchains
@pytest.mark.parametrize(("cfg", "options"), [("test", ["--cfg-test"]),
                                              ('feature = "x"', ["--features", "x"])])
def test_add_compiles_what_cfg_removes_when_asked_as_check_does(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, cfg: str, options: list[str]) -> None:
    file = tmp_path / "gated.rs"
    file.write_text(GATED_CONFLICT.format(cfg=cfg))
    corpus = str(tmp_path / "c.sqlite3")
    code, out, err = run(capsys, "add", str(file), "--corpus", corpus)
    assert code == 0 and " not-compiled " in out, err
    code, out, err = run(capsys, "add", str(file), *options, "--corpus", corpus)
    assert code == 0 and " both-reject " in out, err


def test_add_takes_the_toolchains_file_it_is_given(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    file = tmp_path / "a.rs"
    file.write_text("pub fn f() {}\n")
    missing = tmp_path / "nowhere.toml"
    code, _, err = run(capsys, "add", str(file), "--toolchains", str(missing), "--corpus",
                       str(tmp_path / "c.sqlite3"))
    assert code == 2 and err == f"ptriage: {missing}: toolchains file not found\n"
