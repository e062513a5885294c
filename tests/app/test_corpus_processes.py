"""Several processes on one corpus: SIGKILL during an import, two labelling processes at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import jsonl
from app.corpus import Corpus
from tests.app.data.records import make_labelled, make_record

REPO = Path(__file__).resolve().parents[2]

# The child stops inside the import's transaction (via the progress callback, once enough
# records are written) or after the commit, says so on stdout, and blocks until killed.
IMPORT_CHILD = """
import sys
from app.corpus import Corpus

path, source, stop = sys.argv[1], sys.argv[2], sys.argv[3]

def progress(fraction, message):
    if stop != "after-commit" and fraction >= float(stop):
        print("IN-TRANSACTION", flush=True)
        sys.stdin.readline()

with Corpus(path) as corpus:
    # A small page cache makes the transaction spill uncommitted pages into the WAL early,
    # so the kill lands on a transaction that has already written to disk.
    corpus._conn.execute("PRAGMA cache_size = -1000")
    corpus.import_jsonl(source, progress=progress)
    print("COMMITTED", flush=True)
    sys.stdin.readline()
"""

LABEL_CHILD = """
import sys
from app.corpus import Corpus

path, label, reviewer = sys.argv[1], sys.argv[2], sys.argv[3]
with Corpus(path) as corpus:
    ids = [s.id for s in corpus.summaries()]
    print("READY", flush=True)
    sys.stdin.readline()
    for cid in ids:
        corpus.toggle_label(cid, label, reviewer=reviewer)
        corpus.toggle_label(cid, label, reviewer=reviewer)
        corpus.add_labels(cid, [label, "real-error"], reviewer=reviewer)
        corpus.set_note(cid, reviewer, reviewer=reviewer)
print("DONE", flush=True)
"""


def _spawn(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=REPO)


def _expect(proc: subprocess.Popen[str], marker: str) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != marker:
        proc.kill()
        _out, err = proc.communicate()
        pytest.fail(f"child said {line!r} instead of {marker!r}; stderr:\n{err}")


def _integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["0.6", "after-commit"])
def test_sigkill_during_import_leaves_none_or_all(tmp_path: Path, stop: str) -> None:
    path = tmp_path / "c.sqlite3"
    with Corpus(path) as c:
        kept = [c.upsert_record(make_record(100_000 + i)) for i in range(5)]
        c.add_labels(kept[0], ["skip"], reviewer="ann")
    source = tmp_path / "big.jsonl"
    count = 10_000
    with source.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(jsonl.dumps_record(make_labelled(n)) + "\n")

    child = _spawn(IMPORT_CHILD, str(path), str(source), stop)
    _expect(child, "COMMITTED" if stop == "after-commit" else "IN-TRANSACTION")
    wal = Path(f"{path}-wal")
    if stop != "after-commit":
        # Uncommitted pages have already spilled into the WAL: the kill hits a live transaction.
        assert wal.stat().st_size > 1_000_000
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL

    _integrity(path)
    with Corpus(path) as c:
        expected = 5 + (count if stop == "after-commit" else 0)
        assert c.count() == expected
        assert c.get(kept[0])["labels"] == ["skip"]  # type: ignore[index]
        history_rows = c._conn.execute("SELECT count(*) FROM label_history").fetchone()[0]
        assert history_rows == 1 + (sum(len(make_labelled(n)["history"]) for n in range(count))
                                    if stop == "after-commit" else 0)
        # The lock died with the process: the same import now goes through.
        report = c.import_jsonl(source)
        assert report.added == (0 if stop == "after-commit" else count)
    _integrity(path)


def test_two_processes_labelling_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Corpus(path) as c:
        ids = [c.upsert_record(make_record(i)) for i in range(60)]
        c.add_label("from-a")
        c.add_label("from-b")
    children = [_spawn(LABEL_CHILD, str(path), f"from-{who}", who) for who in ("a", "b")]
    for child in children:
        _expect(child, "READY")
    for child in children:  # release both at once
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert out.strip() == "DONE"

    _integrity(path)
    with Corpus(path) as c:
        for cid in ids:
            record = c.get(cid)
            assert record is not None
            assert record["labels"] == ["from-a", "from-b", "real-error"]
            assert record["note"] == record["reviewer"] in ("a", "b")
            mine = [(h["label"], h["action"]) for h in record["history"]
                    if h["label"] != "real-error"]
            assert sorted(mine) == sorted([("from-a", "added"), ("from-a", "removed"),
                                           ("from-a", "added"), ("from-b", "added"),
                                           ("from-b", "removed"), ("from-b", "added")])
            # Both processes added the shared label; exactly one of them changed anything.
            assert [h["action"] for h in record["history"] if h["label"] == "real-error"] == [
                "added"]
        total = c._conn.execute("SELECT count(*) FROM label_history").fetchone()[0]
        assert total == len(ids) * 7
