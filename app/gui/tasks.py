"""Background work: live re-checks, the drop-batch waiting thread, toolchain probing, the corpus thread.

Results travel to the GUI thread by queued signals only; no code here touches a widget. Every
engine call gets a cancel flag; drop batches run the engine in a child process (batchproc.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal

from app.gui.batchproc import (
    FAILED,
    FINISHED,
    RECORDS,
    TOTAL,
    CancelFlag,
    ScanFn,
    ScanJob,
    child_main,
    produce,
)
from checkers.errors import CancelledError, CheckerError
from checkers.model import Triage

log = logging.getLogger(__name__)

DEBOUNCE_MS = 500


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

#: What a drop may name besides folders (the same inputs as `ptriage scan`).
RUST_SUFFIX = ".rs"
JSONL_SUFFIX = ".jsonl"
#: Seconds a cancelled batch process gets to stop on its own before it is terminated.
CANCEL_GRACE_SECONDS = 3.0
#: How often the waiting thread looks at the cancel flag while the pipe is quiet.
POLL_SECONDS = 0.1


def split_drop(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Dropped paths → (what ``iter_cases_from_paths`` should read, what is not Rust or JSONL).

    Folders, ``.rs`` and ``.jsonl`` files are read; a path that does not exist is passed on so
    the engine reports it like ``ptriage scan`` does. Anything else is refused (and listed).
    """
    accepted: list[Path] = []
    refused: list[Path] = []
    for path in paths:
        if path.is_dir() or not path.exists() or path.suffix in (RUST_SUFFIX, JSONL_SUFFIX):
            accepted.append(path)
        else:
            refused.append(path)
    return accepted, refused


class BatchThread(QThread):
    """Waits on the batch producer's pipe and re-emits what it sends; cancel via :meth:`cancel`.

    By default the producer is ONE spawned child process at lowered priority that runs
    ``checkers.scan.scan_iter`` (batching, result cache): the engine's Python work then never
    holds this process's GIL. With ``scan`` given (embedders, tests) the producer is a thread of
    this process running that function instead. Either way the records arrive pickled in
    batches; this thread only unpickles a batch and emits it.
    """

    batch_started = Signal(int)  # total cases
    batch_progressed = Signal(int, int, float)  # done, total, cases per second
    cases_triaged = Signal(list)  # a batch of Triage.to_record() dicts
    batch_failed = Signal(str)  # the batch could not run at all; user-facing message
    batch_finished = Signal(int, int, bool, list)  # done, total, cancelled, problems

    def __init__(self, paths: Sequence[Path], *, scan: ScanFn | None = None,
                 jobs: int | None = None, cache: bool = True, small_first: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = ScanJob(tuple(str(p) for p in paths), jobs=jobs, cache=cache,
                            small_first=small_first)
        self._scan = scan
        self._context = multiprocessing.get_context("spawn")
        # The producer watches this flag; a process needs the multiprocessing kind.
        self._cancel_event: Any = (threading.Event() if scan is not None
                                   else self._context.Event())
        self._cancel_requested = threading.Event()
        self.exit_code: int | None = None

    def cancel(self) -> None:
        self._cancel_requested.set()
        self._cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel_requested.is_set()

    def run(self) -> None:
        reader, writer = self._context.Pipe(duplex=False)
        process: BaseProcess | None = None
        thread: threading.Thread | None = None
        try:
            if self._scan is None:
                process = self._context.Process(target=child_main, name="ptriage-batch",
                                                args=(self._job, writer, self._cancel_event),
                                                daemon=True)
                process.start()
            else:
                thread = threading.Thread(target=_produce_and_close, name="ptriage-batch",
                                          args=(self._job, writer, self._cancel_event,
                                                self._scan))
                thread.start()
        except (OSError, RuntimeError) as exc:
            # E.g. out of processes, or a script embedding the window without a main guard.
            log.error("cannot start the batch process: %s", exc)
            reader.close()
            writer.close()
            self.batch_failed.emit(f"the batch process could not start ({exc}); close other "
                                   "programs or restart Polonius Triage, then drop again")
            self.batch_finished.emit(0, 0, self.cancelled, [])
            return
        # Only the producer may hold the writing end, or the reader would never see EOF.
        if process is not None:
            writer.close()
        try:
            self._pump(reader, process)
        finally:
            reader.close()
            if thread is not None:
                thread.join()
            if process is not None:
                self._stop_process(process)

    def _pump(self, reader: Connection, process: BaseProcess | None) -> None:
        total = 0
        done = 0
        problems: list[str] = []
        finished = False
        started = time.monotonic()
        deadline: float | None = None
        while True:
            if deadline is None and self._cancel_requested.is_set():
                deadline = time.monotonic() + CANCEL_GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                problems.append("the batch did not stop in time after Cancel and was ended")
                break
            if not reader.poll(POLL_SECONDS):
                continue
            try:
                message = pickle.loads(reader.recv_bytes())
            except EOFError:
                break
            kind = message[0]
            if kind == RECORDS:
                records, skipped = message[1], message[2]
                problems.extend(f"{where}: {reason}" for where, reason in skipped)
                if records:
                    done += len(records)
                    self.cases_triaged.emit(records)
                    elapsed = max(time.monotonic() - started, 1e-6)
                    self.batch_progressed.emit(done, max(total, done), done / elapsed)
            elif kind == TOTAL:
                total = message[1]
                problems.extend(f"{where}: {reason}" for where, reason in message[2])
                started = time.monotonic()
                self.batch_started.emit(total)
            elif kind == FAILED:
                self.batch_failed.emit(message[1])
            elif kind == FINISHED:
                finished = True
                break
        if not finished and not self._cancel_requested.is_set():
            code = process.exitcode if process is not None else None
            problems.append("the batch process stopped unexpectedly"
                            + (f" (exit code {code})" if code is not None else "")
                            + "; drop the files again, and report a bug if it happens again")
        self.batch_finished.emit(done, total, self._cancel_requested.is_set(), problems)

    def _stop_process(self, process: BaseProcess) -> None:
        process.join(CANCEL_GRACE_SECONDS if not self._cancel_requested.is_set() else 0.5)
        if process.is_alive():
            log.warning("ending the batch process %s, which did not exit on its own", process.pid)
            process.terminate()
            process.join(2.0)
        if process.is_alive():
            process.kill()
            process.join()
        self.exit_code = process.exitcode
        process.close()


def _produce_and_close(job: ScanJob, writer: Connection, cancel: CancelFlag,
                       scan: ScanFn) -> None:
    try:
        produce(job, writer, cancel, scan)
    finally:
        writer.close()


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
