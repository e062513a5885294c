"""Corpus export/import: schema-valid deterministic JSONL, exact round trip, merge, bad input."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from app import jsonl
from app.corpus import Corpus, ImportReport, ImportValidationError
from tests.app.data.records import make_labelled, make_record


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(jsonl.dumps_record(r) + "\n" for r in records), encoding="utf-8")
    return path


def _dump(path: Path) -> list[str]:
    """Every row of every table, for before/after comparisons."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def labelled_corpus(tmp_path: Path) -> Path:
    """A corpus with labels, notes, removals, a renamed and a retired label."""
    path = tmp_path / "source.sqlite3"
    with Corpus(path) as c:
        ids = [c.upsert_record(make_record(i)) for i in range(25)]
        c.add_label("nll-fp", key=9)
        for n, cid in enumerate(ids):
            if n % 2:
                c.add_labels(cid, ["real-error", "nll-fp"], reviewer="ann")
            if n % 3 == 0:
                c.toggle_label(cid, "skip", reviewer="bob")
            if n % 5 == 0:
                c.toggle_label(cid, "skip", reviewer="cyd")
                c.set_note(cid, f"note {n}: ünïcode ✓ \"quoted\"\nsecond line", reviewer="cyd")
        c.rename_label("nll-fp", "nll-false-positive")
        c.add_label("obsolete")
        c.add_labels(ids[4], ["obsolete"], reviewer="dan")
        c.retire_label("obsolete")
    return path


def _export(path: Path, **filters: Any) -> str:
    buf = io.StringIO()
    with Corpus(path) as c:
        c.export_jsonl(buf, **filters)
    return buf.getvalue()


def test_export_is_schema_valid_sorted_and_compact(labelled_corpus: Path) -> None:
    text = _export(labelled_corpus)
    lines = text.splitlines()
    assert len(lines) == 25 and text.endswith("\n")
    validator = jsonschema.Draft202012Validator(
        json.loads(jsonl.SCHEMA_PATH.read_text(encoding="utf-8")))
    ids = []
    for line in lines:
        record = json.loads(line)
        validator.validate(record)
        assert jsonl.validate_record(record) is None
        assert {"labels", "reviewer", "note", "created", "updated", "history"} <= record.keys()
        assert line == json.dumps(record, sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False)
        ids.append(record["id"])
    assert ids == sorted(ids)
    assert "nll-false-positive" in text and "nll-fp" not in text
    assert "obsolete" in text  # retired labels stay on their cases
    assert _export(labelled_corpus) == text


def test_round_trip_gives_identical_bytes(labelled_corpus: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    with Corpus(labelled_corpus) as c:
        assert c.export_jsonl(first) == 25
    with Corpus(tmp_path / "empty.sqlite3") as fresh:
        report = fresh.import_jsonl(first)
        assert report == ImportReport(added=25, merged=0, unchanged=0)
        second = tmp_path / "second.jsonl"
        fresh.export_jsonl(second)
        # Importing the same file again changes nothing.
        assert fresh.import_jsonl(first) == ImportReport(added=0, merged=0, unchanged=25)
    assert second.read_bytes() == first.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_filters(labelled_corpus: Path) -> None:
    def ids(**filters: Any) -> set[str]:
        return {json.loads(line)["id"] for line in _export(labelled_corpus, **filters).splitlines()}

    with Corpus(labelled_corpus) as c:
        for filters in ({"label": "real-error"}, {"verdict": "clean"}, {"reviewer": "cyd"},
                        {"pattern": "entry-owned-key"}, {"label": "skip", "reviewer": "bob"},
                        {"text": "second line"}, {"since": "2000-01-01"}):
            assert ids(**filters) == {s.id for s in c.summaries(**filters)}, filters
            assert ids(**filters), filters
        assert ids(since="2999-01-01") == set()


def test_import_merges_by_id(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    base = make_labelled(1, labels=("real-error",), reviewers=("ann",))
    base.update(note="old note", updated="2026-10-01T00:00:00.000Z",
                created="2026-09-01T00:00:00.000Z")
    base["history"] = [{"label": "real-error", "action": "added", "reviewer": "ann",
                        "at": "2026-10-01T00:00:00.000Z"}]
    with Corpus(path) as c:
        assert c.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", [base])).added == 1

        newer = json.loads(json.dumps(base))
        newer.update(labels=["skip"], reviewer="bob", note="new note", verdict="clean",
                     updated="2026-11-01T00:00:00Z", created="2026-08-01T00:00:00Z")
        newer["history"] = [{"label": "skip", "action": "added", "reviewer": "bob",
                             "at": "2026-11-01T00:00:00Z"}]
        other = make_labelled(2)
        report = c.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", [newer, other]))
        assert report == ImportReport(added=1, merged=1, unchanged=0)
        got = c.get(base["id"])
        assert got is not None
        assert got["labels"] == ["real-error", "skip"]
        assert (got["note"], got["reviewer"], got["verdict"]) == ("new note", "bob", "clean")
        assert got["updated"] == "2026-11-01T00:00:00.000Z"
        assert got["created"] == "2026-08-01T00:00:00.000Z"
        assert [(h["label"], h["reviewer"]) for h in got["history"]] == [
            ("real-error", "ann"), ("skip", "bob")]

        # An older record adds its labels and history but not its note or reviewer.
        older = json.loads(json.dumps(base))
        older.update(labels=["needs-context"], note="stale", reviewer="zed",
                     updated="2026-01-01T00:00:00.000Z")
        older["history"] = [{"label": "needs-context", "action": "added", "reviewer": "zed",
                             "at": "2026-01-01T00:00:00.000Z"}]
        assert c.import_jsonl(_write_jsonl(tmp_path / "c.jsonl", [older])).merged == 1
        got = c.get(base["id"])
        assert got is not None
        assert got["labels"] == ["needs-context", "real-error", "skip"]
        assert (got["note"], got["reviewer"], got["verdict"]) == ("new note", "bob", "clean")
        assert [h["label"] for h in got["history"]] == ["needs-context", "real-error", "skip"]


def test_import_readding_a_removed_label_is_logged(tmp_path: Path) -> None:
    with Corpus(tmp_path / "c.sqlite3") as c:
        cid = c.upsert_record(make_record(3))
        c.add_labels(cid, ["skip"], reviewer="ann")
        c.remove_labels(cid, ["skip"], reviewer="ann")
        exported = c.get(cid)
        assert exported is not None
        elsewhere = {**exported, "labels": ["skip"],
                     "history": [exported["history"][0]]}  # the other copy never removed it
        c.import_jsonl(_write_jsonl(tmp_path / "x.jsonl", [elsewhere]), reviewer="importer")
        got = c.get(cid)
        assert got is not None and got["labels"] == ["skip"]
        assert [(h["action"], h["reviewer"]) for h in got["history"]] == [
            ("added", "ann"), ("removed", "ann"), ("added", "importer")]


def test_import_plain_engine_records_and_new_labels(tmp_path: Path) -> None:
    records = [make_record(i) for i in range(3)]
    records[0] = {**records[0], "labels": ["brand-new"]}
    with Corpus(tmp_path / "c.sqlite3") as c:
        report = c.import_jsonl(_write_jsonl(tmp_path / "e.jsonl", records), reviewer="imp")
        assert report.added == 3
        assert "brand-new" in {lab.name for lab in c.labels()}
        got = c.get(records[0]["id"])
        assert got is not None and got["labels"] == ["brand-new"]
        assert [(h["label"], h["reviewer"]) for h in got["history"]] == [("brand-new", "imp")]
        assert got["created"].endswith("Z") and got["note"] == ""


def _bad_files() -> list[tuple[str, bytes, str]]:
    good = [jsonl.dumps_record(make_labelled(i)) for i in range(4)]
    wrong_type = json.loads(good[1])
    wrong_type["checks"]["stable"]["accepted"] = "no"
    newer = json.loads(good[1])
    newer["schema"] = 2
    missing = json.loads(good[1])
    del missing["edition"]

    def lines(middle: str | bytes) -> bytes:
        mid = middle if isinstance(middle, bytes) else middle.encode()
        return good[0].encode() + b"\n" + mid + b"\n" + good[2].encode() + b"\n"

    return [
        ("truncated line", good[0].encode() + b"\n" + good[1][:-40].encode(),
         "x.jsonl:2: truncated line"),
        ("wrong type", lines(jsonl.dumps_record(wrong_type)),
         "x.jsonl:2: checks.stable.accepted: expected null or boolean, got string"),
        ("unknown schema version", lines(jsonl.dumps_record(newer)),
         "x.jsonl:2: schema: unknown schema version 2"),
        ("missing field", lines(jsonl.dumps_record(missing)),
         "x.jsonl:2: missing field 'edition'"),
        ("non-UTF-8", lines(good[1].encode().replace(b"note for", b"n\xffte for")),
         "x.jsonl:2: not valid UTF-8: byte 0xff"),
    ]


@pytest.mark.parametrize(("what", "content", "message"), _bad_files(),
                         ids=[b[0] for b in _bad_files()])
def test_bad_jsonl_imports_nothing(labelled_corpus: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   what: str, content: bytes, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("x.jsonl").write_bytes(content)
    rows_before = _dump(labelled_corpus)
    bytes_before = labelled_corpus.read_bytes()
    with Corpus(labelled_corpus) as c, pytest.raises(ImportValidationError) as caught:
        c.import_jsonl("x.jsonl")
    assert caught.value.problems[0].startswith(message), caught.value.problems
    assert len(caught.value.problems) == 1
    assert _dump(labelled_corpus) == rows_before
    assert labelled_corpus.read_bytes() == bytes_before


def test_many_bad_lines_are_all_reported(tmp_path: Path) -> None:
    good = jsonl.dumps_record(make_labelled(1))
    path = tmp_path / "y.jsonl"
    path.write_text(f"{good}\n[]\n{good}\n{{}}\n", encoding="utf-8")
    with Corpus(tmp_path / "c.sqlite3") as c:
        with pytest.raises(ImportValidationError) as caught:
            c.import_jsonl(path)
        assert c.count() == 0
    assert [p.split(": ", 1)[0] for p in caught.value.problems] == [f"{path}:2", f"{path}:4"]
