"""The SQLite corpus: cases with their latest checker record, labels, label history, migrations."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from app import jsonl, output
from checkers.errors import CheckerError
from checkers.model import case_id as compute_case_id
from checkers.paths import data_dir

CORPUS_FILENAME = "corpus.sqlite3"
#: ``PRAGMA application_id`` of a ptriage corpus ("PTRG"), so we never adopt a foreign database.
APPLICATION_ID = 0x50545247
BUSY_TIMEOUT_S = 30.0
MIN_PREFIX = 4
_SEP = "\x1f"
_HEX_RE = re.compile(r"[0-9a-f]+")
_COLOUR_RE = re.compile(r"#[0-9a-f]{6}")

#: Default labels: (name, key, colour). The colours keep a contrast of at least 3:1 against both
#: white and a dark (#1e1e1e) background, and stay apart from one another.
DEFAULT_LABELS: tuple[tuple[str, int, str], ...] = (
    ("confirmed-false-positive", 1, "#2e9d57"),
    ("real-error", 2, "#d9453d"),
    ("workaround-removable", 3, "#3a7fd5"),
    ("workaround-needed", 4, "#c47422"),
    ("polonius-unsound", 5, "#9a5bd6"),
    ("needs-context", 6, "#a88f00"),
    ("not-borrowck", 7, "#7d8791"),
    ("skip", 8, "#159a9c"),
)
#: Colours handed to new labels that do not choose one (same contrast rule as the defaults).
EXTRA_COLOURS: tuple[str, ...] = ("#c9508f", "#5f9e2f", "#b0663a", "#6a72d8", "#1f8f70",
                                  "#b8508a", "#8a8a2e", "#3d8fb5")


# -- errors ----------------------------------------------------------------------------------


class CorpusError(CheckerError):
    """Something about the corpus prevents the operation; the message says what to do."""


class NotACorpusError(CorpusError):
    """The file is not a SQLite database, or belongs to another program."""


class CorpusVersionError(CorpusError):
    """The corpus was written by a newer ptriage; it is left untouched."""


class CorpusBusyError(CorpusError):
    """Another process held the corpus for longer than the busy timeout."""


class UnknownCaseError(CorpusError):
    """No case has this id (or id prefix)."""


class AmbiguousIdError(CorpusError):
    """An id prefix matches more than one case."""


class LabelError(CorpusError):
    """A label name is unknown, retired, taken or malformed, or a key/colour is invalid."""


class ImportValidationError(CorpusError):
    """A JSONL file has bad lines; nothing was imported. ``problems`` holds ``FILE:LINE: …``."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems) + "\nnothing was imported; fix the lines above")


# -- value types -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Label:
    """A label of the corpus's label set; ``key`` is its 0–9 shortcut, ``colour`` ``#rrggbb``."""

    id: int
    name: str
    key: int | None
    colour: str
    retired: bool


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One row of the case table: enough to list, filter and sort without loading the record."""

    id: str
    verdict: str
    patterns: tuple[str, ...]
    labels: tuple[str, ...]
    origin: str
    updated: str
    reviewer: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: cases new to the corpus, cases the merge changed, cases already equal."""

    added: int
    merged: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.added + self.merged + self.unchanged


# -- helpers ---------------------------------------------------------------------------------


def utc_now() -> str:
    """The current time as UTC ISO 8601 with milliseconds and ``Z``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def parse_since(value: str) -> str:
    """A date or ISO 8601 time (naive means UTC) → the corpus timestamp form, for ``since``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CorpusError(
            f"cannot read {value!r} as a date or time; use e.g. 2026-11-24 or 2026-11-24T10:00:00Z"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def default_corpus_path() -> Path:
    """``corpus.sqlite3`` in the user data dir (``$PTRIAGE_DATA_DIR`` overrides the dir)."""
    return data_dir() / CORPUS_FILENAME


def default_reviewer() -> str:
    """``$PTRIAGE_REVIEWER``, else the OS user name, else ``unknown``."""
    name = os.environ.get("PTRIAGE_REVIEWER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # No login name (e.g. a container uid without passwd entry): still record something.
        return "unknown"


def origin_text(origin: Any) -> str:
    """``path:line`` (or ``path``) for display; empty when the case has no origin."""
    if not isinstance(origin, dict):
        return ""
    path = origin.get("path") or ""
    line = origin.get("line")
    return f"{path}:{line}" if path and isinstance(line, int) else str(path)


def _check_label_name(name: str) -> str:
    if not isinstance(name, str) or jsonl.LABEL_NAME_RE.fullmatch(name) is None:
        raise LabelError(
            f"bad label name {name!r}: use 1–64 letters, digits or . _ : + - "
            "(starting with a letter or digit)"
        )
    return name


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(sorted(value.split(_SEP))) if value else ()


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


# -- schema and migrations -------------------------------------------------------------------


def _migration_1(conn: sqlite3.Connection) -> None:
    statements = (
        # Small columns first and the source last keeps table scans (text filter) on few pages;
        # the bulky checker record lives in its own table.
        """CREATE TABLE cases (
            rid      INTEGER PRIMARY KEY,
            id       TEXT NOT NULL UNIQUE,
            verdict  TEXT NOT NULL,
            edition  TEXT NOT NULL,
            origin   TEXT NOT NULL DEFAULT '',
            reviewer TEXT NOT NULL DEFAULT '',
            created  TEXT NOT NULL,
            updated  TEXT NOT NULL,
            note     TEXT NOT NULL DEFAULT '',
            source   TEXT NOT NULL
        )""",
        "CREATE INDEX cases_verdict ON cases(verdict)",
        "CREATE INDEX cases_reviewer ON cases(reviewer)",
        "CREATE INDEX cases_updated ON cases(updated)",
        """CREATE TABLE case_records (
            rid    INTEGER PRIMARY KEY REFERENCES cases(rid),
            record TEXT NOT NULL
        )""",
        """CREATE TABLE case_patterns (
            rid     INTEGER NOT NULL REFERENCES cases(rid),
            pattern TEXT NOT NULL,
            PRIMARY KEY (rid, pattern)
        ) WITHOUT ROWID""",
        "CREATE INDEX case_patterns_pattern ON case_patterns(pattern)",
        """CREATE TABLE labels (
            id      INTEGER PRIMARY KEY,
            name    TEXT NOT NULL UNIQUE,
            key     INTEGER UNIQUE CHECK (key BETWEEN 0 AND 9),
            colour  TEXT NOT NULL,
            retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
            created TEXT NOT NULL
        )""",
        """CREATE TABLE case_labels (
            rid      INTEGER NOT NULL REFERENCES cases(rid),
            label_id INTEGER NOT NULL REFERENCES labels(id),
            PRIMARY KEY (rid, label_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX case_labels_label ON case_labels(label_id)",
        """CREATE TABLE label_history (
            id       INTEGER PRIMARY KEY,
            rid      INTEGER NOT NULL REFERENCES cases(rid),
            label_id INTEGER NOT NULL REFERENCES labels(id),
            action   TEXT NOT NULL CHECK (action IN ('added', 'removed')),
            reviewer TEXT NOT NULL,
            at       TEXT NOT NULL
        )""",
        "CREATE INDEX label_history_case ON label_history(rid)",
        """CREATE TABLE label_events (
            id       INTEGER PRIMARY KEY,
            label_id INTEGER NOT NULL REFERENCES labels(id),
            action   TEXT NOT NULL CHECK (action IN ('created', 'renamed', 'retired', 'restored')),
            old_name TEXT,
            new_name TEXT,
            at       TEXT NOT NULL
        )""",
    )
    for statement in statements:
        conn.execute(statement)
    now = utc_now()
    for name, key, colour in DEFAULT_LABELS:
        cursor = conn.execute(
            "INSERT INTO labels (name, key, colour, created) VALUES (?, ?, ?, ?)",
            (name, key, colour, now),
        )
        conn.execute(
            "INSERT INTO label_events (label_id, action, new_name, at) VALUES (?, 'created', ?, ?)",
            (cursor.lastrowid, name, now),
        )


@dataclass(frozen=True, slots=True)
class Migration:
    """One forward step: brings a corpus from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


#: Forward migrations, in order; ``MIGRATIONS[i]`` takes a corpus from version i to i + 1.
#: Never edit a released step: append a new one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "cases, checker records, patterns, labels, label history", _migration_1),
)
CORPUS_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the missing steps inside the caller's write transaction; returns the new version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for step in migrations[version:]:
        if step.version != version + 1:
            raise CorpusError(f"internal: migration {step.version} out of order after {version}")
        step.apply(conn)
        version = step.version
        conn.execute(f"PRAGMA user_version = {version:d}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
    return version


def _newer_message(path: Path, version: int, known: int) -> str:
    return (
        f"{path} is a corpus of version {version}, written by a newer ptriage (this one knows "
        f"up to version {known}); upgrade ptriage to use it. The file was not modified."
    )


def _probe(path: Path, known: int) -> None:
    """Read-only look at an existing file: refuse newer or foreign databases before writing."""
    if not path.exists() or path.stat().st_size == 0:
        return
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise CorpusError(f"cannot open {path}: {exc}") from exc
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        tables = int(conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CANTOPEN:
            # A WAL database on a read-only medium cannot even be opened for reading this way
            # (SQLite needs to create its -shm index): not a sign of a foreign file.
            if not _writable(path):
                raise CorpusError(
                    f"cannot change {path}: its file or folder is read-only; copy the corpus "
                    "somewhere writable (reading it works: stats, export)") from exc
            raise CorpusError(f"cannot open {path}: {exc}") from exc
        raise NotACorpusError(
            f"{path} is not a ptriage corpus ({exc}); choose another file with --corpus"
        ) from exc
    finally:
        conn.close()
    if app_id != APPLICATION_ID and (tables or version):
        raise NotACorpusError(
            f"{path} is a SQLite database of another program; choose another file with --corpus"
        )
    if version > known:
        raise CorpusVersionError(_newer_message(path, version, known))


# -- the corpus ------------------------------------------------------------------------------

_RECORD_SELECT = f"""
SELECT c.rid, c.id, c.source, c.reviewer, c.note, c.created, c.updated, r.record,
       (SELECT group_concat(l.name, '{_SEP}') FROM case_labels cl
          JOIN labels l ON l.id = cl.label_id WHERE cl.rid = c.rid),
       (SELECT json_group_array(json_array(h.id, l.name, h.action, h.reviewer, h.at))
          FROM label_history h JOIN labels l ON l.id = h.label_id WHERE h.rid = c.rid)
FROM cases c JOIN case_records r ON r.rid = c.rid
"""

_SUMMARY_SELECT = f"""
SELECT c.id, c.verdict, c.origin, c.updated, c.reviewer,
       (SELECT group_concat(p.pattern, '{_SEP}') FROM case_patterns p WHERE p.rid = c.rid),
       (SELECT group_concat(l.name, '{_SEP}') FROM case_labels cl
          JOIN labels l ON l.id = cl.label_id WHERE cl.rid = c.rid)
FROM cases c
"""


def _assemble(row: sqlite3.Row | tuple[Any, ...]) -> dict[str, Any]:
    """A full record (engine fields + corpus fields) from one ``_RECORD_SELECT`` row."""
    _rid, _cid, source, reviewer, note, created, updated, record_json, labels, history = row
    record: dict[str, Any] = json.loads(record_json)
    record["source"] = source
    record["labels"] = list(_split(labels))
    record["reviewer"] = reviewer
    record["note"] = note
    record["created"] = created
    record["updated"] = updated
    events = sorted(json.loads(history), key=lambda e: (e[4], e[0]))
    record["history"] = [
        {"label": label, "action": action, "reviewer": who, "at": at}
        for _hid, label, action, who, at in events
    ]
    return record


def _patterns_of(record: dict[str, Any]) -> list[str]:
    ids = {p["id"] for p in record.get("patterns", ())}
    ids.update(e["id"] for e in record.get("epochs", ()))
    return sorted(ids)


def _engine_part(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "source" and k not in jsonl.CORPUS_FIELDS}


def _writable(path: Path) -> bool:
    """Whether SQLite could write ``path`` and its journal files beside it (as root too:
    ``access`` reports a read-only file system whoever asks)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


class Corpus:
    """One corpus file. Use from one thread at a time; any number of processes may share it.

    ``read_only=True`` (for commands that only read: stats, export) opens an existing corpus
    without writing anything, and with SQLite's ``immutable=1`` when the file or its folder
    cannot be written (a read-only medium, where SQLite could not even create its lock file).
    A corpus that does not exist yet is created as usual.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_corpus_path()
        if self.path.is_dir():
            raise CorpusError(f"{self.path} is a directory; give --corpus a file name")
        self.read_only = read_only and self.path.is_file() and self.path.stat().st_size > 0
        self._in_write = False
        if self.read_only:
            conn = self._open_read_only()
            if conn is not None:
                self._conn = conn
                return
            # An empty database (e.g. creation was cut short by a full disk) is a new corpus.
            self.read_only = False
        _probe(self.path, CORPUS_VERSION)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CorpusError(
                f"cannot create the corpus directory {self.path.parent}: {exc}"
            ) from exc
        try:
            self._conn = sqlite3.connect(
                str(self.path),
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
                # The GUI may open it on one thread and then use it on its DB thread only.
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise CorpusError(f"cannot open {self.path}: {exc}") from exc
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise

    def _open_read_only(self) -> sqlite3.Connection | None:
        immutable = not _writable(self.path)
        wal = self.path.with_name(self.path.name + "-wal")
        shm = self.path.with_name(self.path.name + "-shm")
        if immutable and wal.is_file() and wal.stat().st_size > 0:
            # immutable=1 ignores the WAL: its changes would silently be missing. SQLite reads
            # a WAL read-only through an existing -shm index; without one it cannot.
            if not shm.exists():
                raise CorpusError(
                    f"{self.path} has changes in {wal.name} that cannot be read on a read-only "
                    f"medium without {shm.name}; copy the corpus files somewhere writable and "
                    "open it there")
            immutable = False
        uri = self.path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise CorpusError(f"cannot open {self.path}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            tables = int(conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0])
        except sqlite3.OperationalError as exc:
            conn.close()
            raise self._busy_or(exc) from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CANTOPEN:
                raise CorpusError(f"cannot open {self.path}: {exc}") from exc
            raise NotACorpusError(
                f"{self.path} is not a ptriage corpus ({exc}); choose another file with --corpus"
            ) from exc
        if version == 0 and app_id == 0 and tables == 0:
            conn.close()
            return None
        problem: CorpusError | None = None
        if app_id != APPLICATION_ID:
            problem = NotACorpusError(f"{self.path} is not a ptriage corpus (no ptriage "
                                      "application id); choose another file with --corpus")
        elif version > CORPUS_VERSION:
            problem = CorpusVersionError(_newer_message(self.path, version, CORPUS_VERSION))
        elif version < CORPUS_VERSION:
            problem = CorpusError(f"{self.path} is a corpus of version {version} and cannot be "
                                  "upgraded read-only; open it once where it can be written")
        if problem is not None:
            conn.close()
            raise problem
        return conn

    def _setup(self) -> None:
        conn = self._conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > CORPUS_VERSION:
                raise CorpusVersionError(_newer_message(self.path, version, CORPUS_VERSION))
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -32768")
        except sqlite3.OperationalError as exc:
            raise self._busy_or(exc) from exc
        except sqlite3.DatabaseError as exc:
            raise NotACorpusError(f"{self.path} is not a ptriage corpus ({exc})") from exc
        if version < CORPUS_VERSION:
            with self._write() as w:
                again = int(w.execute("PRAGMA user_version").fetchone()[0])
                if again > CORPUS_VERSION:
                    raise CorpusVersionError(_newer_message(self.path, again, CORPUS_VERSION))
                migrate(w)

    # -- lifecycle

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # -- transactions

    def _busy_or(self, exc: sqlite3.OperationalError) -> CorpusError:
        text = str(exc)
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and self._disk_nearly_full()):
            return CorpusError(f"the disk holding {self.path} is full; nothing was changed, "
                               "free some space and try again")
        if code == sqlite3.SQLITE_READONLY:
            return CorpusError(f"{self.path} cannot be written (read-only file or medium); "
                               "copy it somewhere writable to change it")
        if "locked" in text or "busy" in text:
            return CorpusBusyError(
                f"{self.path} stayed locked by another process for {BUSY_TIMEOUT_S:.0f} s "
                "(a long import?); try again when it has finished"
            )
        return CorpusError(f"{self.path}: {text}")

    def _disk_nearly_full(self) -> bool:
        # SQLite reports a full disk as an I/O error when its shared-memory or WAL file cannot
        # grow; less than a megabyte free is our cue to say what the user can act on.
        try:
            return shutil.disk_usage(self.path.parent).free < 1024 * 1024
        except OSError:
            return False

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, locked up front (BEGIN IMMEDIATE): read-modify-write is atomic."""
        if self._in_write:
            raise CorpusError("internal: nested corpus write transaction")
        if self.read_only:
            raise CorpusError(f"internal: {self.path} was opened read-only")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._busy_or(exc) from exc
        self._in_write = True
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            # A full disk can fail any statement or the COMMIT itself: undo all of it and say
            # so in one line.
            self._rollback()
            raise self._busy_or(exc) from exc
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_write = False

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot across several statements (joins one already open)."""
        if self._conn.in_transaction:
            yield self._conn
            return
        self._conn.execute("BEGIN")
        try:
            yield self._conn
        finally:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")

    # -- cases

    def _rid(self, conn: sqlite3.Connection, case_id: str) -> int:
        row = conn.execute("SELECT rid FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise UnknownCaseError(f"no case {case_id!r} in {self.path}")
        return int(row[0])

    def upsert_record(self, record: dict[str, Any]) -> str:
        """Store an engine record (``Triage.to_record()``); returns the case id.

        A case already present gets the new checker record and keeps its labels, note, reviewer,
        history and ``created``. Corpus fields inside ``record`` are ignored.
        """
        engine = {k: v for k, v in record.items() if k not in jsonl.CORPUS_FIELDS}
        problem = jsonl.validate_record(engine)
        if problem:
            raise CorpusError(f"the checker record is not valid: {problem}")
        expected = compute_case_id(engine["source"], engine["edition"])
        if engine["id"] != expected:
            raise CorpusError(f"record id {engine['id']} does not match its source and edition "
                              f"({expected}); was it edited by hand?")
        now = utc_now()
        with self._write() as conn:
            self._store_case(conn, engine, rid=self._find_rid(conn, engine["id"]), now=now)
        return str(engine["id"])

    @staticmethod
    def _find_rid(conn: sqlite3.Connection, case_id: str) -> int | None:
        row = conn.execute("SELECT rid FROM cases WHERE id = ?", (case_id,)).fetchone()
        return None if row is None else int(row[0])

    @staticmethod
    def _store_case(conn: sqlite3.Connection, record: dict[str, Any], *, rid: int | None,
                    now: str, reviewer: str = "", note: str = "", created: str | None = None,
                    record_json: str | None = None) -> int:
        """Insert a case or replace its checker record; returns its rid. Labels are untouched."""
        record_json = record_json or jsonl.dumps_record(_engine_part(record))
        origin = origin_text(record.get("origin"))
        if rid is None:
            cursor = conn.execute(
                "INSERT INTO cases (id, verdict, edition, origin, reviewer, created, updated, note,"
                " source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record["id"], record["verdict"], record["edition"], origin, reviewer,
                 created or now, now, note, record["source"]),
            )
            rid = int(cursor.lastrowid or 0)
            conn.execute("INSERT INTO case_records (rid, record) VALUES (?, ?)", (rid, record_json))
        else:
            conn.execute(
                "UPDATE cases SET verdict = ?, edition = ?, origin = ?, source = ?, updated = ?"
                " WHERE rid = ?",
                (record["verdict"], record["edition"], origin, record["source"], now, rid),
            )
            conn.execute("UPDATE case_records SET record = ? WHERE rid = ?", (record_json, rid))
            conn.execute("DELETE FROM case_patterns WHERE rid = ?", (rid,))
        conn.executemany("INSERT INTO case_patterns (rid, pattern) VALUES (?, ?)",
                         [(rid, p) for p in _patterns_of(record)])
        return rid

    def get(self, case_id: str) -> dict[str, Any] | None:
        """The full record (engine fields + labels, reviewer, note, created, updated, history)."""
        row = self._conn.execute(_RECORD_SELECT + " WHERE c.id = ?", (case_id,)).fetchone()
        return None if row is None else _assemble(row)

    def resolve_id(self, prefix: str) -> str:
        """A full case id from a unique prefix of at least 4 hex digits (like git)."""
        text = prefix.strip().lower()
        if len(text) < MIN_PREFIX or _HEX_RE.fullmatch(text) is None:
            raise UnknownCaseError(
                f"{prefix!r} is not a case id: give at least {MIN_PREFIX} hex digits of the id"
            )
        rows = self._conn.execute(
            "SELECT id FROM cases WHERE id >= ? AND id < ? ORDER BY id LIMIT 3",
            (text, text + "g"),  # ids are lowercase hex, so every match sorts below prefix + 'g'
        ).fetchall()
        if not rows:
            raise UnknownCaseError(f"no case id starts with {text!r} in {self.path}")
        if len(rows) > 1:
            shown = ", ".join(r[0][:12] for r in rows[:2])
            raise AmbiguousIdError(
                f"id prefix {text!r} is ambiguous (matches {shown}"
                f"{', …' if len(rows) > 2 else ''}); give more digits"
            )
        return str(rows[0][0])

    # -- filtering

    def _where(self, *, verdict: str | Iterable[str] | None = None,
               label: str | Iterable[str] | None = None,
               pattern: str | Iterable[str] | None = None,
               reviewer: str | Iterable[str] | None = None,
               text: str | None = None, since: str | None = None) -> tuple[str, list[Any]]:
        """SQL ``WHERE`` for the shared filters: AND across filters, OR within a filter's values."""
        clauses: list[str] = []
        params: list[Any] = []

        def among(column: str, values: tuple[Any, ...]) -> str:
            params.extend(values)
            return f"{column} IN ({', '.join('?' * len(values))})"

        verdicts = _as_tuple(verdict)
        if verdicts:
            clauses.append(among("c.verdict", verdicts))
        labels = _as_tuple(label)
        if labels:
            ids = self._label_ids(labels)
            clauses.append("EXISTS (SELECT 1 FROM case_labels cl WHERE cl.rid = c.rid AND "
                           + among("cl.label_id", tuple(ids)) + ")")
        patterns = _as_tuple(pattern)
        if patterns:
            clauses.append("EXISTS (SELECT 1 FROM case_patterns p WHERE p.rid = c.rid AND "
                           + among("p.pattern", patterns) + ")")
        reviewers = _as_tuple(reviewer)
        if reviewers:
            clauses.append(among("c.reviewer", reviewers))
        if text:
            # A LIKE scan of 100k cases takes ~30 ms; an FTS5 trigram index made imports ~70%
            # slower for no visible gain (see README.md, "Performance").
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append("(c.source LIKE ? ESCAPE '\\' OR c.note LIKE ? ESCAPE '\\')")
            params.extend((like, like))
        if since:
            clauses.append("c.updated >= ?")
            params.append(parse_since(since))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def summaries(self, *, verdict: str | Iterable[str] | None = None,
                  label: str | Iterable[str] | None = None,
                  pattern: str | Iterable[str] | None = None,
                  reviewer: str | Iterable[str] | None = None,
                  text: str | None = None, since: str | None = None) -> list[CaseSummary]:
        """Rows for the case table, ordered by id, in one query. ``text`` is a case-insensitive
        (ASCII) substring of the source or note; ``since`` compares with ``updated``."""
        where, params = self._where(verdict=verdict, label=label, pattern=pattern,
                                    reviewer=reviewer, text=text, since=since)
        # "+c.id": scan the table and sort the few matches, rather than walk the whole id index
        # and fetch every row out of order (7x slower on 100k cases with a selective filter).
        rows = self._conn.execute(_SUMMARY_SELECT + where + " ORDER BY +c.id", params)
        return [
            CaseSummary(id=cid, verdict=v, patterns=_split(pats), labels=_split(labs),
                        origin=origin, updated=updated, reviewer=who)
            for cid, v, origin, updated, who, pats, labs in rows
        ]

    def count(self, *, verdict: str | Iterable[str] | None = None,
              label: str | Iterable[str] | None = None,
              pattern: str | Iterable[str] | None = None,
              reviewer: str | Iterable[str] | None = None,
              text: str | None = None, since: str | None = None) -> int:
        """How many cases the same filters as :meth:`summaries` select."""
        where, params = self._where(verdict=verdict, label=label, pattern=pattern,
                                    reviewer=reviewer, text=text, since=since)
        return int(self._conn.execute("SELECT count(*) FROM cases c" + where, params).fetchone()[0])

    # -- the label set

    @staticmethod
    def _label_from_row(row: tuple[Any, ...]) -> Label:
        lid, name, key, colour, retired = row
        return Label(id=int(lid), name=name, key=key, colour=colour, retired=bool(retired))

    def labels(self, *, include_retired: bool = False) -> list[Label]:
        """The label set: keyed labels first (by key), then by name."""
        where = "" if include_retired else " WHERE retired = 0"
        rows = self._conn.execute(
            "SELECT id, name, key, colour, retired FROM labels" + where
            + " ORDER BY key IS NULL, key, name"
        ).fetchall()
        return [self._label_from_row(r) for r in rows]

    def _label_row(self, conn: sqlite3.Connection, name: str) -> Label | None:
        row = conn.execute("SELECT id, name, key, colour, retired FROM labels WHERE name = ?",
                           (name,)).fetchone()
        return None if row is None else self._label_from_row(row)

    def _unknown_label(self, name: str) -> LabelError:
        known = ", ".join(label.name for label in self.labels())
        return LabelError(f"unknown label {name!r} (labels: {known}); "
                          f"create it with `ptriage labels --add {name}`")

    def _label_ids(self, names: Iterable[str]) -> list[int]:
        ids: list[int] = []
        for name in names:
            label = self._label_row(self._conn, name)
            if label is None:
                raise self._unknown_label(name)
            ids.append(label.id)
        return ids

    def _pick_colour(self, conn: sqlite3.Connection) -> str:
        used = {r[0] for r in conn.execute("SELECT colour FROM labels WHERE retired = 0")}
        palette = [c for _n, _k, c in DEFAULT_LABELS] + list(EXTRA_COLOURS)
        for colour in palette:
            if colour not in used:
                return colour
        count = int(conn.execute("SELECT count(*) FROM labels").fetchone()[0])
        return EXTRA_COLOURS[count % len(EXTRA_COLOURS)]

    @staticmethod
    def _check_key_colour(key: int | None, colour: str | None) -> str | None:
        if key is not None and (type(key) is not int or not 0 <= key <= 9):
            raise LabelError(f"label key must be a digit 0–9, not {key!r}")
        if colour is not None:
            colour = colour.lower()
            if _COLOUR_RE.fullmatch(colour) is None:
                raise LabelError(f"label colour must look like #1a2b3c, not {colour!r}")
        return colour

    def _create_label(self, conn: sqlite3.Connection, name: str, *, key: int | None = None,
                      colour: str | None = None, now: str) -> int:
        cursor = conn.execute(
            "INSERT INTO labels (name, key, colour, created) VALUES (?, ?, ?, ?)",
            (name, key, colour or self._pick_colour(conn), now),
        )
        lid = int(cursor.lastrowid or 0)
        conn.execute("INSERT INTO label_events (label_id, action, new_name, at)"
                     " VALUES (?, 'created', ?, ?)", (lid, name, now))
        return lid

    def _check_key_free(self, conn: sqlite3.Connection, key: int | None, name: str) -> None:
        if key is None:
            return
        row = conn.execute("SELECT name FROM labels WHERE key = ? AND name != ?",
                           (key, name)).fetchone()
        if row is not None:
            raise LabelError(f"key {key} already belongs to label {row[0]!r}; pick another key")

    def add_label(self, name: str, *, key: int | None = None, colour: str | None = None) -> Label:
        """Add a label (or restore a retired one of that name)."""
        _check_label_name(name)
        colour = self._check_key_colour(key, colour)
        now = utc_now()
        with self._write() as conn:
            existing = self._label_row(conn, name)
            self._check_key_free(conn, key, name)
            if existing is None:
                lid = self._create_label(conn, name, key=key, colour=colour, now=now)
            elif existing.retired:
                lid = existing.id
                conn.execute("UPDATE labels SET retired = 0, key = ?, colour = ? WHERE id = ?",
                             (key, colour or existing.colour, lid))
                conn.execute("INSERT INTO label_events (label_id, action, new_name, at)"
                             " VALUES (?, 'restored', ?, ?)", (lid, name, now))
            else:
                raise LabelError(f"label {name!r} already exists")
            label = self._label_row(conn, name)
        assert label is not None and label.id == lid
        return label

    def rename_label(self, old: str, new: str) -> Label:
        """Rename a label; cases and history follow it (they refer to the label's id)."""
        _check_label_name(new)
        now = utc_now()
        with self._write() as conn:
            label = self._label_row(conn, old)
            if label is None:
                raise self._unknown_label(old)
            if self._label_row(conn, new) is not None:
                raise LabelError(f"cannot rename {old!r} to {new!r}: that label exists already")
            conn.execute("UPDATE labels SET name = ? WHERE id = ?", (new, label.id))
            conn.execute("INSERT INTO label_events (label_id, action, old_name, new_name, at)"
                         " VALUES (?, 'renamed', ?, ?, ?)", (label.id, old, new, now))
            renamed = self._label_row(conn, new)
        assert renamed is not None
        return renamed

    def retire_label(self, name: str) -> Label:
        """Hide a label from the label set and free its key; cases keep it and its history."""
        now = utc_now()
        with self._write() as conn:
            label = self._label_row(conn, name)
            if label is None:
                raise self._unknown_label(name)
            if not label.retired:
                conn.execute("UPDATE labels SET retired = 1, key = NULL WHERE id = ?", (label.id,))
                conn.execute("INSERT INTO label_events (label_id, action, old_name, at)"
                             " VALUES (?, 'retired', ?, ?)", (label.id, name, now))
            retired = self._label_row(conn, name)
        assert retired is not None
        return retired

    def label_events(self) -> list[dict[str, Any]]:
        """Changes to the label set itself (created, renamed, retired, restored), oldest first."""
        rows = self._conn.execute(
            "SELECT e.label_id, e.action, e.old_name, e.new_name, e.at FROM label_events e"
            " ORDER BY e.at, e.id"
        ).fetchall()
        return [{"label_id": lid, "action": action, "old": old, "new": new, "at": at}
                for lid, action, old, new, at in rows]

    # -- labelling cases

    def _labels_for_change(self, conn: sqlite3.Connection, names: Iterable[str], *,
                           adding: bool) -> list[Label]:
        out: list[Label] = []
        for name in dict.fromkeys(names):
            label = self._label_row(conn, name)
            if label is None:
                raise self._unknown_label(name)
            if adding and label.retired:
                raise LabelError(f"label {name!r} is retired; restore it with "
                                 f"`ptriage labels --add {name}` to use it again")
            out.append(label)
        return out

    @staticmethod
    def _apply(conn: sqlite3.Connection, rid: int, labels: Sequence[Label], *, adding: bool,
               reviewer: str, now: str) -> int:
        """Add or remove labels on one case, logging each real change; returns how many changed."""
        changed = 0
        for label in labels:
            if adding:
                cursor = conn.execute("INSERT OR IGNORE INTO case_labels (rid, label_id)"
                                      " VALUES (?, ?)", (rid, label.id))
            else:
                cursor = conn.execute("DELETE FROM case_labels WHERE rid = ? AND label_id = ?",
                                      (rid, label.id))
            if cursor.rowcount:
                changed += 1
                conn.execute(
                    "INSERT INTO label_history (rid, label_id, action, reviewer, at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (rid, label.id, "added" if adding else "removed", reviewer, now),
                )
        if changed:
            conn.execute("UPDATE cases SET reviewer = ?, updated = ? WHERE rid = ?",
                         (reviewer, now, rid))
        return changed

    def _change(self, case_id: str, labels: Iterable[str], *, adding: bool, reviewer: str) -> int:
        if not reviewer:
            raise CorpusError("a reviewer name is needed to change labels")
        now = utc_now()
        with self._write() as conn:
            rid = self._rid(conn, case_id)
            chosen = self._labels_for_change(conn, labels, adding=adding)
            return self._apply(conn, rid, chosen, adding=adding, reviewer=reviewer, now=now)

    def add_labels(self, case_id: str, labels: Iterable[str], *, reviewer: str) -> int:
        """Put labels on a case (those already there are left alone); returns how many were new."""
        return self._change(case_id, labels, adding=True, reviewer=reviewer)

    def remove_labels(self, case_id: str, labels: Iterable[str], *, reviewer: str) -> int:
        """Take labels off a case; returns how many were there."""
        return self._change(case_id, labels, adding=False, reviewer=reviewer)

    def toggle_label(self, case_id: str, label: str, *, reviewer: str) -> bool:
        """Flip one label on a case atomically; returns whether the case now has it."""
        if not reviewer:
            raise CorpusError("a reviewer name is needed to change labels")
        now = utc_now()
        with self._write() as conn:
            rid = self._rid(conn, case_id)
            found = self._label_row(conn, label)
            if found is None:
                raise self._unknown_label(label)
            present = conn.execute("SELECT 1 FROM case_labels WHERE rid = ? AND label_id = ?",
                                   (rid, found.id)).fetchone() is not None
            chosen = self._labels_for_change(conn, [label], adding=not present)
            self._apply(conn, rid, chosen, adding=not present, reviewer=reviewer, now=now)
        return not present

    def set_note(self, case_id: str, note: str, *, reviewer: str) -> None:
        """Replace the case's note (the reviewer becomes the case's last reviewer)."""
        if not reviewer:
            raise CorpusError("a reviewer name is needed to change a note")
        now = utc_now()
        with self._write() as conn:
            rid = self._rid(conn, case_id)
            conn.execute("UPDATE cases SET note = ?, reviewer = ?, updated = ? WHERE rid = ?",
                         (note, reviewer, now, rid))

    def history(self, case_id: str) -> list[dict[str, Any]]:
        """Every label change of a case, oldest first: label, action, reviewer, at."""
        with self._read() as conn:
            rid = self._rid(conn, case_id)
            rows = conn.execute(
                "SELECT l.name, h.action, h.reviewer, h.at FROM label_history h"
                " JOIN labels l ON l.id = h.label_id WHERE h.rid = ? ORDER BY h.at, h.id",
                (rid,),
            ).fetchall()
        return [{"label": n, "action": a, "reviewer": r, "at": t} for n, a, r, t in rows]

    # -- statistics

    def stats(self) -> dict[str, Any]:
        """Counts: cases, and cases per verdict, label (active labels, zeros included), pattern
        and reviewer (``""`` for cases nobody reviewed)."""
        with self._read() as conn:
            total = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
            verdicts = dict(conn.execute(
                "SELECT verdict, count(*) FROM cases GROUP BY verdict ORDER BY verdict"))
            labels = dict(conn.execute(
                "SELECT l.name, count(cl.rid) FROM labels l"
                " LEFT JOIN case_labels cl ON cl.label_id = l.id"
                " GROUP BY l.id HAVING l.retired = 0 OR count(cl.rid) > 0 ORDER BY l.name"))
            patterns = dict(conn.execute(
                "SELECT pattern, count(*) FROM case_patterns GROUP BY pattern ORDER BY pattern"))
            reviewers = dict(conn.execute(
                "SELECT reviewer, count(*) FROM cases GROUP BY reviewer ORDER BY reviewer"))
        return {"cases": total, "verdicts": verdicts, "labels": labels, "patterns": patterns,
                "reviewers": reviewers}

    # -- JSONL

    def iter_records(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Full records in id order, streamed from one cursor over a consistent snapshot."""
        where, params = self._where(**filters)
        with self._read() as conn:
            for row in conn.execute(_RECORD_SELECT + where + " ORDER BY c.id", params):
                yield _assemble(row)

    def export_jsonl(self, out: IO[str] | Path | str, **filters: Any) -> int:
        """Write matching records as JSONL (one compact sorted-key object a line, by id); returns
        how many.

        A path follows :func:`app.output.open_output`: a regular file or new path is written to
        a temporary file and renamed into place; a symlink is written through (the link stays);
        a FIFO or device is written directly. Unwritable targets raise
        :class:`app.output.OutputError` before any record is read.
        """
        if isinstance(out, (str, Path)):
            plan = output.plan_output(str(out))
            with output.open_output(plan) as handle:
                return self._export_to(handle, filters)
        return self._export_to(out, filters)

    def _export_to(self, handle: IO[str], filters: dict[str, Any]) -> int:
        count = 0
        for record in self.iter_records(**filters):
            try:
                line = jsonl.dumps_record(record)
            except ValueError as exc:
                raise CorpusError(f"case {record['id'][:12]} holds a number JSON cannot write "
                                  f"({exc}); nothing was exported") from exc
            handle.write(line)
            handle.write("\n")
            count += 1
        return count

    def import_jsonl(self, path: Path | str, *, reviewer: str | None = None,
                     progress: Callable[[float, str], None] | None = None) -> ImportReport:
        """Import a JSONL label set: validate every line first, then merge all of it in one
        transaction (or none of it). Raises :class:`ImportValidationError` listing bad lines.

        Merge by id: labels are united, history events are united, the side with the newer
        ``updated`` supplies the checker record, note and reviewer; ``created`` is the earlier.
        ``reviewer`` (default :func:`default_reviewer`) is recorded when the import re-adds a
        label whose history would otherwise end in a removal.
        """
        source = Path(path)
        try:
            problems, digest, total = jsonl.check_file(source, display=str(path))
        except OSError as exc:
            raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if problems:
            raise ImportValidationError(problems)
        importer = reviewer or default_reviewer()
        now = utc_now()
        counts: Counter[str] = Counter()
        hasher = hashlib.sha256()
        with self._write() as conn:
            label_ids = {name: lid for lid, name in conn.execute("SELECT id, name FROM labels")}
            done = 0
            for _lineno, raw in jsonl.iter_raw_lines(source):
                hasher.update(raw)
                # Validated in the first pass, with the same blank-line rule and JSON reader;
                # the digest check below catches a file that changed in between (and rolls
                # everything back).
                try:
                    if jsonl.is_blank(raw.decode("utf-8")):
                        continue
                    record = jsonl.loads_line(raw)
                except ValueError as exc:
                    raise CorpusError(f"{path} changed while being imported; nothing was "
                                      "imported, try again") from exc
                counts[self._merge(conn, record, label_ids, importer=importer, now=now)] += 1
                done += 1
                if progress is not None and (done % 1000 == 0 or done == total):
                    progress(done / max(total, 1), f"imported {done} of {total}")
            if hasher.hexdigest() != digest:
                raise CorpusError(f"{path} changed while being imported; nothing was imported, "
                                  "try again")
        return ImportReport(added=counts["added"], merged=counts["merged"],
                            unchanged=counts["unchanged"])

    def _merge(self, conn: sqlite3.Connection, record: dict[str, Any], label_ids: dict[str, int],
               *, importer: str, now: str) -> str:
        """Merge one valid record into the corpus; returns added / merged / unchanged."""
        created = jsonl.normalise_timestamp(record["created"]) if "created" in record else now
        updated = jsonl.normalise_timestamp(record["updated"]) if "updated" in record else now
        reviewer = record.get("reviewer", "")
        note = record.get("note", "")
        record_json = jsonl.dumps_record(_engine_part(record))
        incoming = [(h["label"], h["action"], h["reviewer"], jsonl.normalise_timestamp(h["at"]))
                    for h in record.get("history", ())]
        wanted = record.get("labels", [])
        for name in [*wanted, *(h[0] for h in incoming)]:
            if name not in label_ids:
                label_ids[name] = self._create_label(conn, name, now=now)

        row = conn.execute(
            "SELECT c.rid, c.reviewer, c.note, c.created, c.updated, c.source, r.record"
            " FROM cases c JOIN case_records r ON r.rid = c.rid WHERE c.id = ?",
            (record["id"],),
        ).fetchone()
        if row is None:
            rid = self._store_case(conn, record, rid=None, now=updated, reviewer=reviewer,
                                   note=note, created=created, record_json=record_json)
            existing_labels: set[int] = set()
            existing_history: Counter[tuple[int, str, str, str]] = Counter()
            history: list[tuple[int, str, str, str]] = []
            outcome = "added"
        else:
            rid, old_reviewer, old_note, old_created, old_updated, old_source, old_json = row
            outcome = "unchanged"
            if updated > old_updated:
                if (record_json, record["source"], note, reviewer) != (
                        old_json, old_source, old_note, old_reviewer):
                    self._store_case(conn, record, rid=rid, now=updated, record_json=record_json)
                conn.execute("UPDATE cases SET note = ?, reviewer = ?, updated = ? WHERE rid = ?",
                             (note, reviewer, updated, rid))
                outcome = "merged"
            if created < old_created:
                conn.execute("UPDATE cases SET created = ? WHERE rid = ?", (created, rid))
                outcome = "merged"
            existing_labels = {r[0] for r in conn.execute(
                "SELECT label_id FROM case_labels WHERE rid = ?", (rid,))}
            history = [(int(lid), action, who, at) for lid, action, who, at in conn.execute(
                "SELECT label_id, action, reviewer, at FROM label_history WHERE rid = ?"
                " ORDER BY at, id", (rid,))]
            existing_history = Counter(history)

        new_events = []
        for name, action, who, at in incoming:
            key = (label_ids[name], action, who, at)
            if existing_history[key]:
                existing_history[key] -= 1
            else:
                new_events.append(key)
        if new_events:
            conn.executemany("INSERT INTO label_history (rid, label_id, action, reviewer, at)"
                             " VALUES (?, ?, ?, ?, ?)", [(rid, *e) for e in new_events])
            history = sorted([*history, *new_events], key=lambda e: e[3])
            if outcome == "unchanged":
                outcome = "merged"

        fresh = [label_ids[name] for name in wanted if label_ids[name] not in existing_labels]
        if fresh:
            conn.executemany("INSERT INTO case_labels (rid, label_id) VALUES (?, ?)",
                             [(rid, lid) for lid in fresh])
            last_action = {lid: action for lid, action, _who, _at in history}
            readded = [(rid, lid, "added", importer, now) for lid in fresh
                       if last_action.get(lid) != "added"]
            if readded:
                conn.executemany("INSERT INTO label_history (rid, label_id, action, reviewer, at)"
                                 " VALUES (?, ?, ?, ?, ?)", readded)
            if outcome == "unchanged":
                outcome = "merged"
        return outcome
