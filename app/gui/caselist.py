"""The case list controller: what the list holds and shows, which case it selects, subsets."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import QStatusBar

from app.corpus import CaseSummary, Corpus, Label
from app.gui.cases import UNLABELED, CaseListPanel
from app.gui.records import summary_fields
from app.gui.tasks import SerialRunner
from app.gui.widgets import NoticeBar

log = logging.getLogger(__name__)


class CaseListController(QObject):
    """Owns the case list panel's data: loading summaries from the corpus (on the corpus
    thread), label and pattern filters, navigation (next, previous, next unlabeled) and named
    subsets (disagreements, a batch's verdict)."""

    case_selected = Signal(str)  # the reviewer picked a row
    cases_reloaded = Signal(int)  # how many

    def __init__(self, panel: CaseListPanel, db: SerialRunner, *, notice: NoticeBar,
                 status: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self._db = db
        self._notice = notice
        self._status = status
        #: The id of the case on screen (kept selected across reloads); set by the case view.
        self.shown_id: str | None = None
        panel.case_selected.connect(self.case_selected)
        panel.text_filter_changed.connect(self._on_panel_text_filter_changed)

    # -- contents

    def set_labels(self, labels: Sequence[Label]) -> None:
        colours = {lab.name: lab.colour for lab in labels}
        self.panel.set_label_names([lab.name for lab in labels], colours)

    def set_summaries(self, summaries: Sequence[CaseSummary]) -> None:
        self.panel.model.set_summaries(summaries)
        self._refresh_pattern_filter(summaries)
        if self.shown_id is not None:
            self.select_quietly(self.shown_id)
        self.cases_reloaded.emit(len(summaries))

    def _refresh_pattern_filter(self, summaries: Sequence[CaseSummary] = ()) -> None:
        names: set[str] = set()
        for summary in summaries:
            names.update(summary.patterns)
        try:
            from checkers.patterns import CATALOG

            names.update(CATALOG)
        except ImportError:
            log.debug("pattern catalog not available; listing the patterns seen in the corpus")
        self.panel.set_pattern_names(sorted(names))

    def pattern_names(self) -> list[str]:
        combo = self.panel.pattern_filter
        return [combo.itemData(i) for i in range(1, combo.count())]

    def reload(self) -> None:
        """Re-read the list from the corpus (with the search text as its filter)."""
        text = self.panel.search.text().strip() or None

        def op(corpus: Corpus | None) -> list[CaseSummary]:
            return corpus.summaries(text=text) if corpus is not None else []

        self._db.run(op, self.set_summaries, self._on_db_failed)

    def _on_panel_text_filter_changed(self, _text: str) -> None:
        self.reload()

    def upsert(self, record: dict[str, Any]) -> None:
        """Add or refresh the row of a stored record."""
        self.panel.model.upsert(CaseSummary(**summary_fields(record)))

    def upsert_many(self, summaries: Sequence[CaseSummary]) -> None:
        """A batch's cases: new ones that would push the selected row down are held back."""
        self.panel.add_cases(summaries)

    def release_held(self) -> None:
        """The batch ended: sort the cases held back during it into the list."""
        self.panel.show_held()

    def fetch_all(self) -> None:
        while self.panel.model.canFetchMore(QModelIndex()):
            self.panel.model.fetchMore(QModelIndex())

    # -- selection and navigation

    def select_quietly(self, case_id: str) -> None:
        """Highlight ``case_id`` without loading it (it is already on screen)."""
        self.panel.blockSignals(True)
        self.panel.select_id(case_id)
        self.panel.blockSignals(False)

    def clear_selection_quietly(self) -> None:
        """The editor no longer shows a listed case: highlight none."""
        if self.panel.table.selectionModel().hasSelection():
            self.panel.blockSignals(True)
            self.panel.table.clearSelection()
            self.panel.blockSignals(False)

    def next(self) -> None:
        if not self.panel.step(+1):
            self._status.showMessage("No next case in the list.", 2000)

    def previous(self) -> None:
        if not self.panel.step(-1):
            self._status.showMessage("No previous case in the list.", 2000)

    def next_unlabeled(self) -> None:
        if not self.panel.next_unlabeled():
            self._status.showMessage("Every case in this view is labeled.", 4000)

    def show_unlabeled_only(self) -> None:
        combo = self.panel.label_filter
        combo.setCurrentIndex(combo.findData(UNLABELED))

    def show_subset(self, ids: frozenset[str], what: str) -> None:
        """List only ``ids`` (named ``what``) and show the first unless the shown one is in it."""
        self.panel.set_only_ids(frozenset(ids), what)
        if self.panel.current_id() not in ids and self.panel.proxy.rowCount():
            self.panel.table.setCurrentIndex(self.panel.proxy.index(0, 0))
        self.focus()

    def focus(self) -> None:
        self.panel.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_db_failed(self, message: str) -> None:
        self._notice.show_message(f"The corpus operation failed: {message}", kind="error")
