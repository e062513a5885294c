"""The case view controller: which case the editor shows, its live re-checks, and the result
views (banner, functions, role columns, findings) that describe it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QStatusBar, QTabWidget

from app.corpus import CaseSummary, Corpus, origin_text
from app.gui.caselist import CaseListController
from app.gui.editor import CodeEditor
from app.gui.labels import LabelPanel
from app.gui.records import merged_diagnostics, require_corpus, triage_from_record
from app.gui.results import (
    FindingsPanel,
    FunctionStrip,
    RoleColumns,
    VerdictBanner,
    findings_are_the_news,
)
from app.gui.tasks import CheckFn, LiveChecker, SerialRunner
from app.gui.widgets import NoticeBar
from checkers.model import DEFAULT_EDITION, EDITIONS, Triage, normalise_source


def keep_stored_origin(record: dict[str, Any], existing: dict[str, Any] | None
                       ) -> dict[str, Any]:
    """``record``, with the stored case's origin when the check carries none (an edit undone
    back to a stored case is that case, from its file)."""
    if existing is not None and record.get("origin") is None and existing.get("origin"):
        return {**record, "origin": existing["origin"]}
    return record


@dataclass(frozen=True, slots=True)
class CaseViews:
    """The widgets that show one case."""

    editor: CodeEditor
    edition: QComboBox
    banner: VerdictBanner
    functions: FunctionStrip
    tabs: QTabWidget
    roles: RoleColumns
    findings: FindingsPanel
    labels_panel: LabelPanel


class CaseViewController(QObject):
    """Owns what is on screen: the shown case's triage, its stored record (if any), its origin,
    whether the result on screen is newer than the corpus's, and typed code kept as drafts."""

    case_loaded = Signal(str)  # id
    triage_shown = Signal(object)  # Triage now on screen
    leaving = Signal()  # about to show something else (a note typed for this case is flushed)
    checked = Signal(object)  # a live check finished and its stored state was looked up

    def __init__(self, views: CaseViews, *, db: SerialRunner, live: LiveChecker,
                 check: CheckFn, caselist: CaseListController, notice: NoticeBar,
                 status: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.v = views
        self._db = db
        self.live = live
        self._check = check
        self._caselist = caselist
        self._notice = notice
        self._status = status
        self.drafts = SerialRunner("drafts", self)
        self._draft_cancel = threading.Event()
        self.triage: Triage | None = None
        self.stored_record: dict[str, Any] | None = None
        self.origin: dict[str, Any] | None = None
        #: The stored case the reviewer typed over (the edit is a new case, without its origin).
        self.edited_from: str | None = None
        #: The triage on screen came from a check and differs from (or is missing in) the corpus.
        self.unsaved_result = False
        self._info_case: str | None = None
        self._loading = False
        self._closed = False
        live.check_started.connect(self._on_live_check_started)
        live.check_finished.connect(self._on_live_check_finished)
        live.check_failed.connect(self._on_live_check_failed)
        views.editor.textChanged.connect(self._on_editor_text_changed)
        views.edition.currentIndexChanged.connect(self._on_edition_current_index_changed)
        views.roles.diagnostic_activated.connect(views.editor.jump_to)
        views.findings.finding_activated.connect(views.editor.jump_to)
        views.findings.open_requested.connect(self._on_findings_open_requested)
        views.functions.function_activated.connect(lambda line: views.editor.jump_to(line, 1))
        caselist.case_selected.connect(self._on_caselist_case_selected)

    # -- what is shown

    def current_edition(self) -> str:
        return str(self.v.edition.currentData() or DEFAULT_EDITION)

    def current_record(self) -> dict[str, Any] | None:
        """The record to store for what the editor shows, or None while it is being checked."""
        if self.triage is None or self.live.busy:
            return None
        if normalise_source(self.v.editor.toPlainText()) != normalise_source(self.triage.source):
            return None
        return self.triage.to_record()

    def set_stored(self, record: dict[str, Any]) -> None:
        """The corpus now holds ``record`` for the case on screen (labels, note, history)."""
        self.stored_record = record
        self.unsaved_result = False
        self._caselist.select_quietly(record["id"])

    def shows(self, case_id: str) -> bool:
        return self.triage is not None and self.triage.id == case_id

    # -- loading

    def _on_caselist_case_selected(self, case_id: str) -> None:
        if self.shows(case_id) and not self.live.busy:
            return
        self.load_case(case_id)

    def load_case(self, case_id: str) -> None:
        """Show a stored case: its source, its stored result and its labels (no rustc needed)."""
        self.leaving.emit()
        self.keep_shown_work()
        self.live.invalidate()
        self._db.run(lambda c: require_corpus(c).get(case_id), self._on_db_case_loaded,
                     self._on_db_failed)

    def _on_db_case_loaded(self, record: dict[str, Any] | None) -> None:
        if record is None:
            self._notice.show_message("That case is no longer in the corpus (another program "
                                      "changed it?); the list was reloaded.", kind="warning",
                                      topic="case")
            self._caselist.reload()
            return
        self._notice.clear("case")  # another case is shown: that notice is stale
        triage = triage_from_record(record)
        self.origin = triage.origin
        self.edited_from = None
        self._set_editor_text(triage.source, triage.edition)
        self.show_triage(triage)
        self.set_stored(record)
        self.show_case_info(record)
        self.case_loaded.emit(triage.id)

    def _set_editor_text(self, source: str, edition: str) -> None:
        self._loading = True
        try:
            self.v.editor.setPlainText(source)
            self.v.edition.setCurrentIndex(max(0, EDITIONS.index(edition)
                                               if edition in EDITIONS else 0))
        finally:
            self._loading = False

    def show_case_info(self, record: dict[str, Any] | None) -> None:
        """The labeling panel's account of the shown case (stored, or not yet)."""
        panel = self.v.labels_panel
        triage = self.triage
        shown = record["id"] if record is not None else (triage.id if triage else None)
        if shown != self._info_case:
            # A status line ("Labels: …") is about one case; never carry it to the next.
            self._info_case = shown
            panel.status.setText("")
        if record is not None:
            panel.show_case(case_id=record["id"], origin=origin_text(record.get("origin")),
                            stored=True, note=record.get("note", ""),
                            updated=record.get("updated", ""),
                            reviewer=record.get("reviewer", ""))
            panel.set_checked(record.get("labels", ()))
            panel.show_history(record.get("history", ()))
        elif triage is not None:
            note = panel.note.toPlainText()
            origin = origin_text(triage.origin)
            if not origin and self.edited_from is not None:
                origin = f"edited from case {self.edited_from[:12]}"
            panel.show_case(case_id=triage.id, origin=origin, stored=False, note=note)
            panel.set_checked(())
            panel.show_history(())

    def open_source(self, source: str, *, edition: str = DEFAULT_EDITION,
                    origin: dict[str, Any] | None = None) -> None:
        """Put code in the editor and check it right away."""
        self.leaving.emit()
        self.keep_shown_work()
        self.stored_record = None
        self.triage = None
        self._caselist.shown_id = None
        self.origin = origin
        self.edited_from = None
        self.unsaved_result = False
        self._set_editor_text(source, edition)
        self.v.editor.clear_annotations()
        self.v.labels_panel.show_case(case_id=None, origin="", stored=False, note="")
        self.v.labels_panel.set_checked(())
        self._caselist.panel.table.clearSelection()
        self.live.request(source, edition=edition, origin=origin, immediate=True)

    def refresh_stored(self) -> None:
        """Another corpus opened: the shown case's "stored" state must follow it."""
        if self.triage is None:
            return
        case_id = self.triage.id

        def done(record: dict[str, Any] | None) -> None:
            if not self.shows(case_id):
                return
            if record is None:
                self.stored_record = None
                self.show_case_info(None)
            else:
                self._on_db_stored_looked_up(record)

        self._db.run(lambda c: c.get(case_id) if c is not None else None, done,
                     self._on_db_failed)

    def on_cases_stored(self, summaries: list[CaseSummary]) -> None:
        """A batch stored cases: show the first if nothing is shown; if the shown case is among
        them, it is now in the corpus (e.g. the first-launch sample)."""
        if self.triage is None and not self.live.busy and \
                not self.v.editor.toPlainText().strip():
            self.load_case(summaries[0].id)
        elif self.triage is not None and self.stored_record is None \
                and any(s.id == self.triage.id for s in summaries):
            case_id = self.triage.id
            self._db.run(lambda c: c.get(case_id) if c is not None else None,
                         self._on_db_stored_looked_up, self._on_db_failed)

    # -- checking

    def _on_editor_text_changed(self) -> None:
        if self._loading:
            return
        if self.edited_from is None and self.triage is not None \
                and self.stored_record is not None:
            self.edited_from = self.triage.id
        # Typed code is a new case: it does not come from the loaded case's file and line.
        self.origin = None
        self._mark_result_stale()
        self.live.request(self.v.editor.toPlainText(), edition=self.current_edition(),
                          origin=self.origin)

    def _on_edition_current_index_changed(self, _index: int) -> None:
        if not self._loading and self.v.editor.toPlainText().strip():
            self.live.request(self.v.editor.toPlainText(), edition=self.current_edition(),
                              origin=self.origin, immediate=True)

    def recheck(self) -> None:
        if self.v.editor.toPlainText().strip():
            self.live.request(self.v.editor.toPlainText(), edition=self.current_edition(),
                              origin=self.origin, immediate=True)

    def _mark_result_stale(self) -> None:
        """The editor no longer shows what the result describes: undraw it until the new one."""
        self.v.editor.clear_annotations()
        self.v.roles.setEnabled(False)
        self.v.findings.setEnabled(False)
        self.v.banner.show_checking(True)
        self._caselist.clear_selection_quietly()

    def _on_live_check_started(self) -> None:
        self.v.banner.show_checking(True)

    def _on_live_check_failed(self, message: str) -> None:
        self.v.banner.show_error(message)
        self._status.showMessage("The check failed; see the banner.", 5000)

    def _on_live_check_finished(self, triage: Triage) -> None:
        previous = self.triage.id if self.triage is not None else None
        self.show_triage(triage)
        self.unsaved_result = True
        if triage.id != previous or self.stored_record is None:
            self.stored_record = None
            self.show_case_info(None)
            self._db.run(lambda c: c.get(triage.id) if c is not None else None,
                         self._on_db_stored_looked_up, self._on_db_failed)
        self.checked.emit(triage)

    def _on_db_stored_looked_up(self, record: dict[str, Any] | None) -> None:
        if record is None or not self.shows(record["id"]):
            return
        self.stored_record = record
        panel = self.v.labels_panel
        dirty = panel.note_dirty
        note = panel.note.toPlainText()
        self.show_case_info(record)
        if dirty:
            panel.note.setPlainText(note)
        self._caselist.select_quietly(record["id"])

    def _on_findings_open_requested(self, source: str) -> None:
        self.open_source(source, edition=self.current_edition())

    def show_triage(self, triage: Triage) -> None:
        """Show ``triage`` in every result view (and its annotations, if the text matches)."""
        previous = self.triage.id if self.triage is not None else None
        self.triage = triage
        self._caselist.shown_id = triage.id
        v = self.v
        if triage.id != previous:
            # When the news is a confirmed workaround on clean code, open where it is shown.
            v.tabs.setCurrentIndex(1 if findings_are_the_news(triage) else 0)
        v.roles.setEnabled(True)
        v.findings.setEnabled(True)
        v.banner.show_triage(triage)
        v.functions.show_triage(triage)
        v.roles.show_triage(triage)
        v.findings.show_triage(triage)
        count = len(triage.patterns) + len(triage.epochs)
        v.tabs.setTabText(1, f"Patterns && rewrite ({count})" if count else
                          "Patterns && rewrite")
        if normalise_source(v.editor.toPlainText()) == normalise_source(triage.source):
            v.editor.set_annotations(merged_diagnostics(triage),
                                     list(triage.patterns) + list(triage.epochs))
        self.triage_shown.emit(triage)

    # -- keeping what the reviewer did

    def keep_shown_work(self) -> None:
        """Before the editor shows something else: store a re-check (a proof by rewrite) of the
        case on screen, and keep typed code as a draft case, checked or not (issue 12)."""
        if self._closed:
            return
        text = self.v.editor.toPlainText()
        triage = self.triage
        shown = triage is not None and normalise_source(text) == normalise_source(triage.source)
        if shown and self.unsaved_result and not self.live.busy:
            assert triage is not None
            self._store_kept(triage.to_record(), draft=self.stored_record is None)
        elif self.live.busy and text.strip() and not shown:
            self._check_draft(text, self.current_edition())
        self.unsaved_result = False

    def _check_draft(self, source: str, edition: str) -> None:
        check, cancel = self._check, self._draft_cancel
        self.drafts.run(
            lambda _state: check(source, edition=edition, origin=None, cancel=cancel).to_record(),
            lambda record: self._store_kept(record, draft=True),
            lambda message: self._notice.show_message(
                f"Your typed code could not be checked, so it was not kept as a draft: {message}",
                kind="warning"))

    def _store_kept(self, record: dict[str, Any], *, draft: bool) -> None:
        case_id = record["id"]

        def op(corpus: Corpus | None) -> dict[str, Any] | None:
            corpus = require_corpus(corpus)
            corpus.upsert_record(keep_stored_origin(record, corpus.get(case_id)))
            return corpus.get(case_id)

        def done(stored: dict[str, Any] | None) -> None:
            if stored is None:
                return
            self._caselist.upsert(stored)
            message = (f"Kept your typed code as a draft case {case_id[:12]}." if draft
                       else f"Stored the re-check of case {case_id[:12]}.")
            self._status.showMessage(message, 6000)

        self._db.run(op, done, self._on_db_failed)

    def _on_db_failed(self, message: str) -> None:
        self._notice.show_message(f"The corpus operation failed: {message}", kind="error")

    def shutdown(self) -> None:
        self._closed = True
        self._draft_cancel.set()
        self.drafts.shutdown()
