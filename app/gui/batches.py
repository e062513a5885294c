"""The batch and audit runner controller: drops and folders triaged in the background into the
corpus, Cargo workspaces audited in their own context, with progress, cancel, a queue, and the
per-verdict summary (and the audit report) at the end."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QStatusBar, QWidget

from app.corpus import CaseSummary, Corpus
from app.gui import settings
from app.gui.batchproc import ScanFn
from app.gui.caselist import CaseListController
from app.gui.records import require_corpus, summary_fields
from app.gui.tasks import BatchThread, SerialRunner, alive, describe_error, split_drop
from app.gui.widgets import BatchBar, NoticeBar

log = logging.getLogger(__name__)

#: Records of a drop batch are stored and listed together, at most this often (keeps the UI free).
BATCH_COALESCE_MS = 50
#: How many dropped folders the case list shows origins relative to.
MAX_ORIGIN_ROOTS = 20


def refused_message(count: int) -> str:
    return (f"{count} dropped item{'s are' if count != 1 else ' is'} neither Rust (.rs), "
            f"a folder, nor JSONL (.jsonl), and {'were' if count != 1 else 'was'} not "
            "triaged:")


def cargo_root(paths: Sequence[Path]) -> Path | None:
    """The workspace of a drop that is exactly one folder holding a Cargo.toml, else None."""
    if len(paths) == 1 and paths[0].is_dir() and (paths[0] / "Cargo.toml").is_file():
        return paths[0]
    return None


class AuditTask(QThread):
    """``checkers.audit.run_audit`` on a worker thread (cargo and rustc run as processes);
    progress, the result and failures travel by signal only."""

    audit_progressed = Signal(str, str, int, int)  # package label, role or step, done, total
    audit_finished = Signal(object)  # AuditResult
    audit_failed = Signal(str)  # user-facing message
    audit_cancelled = Signal()
    #: no sandbox, and building the workspace runs code: (message, what would run)
    audit_needs_trust = Signal(str, list)

    def __init__(self, root: Path, *, toolchains: Any = None, options: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self._toolchains = toolchains
        #: checkers.audit.AuditOptions (None: the defaults)
        self.options = options
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        from checkers.audit import TrustRequired, run_audit
        from checkers.errors import CancelledError

        try:
            result = run_audit(self.root, options=self.options, toolchains=self._toolchains,
                               cancel=self._cancel,
                               progress=lambda *step: self.audit_progressed.emit(*step))
        except CancelledError:
            self.audit_cancelled.emit()
        except TrustRequired as exc:
            self.audit_needs_trust.emit(str(exc), list(exc.runs_code))
        except Exception as exc:  # noqa: BLE001 - reported to the user via audit_failed
            if self._cancel.is_set():
                self.audit_cancelled.emit()
            else:
                self.audit_failed.emit(describe_error(exc))
        else:
            self.audit_finished.emit(result)


class DatasetTask(QThread):
    """``app.dataset.build_dataset`` on a worker thread, reading the corpus through its own
    connection (the corpus thread stays free for labeling meanwhile)."""

    dataset_progressed = Signal(float, str)  # fraction, message
    dataset_finished = Signal(object)  # DatasetReport
    dataset_failed = Signal(str)
    dataset_cancelled = Signal()

    def __init__(self, corpus_path: Path, out: Path, *, options: dict[str, Any],
                 check: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._corpus_path = corpus_path
        self._out = out
        self._options = options
        self._check = check
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        from app.dataset import DatasetCancelled, build_dataset

        try:
            with Corpus(self._corpus_path) as corpus:
                check = self._check(self._cancel) if self._check is not None else None
                report = build_dataset(
                    corpus, self._out, check=check, cancel=self._cancel,
                    command="Polonius Triage ▸ File ▸ Export Dataset",
                    progress=lambda f, m: self.dataset_progressed.emit(f, m), **self._options)
        except DatasetCancelled:
            self.dataset_cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - reported to the user via dataset_failed
            self.dataset_failed.emit(describe_error(exc))
        else:
            self.dataset_finished.emit(report)


class BatchController(QObject):
    """Runs drop batches one at a time (later drops queue), stores their records on the corpus
    thread in coalesced bursts, and reports progress and the end summary on the batch bar."""

    batch_started = Signal(int)  # cases to triage
    batch_finished = Signal(int, bool)  # cases triaged, cancelled
    cases_stored = Signal(list)  # CaseSummary of records just stored
    workspace_dropped = Signal(object)  # Path: ask "audit or scan?" (the window's dialog)
    audit_finished = Signal(int, str)  # files recorded, report path ("" when cancelled/failed)
    dataset_finished = Signal(object)  # DatasetReport, or None when cancelled or failed

    def __init__(self, db: SerialRunner, caselist: CaseListController, *, bar: BatchBar,
                 notice: NoticeBar, status: QStatusBar, scan: ScanFn | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._caselist = caselist
        self._bar = bar
        self._notice = notice
        self._status = status
        self._scan = scan
        #: First cases of a drop in small units (tests/bench/bench_gui.py compares both ways).
        self.small_first = True
        self._batch: BatchThread | None = None
        self._queue: list[tuple[list[Path], str, list[str]]] = []
        self._count = 0
        self._refused: list[str] = []
        self._failure = ""
        self._ending: set[BatchThread] = set()  # threads (batches, audits) still ending
        self._records: list[dict[str, Any]] = []
        #: verdict → ids of the running batch's cases (the end summary's "show these").
        self._verdicts: dict[str, set[str]] = {}
        self.last_verdicts: dict[str, frozenset[str]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BATCH_COALESCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        bar.cancel_clicked.connect(self.cancel)
        bar.verdict_clicked.connect(self._on_bar_verdict_clicked)
        bar.action_clicked.connect(self._on_bar_action_clicked)
        self._bar_action = self.open_report
        self._audit: AuditTask | None = None
        self._dataset: DatasetTask | None = None
        self.last_audit: Any = None
        self.last_report: Path | None = None
        #: The toolchains the audit uses (set when the window has probed them).
        self.toolchains: Any = None
        #: The open "run this code without a sandbox?" dialog, if any.
        self.trust_dialog: Any = None

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    @property
    def running(self) -> bool:
        return self._batch is not None or self._audit is not None or self._dataset is not None

    def _on_bar_action_clicked(self) -> None:
        self._bar_action()

    # -- starting

    def triage_urls(self, urls: Sequence[QUrl]) -> None:
        remote = [u.toString() for u in urls if not u.isLocalFile()]
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        self.triage_paths(paths, also_refused=remote)

    def triage_paths(self, paths: Sequence[Path], *, also_refused: Sequence[str] = (),
                     what: str | None = None) -> None:
        """Triage Rust files, folders and JSONL corpora (read exactly as `ptriage scan` reads
        them); list anything else in one message."""
        if not self.running:
            self._notice.clear("batch")  # the last batch's problems are stale now
        accepted, refused_paths = split_drop(paths)
        refused = [str(p) for p in refused_paths] + list(also_refused)
        root = cargo_root(accepted) if not refused else None
        if root is not None and what is None:
            # A Cargo workspace: audit it in its own context, or scan its files as snippets.
            self.remember_roots(accepted)
            self.workspace_dropped.emit(root)
            return
        if accepted:
            self.remember_roots(accepted)
        if refused:
            self._notice.show_message(refused_message(len(refused)), kind="warning",
                                      details=refused, topic="batch")
        if accepted:
            count = len(accepted)
            self.triage_batch(accepted, what or f"{count} dropped item{'s' * (count != 1)}",
                              refused=refused)

    def remember_roots(self, paths: Sequence[Path]) -> None:
        """Origins under a dropped folder show relative to it; the last folder is remembered."""
        model = self._caselist.panel.model
        folders = [p if p.is_dir() else p.parent for p in paths]
        roots = [str(f.resolve()) for f in folders]
        known = [r for r in model.origin_roots if r not in roots]
        merged = (roots + known)[:MAX_ORIGIN_ROOTS]
        model.set_origin_roots(merged)
        settings.write_many({"origin_roots": json.dumps(merged), "last_folder": roots[0]})

    def restore_roots(self) -> None:
        roots = settings.read_str("origin_roots")
        if roots:
            try:
                self._caselist.panel.model.set_origin_roots([str(r) for r in json.loads(roots)])
            except (ValueError, TypeError) as exc:
                log.warning("ignoring the remembered origin roots: %s", exc)

    def triage_batch(self, paths: Sequence[Path], what: str, *,
                     refused: Sequence[str] = ()) -> None:
        """Start a batch for ``paths`` (or queue it behind the running one)."""
        if self._batch is not None:
            self._queue.append((list(paths), what, list(refused)))
            self._status.showMessage(f"Queued {what} after the running batch.", 3000)
            return
        self._count = 0
        self._refused = list(refused)
        self._failure = ""
        batch = BatchThread(paths, scan=self._scan, small_first=self.small_first, parent=self)
        batch.finished.connect(lambda: self._on_thread_finished(batch))
        batch.batch_started.connect(self._on_batch_started)
        batch.batch_progressed.connect(self._bar.set_progress)
        batch.cases_triaged.connect(self._on_cases_triaged)
        batch.batch_failed.connect(self._on_batch_failed)
        batch.batch_finished.connect(self._on_batch_finished)
        self._batch = batch
        self._verdicts = {}
        self._bar.start(what)
        batch.start()

    def cancel(self) -> None:
        self._queue.clear()
        if self._batch is not None:
            self._batch.cancel()
            self._bar.cancelling()
        if self._audit is not None:
            self._audit.cancel()
            self._bar.cancelling()
        if self._dataset is not None:
            self._dataset.cancel()
            self._bar.cancelling()

    # -- dataset export (app.dataset)

    def export_dataset(self, corpus_path: Path, out: Path, *, options: dict[str, Any],
                       check: Any = None) -> None:
        """Build a dataset directory from the corpus in the background (progress, cancel)."""
        if self.running:
            self._status.showMessage("Wait for the running batch to finish (or cancel it), "
                                     "then export the dataset.", 6000)
            return
        task = DatasetTask(corpus_path, out, options=options, check=check, parent=self)
        task.dataset_progressed.connect(self._on_dataset_progressed)
        task.dataset_finished.connect(self._on_dataset_finished)
        task.dataset_failed.connect(self._on_dataset_failed)
        task.dataset_cancelled.connect(self._on_dataset_cancelled)
        task.finished.connect(lambda: self._on_thread_finished(task))  # type: ignore[arg-type]
        self._dataset = task
        self._bar.start(f"the dataset export to {out}")
        self._bar.title.setText(f"Exporting a dataset to {out.name}")
        task.start()

    def _on_dataset_progressed(self, fraction: float, message: str) -> None:
        self._bar.set_step(message, int(fraction * 100), 100)

    def _end_dataset(self) -> None:
        if self._dataset is not None:
            self._ending.add(self._dataset)  # type: ignore[arg-type]
        self._dataset = None

    def _on_dataset_finished(self, report: Any) -> None:
        self._end_dataset()
        skipped = sum(report.pairs_skipped.values())
        text = (f"Exported a dataset to {report.out}: {report.cases} cases, {report.pairs} "
                f"pairs" + (f" ({skipped} workarounds not proven on re-check)" if skipped
                            else "") + ".")
        self._bar.finish(text, {}, {}, action="Open folder")
        out = Path(report.out)
        self._bar_action = lambda: self._open_path(out)
        self.dataset_finished.emit(report)

    def _on_dataset_failed(self, message: str) -> None:
        self._end_dataset()
        self._bar.hide()
        self._notice.show_message(f"The dataset was not exported: {message}", kind="error")
        self.dataset_finished.emit(None)

    def _on_dataset_cancelled(self) -> None:
        self._end_dataset()
        self._bar.hide()
        self._status.showMessage("Dataset export cancelled; nothing was written.", 6000)
        self.dataset_finished.emit(None)

    def _open_path(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._notice.show_message(f"Cannot open a file manager; the files are in {path}",
                                      kind="warning")

    # -- crate audits

    def audit_workspace(self, root: Path, *, corroborate: str = "needed",
                        trust: bool = False) -> None:
        """Audit ``root`` as a Cargo workspace (checkers.audit) in the background.

        Without a sandbox, a workspace whose build runs code (build scripts, proc macros) is
        audited only once the user has confirmed it in a dialog naming that code (``trust``).
        """
        from checkers.audit import AuditOptions

        if self.running:
            self._status.showMessage("Wait for the running batch to finish (or cancel it), "
                                     "then drop the workspace again.", 6000)
            return
        options = AuditOptions(corroborate=corroborate, trust=trust)
        task = AuditTask(root, toolchains=self.toolchains, options=options, parent=self)
        task.audit_needs_trust.connect(
            lambda message, code: self._on_audit_needs_trust(root, options, message, code))
        task.audit_progressed.connect(self._on_audit_progressed)
        task.audit_finished.connect(self._on_audit_finished)
        task.audit_failed.connect(self._on_audit_failed)
        task.audit_cancelled.connect(self._on_audit_cancelled)
        task.finished.connect(lambda: self._on_thread_finished(task))  # type: ignore[arg-type]
        self._audit = task
        self._bar.start(f"the Cargo workspace {root.name}")
        self._bar.title.setText(f"Auditing the Cargo workspace {root.name}")
        task.start()

    def _on_audit_progressed(self, label: str, step: str, done: int, total: int) -> None:
        self._bar.set_step(f"{label}: {step}", done, total)

    def _end_audit(self) -> None:
        if self._audit is not None:
            self._ending.add(self._audit)  # type: ignore[arg-type]
        self._audit = None

    def _on_audit_needs_trust(self, root: Path, options: Any, message: str,
                              runs_code: list[str]) -> None:
        from app.gui.dialogs import TrustDialog

        self._end_audit()
        self._bar.hide()
        dialog = TrustDialog(root, message, runs_code, parent=self._dialog_parent())
        dialog.accepted.connect(lambda: self.audit_workspace(
            root, corroborate=options.corroborate, trust=True))
        dialog.rejected.connect(lambda: self._status.showMessage(
            f"{root.name} was not audited: its build scripts and proc macros would run "
            "without a sandbox.", 8000))
        dialog.finished.connect(dialog.deleteLater)
        self.trust_dialog = dialog
        dialog.open()
        self.audit_finished.emit(0, "")

    def _on_audit_failed(self, message: str) -> None:
        self._end_audit()
        self._bar.hide()
        self._notice.show_message(f"The workspace could not be audited: {message}",
                                  kind="error")
        self.audit_finished.emit(0, "")

    def _on_audit_cancelled(self) -> None:
        self._end_audit()
        self._bar.hide()
        self._status.showMessage("Audit cancelled; nothing was stored.", 6000)
        self.audit_finished.emit(0, "")

    def _on_audit_finished(self, result: Any) -> None:
        self.last_audit = result
        records = list(result.records)

        def op(corpus: Corpus | None) -> list[CaseSummary]:
            corpus = require_corpus(corpus)
            summaries = []
            for record in records:
                corpus.upsert_record(record)
                stored = corpus.get(record["id"])
                if stored is not None:
                    summaries.append(CaseSummary(**summary_fields(stored)))
            return summaries

        def done(summaries: list[CaseSummary]) -> None:
            self._end_audit()
            self._on_db_stored(summaries)
            self._verdicts = {}
            for record in records:
                self._verdicts.setdefault(str(record.get("verdict")), set()).add(record["id"])
            self.last_verdicts = {v: frozenset(ids) for v, ids in self._verdicts.items()}
            report = self.write_report()
            from app.gui.results import VERDICT_COLOURS

            count = len(records)
            self._bar.finish(
                f"Audited {Path(result.root).name}: {count} file{'s' * (count != 1)} "
                f"({result.sandbox if result.sandbox != 'none' else 'no sandbox'}"
                f"{', cached' if result.cached else ''}):",
                {v: len(ids) for v, ids in self.last_verdicts.items()}, VERDICT_COLOURS,
                action="Open report")
            self._bar_action = self.open_report
            self.audit_finished.emit(count, str(report or ""))

        def failed(message: str) -> None:
            self._end_audit()
            self._on_db_failed(message)

        self._db.run(op, done, failed)

    def write_report(self) -> Path | None:
        """The last audit's HTML report, written under the cache dir (the workspace stays as
        it is); None when it cannot be written (and a message says why)."""
        from checkers.paths import cache_dir

        if self.last_audit is None:
            return None
        name = Path(self.last_audit.root).name or "workspace"
        out = cache_dir() / "audit-reports" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.html"
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.last_report = self.last_audit.write_report(out)
        except OSError as exc:
            self._notice.show_message(f"Cannot write the audit report {out}: {exc}",
                                      kind="error")
            return None
        return self.last_report

    def open_report(self) -> None:
        """Open the last audit's report in the browser (one click from the summary)."""
        report = self.last_report or self.write_report()
        if report is None:
            self._status.showMessage("No audit report yet: drop a Cargo workspace.", 4000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(report))):
            self._notice.show_message(f"Cannot open a browser; the report is {report}",
                                      kind="warning")

    # -- progress

    def _on_batch_started(self, total: int) -> None:
        self._bar.set_total(total, len(self._queue))
        self.batch_started.emit(total)

    def _on_cases_triaged(self, records: list[dict[str, Any]]) -> None:
        # Coalesced: bursts of batches become one corpus write and one row insertion.
        self._count += len(records)
        self._records.extend(records)
        for record in records:
            self._verdicts.setdefault(str(record.get("verdict")), set()).add(record["id"])
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        records, self._records = self._records, []
        if not records:
            return

        def op(corpus: Corpus | None) -> list[CaseSummary]:
            corpus = require_corpus(corpus)
            summaries = []
            for record in records:
                corpus.upsert_record(record)
                stored = corpus.get(record["id"])
                if stored is not None:
                    summaries.append(CaseSummary(**summary_fields(stored)))
            return summaries

        self._db.run(op, self._on_db_stored, self._on_db_failed)

    def _on_db_stored(self, summaries: list[CaseSummary]) -> None:
        if summaries:
            self._caselist.upsert_many(summaries)
            self.cases_stored.emit(summaries)

    def _on_batch_failed(self, message: str) -> None:
        self._failure = message
        self._notice.show_message(f"The batch could not be triaged: {message}", kind="error",
                                  topic="batch")

    # -- the end

    def _on_thread_finished(self, batch: BatchThread | QThread) -> None:
        # The thread ends a moment after batch_finished (it reaps the batch process first);
        # waiting for it in the batch_finished slot would stall the UI.
        self._ending.discard(batch)  # type: ignore[arg-type]
        if alive(batch):
            batch.deleteLater()

    def _on_batch_finished(self, done: int, total: int, cancelled: bool,
                           problems: list[str]) -> None:
        if self._batch is not None and self._batch.isRunning():
            self._ending.add(self._batch)
        self._timer.stop()
        self._on_timer_timeout()
        refused = self._refused
        # The corpus thread runs in order: this lands after every record of the batch is stored.
        self._db.run(lambda _corpus: None,
                     lambda _none: self._on_db_drained(done, total, cancelled, problems, refused),
                     self._on_db_failed)

    def _on_db_drained(self, done: int, total: int, cancelled: bool, problems: list[str],
                       refused: list[str]) -> None:
        self._batch = None
        triaged = self._count
        details = [f"{path}: not Rust or JSONL" for path in refused] + problems
        if self._failure:
            self._notice.show_message(f"The batch could not be triaged: {self._failure}",
                                      kind="error", details=details, topic="batch")
        elif problems:
            self._notice.show_message(
                f"{len(details)} input{'s' * (len(details) != 1)} could not be triaged; fix or "
                "remove them and drop again:", kind="warning", details=details,
                topic="batch")
        summary = (f"Cancelled after {done} of {total}." if cancelled
                   else f"Triaged {triaged} case{'s' * (triaged != 1)}.")
        self._status.showMessage(summary, 6000)
        self.last_verdicts = {v: frozenset(ids) for v, ids in self._verdicts.items()}
        self._caselist.release_held()  # held back so the selected row kept still; sort them in
        self.batch_finished.emit(triaged, cancelled)
        if self._queue:
            paths, what, queued_refused = self._queue.pop(0)
            self.triage_batch(paths, what, refused=queued_refused)
        elif self.last_verdicts:
            from app.gui.results import VERDICT_COLOURS

            self._bar_action = self.open_report
            self._bar.finish(f"{summary[:-1]} from {self._bar.what}:",
                             {v: len(ids) for v, ids in self.last_verdicts.items()},
                             VERDICT_COLOURS)
        else:
            self._bar.hide()

    def _on_bar_verdict_clicked(self, verdict: str) -> None:
        ids = self.last_verdicts.get(verdict, frozenset())
        self._caselist.show_subset(ids, f"the batch's {verdict} cases")

    def _on_db_failed(self, message: str) -> None:
        self._notice.show_message(f"The corpus operation failed: {message}", kind="error")

    def shutdown(self) -> None:
        """Cancel the running batch and wait for its thread (the window is closing)."""
        self._queue.clear()
        self._timer.stop()
        if self._batch is not None and alive(self._batch):
            self._batch.cancel()
            self._ending.add(self._batch)
            self._batch = None
        for task in (self._audit, self._dataset):
            if task is not None and alive(task):
                task.cancel()
                self._ending.add(task)  # type: ignore[arg-type]
        self._audit = None
        self._dataset = None
        for batch in list(self._ending):
            if alive(batch):
                batch.wait()
        self._ending.clear()
