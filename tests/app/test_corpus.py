"""The corpus store: location, pragmas, migrations, version refusal, cases, labels, filters."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import corpus as corpus_mod
from app.corpus import (
    DEFAULT_LABELS,
    AmbiguousIdError,
    Corpus,
    CorpusError,
    CorpusVersionError,
    LabelError,
    Migration,
    NotACorpusError,
    UnknownCaseError,
    default_corpus_path,
    default_reviewer,
    migrate,
)
from checkers.model import case_id
from tests.app.data.records import make_record, make_source


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    with Corpus(tmp_path / "c.sqlite3") as c:
        yield c


def _fill(c: Corpus, n: int) -> list[str]:
    return [c.upsert_record(make_record(i)) for i in range(n)]


# -- location, pragmas, versions ------------------------------------------------------------


def test_default_location_follows_ptriage_data_dir(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTRIAGE_DATA_DIR", str(tmp_path / "d"))
    assert default_corpus_path() == tmp_path / "d" / "corpus.sqlite3"
    with Corpus() as c:
        assert c.path == tmp_path / "d" / "corpus.sqlite3"
    assert c.path.is_file()


def test_pragmas(corpus: Corpus) -> None:
    conn = sqlite3.connect(corpus.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == corpus_mod.CORPUS_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == corpus_mod.APPLICATION_ID
    finally:
        conn.close()
    assert corpus._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert corpus._conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert corpus.version == corpus_mod.CORPUS_VERSION


def test_newer_corpus_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with Corpus(path) as c:
        _fill(c, 3)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {corpus_mod.CORPUS_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CorpusVersionError, match=r"newer ptriage.*upgrade ptriage.*not modified"):
        Corpus(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_foreign_and_garbage_files_are_refused_untouched(tmp_path: Path) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_bytes(b"not a database at all, but long enough to look like one " * 100)
    with pytest.raises(NotACorpusError, match="not a ptriage corpus"):
        Corpus(garbage)
    assert garbage.read_bytes().startswith(b"not a database")

    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(NotACorpusError, match="another program"):
        Corpus(foreign)
    assert foreign.read_bytes() == before


def test_forward_migration_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    with Corpus(path) as c:
        ids = _fill(c, 2)
        c.add_labels(ids[0], ["skip"], reviewer="ann")

    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE cases ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")

    steps = (*corpus_mod.MIGRATIONS, Migration(2, "priority", add_column))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    assert migrate(conn, steps) == 2
    conn.execute("COMMIT")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM cases WHERE priority = 0").fetchone()[0] == 2
    conn.close()
    # This ptriage only knows version 1 now: it must refuse the migrated file.
    with pytest.raises(CorpusVersionError):
        Corpus(path)


def test_migration_steps_must_be_in_order(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    with pytest.raises(CorpusError, match="out of order"):
        migrate(conn, (Migration(2, "skips one", lambda _c: None),))
    conn.close()


# -- cases ----------------------------------------------------------------------------------


def test_same_code_twice_updates_never_duplicates(corpus: Corpus) -> None:
    source = make_source(1)
    first = corpus.upsert_record(make_record(1, source=source))
    corpus.add_labels(first, ["real-error"], reviewer="ann")
    corpus.set_note(first, "look at line 6", reviewer="ann")
    created = corpus.get(first)["created"]  # type: ignore[index]
    # Same code with CRLF line endings and trailing blanks: same id, an update.
    again = corpus.upsert_record(make_record(1, source=source.replace("\n", "  \r\n")))
    assert again == first == case_id(source, "2021")
    assert corpus.count() == 1
    record = corpus.get(first)
    assert record is not None
    assert record["labels"] == ["real-error"]
    assert record["note"] == "look at line 6"
    assert record["reviewer"] == "ann"
    assert record["created"] == created
    assert record["updated"] >= created
    assert record["source"].endswith("  \r\n")
    # Another edition is another case.
    corpus.upsert_record(make_record(1, source=source, edition="2024"))
    assert corpus.count() == 2


def test_upsert_rejects_bad_records(corpus: Corpus) -> None:
    record = make_record(1)
    record["id"] = "0" * 64
    with pytest.raises(CorpusError, match="does not match its source"):
        corpus.upsert_record(record)
    record = make_record(1)
    record["verdict"] = "maybe"
    with pytest.raises(CorpusError, match="not valid: verdict"):
        corpus.upsert_record(record)
    assert corpus.count() == 0


def test_upsert_ignores_corpus_fields_in_engine_record(corpus: Corpus) -> None:
    record = make_record(2)
    cid = corpus.upsert_record({**record, "labels": ["skip"], "note": "x", "reviewer": "eve"})
    stored = corpus.get(cid)
    assert stored is not None
    assert stored["labels"] == [] and stored["note"] == "" and stored["reviewer"] == ""
    assert {k: stored[k] for k in record} == record


def test_get_unknown_is_none(corpus: Corpus) -> None:
    assert corpus.get("f" * 64) is None


def test_resolve_id(corpus: Corpus) -> None:
    # Find two sources whose ids share their first four hex digits.
    seen: dict[str, int] = {}
    for n in itertools.count():
        prefix = case_id(make_source(n), "2021")[:4]
        if prefix in seen:
            a, b = seen[prefix], n
            break
        seen[prefix] = n
    ida = corpus.upsert_record(make_record(a))
    idb = corpus.upsert_record(make_record(b))
    assert corpus.resolve_id(ida) == ida
    assert corpus.resolve_id(ida[:12].upper()) == ida
    with pytest.raises(AmbiguousIdError, match=r"ambiguous.*give more digits"):
        corpus.resolve_id(ida[:4])
    common = len(next(itertools.dropwhile(lambda p: idb.startswith(p),
                                          (ida[:k] for k in range(4, 65)))))
    assert corpus.resolve_id(ida[:common]) == ida
    with pytest.raises(UnknownCaseError, match="at least 4 hex digits"):
        corpus.resolve_id("ab")
    with pytest.raises(UnknownCaseError, match="at least 4 hex digits"):
        corpus.resolve_id("xyz123")
    missing = next(p for p in (f"{i:04x}" for i in range(65536))
                   if not ida.startswith(p) and not idb.startswith(p))
    with pytest.raises(UnknownCaseError, match="no case id starts with"):
        corpus.resolve_id(missing)


# -- labels ---------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    low, high = sorted((_luminance(a), _luminance(b)))
    return (high + 0.05) / (low + 0.05)


def test_default_labels_keys_and_colours(corpus: Corpus) -> None:
    labels = corpus.labels()
    assert [(lab.name, lab.key, lab.colour) for lab in labels] == list(DEFAULT_LABELS)
    assert [lab.key for lab in labels] == list(range(1, 9))
    palette = [lab.colour for lab in labels] + list(corpus_mod.EXTRA_COLOURS)
    for colour in palette:
        assert _contrast(colour, "#ffffff") >= 3.0, colour
        assert _contrast(colour, "#1e1e1e") >= 3.0, colour
    assert len(set(palette)) == len(palette)
    for a, b in itertools.combinations(labels, 2):
        # "Redmean" colour distance: a cheap approximation of how different they look.
        (r1, g1, b1), (r2, g2, b2) = (
            tuple(int(x.colour[i:i + 2], 16) for i in (1, 3, 5)) for x in (a, b))
        mean = (r1 + r2) / 2
        distance = ((2 + mean / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2
                    + (2 + (255 - mean) / 256) * (b1 - b2) ** 2) ** 0.5
        assert distance > 80, (a, b)


def test_add_rename_retire_labels_keep_history(corpus: Corpus) -> None:
    cid = _fill(corpus, 1)[0]
    new = corpus.add_label("nll-false-positive", key=9)
    assert new.key == 9 and new.colour.startswith("#") and not new.retired
    assert new.colour not in {c for _n, _k, c in DEFAULT_LABELS}
    corpus.add_labels(cid, ["nll-false-positive", "skip"], reviewer="ann")

    renamed = corpus.rename_label("nll-false-positive", "nll-fp")
    assert renamed.id == new.id
    assert corpus.get(cid)["labels"] == ["nll-fp", "skip"]  # type: ignore[index]
    assert [h["label"] for h in corpus.history(cid)] == ["nll-fp", "skip"]

    retired = corpus.retire_label("nll-fp")
    assert retired.retired and retired.key is None
    assert "nll-fp" not in [lab.name for lab in corpus.labels()]
    assert "nll-fp" in [lab.name for lab in corpus.labels(include_retired=True)]
    assert corpus.get(cid)["labels"] == ["nll-fp", "skip"]  # type: ignore[index]
    with pytest.raises(LabelError, match="retired; restore it"):
        corpus.add_labels(cid, ["nll-fp"], reviewer="ann")
    assert corpus.remove_labels(cid, ["nll-fp"], reviewer="bob") == 1
    # Key 9 was freed by retiring; restoring brings the label (and its history) back.
    corpus.add_label("other", key=9)
    restored = corpus.add_label("nll-fp", key=0)
    assert restored.id == new.id and not restored.retired
    assert [(h["label"], h["action"]) for h in corpus.history(cid)] == [
        ("nll-fp", "added"), ("skip", "added"), ("nll-fp", "removed")]
    actions = [e["action"] for e in corpus.label_events() if e["label_id"] == new.id]
    assert actions == ["created", "renamed", "retired", "restored"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.add_label("skip"), "already exists"),
        (lambda c: c.add_label("bad name"), "bad label name"),
        (lambda c: c.add_label("x", key=1), "key 1 already belongs to label 'confirmed"),
        (lambda c: c.add_label("x", key=12), "digit 0–9"),
        (lambda c: c.add_label("x", colour="red"), "#1a2b3c"),
        (lambda c: c.rename_label("skip", "real-error"), "exists already"),
        (lambda c: c.rename_label("nope", "x"), "unknown label 'nope'"),
        (lambda c: c.retire_label("nope"), "ptriage labels --add nope"),
        (lambda c: c.summaries(label="nope"), "unknown label"),
    ],
)
def test_label_errors(corpus: Corpus, call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LabelError, match=match):
        call(corpus)


def test_toggle_add_remove_and_history(corpus: Corpus) -> None:
    cid = _fill(corpus, 1)[0]
    assert corpus.toggle_label(cid, "skip", reviewer="ann") is True
    assert corpus.toggle_label(cid, "skip", reviewer="bob") is False
    assert corpus.add_labels(cid, ["real-error", "real-error", "needs-context"],
                             reviewer="cyd") == 2
    assert corpus.add_labels(cid, ["real-error"], reviewer="cyd") == 0
    assert corpus.remove_labels(cid, ["skip"], reviewer="cyd") == 0
    history = corpus.history(cid)
    assert [(h["label"], h["action"], h["reviewer"]) for h in history] == [
        ("skip", "added", "ann"), ("skip", "removed", "bob"),
        ("real-error", "added", "cyd"), ("needs-context", "added", "cyd")]
    assert all(h["at"].endswith("Z") and len(h["at"]) == 24 for h in history)
    record = corpus.get(cid)
    assert record is not None and record["reviewer"] == "cyd"
    assert record["history"] == history
    with pytest.raises(UnknownCaseError):
        corpus.toggle_label("0" * 64, "skip", reviewer="ann")
    with pytest.raises(LabelError, match="unknown label 'nope'"):
        corpus.add_labels(cid, ["nope"], reviewer="ann")
    with pytest.raises(CorpusError, match="reviewer"):
        corpus.add_labels(cid, ["skip"], reviewer="")


def test_reviewer_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTRIAGE_REVIEWER", "  grace ")
    assert default_reviewer() == "grace"
    monkeypatch.delenv("PTRIAGE_REVIEWER")
    monkeypatch.setenv("LOGNAME", "hopper")
    monkeypatch.setenv("USER", "hopper")
    assert default_reviewer() == "hopper"


# -- summaries, filters, stats --------------------------------------------------------------


def test_summaries_filters_and_count(corpus: Corpus) -> None:
    ids = _fill(corpus, 30)
    records = {cid: corpus.get(cid) for cid in ids}
    corpus.add_labels(ids[0], ["real-error"], reviewer="ann")
    corpus.add_labels(ids[1], ["real-error", "skip"], reviewer="bob")
    corpus.set_note(ids[2], "100% weird_case", reviewer="bob")

    everything = corpus.summaries()
    assert [s.id for s in everything] == sorted(ids)
    first = next(s for s in everything if s.id == ids[1])
    assert first.labels == ("real-error", "skip") and first.reviewer == "bob"
    assert first.origin == "src/file_1.rs:2"
    assert first.verdict == records[ids[1]]["verdict"]  # type: ignore[index]
    assert first.patterns == ("clone-to-end-borrow",)

    def check(expected: set[str], **filters: object) -> None:
        got = corpus.summaries(**filters)  # type: ignore[arg-type]
        assert {s.id for s in got} == expected, filters
        assert corpus.count(**filters) == len(expected)  # type: ignore[arg-type]

    check({ids[0], ids[1]}, label="real-error")
    check({ids[1]}, label="real-error", reviewer="bob")
    check({ids[0], ids[1]}, label=["skip", "real-error"])
    check({c for c, r in records.items() if r["verdict"] == "clean"}, verdict="clean")  # type: ignore[index]
    check({c for c, r in records.items() if r["verdict"] in ("clean", "regression")},  # type: ignore[index]
          verdict=("clean", "regression"))
    check({c for c, r in records.items()  # type: ignore[index]
           if "entry-owned-key" in {p["id"] for p in r["patterns"]}}, pattern="entry-owned-key")
    check({ids[2]}, text="100% WEIRD_")
    check(set(), text="100%% weird")
    check({ids[7]}, text="case 7:")
    check({ids[17]}, text="fn get_17(")
    check(set(ids), since="2000-01-01")
    check(set(), since="2999-01-01T00:00:00Z")
    label_and_verdict = {ids[0]} if records[ids[0]]["verdict"] == "clean" else set()  # type: ignore[index]
    check(label_and_verdict, label="real-error", verdict="clean", text="fn get_0(")
    with pytest.raises(CorpusError, match="cannot read 'yesterday'"):
        corpus.summaries(since="yesterday")


def test_stats(corpus: Corpus) -> None:
    ids = _fill(corpus, 9)
    corpus.add_labels(ids[0], ["real-error", "skip"], reviewer="ann")
    corpus.add_labels(ids[1], ["skip"], reviewer="bob")
    corpus.add_label("gone")
    corpus.retire_label("gone")
    stats = corpus.stats()
    assert stats["cases"] == 9
    assert sum(stats["verdicts"].values()) == 9 and len(stats["verdicts"]) == 9
    assert stats["labels"]["skip"] == 2 and stats["labels"]["real-error"] == 1
    assert stats["labels"]["polonius-unsound"] == 0 and "gone" not in stats["labels"]
    assert stats["reviewers"] == {"": 7, "ann": 1, "bob": 1}
    assert stats["patterns"]["check-then-relookup"] >= 1
