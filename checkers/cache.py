"""The result cache: one CheckResult per (rustc identity, flags, env, edition, prepared source), in SQLite."""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from checkers.errors import CheckerError
from checkers.model import CheckResult
from checkers.paths import cache_dir
from checkers.snippet import Snippet
from checkers.toolchains import RoleInfo

#: Bump when the meaning of a cached CheckResult changes (diagnostic mapping, statuses, …).
#: 2: borrow-check classification from rustc_borrowck's own messages; timeouts cached.
#: 3: the scratch dir is `<scratch>` in messages; a `compile_error!` is never borrow-check.
CACHE_VERSION = 3
CACHE_FILE = "results.sqlite3"

#: Statuses that depend only on the compiler and the source, never on load or limits.
CACHEABLE_STATUSES = frozenset({"ok", "ice"})
#: Cached with the time limit it ran under: reused while the limit is not larger (a cold and a
#: warm scan then agree), re-run under a larger limit.
TIMEOUT = "timeout"
_LIMIT_FIELD = "timeout_limit_s"


class CacheError(CheckerError):
    """The result cache cannot be opened or written."""


def cache_key(info: RoleInfo, snippet: Snippet) -> str:
    """Key of one role's result: rustc identity (version, commit, host, flags, env) + edition + source.

    The prepared source is the normalised text rustc compiles (line endings, BOM and the final
    newline already normalised by ``prepare``); its line offset is part of it, so coordinates in
    a cached result are always right for the source that produced the key.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([CACHE_VERSION, info.identity(), snippet.edition, snippet.line_offset,
                              snippet.user_lines]).encode())
    digest.update(b"\0")
    digest.update(snippet.source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """A digest of the engine's own code and data: whole cached records go stale when it changes."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for file in sorted(root.rglob("*")):
        if file.suffix in (".py", ".scm", ".toml", ".json") and file.is_file():
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def default_cache_path() -> Path:
    return cache_dir() / CACHE_FILE


class ResultCache:
    """A process-safe, thread-safe key → CheckResult store (SQLite in WAL mode, busy timeout).

    Each thread gets its own connection; concurrent scans in other processes wait on the busy
    timeout instead of failing, and readers never block the writer.
    """

    def __init__(self, path: Path | None = None, *, busy_timeout: float = 60.0) -> None:
        self.path = path if path is not None else default_cache_path()
        self._busy_ms = int(busy_timeout * 1000)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._connect()  # fail early with a clear message

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self._busy_ms / 1000,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, role TEXT NOT "
                         "NULL, value TEXT NOT NULL, created REAL NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT "
                         "NOT NULL, created REAL NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"result cache {self.path} cannot be opened: {exc} (delete the file, "
                             "point PTRIAGE_CACHE_DIR elsewhere, or run with --no-cache)") from exc
        self._local.conn = conn
        with self._lock:
            self._connections.append(conn)
        return conn

    def get_many(self, keys: Iterable[str], *, timeout: float | None = None
                  ) -> dict[str, CheckResult]:
        """The cached results among ``keys`` (missing keys are simply absent).

        A cached timeout counts only when it ran under a limit of at least ``timeout`` seconds
        (None: any limit): with a larger limit the compiler may finish, so it runs again.
        """
        wanted = list(dict.fromkeys(keys))
        out: dict[str, CheckResult] = {}
        if not wanted:
            return out
        conn = self._connect()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            try:
                rows = conn.execute(f"SELECT key, role, value FROM results WHERE key IN ({marks})",
                                    chunk).fetchall()
            except sqlite3.Error as exc:
                raise CacheError(f"result cache {self.path} cannot be read: {exc} "
                                 "(run with --no-cache or delete the file)") from exc
            for key, role, value in rows:
                data = json.loads(value)
                if data.get("status") == TIMEOUT:
                    limit = data.get(_LIMIT_FIELD)
                    if not isinstance(limit, int | float) or (timeout is not None
                                                              and limit < timeout):
                        continue
                out[key] = CheckResult.from_dict(role, data)
        return out

    def put_many(self, items: Mapping[str, CheckResult], *, timeout: float | None = None) -> int:
        """Store results (deterministic statuses, and timeouts with the limit ``timeout`` they
        ran under); returns how many were written."""
        rows = []
        for key, result in items.items():
            data = result.to_dict()
            if result.status == TIMEOUT and timeout is not None:
                data[_LIMIT_FIELD] = timeout
            elif result.status not in CACHEABLE_STATUSES:
                continue
            rows.append((key, result.role, json.dumps(data, separators=(",", ":")), time.time()))
        return self._write("INSERT OR REPLACE INTO results (key, role, value, created) "
                           "VALUES (?, ?, ?, ?)", rows)

    def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Insert rows in one immediate transaction; a failure rolls back and says what to do."""
        if not rows:
            return 0
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise CacheError(f"result cache {self.path} cannot be written: {exc} "
                             "(run with --no-cache or delete the file)") from exc
        return len(rows)

    def get_records(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Whole cached records (without origin) among ``keys``."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, dict[str, Any]] = {}
        conn = self._connect()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            try:
                rows = conn.execute(f"SELECT key, value FROM records WHERE key IN ({marks})",
                                    chunk).fetchall()
            except sqlite3.Error as exc:
                raise CacheError(f"result cache {self.path} cannot be read: {exc} "
                                 "(run with --no-cache or delete the file)") from exc
            for key, value in rows:
                out[key] = json.loads(value)
        return out

    def put_records(self, items: Mapping[str, dict[str, Any]]) -> int:
        """Store whole records (callers only store records whose every role ran to a result)."""
        rows = [(key, json.dumps(record, separators=(",", ":"), ensure_ascii=False), time.time())
                for key, record in items.items()]
        return self._write("INSERT OR REPLACE INTO records (key, value, created) VALUES (?, ?, ?)",
                           rows)

    def count(self) -> int:
        row = self._connect().execute("SELECT COUNT(*) FROM results").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()


_OPEN_LOCK = threading.Lock()
_OPEN: dict[str, ResultCache] = {}


def shared_cache(path: Path | None = None) -> ResultCache:
    """One ResultCache per database path per process (workers reuse it across units)."""
    target = path if path is not None else default_cache_path()
    key = str(target.absolute())
    with _OPEN_LOCK:
        cache = _OPEN.get(key)
        if cache is None:
            cache = ResultCache(target)
            _OPEN[key] = cache
        return cache

