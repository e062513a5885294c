"""Issue 9, "data that stays right": outputs, import contracts, --resume, read-only and full media."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app import jsonl
from app.cli import main
from app.corpus import Corpus
from checkers.batch import iter_cases_from_paths
from tests.app.data.records import make_labelled, make_record
from tests.conftest import require_toolchains

REPO = Path(__file__).resolve().parents[2]
BWRAP = shutil.which("bwrap")
# As for the sandbox tests: CI (PTRIAGE_REQUIRE_TOOLCHAINS=1) fails instead of skipping.
needs_bwrap = pytest.mark.skipif(BWRAP is None and not require_toolchains(),
                                 reason="bubblewrap (bwrap) is not installed")
CLEAN = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    path = tmp_path / "c.sqlite3"
    with Corpus(path) as corpus:
        for n in range(3):
            corpus.upsert_record(make_record(n))
    return path


def _write_jsonl(path: Path, records: list[dict[str, object]], *, raw: list[str] = ()) -> Path:
    path.write_text("".join(jsonl.dumps_record(r) + "\n" for r in records) + "".join(raw),
                    encoding="utf-8")
    return path


# -- export --out: what is replaced, what is written through ---------------------------------


def test_export_writes_through_a_symlink_and_keeps_it(capsys: pytest.CaptureFixture[str],
                                                       corpus_path: Path, tmp_path: Path) -> None:
    real = tmp_path / "data" / "labels.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "labels.jsonl"
    link.symlink_to(real)
    code, _o, err = run(capsys, "export", "--corpus", str(corpus_path), "--out", str(link))
    assert code == 0, err
    assert link.is_symlink() and link.readlink() == real
    assert len(real.read_text().splitlines()) == 3
    assert "exported 3 cases" in err


def test_export_to_a_fifo_writes_directly(capsys: pytest.CaptureFixture[str], corpus_path: Path,
                                          tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    code, _o, err = run(capsys, "export", "--corpus", str(corpus_path), "--out", str(fifo))
    thread.join(timeout=10)
    if thread.is_alive():  # nothing opened the FIFO for writing: unblock the reader, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=5)
    assert code == 0, err
    assert fifo.is_fifo(), "the FIFO was replaced by a regular file"
    assert received and len(received[0].splitlines()) == 3


def test_export_replaces_a_regular_file_atomically_keeping_its_mode(
        capsys: pytest.CaptureFixture[str], corpus_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    out.chmod(0o640)
    code, _o, err = run(capsys, "export", "--corpus", str(corpus_path), "--out", str(out),
                        "--verdict", make_record(0)["verdict"])
    assert code == 0, err
    assert "exported 1 case\n" in err  # singular
    assert (out.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_export_to_an_unwritable_target_is_one_line_exit_2(
        capsys: pytest.CaptureFixture[str], corpus_path: Path, tmp_path: Path, where: str) -> None:
    target = tmp_path if where == "directory" else tmp_path / "no-such-dir" / "x.jsonl"
    code, _o, err = run(capsys, "export", "--corpus", str(corpus_path), "--out", str(target))
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"ptriage: cannot write {target}: ") and line.count(str(target)) == 1
    assert not (tmp_path / "no-such-dir").exists()


def _bwrap(*mounts: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    assert BWRAP is not None
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([BWRAP, "--dev-bind", "/", "/", *mounts, *argv], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


@needs_bwrap
def test_export_onto_a_full_disk_is_one_line_and_keeps_the_old_file(
        corpus_path: Path, tmp_path: Path) -> None:
    with Corpus(corpus_path) as corpus:
        for n in range(3, 60):
            corpus.upsert_record(make_labelled(n))
    probe = _bwrap("--size", "65536", "--tmpfs", "/mnt", argv=[
        "sh", "-c", "echo old > /mnt/out.jsonl && " + " ".join(_cli(
            "export", "--corpus", str(corpus_path), "--out", "/mnt/out.jsonl")) +
        "; echo rc=$?; cat /mnt/out.jsonl; ls -a /mnt"])
    assert "rc=2" in probe.stdout, probe.stderr
    line = one_line(probe.stderr)
    assert line == "ptriage: cannot write /mnt/out.jsonl: the disk is full; choose another --out"
    # The old file is untouched and no temporary file is left behind.
    assert probe.stdout.split("rc=2\n", 1)[1].split() == ["old", ".", "..", "out.jsonl"]


@needs_bwrap
def test_export_to_a_read_only_file_system_is_one_line(corpus_path: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    done = _bwrap("--ro-bind", str(ro), str(ro), argv=[
        "sh", "-c", f"touch {ro}/probe 2>/dev/null; echo touch=$?; " + " ".join(_cli(
            "export", "--corpus", str(corpus_path), "--out", f"{ro}/x.jsonl"))])
    assert "touch=1" in done.stdout  # as root too, the mount refuses writes
    assert done.returncode == 2
    assert "the file system is read-only; choose another --out" in one_line(done.stderr)


# -- scan: outputs are checked before anything compiles --------------------------------------


def _missing_toolchains(tmp_path: Path) -> Path:
    """A toolchains.toml whose compilers do not exist: reaching them would exit 3."""
    path = tmp_path / "toolchains.toml"
    path.write_text("".join(f'[roles.{role}]\nrustc = "{tmp_path}/no-such-rustc"\n'
                            for role in ("stable", "polonius", "polonius-legacy", "nightly")))
    return path


@pytest.mark.parametrize("option", ["--out", "--json-summary"])
def test_scan_refuses_an_unwritable_output_before_it_compiles(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str) -> None:
    (tmp_path / "a.rs").write_text(CLEAN)
    target = tmp_path / "nonexistent-dir" / "x.jsonl"
    argv = ["scan", str(tmp_path / "a.rs"), "--toolchains", str(_missing_toolchains(tmp_path)),
            option, str(target)]
    if option == "--json-summary":
        argv += ["--out", str(tmp_path / "records.jsonl")]
    code, out, err = run(capsys, *argv)
    # 2, not 3: the output was refused before the toolchains were even looked at.
    assert code == 2, err
    assert one_line(err) == (f"ptriage: cannot write {target}: no directory {target.parent}; "
                             f"choose another {option}")
    assert not target.parent.exists() and out == ""


def test_scan_refuses_its_own_input_as_output(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"source": CLEAN}) + "\n")
    code, _o, err = run(capsys, "scan", str(corpus), "--out", str(corpus), "--toolchains",
                        str(_missing_toolchains(tmp_path)))
    assert code == 2 and "is also an input" in one_line(err)
    assert json.loads(corpus.read_text())["source"] == CLEAN


def test_resume_never_touches_a_file_that_is_not_a_records_file(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.rs").write_text(CLEAN)
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes\n{\"id\": \"x\"}\nno newline at the end")
    before = notes.read_bytes()
    code, _o, err = run(capsys, "scan", str(tmp_path / "a.rs"), "--out", str(notes), "--resume",
                        "--toolchains", str(_missing_toolchains(tmp_path)))
    assert code == 2 and "holds no ptriage records" in one_line(err)
    assert notes.read_bytes() == before


def test_resume_refuses_a_fifo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.rs").write_text(CLEAN)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _o, err = run(capsys, "scan", str(tmp_path / "a.rs"), "--out", str(fifo), "--resume",
                        "--toolchains", str(_missing_toolchains(tmp_path)))
    assert code == 2 and "regular file" in one_line(err)


@pytest.mark.toolchains
def test_scan_writes_records_into_a_fifo_and_summary_through_a_symlink(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.rs").write_text(CLEAN)
    fifo = tmp_path / "records"
    os.mkfifo(fifo)
    real = tmp_path / "real-summary.json"
    real.write_text("{}")
    link = tmp_path / "summary.json"
    link.symlink_to(real)
    received: list[bytes] = []
    thread = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    thread.start()
    code, _o, err = run(capsys, "scan", str(tmp_path / "src"), "--out", str(fifo),
                        "--json-summary", str(link), "--no-patterns")
    thread.join(timeout=30)
    assert code == 0, err
    assert fifo.is_fifo() and link.is_symlink()
    (record,) = [json.loads(line) for line in received[0].splitlines()]
    assert record["verdict"] == "clean"
    assert json.loads(real.read_text())["cases"] == 1
    assert "scanned 1 case in" in err and "0 inputs skipped" in err


@pytest.mark.toolchains
def test_resume_keys_done_work_by_origin_and_id(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.rs").write_text(CLEAN)
    (src / "b.rs").write_text(CLEAN)  # same content, so the same id: still two cases
    out = tmp_path / "out.jsonl"
    code, _o, err = run(capsys, "scan", str(src), "--out", str(out), "--no-patterns")
    assert code == 0, err
    lines = out.read_text().splitlines(keepends=True)
    assert len(lines) == 2 and len({json.loads(x)["id"] for x in lines}) == 1
    kept = [x for x in lines if json.loads(x)["origin"]["path"].endswith("a.rs")]
    out.write_text("".join(kept))  # as if the scan stopped after a.rs
    code, _o, err = run(capsys, "scan", str(src), "--out", str(out), "--no-patterns",
                        "--resume")
    assert code == 0, err
    assert "1 already in the output" in err and "scanned 1 case in" in err
    paths = sorted(Path(json.loads(x)["origin"]["path"]).name
                   for x in out.read_text().splitlines())
    assert paths == ["a.rs", "b.rs"]


# -- import enforces the corpus's contracts ----------------------------------------------------


def _import(capsys: pytest.CaptureFixture[str], corpus: Path, file: Path) -> tuple[int, str]:
    code, _o, err = run(capsys, "import", "--corpus", str(corpus), str(file))
    return code, err


def test_import_refuses_an_id_that_does_not_match_source_and_edition(
        capsys: pytest.CaptureFixture[str], corpus_path: Path, tmp_path: Path) -> None:
    forged = make_record(7)
    forged["id"] = make_record(8)["id"]  # a real id, of other code
    file = _write_jsonl(tmp_path / "in.jsonl", [make_record(6), forged])
    code, err = _import(capsys, corpus_path, file)
    assert code == 2
    assert f"{file}:2: id: " in err and "does not match its source and edition" in err
    with Corpus(corpus_path) as corpus:
        assert corpus.stats()["cases"] == 3  # nothing imported


@pytest.mark.parametrize("number", ["1e400", "-1E+999", "NaN", "Infinity", "-Infinity"])
def test_import_refuses_non_finite_numbers(capsys: pytest.CaptureFixture[str], corpus_path: Path,
                                           tmp_path: Path, number: str) -> None:
    text = jsonl.dumps_record(make_record(4)).replace('"origin":{', f'"origin":{{"w":{number},', 1)
    assert f'"w":{number},' in text
    file = tmp_path / "in.jsonl"
    file.write_text(text + "\n")
    code, err = _import(capsys, corpus_path, file)
    assert code == 2 and f"{file}:1: invalid JSON" in err, err


def test_export_never_writes_a_non_finite_number(capsys: pytest.CaptureFixture[str],
                                                 corpus_path: Path, tmp_path: Path) -> None:
    # A record stored by an older ptriage that let 1e400 through reads back as infinity.
    conn = sqlite3.connect(corpus_path)
    conn.execute("""UPDATE case_records SET record = replace(record, '"origin":{',
                    '"origin":{"w":1e400,') WHERE rid = (SELECT min(rid) FROM case_records)""")
    conn.commit()
    conn.close()
    out = tmp_path / "out.jsonl"
    code, _o, err = run(capsys, "export", "--corpus", str(corpus_path), "--out", str(out))
    assert code == 2
    assert "holds a number JSON cannot write" in one_line(err)
    assert not out.exists()


@pytest.mark.parametrize(("stamp", "why"), [
    ("٢٠٢٦-11-24T10:00:00.000Z", "Arabic-Indic digits"),
    ("２０２６-11-24T10:00:00.000Z", "full-width digits"),
    ("2026-02-30T10:00:00.000Z", "no 30 February"),
    ("2026-11-24T24:00:00.000Z", "no hour 24"),
    ("2026-11-24T10:00:00.000Z\n", "trailing newline"),
])
def test_timestamps_must_be_real_dates_in_ascii_digits(stamp: str, why: str) -> None:
    record = make_labelled(3)
    record["updated"] = stamp
    problem = jsonl.validate_record(record)
    assert problem is not None and problem.startswith("updated: "), why


def test_deep_nesting_is_a_file_line_error_in_import(capsys: pytest.CaptureFixture[str],
                                                     corpus_path: Path, tmp_path: Path) -> None:
    file = tmp_path / "deep.jsonl"
    file.write_text(jsonl.dumps_record(make_record(5)) + "\n" + "[" * 1000 + "]" * 1000 + "\n"
                    + '{"a":' * 5000 + "1" + "}" * 5000 + "\n")
    code, err = _import(capsys, corpus_path, file)
    assert code == 2 and "Traceback" not in err
    assert f"{file}:2: invalid JSON: nested too deeply to read" in err
    assert f"{file}:3: invalid JSON: nested too deeply to read" in err


def test_deep_nesting_and_huge_numbers_are_reported_lines_in_scan_input(tmp_path: Path) -> None:
    file = tmp_path / "in.jsonl"
    file.write_text('{"source": "fn a() {}"}\n' + "[" * 1000 + "]" * 1000 + "\n"
                    + '{"source": "fn b() {}", "n": ' + "9" * 5000 + "}\n")
    skipped: list[tuple[str, str]] = []
    cases = list(iter_cases_from_paths([file], on_skip=lambda w, r: skipped.append((w, r))))
    assert [c.source for c in cases] == ["fn a() {}"]
    assert skipped[0] == (f"{file}:2", "not valid JSON (nested too deeply to read)")
    assert skipped[1][0] == f"{file}:3" and skipped[1][1].startswith("not valid JSON")


def test_unicode_whitespace_lines_are_blank_in_both_import_passes_and_in_scan(
        capsys: pytest.CaptureFixture[str], corpus_path: Path, tmp_path: Path) -> None:
    blank = "\u3000\u00a0\u2003\t \n"
    file = _write_jsonl(tmp_path / "ws.jsonl", [make_record(10)], raw=[blank, blank])
    code, err = _import(capsys, corpus_path, file)
    assert code == 0, err
    with Corpus(corpus_path) as corpus:
        assert corpus.get(make_record(10)["id"]) is not None
    snippets = tmp_path / "snippets.jsonl"
    snippets.write_text(blank + json.dumps({"source": CLEAN}) + "\n" + blank, encoding="utf-8")
    skipped: list[tuple[str, str]] = []
    cases = list(iter_cases_from_paths([snippets], on_skip=lambda w, r: skipped.append((w, r))))
    assert len(cases) == 1 and skipped == []


# -- read-only media and full disks ------------------------------------------------------------


@needs_bwrap
@pytest.mark.parametrize("command", [["stats"], ["stats", "--json"], ["export"]])
def test_a_corpus_on_a_read_only_medium_can_be_read(corpus_path: Path, command: list[str]) -> None:
    folder = corpus_path.parent
    done = _bwrap("--ro-bind", str(folder), str(folder), argv=[
        "sh", "-c", f"touch {folder}/probe 2>/dev/null; echo touch=$?; " + " ".join(_cli(
            *command, "--corpus", str(corpus_path)))])
    assert done.stdout.startswith("touch=1\n"), "the bind mount must refuse root's writes"
    assert done.returncode == 0, done.stderr
    body = done.stdout.split("\n", 1)[1]
    if command == ["export"]:
        assert len(body.splitlines()) == 3
    elif "--json" in command:
        assert json.loads(body)["cases"] == 3
    else:
        assert body.startswith(f"3 cases in {corpus_path}")
    assert not list(folder.glob("*-wal")) and not (folder / "probe").exists()


@needs_bwrap
def test_writing_to_a_read_only_corpus_is_one_line(corpus_path: Path) -> None:
    folder = corpus_path.parent
    ids = [make_record(0)["id"][:8]]
    done = _bwrap("--ro-bind", str(folder), str(folder),
                  argv=_cli("label", *ids, "skip", "--corpus", str(corpus_path)))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert str(corpus_path) in one_line(done.stderr)


@needs_bwrap
def test_a_full_disk_during_import_is_one_line_and_the_corpus_stays_readable(
        corpus_path: Path, tmp_path: Path) -> None:
    big = _write_jsonl(tmp_path / "big.jsonl", [make_labelled(n) for n in range(100, 1100)])
    script = (
        f"cp {corpus_path} /small/c.sqlite3 && "
        + " ".join(_cli("import", str(big), "--corpus", "/small/c.sqlite3")) + "; echo rc=$?; "
        + " ".join(_cli("stats", "--json", "--corpus", "/small/c.sqlite3")) + "; echo rc=$?; "
        + " ".join(_cli("stats", "--corpus", "/small/c.sqlite3")) + "; echo rc=$?"
    )
    done = _bwrap("--size", str(200 * 1024), "--tmpfs", "/small", argv=["sh", "-c", script])
    assert "Traceback" not in done.stderr and "not a ptriage corpus" not in done.stderr
    assert done.stderr.strip() == ("ptriage: the disk holding /small/c.sqlite3 is full; nothing "
                                   "was changed, free some space and try again"), done.stderr
    _import_out, stats_json, stats_text, _ = done.stdout.split("rc=")
    assert stats_json.startswith("2\n")  # the import's exit status
    assert json.loads(stats_json[2:])["cases"] == 3  # all or nothing: the corpus is as it was
    assert stats_text.startswith("0\n3 cases in /small/c.sqlite3")


@needs_bwrap
def test_a_corpus_created_on_a_full_disk_is_not_called_foreign(tmp_path: Path) -> None:
    records = _write_jsonl(tmp_path / "in.jsonl", [make_labelled(n) for n in range(50)])
    script = (" ".join(_cli("import", str(records), "--corpus", "/small/c.sqlite3"))
              + "; " + " ".join(_cli("stats", "--corpus", "/small/c.sqlite3")) + "; echo rc=$?")
    for size in (8192, 40000):
        done = _bwrap("--size", str(size), "--tmpfs", "/small", argv=["sh", "-c", script])
        assert "Traceback" not in done.stderr and "not a ptriage corpus" not in done.stderr
        assert "is full" in done.stderr, done.stderr


@needs_bwrap
@pytest.mark.toolchains
def test_scan_onto_a_full_disk_stops_with_one_line_and_whole_records(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"source": CLEAN.replace("add", f"add{i}")}) + "\n"
                              for i in range(120)))
    script = (" ".join(_cli("scan", str(corpus), "--out", "/small/r.jsonl", "--no-patterns",
                            "--jobs", "1", "--batch-size", "8"))
              + "; echo rc=$?; cat /small/r.jsonl")
    done = _bwrap("--size", str(48 * 1024), "--tmpfs", "/small", argv=["sh", "-c", script])
    assert done.stdout.startswith("rc=2\n"), done.stderr
    assert one_line(done.stderr) == (
        "ptriage: cannot write /small/r.jsonl: the disk is full; free space, then continue with "
        "--resume (it keeps every whole record)")
    kept = done.stdout.split("\n", 1)[1]
    lines = kept.splitlines()
    assert 0 < len(lines) < 120
    complete = [json.loads(line) for line in lines[:-1]]  # the last one may be torn by the disk
    assert all(r["verdict"] == "clean" for r in complete)


def _copy_while_open(corpus_path: Path, dest: Path, *, with_shm: bool) -> Path:
    """The corpus files as copied while a writer had changes in its WAL (not yet checkpointed)."""
    dest.mkdir()
    with Corpus(corpus_path) as corpus:
        corpus._conn.execute("PRAGMA wal_autocheckpoint = 0")
        for n in range(3, 6):
            corpus.upsert_record(make_record(n))
        for suffix in ("", "-wal", "-shm"):
            if suffix != "-shm" or with_shm:
                shutil.copy(f"{corpus_path}{suffix}", dest / f"c.sqlite3{suffix}")
    assert (dest / "c.sqlite3-wal").stat().st_size > 0
    return dest / "c.sqlite3"


@needs_bwrap
@pytest.mark.parametrize("with_shm", [True, False])
def test_a_read_only_corpus_with_pending_wal_changes_is_read_or_refused_never_half_read(
        corpus_path: Path, tmp_path: Path, with_shm: bool) -> None:
    copy = _copy_while_open(corpus_path, tmp_path / "copy", with_shm=with_shm)
    done = _bwrap("--ro-bind", str(copy.parent), str(copy.parent),
                  argv=_cli("stats", "--json", "--corpus", str(copy)))
    if with_shm:
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["cases"] == 6
    else:
        assert done.returncode == 2
        assert "has changes in c.sqlite3-wal" in one_line(done.stderr)


@needs_bwrap
@pytest.mark.parametrize("command", ["export", "scan"])
def test_a_device_is_written_directly(corpus_path: Path, tmp_path: Path, command: str) -> None:
    # A private /dev (bwrap --dev): if anything tried to rename over /dev/null, it would only
    # be that sandbox's, and the rename fails on its mount point.
    if command == "export":
        argv = _cli("export", "--corpus", str(corpus_path), "--out", "/dev/null")
    else:
        (tmp_path / "none.rs").write_text("\x00")  # refused as binary: nothing to compile
        argv = _cli("scan", str(tmp_path / "none.rs"), "--out", "/dev/null",
                    "--json-summary", "/dev/null")
    done = _bwrap("--dev", "/dev", argv=["sh", "-c", " ".join(argv)
                                          + "; echo rc=$?; test -c /dev/null && echo chardev"])
    assert done.stdout.split() == ["rc=0", "chardev"], done.stderr


def test_resume_keeps_a_whole_last_record_that_lacks_its_newline(tmp_path: Path) -> None:
    from app.commands.scan import done_key, read_done_ids

    out = tmp_path / "out.jsonl"
    first = json.dumps({"id": "a1", "verdict": "clean", "origin": {"path": "a.rs"}})
    last = json.dumps({"id": "b2", "verdict": "clean", "origin": {"path": "b.rs"}})
    out.write_text(first + "\n" + last)  # e.g. edited by hand: whole, but no final newline
    assert read_done_ids(out) == {done_key("a1", {"path": "a.rs"}), done_key("b2", {"path": "b.rs"})}
    assert out.read_text() == first + "\n" + last + "\n"
