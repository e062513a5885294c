"""Background work: live re-checks, dropped-file batches, toolchain probing and the corpus thread.

Results travel to the GUI thread by queued signals only; no code here touches a widget. Every
engine call gets a ``threading.Event`` for cancel (and the batch a progress callable).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal

from checkers.errors import CancelledError, CheckerError
from checkers.model import DEFAULT_EDITION, EDITIONS, Triage

log = logging.getLogger(__name__)

DEBOUNCE_MS = 500
RUST_SUFFIX = ".rs"
JSONL_SUFFIXES = (".jsonl", ".ndjson")
#: Directories never worth walking for Rust sources.
SKIP_DIRS = frozenset({".git", "target", "node_modules", ".hg", ".svn", "__pycache__"})


class CheckFn(Protocol):
    """What the GUI needs from the engine: one blocking check of one snippet."""

    def __call__(self, source: str, *, edition: str, origin: dict[str, Any] | None,
                 cancel: threading.Event) -> Triage: ...


class EngineCheck:
    """``checkers.engine.check_source`` bound to a resolved toolchain matrix (imported lazily)."""

    def __init__(self, toolchains: Any = None, *, confirm: bool = True) -> None:
        self.toolchains = toolchains
        self.confirm = confirm

    def __call__(self, source: str, *, edition: str, origin: dict[str, Any] | None,
                 cancel: threading.Event) -> Triage:
        from checkers.engine import check_source

        return check_source(source, edition=edition, toolchains=self.toolchains, origin=origin,
                            patterns=True, confirm=self.confirm, cancel=cancel)


def alive(obj: object) -> bool:
    """False once the C++ side of a Qt object is gone (a late queued result must not touch it)."""
    return not isinstance(obj, QObject) or shiboken6.isValid(obj)


def describe_error(exc: BaseException) -> str:
    """A one-paragraph message for the user; internal errors keep their type and are logged."""
    if isinstance(exc, CheckerError):
        return str(exc)
    log.error("internal error in a background task:\n%s",
              "".join(traceback.format_exception(exc)))
    return (f"internal error ({type(exc).__name__}: {exc}); this is a bug in Polonius Triage — "
            "please report it with the input that caused it")


# -- live checking of the editor -------------------------------------------------------------


class CheckSignals(QObject):
    """Signals of one :class:`CheckTask` (a QRunnable cannot own signals itself)."""

    check_finished = Signal(int, object)  # generation, Triage
    check_failed = Signal(int, str)  # generation, message
    check_cancelled = Signal(int)


class CheckTask(QRunnable):
    """Check one snippet on a pool thread and report by signal."""

    def __init__(self, generation: int, source: str, *, edition: str,
                 origin: dict[str, Any] | None, check: CheckFn, cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.generation = generation
        self.signals = CheckSignals()
        self._source = source
        self._edition = edition
        self._origin = origin
        self._check = check
        self._cancel = cancel

    def run(self) -> None:
        try:
            triage = self._check(self._source, edition=self._edition, origin=self._origin,
                                 cancel=self._cancel)
        except CancelledError:
            self.signals.check_cancelled.emit(self.generation)
        except Exception as exc:  # noqa: BLE001 - reported to the user via check_failed
            if self._cancel.is_set():
                self.signals.check_cancelled.emit(self.generation)
            else:
                self.signals.check_failed.emit(self.generation, describe_error(exc))
        else:
            if self._cancel.is_set():
                self.signals.check_cancelled.emit(self.generation)
            else:
                self.signals.check_finished.emit(self.generation, triage)


class LiveChecker(QObject):
    """Re-checks the editor's text after a pause; only the newest request's result is delivered."""

    check_started = Signal()
    check_finished = Signal(object)  # Triage of the newest request
    check_failed = Signal(str)

    def __init__(self, check: CheckFn, parent: QObject | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.check = check
        self._generation = 0
        self._cancel = threading.Event()
        self._pending: tuple[str, str, dict[str, Any] | None] | None = None
        self._tasks: dict[int, CheckTask] = {}
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def busy(self) -> bool:
        """True while a request waits for its pause or its check is running."""
        return self._timer.isActive() or self._generation in self._tasks

    def request(self, source: str, *, edition: str, origin: dict[str, Any] | None = None,
                immediate: bool = False) -> None:
        """Ask for a check of ``source``; waits for a pause in typing unless ``immediate``."""
        self._pending = (source, edition, origin)
        self._invalidate()
        if immediate:
            self._timer.stop()
            self._on_timer_timeout()
        else:
            self._timer.start()

    def invalidate(self) -> None:
        """Forget pending and running requests (e.g. another case was loaded)."""
        self._timer.stop()
        self._pending = None
        self._invalidate()

    def _invalidate(self) -> None:
        # A new generation makes every result in flight stale; cancel lets rustc stop early.
        self._generation += 1
        self._cancel.set()

    def _on_timer_timeout(self) -> None:
        if self._pending is None:
            return
        source, edition, origin = self._pending
        self._pending = None
        self._cancel = threading.Event()
        task = CheckTask(self._generation, source, edition=edition, origin=origin,
                         check=self.check, cancel=self._cancel)
        task.signals.check_finished.connect(self._on_task_finished)
        task.signals.check_failed.connect(self._on_task_failed)
        task.signals.check_cancelled.connect(self._on_task_cancelled)
        self._tasks[task.generation] = task
        self.check_started.emit()
        self._pool.start(task)

    def _on_task_finished(self, generation: int, triage: Triage) -> None:
        if not alive(self):
            return
        self._tasks.pop(generation, None)
        if generation == self._generation:
            self.check_finished.emit(triage)

    def _on_task_failed(self, generation: int, message: str) -> None:
        if not alive(self):
            return
        self._tasks.pop(generation, None)
        if generation == self._generation:
            self.check_failed.emit(message)

    def _on_task_cancelled(self, generation: int) -> None:
        if alive(self):
            self._tasks.pop(generation, None)

    def shutdown(self) -> None:
        """Cancel everything and join the pool's threads."""
        self.invalidate()
        self._pool.waitForDone()
        self._pool.clear()


# -- batches of dropped files ----------------------------------------------------------------

#: Niceness of batch worker processes; rustc inherits it, so the UI keeps a CPU on small machines.
BACKGROUND_NICENESS = 10


def _worker_init() -> None:
    """Batch worker process set-up: lower priority (POSIX), engine imported once."""
    if hasattr(os, "nice"):
        try:
            os.nice(BACKGROUND_NICENESS)
        except OSError as exc:
            log.debug("cannot lower the batch worker's priority: %s", exc)
    import checkers.engine  # noqa: F401 - pay the import once per worker, not per case


def _check_in_worker(source: str, edition: str, origin: dict[str, Any] | None,
                     confirm: bool) -> Triage:
    """One engine check in a worker process (toolchains are resolved once per process)."""
    from checkers.engine import check_source

    return check_source(source, edition=edition, origin=origin, patterns=True, confirm=confirm)


@dataclass(frozen=True, slots=True)
class CaseInput:
    """One snippet to triage, from a file or a JSONL line."""

    source: str
    edition: str = DEFAULT_EDITION
    origin: dict[str, Any] | None = None


@dataclass(slots=True)
class DropPlan:
    """What a drop (or Open) asks for: Rust files, folders, JSONL files, and what was refused."""

    rust_files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    jsonl_files: list[Path] = field(default_factory=list)
    refused: list[Path] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.rust_files or self.folders or self.jsonl_files)


def plan_paths(paths: Iterable[Path]) -> DropPlan:
    """Sort dropped paths into what can be triaged and what cannot (reported, never dropped)."""
    plan = DropPlan()
    for path in paths:
        if path.is_dir():
            plan.folders.append(path)
        elif path.suffix == RUST_SUFFIX and path.is_file():
            plan.rust_files.append(path)
        elif path.suffix in JSONL_SUFFIXES and path.is_file():
            plan.jsonl_files.append(path)
        else:
            plan.refused.append(path)
    return plan


def _walk_rust(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(RUST_SUFFIX):
                yield Path(root) / name


def _read_rust(path: Path) -> str:
    try:
        from checkers.snippet import read_source_file
    except ImportError:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckerError(f"{path}: cannot read it as UTF-8 text ({exc})") from exc
    return read_source_file(path)


def _jsonl_cases(path: Path, problems: list[str]) -> Iterator[CaseInput]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        problems.append(f"{path}: cannot open it ({exc.strerror or exc})")
        return
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{path}:{number}"
            try:
                obj = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                problems.append(f"{where}: not a JSON object ({exc})")
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("source"), str):
                problems.append(f"{where}: needs an object with a string \"source\"")
                continue
            edition = str(obj.get("edition") or DEFAULT_EDITION)
            if edition not in EDITIONS:
                problems.append(f"{where}: edition {edition!r} is not one of {', '.join(EDITIONS)}")
                continue
            origin = obj.get("origin")
            if not isinstance(origin, dict):
                origin = {"path": str(path), "line": number}
            yield CaseInput(obj["source"], edition, origin)


def collect_cases(plan: DropPlan, problems: list[str],
                  cancel: threading.Event | None = None) -> list[CaseInput]:
    """Read every planned input into cases; unreadable ones go to ``problems``."""
    cases: list[CaseInput] = []
    files = list(plan.rust_files)
    for folder in plan.folders:
        files.extend(_walk_rust(folder))
    for path in files:
        if cancel is not None and cancel.is_set():
            break
        try:
            source = _read_rust(path)
        except CheckerError as exc:
            problems.append(str(exc))
            continue
        cases.append(CaseInput(source, DEFAULT_EDITION, {"path": str(path)}))
    for path in plan.jsonl_files:
        cases.extend(_jsonl_cases(path, problems))
    return cases


class BatchThread(QThread):
    """Triage many cases on a pool, streaming results; cancel via :meth:`cancel`."""

    batch_started = Signal(int)  # total
    batch_progressed = Signal(int, int, float)  # done, total, files per second
    case_triaged = Signal(object)  # Triage
    case_failed = Signal(str)  # "origin: message"
    batch_finished = Signal(int, int, bool, list)  # done, total, cancelled, problems

    def __init__(self, plan: DropPlan, check: CheckFn, *, jobs: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plan = plan
        self._check = check
        self._jobs = max(1, jobs or os.cpu_count() or 2)
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        problems: list[str] = []
        cases = collect_cases(self._plan, problems, self._cancel)
        total = len(cases)
        self.batch_started.emit(total)
        done = 0
        start = time.monotonic()
        last_report = 0.0
        for outcome in self._triage_all(cases):
            done += 1
            if isinstance(outcome, Triage):
                self.case_triaged.emit(outcome)
            else:
                problems.append(outcome)
                self.case_failed.emit(outcome)
            now = time.monotonic()
            # Throttled: the GUI needs a few updates per second, not one per file.
            if now - last_report >= 0.1 or done == total:
                last_report = now
                self.batch_progressed.emit(done, total, done / max(now - start, 1e-6))
        self.batch_finished.emit(done, total, self._cancel.is_set(), problems)

    def _triage_all(self, cases: list[CaseInput]) -> Iterator[Triage | str]:
        def one(case: CaseInput) -> Triage | str:
            try:
                return self._check(case.source, edition=case.edition, origin=case.origin,
                                   cancel=self._cancel)
            except CancelledError:
                return ""
            except Exception as exc:  # noqa: BLE001 - one bad case must not stop the batch
                where = (case.origin or {}).get("path", "?")
                return f"{where}: {describe_error(exc)}"

        pool: Executor
        if isinstance(self._check, EngineCheck):
            # The engine's Python work (diagnostics, tree-sitter, patterns) runs in processes:
            # in threads it would hold this process's GIL and stall the UI thread.
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            engine = self._check
            pool = ProcessPoolExecutor(self._jobs, mp_context=context, initializer=_worker_init)

            def submit(case: CaseInput) -> Future[Triage | str]:
                return pool.submit(_check_in_worker, case.source, case.edition, case.origin,
                                   engine.confirm)
        else:
            pool = ThreadPoolExecutor(self._jobs, thread_name_prefix="ptriage-batch")

            def submit(case: CaseInput) -> Future[Triage | str]:
                return pool.submit(one, case)

        with pool:
            todo = iter(cases)
            running: dict[Future[Triage | str], CaseInput] = {}
            while True:
                while len(running) < self._jobs * 2 and not self._cancel.is_set():
                    case = next(todo, None)
                    if case is None:
                        break
                    running[submit(case)] = case
                if not running:
                    return
                finished, _pending = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    case = running.pop(future)
                    if future.cancelled():
                        continue
                    error = future.exception()
                    if error is None:
                        outcome = future.result()
                    elif isinstance(error, CancelledError):
                        outcome = ""
                    else:
                        where = (case.origin or {}).get("path", "?")
                        outcome = f"{where}: {describe_error(error)}"
                    if outcome != "":
                        yield outcome
                if self._cancel.is_set():
                    for future in running:
                        future.cancel()


# -- one-off background calls and the corpus thread ------------------------------------------


class _Delivery(QObject):
    """Carries a background result to the GUI thread (the signal is queued across threads)."""

    delivered = Signal(object, object, object)  # callback, value, error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.delivered.connect(self._on_self_delivered)

    def _on_self_delivered(self, callback: Callable[[Any], None] | None, value: Any,
                           error: BaseException | None) -> None:
        if callback is None:
            return
        owner = getattr(callback, "__self__", None)
        if owner is not None and not alive(owner):
            return
        callback(error if error is not None else value)


class SerialRunner(QObject):
    """One thread, in order (Anki's taskman): the corpus lives here, sqlite stays single-thread.

    ``run(op, success, failure)`` calls ``op(state)`` on the thread, then ``success(result)`` or
    ``failure(message)`` on the GUI thread. Never touch widgets inside ``op``.
    """

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"ptriage-{name}")
        self._delivery = _Delivery(self)
        self.state: Any = None

    def run(self, op: Callable[[Any], Any], success: Callable[[Any], None] | None = None,
            failure: Callable[[str], None] | None = None) -> Future[Any] | None:
        if self._executor is None:
            return None
        delivery = self._delivery

        def job() -> Any:
            try:
                value = op(self.state)
            except Exception as exc:  # noqa: BLE001 - handed to the failure callback
                message = describe_error(exc)
                if failure is None:
                    log.error("background task failed: %s", message)
                elif shiboken6.isValid(delivery):
                    delivery.delivered.emit(_Failure(failure), message, None)
                return None
            if shiboken6.isValid(delivery):
                delivery.delivered.emit(success, value, None)
            return value

        return self._executor.submit(job)

    def shutdown(self, final: Callable[[Any], None] | None = None) -> None:
        """Run ``final(state)`` last (e.g. close the corpus), then join the thread."""
        if self._executor is None:
            return
        if final is not None:
            state = self.state
            self._executor.submit(lambda: final(state))
        self._executor.shutdown(wait=True)
        self._executor = None


class _Failure:
    """Adapts a ``failure(message)`` callback to the delivery signature (keeps owner checks)."""

    def __init__(self, failure: Callable[[str], None]) -> None:
        self._failure = failure
        self.__self__ = getattr(failure, "__self__", None)

    def __call__(self, message: str) -> None:
        self._failure(message)
