"""The statistics view: counts by verdict × label, by reviewer and by pattern, and reviewer
agreement (``app.agreement``) with a way to list the cases where reviewers disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.agreement import AgreementReport, ReviewerLabels, agreement_from, format_value
from app.corpus import CaseSummary, Corpus
from checkers.model import VERDICTS

NO_LABEL = "(no label)"


@dataclass(frozen=True, slots=True)
class StatsData:
    """What the view shows, computed on the corpus thread."""

    summaries: tuple[CaseSummary, ...]
    labels: tuple[str, ...]
    ratings: ReviewerLabels
    agreement: AgreementReport


def collect_stats(corpus: Corpus) -> StatsData:
    """One pass over the corpus (call on the corpus thread)."""
    from app.agreement import reviewer_labels

    labels = tuple(lab.name for lab in corpus.labels())
    ratings = reviewer_labels(corpus)
    return StatsData(summaries=tuple(corpus.summaries()), labels=labels, ratings=ratings,
                     agreement=agreement_from(ratings, labels=labels))


def verdict_by_label(data: StatsData) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Rows (verdicts present, in verdict order), columns (labels + "no label"), counts."""
    counts: Counter[tuple[str, str]] = Counter()
    for summary in data.summaries:
        for label in summary.labels or (NO_LABEL,):
            counts[(summary.verdict, label)] += 1
    present = {s.verdict for s in data.summaries}
    rows = [v for v in VERDICTS if v in present] + sorted(present - set(VERDICTS))
    used = {label for _v, label in counts}
    columns = [lab for lab in data.labels if lab in used] + sorted(
        used - set(data.labels) - {NO_LABEL}) + ([NO_LABEL] if NO_LABEL in used else [])
    return rows, columns, dict(counts)


def by_reviewer(data: StatsData) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Per reviewer (from the label history): cases rated and how often each label is theirs."""
    counts: Counter[tuple[str, str]] = Counter()
    for per_reviewer in data.ratings.values():
        for reviewer, labels in per_reviewer.items():
            counts[(reviewer, "cases rated")] += 1
            for label in labels:
                counts[(reviewer, label)] += 1
    reviewers = sorted({r for r, _c in counts})
    used = {c for _r, c in counts} - {"cases rated"}
    columns = ["cases rated"] + [lab for lab in data.labels if lab in used] + sorted(
        used - set(data.labels))
    return reviewers, columns, dict(counts)


def by_pattern(data: StatsData) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Per pattern finding: cases, labeled cases, and each label's count."""
    counts: Counter[tuple[str, str]] = Counter()
    for summary in data.summaries:
        for pattern in summary.patterns:
            counts[(pattern, "cases")] += 1
            counts[(pattern, "labeled")] += bool(summary.labels)
            for label in summary.labels:
                counts[(pattern, label)] += 1
    patterns = sorted({p for p, _c in counts})
    used = {c for _p, c in counts} - {"cases", "labeled"}
    columns = ["cases", "labeled"] + [lab for lab in data.labels if lab in used]
    return patterns, columns, dict(counts)


def _count_table(rows: Sequence[str], columns: Sequence[str],
                 counts: dict[tuple[str, str], int]) -> QTableWidget:
    table = QTableWidget(len(rows), len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setVerticalHeaderLabels(list(rows))
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, column in enumerate(columns):
            value = counts.get((row, column), 0)
            item = QTableWidgetItem(str(value) if value else "·")
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


AGREEMENT_COLUMNS = ("Label", "Method", "Value", "Observed", "Cases", "Yes", "Differ",
                     "Reviewers")


def agreement_colour(value: float | None) -> QColor | None:
    """Landis & Koch bands, roughly: red below 0.2, amber to 0.6, green above."""
    if value is None:
        return None
    if value < 0.2:
        return QColor("#f4c7c3")
    if value < 0.6:
        return QColor("#fce8b2")
    return QColor("#c8e6c9")


class StatsDialog(QDialog):
    """Tools ▸ Statistics & Agreement (non-modal; Refresh re-reads the corpus)."""

    refresh_requested = Signal()
    disagreements_requested = Signal(object)  # frozenset of case ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Statistics and agreement")
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading the corpus…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        self.agreement = QTableWidget(0, len(AGREEMENT_COLUMNS))
        self.agreement.setHorizontalHeaderLabels(list(AGREEMENT_COLUMNS))
        self.agreement.verticalHeader().hide()
        self.agreement.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.agreement.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.agreement.horizontalHeader().setStretchLastSection(True)
        agreement_page = QWidget()
        page = QVBoxLayout(agreement_page)
        self.agreement_note = QLabel("")
        self.agreement_note.setWordWrap(True)
        page.addWidget(self.agreement_note)
        page.addWidget(self.agreement, 1)
        row = QHBoxLayout()
        self.disagreements_button = QPushButton("Show disagreements in the case list")
        self.disagreements_button.setEnabled(False)
        self.disagreements_button.clicked.connect(self._on_disagreements_button_clicked)
        row.addWidget(self.disagreements_button)
        row.addStretch(1)
        page.addLayout(row)
        self.tabs.addTab(agreement_page, "Agreement")
        self.verdict_table = QTableWidget()
        self.reviewer_table = QTableWidget()
        self.pattern_table = QTableWidget()
        self.tabs.addTab(self.verdict_table, "Verdict × label")
        self.tabs.addTab(self.reviewer_table, "By reviewer")
        self.tabs.addTab(self.pattern_table, "By pattern")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        refresh = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.refresh_requested)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._disagreements: frozenset[str] = frozenset()
        self.data: StatsData | None = None

    def show_stats(self, data: StatsData) -> None:
        self.data = data
        labeled = sum(1 for s in data.summaries if s.labels)
        report = data.agreement
        self.summary.setText(
            f"<b>{len(data.summaries)}</b> cases, <b>{labeled}</b> labeled · "
            f"{len(report.reviewers)} reviewer{'s' * (len(report.reviewers) != 1)} on "
            f"{report.items} case{'s' * (report.items != 1)} rated by two or more · "
            f"<b>{len(report.disagreements)}</b> with disagreements")
        self._fill_agreement(report)
        for index, (title, table) in enumerate(
                (("Verdict × label", verdict_by_label(data)), ("By reviewer", by_reviewer(data)),
                 ("By pattern", by_pattern(data))), start=1):
            widget = _count_table(*table)
            old = self.tabs.widget(index)
            self.tabs.removeTab(index)
            old.deleteLater()
            self.tabs.insertTab(index, widget, title)
        self.verdict_table = self.tabs.widget(1)  # type: ignore[assignment]
        self.reviewer_table = self.tabs.widget(2)  # type: ignore[assignment]
        self.pattern_table = self.tabs.widget(3)  # type: ignore[assignment]

    def _fill_agreement(self, report: AgreementReport) -> None:
        if report.items == 0:
            self.agreement_note.setText(
                "No case was labeled by two reviewers yet. Agreement needs independent "
                "labeling: each reviewer labels in their own corpus, then File ▸ Import merges "
                "the JSONL files (both histories are kept).")
        else:
            self.agreement_note.setText(
                "Each label is a yes/no question on the cases rated by two or more reviewers: "
                "Cohen's kappa for two reviewers, Krippendorff's alpha (nominal) for more; "
                "n/a when undefined (no variation).")
        self.agreement.setRowCount(len(report.labels))
        for row, entry in enumerate(report.labels):
            values: list[Any] = [entry.label, entry.method or "-", format_value(entry.value),
                                 format_value(entry.observed), entry.items, entry.yes,
                                 entry.disagreements, ", ".join(entry.reviewers) or "-"]
            for column, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if column == 2:
                    colour = agreement_colour(entry.value)
                    if colour is not None:
                        item.setBackground(colour)
                        item.setForeground(QColor("#000000"))
                self.agreement.setItem(row, column, item)
        self._disagreements = frozenset(report.disagreements)
        count = len(self._disagreements)
        self.disagreements_button.setEnabled(bool(count))
        self.disagreements_button.setText(
            f"Show the {count} disagreement{'s' * (count != 1)} in the case list" if count
            else "No disagreements to adjudicate")

    def agreement_rows(self) -> list[list[str]]:
        return [[self.agreement.item(r, c).text() for c in range(self.agreement.columnCount())]
                for r in range(self.agreement.rowCount())]

    def _on_disagreements_button_clicked(self) -> None:
        self.disagreements_requested.emit(self._disagreements)

