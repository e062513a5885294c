"""Qt-free producer side of drop batches: read inputs, run ``scan_iter``, stream records down a pipe."""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: Niceness of the batch process; rustc inherits it, so the UI keeps a CPU on small machines.
BACKGROUND_NICENESS = 10
#: How often the producer sends what it has triaged: a few UI updates per second, not one per case.
FLUSH_SECONDS = 0.05
#: A message never carries more records than this (keeps each unpickle on the GUI side short).
MAX_RECORDS_PER_MESSAGE = 64
#: The first cases of a drop go one per unit, so the list shows a row within a second or two;
#: the rest use the engine's (throughput-sized) default units.
FIRST_CASES = 2
FIRST_UNIT_SIZE = 1


class CancelFlag(Protocol):
    """``threading.Event`` or ``multiprocessing.Event``: all the producer needs is ``is_set``."""

    def is_set(self) -> bool: ...


class ScanFn(Protocol):
    """``checkers.scan.scan_iter``'s shape, as far as a drop batch uses it."""

    def __call__(self, cases: Iterable[Any], *, cancel: Any, total: int | None,
                 on_skip: Callable[[str, str], None] | None) -> Iterator[Any]: ...


@dataclass(frozen=True, slots=True)
class ScanJob:
    """What one drop asks for (picklable: it crosses into the batch process)."""

    paths: tuple[str, ...]
    jobs: int | None = None
    cache: bool = True
    #: Prove findings by rewrite in the batch, as the live check does: a dropped case then
    #: shows (and stores) the same proof a re-check would.
    confirm: bool = True
    #: Triage the first FIRST_CASES cases in small units (first results sooner).
    small_first: bool = True


# Messages, each one ``pickle.dumps`` of a tuple sent with ``Connection.send_bytes``:
#   ("total", total, skipped)                  inputs read; ``skipped`` = [(where, reason), ...]
#   ("records", [record, ...], skipped)        Triage.to_record() dicts, in batches
#   ("failed", message)                        the scan could not run at all (user-facing text)
#   ("finished", cancelled)                    last message
TOTAL = "total"
RECORDS = "records"
FAILED = "failed"
FINISHED = "finished"


class _Outbox:
    """Buffers records and skips; a sender thread flushes them every FLUSH_SECONDS."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._skipped: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ptriage-batch-sender",
                                        daemon=True)
        self._thread.start()

    def send(self, *message: Any) -> None:
        with self._lock:
            self._conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def skip(self, where: str, reason: str) -> None:
        with self._lock:
            self._skipped.append((where, reason))

    def take_skipped(self) -> list[tuple[str, str]]:
        with self._lock:
            skipped, self._skipped = self._skipped, []
        return skipped

    def add(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._records.append(record)

    def flush(self) -> None:
        with self._lock:
            records, self._records = self._records, []
            skipped, self._skipped = self._skipped, []
            if not records and not skipped:
                return
            for start in range(0, max(1, len(records)), MAX_RECORDS_PER_MESSAGE):
                chunk = records[start:start + MAX_RECORDS_PER_MESSAGE]
                self._conn.send_bytes(pickle.dumps((RECORDS, chunk, skipped),
                                                   protocol=pickle.HIGHEST_PROTOCOL))
                skipped = []

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except (OSError, EOFError, BrokenPipeError) as exc:
                log.debug("the GUI closed the batch pipe: %s", exc)
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.flush()


def produce(job: ScanJob, conn: Connection, cancel: CancelFlag, scan: ScanFn | None = None) -> None:
    """Read the job's inputs like ``ptriage scan``, triage them and send every record down ``conn``.

    ``scan`` defaults to ``checkers.scan.scan_iter`` (with the result cache). Never raises:
    a failure is sent as a FAILED message, and FINISHED is always the last message.
    """
    outbox = _Outbox(conn)
    cancelled = False
    try:
        from checkers.inputs import iter_cases_from_paths

        cases = []
        for case in iter_cases_from_paths(job.paths, on_skip=outbox.skip):
            if cancel.is_set():
                break
            cases.append(case)
        outbox.send(TOTAL, len(cases), outbox.take_skipped())
        if scan is None:
            from checkers.scan import scan_iter

            def run(part: list[Any], **size: int) -> Iterable[Any]:
                return scan_iter(part, cancel=cancel, total=len(cases),  # type: ignore[arg-type]
                                 on_skip=outbox.skip, jobs=job.jobs, cache=job.cache,
                                 confirm=job.confirm, **size)

            if job.small_first and len(cases) > FIRST_CASES:
                triages: Iterable[Any] = itertools.chain(
                    run(cases[:FIRST_CASES], batch_size=FIRST_UNIT_SIZE),
                    run(cases[FIRST_CASES:]))
            else:
                triages = run(cases)
        else:
            triages = scan(cases, cancel=cancel, total=len(cases), on_skip=outbox.skip)
        for triage in triages:
            outbox.add(triage.to_record())
            if cancel.is_set():
                break
        cancelled = cancel.is_set()
    except Exception as exc:  # noqa: BLE001 - sent to the GUI, which shows it to the user
        outbox.send(FAILED, _describe(exc))
    finally:
        outbox.close()
        outbox.send(FINISHED, cancelled or cancel.is_set())


def _describe(exc: BaseException) -> str:
    from checkers.errors import CheckerError

    if isinstance(exc, CheckerError):
        return str(exc)
    return (f"internal error ({type(exc).__name__}: {exc}); this is a bug in Polonius Triage — "
            "please report it with the files you dropped.\n"
            + "".join(traceback.format_exception(exc)[-3:]).strip())


def child_main(job: ScanJob, conn: Connection, cancel: CancelFlag) -> None:
    """Entry point of the batch process (spawned): lower priority, then :func:`produce`."""
    if hasattr(os, "nice"):
        try:
            os.nice(BACKGROUND_NICENESS)
        except OSError as exc:
            log.debug("cannot lower the batch process's priority: %s", exc)
    started = time.monotonic()
    try:
        produce(job, conn, cancel)
    finally:
        conn.close()
        log.debug("batch process done after %.1f s", time.monotonic() - started)


def check_scan(check: Callable[..., Any]) -> ScanFn:
    """A ``scan_iter`` stand-in that calls ``check(source, edition=…, origin=…, cancel=…)`` per case
    (in-process batches for embedders and tests; a failing case is skipped with its reason)."""

    def scan(cases: Iterable[Any], *, cancel: Any, total: int | None,
             on_skip: Callable[[str, str], None] | None) -> Iterator[Any]:
        from checkers.errors import CancelledError

        for case in cases:
            if cancel.is_set():
                return
            try:
                yield check(case.source, edition=case.edition, origin=case.origin, cancel=cancel)
            except CancelledError:
                return
            except Exception as exc:  # noqa: BLE001 - one bad case must not stop the batch
                if on_skip is not None:
                    where = (case.origin or {}).get("path", "?")
                    on_skip(str(where), _describe(exc))

    return scan


def paths_of(items: Iterable[str | Path]) -> tuple[str, ...]:
    return tuple(str(p) for p in items)
