"""The batch runner controller: drops and folders triaged in the background into the corpus,
with progress, cancel, a queue, and the per-verdict summary at the end."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QStatusBar

from app.corpus import CaseSummary, Corpus
from app.gui import settings
from app.gui.batchproc import ScanFn
from app.gui.caselist import CaseListController
from app.gui.records import require_corpus, summary_fields
from app.gui.tasks import BatchThread, SerialRunner, alive, split_drop
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


class BatchController(QObject):
    """Runs drop batches one at a time (later drops queue), stores their records on the corpus
    thread in coalesced bursts, and reports progress and the end summary on the batch bar."""

    batch_started = Signal(int)  # cases to triage
    batch_finished = Signal(int, bool)  # cases triaged, cancelled
    cases_stored = Signal(list)  # CaseSummary of records just stored

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
        self._ending: set[BatchThread] = set()
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

    @property
    def running(self) -> bool:
        return self._batch is not None

    # -- starting

    def triage_urls(self, urls: Sequence[QUrl]) -> None:
        remote = [u.toString() for u in urls if not u.isLocalFile()]
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        self.triage_paths(paths, also_refused=remote)

    def triage_paths(self, paths: Sequence[Path], *, also_refused: Sequence[str] = (),
                     what: str | None = None) -> None:
        """Triage Rust files, folders and JSONL corpora (read exactly as `ptriage scan` reads
        them); list anything else in one message."""
        accepted, refused_paths = split_drop(paths)
        refused = [str(p) for p in refused_paths] + list(also_refused)
        if accepted:
            self.remember_roots(accepted)
        if refused:
            self._notice.show_message(refused_message(len(refused)), kind="warning",
                                      details=refused)
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
        settings.write("origin_roots", json.dumps(merged))
        settings.write("last_folder", roots[0])

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
        self._notice.show_message(f"The batch could not be triaged: {message}", kind="error")

    # -- the end

    def _on_thread_finished(self, batch: BatchThread) -> None:
        # The thread ends a moment after batch_finished (it reaps the batch process first);
        # waiting for it in the batch_finished slot would stall the UI.
        self._ending.discard(batch)
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
                                      kind="error", details=details)
        elif problems:
            self._notice.show_message(
                f"{len(details)} input{'s' * (len(details) != 1)} could not be triaged; fix or "
                "remove them and drop again:", kind="warning", details=details)
        summary = (f"Cancelled after {done} of {total}." if cancelled
                   else f"Triaged {triaged} case{'s' * (triaged != 1)}.")
        self._status.showMessage(summary, 6000)
        self.last_verdicts = {v: frozenset(ids) for v, ids in self._verdicts.items()}
        self.batch_finished.emit(triaged, cancelled)
        if self._queue:
            paths, what, queued_refused = self._queue.pop(0)
            self.triage_batch(paths, what, refused=queued_refused)
        elif self.last_verdicts:
            from app.gui.results import VERDICT_COLOURS

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
        for batch in list(self._ending):
            if alive(batch):
                batch.wait()
        self._ending.clear()
