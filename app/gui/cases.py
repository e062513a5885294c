"""The case list: a lazy table model over corpus summaries, its filter proxy, and the panel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFocusEvent, QIcon, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.corpus import CaseSummary
from app.gui.results import verdict_colour
from app.gui.widgets import ElidedLabel
from checkers.model import VERDICTS

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS: tuple[str, ...] = ("verdict", "patterns", "labels", "origin", "updated")
HEADERS: tuple[str, ...] = ("Verdict", "Patterns", "Labels", "Origin", "Updated")
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ANY = ""
#: The label filter's "no label yet" choice (not a label name: names cannot start with "(").
UNLABELED = "(unlabeled)"

_VERDICT_ORDER = {v: i for i, v in enumerate(VERDICTS)}
_SORT_KEYS: tuple[Callable[[CaseSummary], Any], ...] = (
    lambda s: (_VERDICT_ORDER.get(s.verdict, len(VERDICTS)), s.verdict),
    lambda s: s.patterns,
    lambda s: s.labels,
    lambda s: s.origin,
    lambda s: s.updated,
)


def _insertion_point(keys: list[Any], key: Any, *, descending: bool) -> int:
    """Where ``key`` goes in ``keys`` (sorted ascending, or descending), after equal keys."""
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if (keys[middle] < key) if descending else (key < keys[middle]):
            high = middle
        else:
            low = middle + 1
    return low


def relative_origin(origin: str, roots: Sequence[str]) -> str:
    """``/home/a/ws/pkg/src/f.rs:40`` → ``pkg/src/f.rs:40`` under the dropped folder (or
    workspace) ``/home/a/ws``; the longest matching root wins; others are left as they are."""
    best = ""
    for root in roots:
        prefix = root.rstrip("/\\") + "/"
        if origin.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return origin[len(best):] if best else origin


def _dot(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, 10, 10)
    painter.end()
    return QIcon(pixmap)


class CaseTableModel(QAbstractTableModel):
    """Rows of ``CaseSummary`` tuples, exposed to views a chunk at a time (canFetchMore).

    New cases that would sort above a given row can be *held* (:meth:`upsert_many`'s
    ``hold_above``): counted and searchable, but not inserted until :meth:`release_held`, so a
    streaming batch does not push the reviewer's row down."""

    CHUNK = 500
    #: How many new cases are held back (not in the view yet).
    held_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseSummary] = []
        self._index: dict[str, int] = {}
        self._pending: list[CaseSummary] = []
        self._pending_start = 0
        self._pending_index: dict[str, int] = {}
        self._held: dict[str, CaseSummary] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._icons: dict[str, QIcon] = {}
        #: Folders (drops, workspaces) that origins are shown relative to.
        self.origin_roots: list[str] = []

    def set_origin_roots(self, roots: Sequence[str]) -> None:
        self.origin_roots = list(roots)
        if self._rows:
            column = COLUMNS.index("origin")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder] | None:
        return self._sort

    # -- loading

    def set_summaries(self, summaries: Sequence[CaseSummary]) -> None:
        """Replace every row (a model reset); rows beyond the first chunk are fetched lazily."""
        items = list(summaries)
        if self._sort is not None:
            column, order = self._sort
            items.sort(key=_SORT_KEYS[column], reverse=order == Qt.SortOrder.DescendingOrder)
        self._load(items, self.CHUNK)

    def _load(self, items: list[CaseSummary], shown: int) -> None:
        self.beginResetModel()
        self._rows = items[:shown]
        self._index = {s.id: i for i, s in enumerate(self._rows)}
        self._pending = items[shown:]
        self._pending_start = 0
        self._pending_index = {s.id: i for i, s in enumerate(self._pending)}
        had_held = bool(self._held)
        self._held = {}
        self.endResetModel()
        if had_held:
            self.held_changed.emit(0)

    def total(self) -> int:
        """Every case the model holds, fetched into the view, waiting to be, or held back."""
        return len(self._rows) + len(self._pending) - self._pending_start + len(self._held)

    def held(self) -> list[CaseSummary]:
        """The new cases held back (see :meth:`upsert_many`), in arrival order."""
        return list(self._held.values())

    def held_count(self) -> int:
        return len(self._held)

    def release_held(self) -> None:
        """Insert the held cases where the sort puts them."""
        if not self._held:
            return
        fresh, self._held = list(self._held.values()), {}
        self._insert_fresh(fresh, None)
        self.held_changed.emit(0)

    def upsert(self, summary: CaseSummary) -> None:
        """Add a new case at the end, or refresh the row of a known one."""
        row = self._index.get(summary.id)
        if row is not None:
            self._rows[row] = summary
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        pending = self._pending_index.get(summary.id)
        if pending is not None:
            self._pending[pending] = summary
            return
        if summary.id in self._held:
            self._held[summary.id] = summary
            return
        if self._pending_start < len(self._pending):
            # Not every row is in the view yet: queue it behind the others, in order.
            self._pending_index[summary.id] = len(self._pending)
            self._pending.append(summary)
            return
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(summary)
        self._index[summary.id] = row
        self.endInsertRows()

    def upsert_many(self, summaries: Sequence[CaseSummary], *,
                    hold_above: int | None = None) -> None:
        """:meth:`upsert` for a batch: one dataChanged and one row insertion, not one per case.

        With ``hold_above`` (a row), new cases the sort puts at or above that row are held
        back instead of inserted (:meth:`held`, :meth:`release_held`): that row does not move."""
        changed: list[int] = []
        fresh: dict[str, CaseSummary] = {}
        held = False
        for summary in summaries:
            row = self._index.get(summary.id)
            if row is not None:
                self._rows[row] = summary
                changed.append(row)
                continue
            pending = self._pending_index.get(summary.id)
            if pending is not None:
                self._pending[pending] = summary
            elif summary.id in self._held:
                self._held[summary.id] = summary
            else:
                fresh[summary.id] = summary
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0),
                                  self.index(max(changed), len(COLUMNS) - 1))
        if fresh:
            held = self._insert_fresh(list(fresh.values()), hold_above)
        if held:
            self.held_changed.emit(len(self._held))

    def _insert_fresh(self, fresh: list[CaseSummary], hold_above: int | None) -> bool:
        """Insert new cases where the sort puts them (held back at or above ``hold_above``);
        whether any was held."""
        if self._sort is None:
            self._insert_block(len(self._rows), fresh)
            return False
        # Keep the view's sort order: each new case goes where the sort puts it.
        column, order = self._sort
        key = _SORT_KEYS[column]
        descending = order == Qt.SortOrder.DescendingOrder
        ordered = sorted(fresh, key=key, reverse=descending)
        keys = [key(row) for row in self._rows]
        groups: list[tuple[int, list[CaseSummary]]] = []
        held = False
        for summary in ordered:
            position = _insertion_point(keys, key(summary), descending=descending)
            if hold_above is not None and position <= hold_above:
                # It would go at or above the held row (pushing it down): hold it back.
                self._held[summary.id] = summary
                held = True
            elif groups and groups[-1][0] == position:
                groups[-1][1].append(summary)
            else:
                groups.append((position, [summary]))
        # Insert from the back so earlier positions stay valid.
        for position, block in reversed(groups):
            self._insert_block(position, block)
        return held

    def _insert_block(self, position: int, block: list[CaseSummary]) -> None:
        if position >= len(self._rows) and self._pending_start < len(self._pending):
            # Past the rows in the view while more wait to be fetched: queue them behind those.
            for summary in block:
                self._pending_index[summary.id] = len(self._pending)
                self._pending.append(summary)
            return
        self.beginInsertRows(QModelIndex(), position, position + len(block) - 1)
        self._rows[position:position] = block
        if position + len(block) == len(self._rows):
            for offset, summary in enumerate(block):
                self._index[summary.id] = position + offset
        else:
            self._index = {s.id: i for i, s in enumerate(self._rows)}
        self.endInsertRows()

    def row_of(self, case_id: str) -> int | None:
        return self._index.get(case_id)

    def all_summaries(self) -> list[CaseSummary]:
        """Every case the model holds, in view order (fetched rows first, held ones last)."""
        return self._rows + self._pending[self._pending_start:] + list(self._held.values())

    def summary(self, row: int) -> CaseSummary:
        return self._rows[row]

    def ensure_fetched(self, case_id: str) -> int | None:
        """Fetch chunks until ``case_id`` is in the view; its row, or None when absent."""
        if case_id in self._index:
            return self._index[case_id]
        if case_id in self._held:
            self.release_held()
            if case_id in self._index:
                return self._index[case_id]
        if case_id not in self._pending_index:
            return None
        while case_id not in self._index and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return self._index.get(case_id)

    # -- Qt model interface

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: ModelIndex) -> bool:
        return not parent.isValid() and self._pending_start < len(self._pending)

    def fetchMore(self, parent: ModelIndex) -> None:
        if parent.isValid():
            return
        chunk = self._pending[self._pending_start:self._pending_start + self.CHUNK]
        if not chunk:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(chunk) - 1)
        for offset, summary in enumerate(chunk):
            self._rows.append(summary)
            self._index[summary.id] = first + offset
            del self._pending_index[summary.id]
        self._pending_start += len(chunk)
        if self._pending_start >= len(self._pending):
            self._pending = []
            self._pending_start = 0
        self.endInsertRows()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        summary = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "verdict":
                # A finding marker: the case has workaround patterns or idiom findings.
                return f"{summary.verdict}  ⚑" if summary.patterns else summary.verdict
            if column == "patterns":
                return ", ".join(summary.patterns)
            if column == "labels":
                return ", ".join(summary.labels)
            if column == "origin":
                return (relative_origin(summary.origin, self.origin_roots) if summary.origin
                        else "(typed)")
            if column == "updated":
                return summary.updated[:16].replace("T", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"case {summary.id[:12]}…\nverdict: {summary.verdict}\n"
                    f"patterns: {', '.join(summary.patterns) or '-'}\n"
                    f"labels: {', '.join(summary.labels) or '-'}\n"
                    f"reviewer: {summary.reviewer or '-'}\norigin: {summary.origin or '-'}")
        if role == Qt.ItemDataRole.DecorationRole and column == "verdict":
            icon = self._icons.get(summary.verdict)
            if icon is None:
                icon = self._icons[summary.verdict] = _dot(verdict_colour(summary.verdict))
            return icon
        if role == SUMMARY_ROLE:
            return summary
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(HEADERS)):
            return HEADERS[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every case (not only the fetched ones) by one column; a model reset."""
        if not 0 <= column < len(COLUMNS):
            return
        self._sort = (column, order)
        items = self.all_summaries()  # held cases too: a re-sort is a reset, it moves anyway
        items.sort(key=_SORT_KEYS[column], reverse=order == Qt.SortOrder.DescendingOrder)
        self._load(items, max(self.CHUNK, len(self._rows)))


class CaseFilterProxy(QSortFilterProxyModel):
    """Filters by verdict, label and pattern; sorting is delegated to the source (all rows)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._verdict = ANY
        self._label = ANY
        self._pattern = ANY
        self._ids: frozenset[str] | None = None

    def set_filters(self, *, verdict: str = ANY, label: str = ANY, pattern: str = ANY) -> None:
        if (verdict, label, pattern) == (self._verdict, self._label, self._pattern):
            return
        self.beginFilterChange()
        self._verdict, self._label, self._pattern = verdict, label, pattern
        self.endFilterChange()

    def set_ids(self, ids: frozenset[str] | None) -> None:
        """Show only these cases (e.g. where reviewers disagree); None shows every case."""
        if ids == self._ids:
            return
        self.beginFilterChange()
        self._ids = ids
        self.endFilterChange()

    @property
    def ids(self) -> frozenset[str] | None:
        return self._ids

    def accepts(self, summary: CaseSummary) -> bool:
        """Whether the filters keep ``summary`` (for counts over rows not fetched yet)."""
        if self._label == UNLABELED:
            label_ok = not summary.labels
        else:
            label_ok = not self._label or self._label in summary.labels
        return ((not self._verdict or summary.verdict == self._verdict) and label_ok
                and (not self._pattern or self._pattern in summary.patterns)
                and (self._ids is None or summary.id in self._ids))

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, CaseTableModel) or source_parent.isValid():
            return True
        return self.accepts(model.summary(source_row))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, CaseTableModel):
            model.sort(column, order)


def abbreviate(label: str) -> str:
    """``confirmed-false-positive`` → ``cfp``: a chip text that still tells labels apart."""
    parts = [p for p in label.replace("_", "-").replace(".", "-").split("-") if p]
    return "".join(p[0] for p in parts) if len(parts) > 1 else label[:3]


def chip_texts(labels: Sequence[str], room: int, advance: Callable[[str], int], *,
               padding: int = 10, gap: int = 3) -> list[str]:
    """What each chip says so that every label fits in ``room`` pixels: full names, else
    abbreviations, else empty (colour dots). Never fewer chips than labels."""

    def width(texts: list[str]) -> int:
        return sum(advance(t) + padding for t in texts) + gap * max(0, len(texts) - 1)

    full = list(labels)
    if width(full) <= room:
        return full
    short = [abbreviate(name) for name in labels]
    if width(short) <= room:
        return short
    return ["" for _ in labels]


class LabelChipDelegate(QStyledItemDelegate):
    """Paints the labels column as coloured chips: every label shows, shortened to fit."""

    def __init__(self, colours: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours = colours

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        summary = index.data(SUMMARY_ROLE)
        if not isinstance(summary, CaseSummary) or not summary.labels:
            super().paint(painter, option, index)
            return
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        text_option.text = ""
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawControl(style.ControlElement.CE_ItemViewItem, text_option, painter,
                              option.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = option.fontMetrics
        x = option.rect.x() + 3
        height = metrics.height() + 2
        y = option.rect.y() + (option.rect.height() - height) // 2
        room = option.rect.width() - 5
        texts = chip_texts(summary.labels, room, metrics.horizontalAdvance)
        for label, name in zip(summary.labels, texts, strict=True):
            # Without text a chip is a dot; the row's tooltip names every label.
            width = metrics.horizontalAdvance(name) + 10 if name else min(12, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(self.colours.get(label, "#7d8791")))
            painter.drawRoundedRect(QRect(x, y, width, height), 4, 4)
            if name:
                painter.setPen(QColor("white"))
                painter.drawText(QRect(x, y, width, height), Qt.AlignmentFlag.AlignCenter, name)
            x += width + 3
        painter.restore()


#: Origin never gets narrower than this (a file name stays readable).
MIN_ORIGIN_WIDTH = 120


class CaseTable(QTableView):
    """The case table; taking the focus does not pick a case (Qt makes the first row current
    on focus-in, which would replace what the editor shows)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.focusing = False

    def fit_origin(self) -> None:
        """Origin takes the pane's spare width beside Verdict and Labels (issue 12); Patterns
        and Updated stay a scroll away, so a wide pane never squeezes Origin to nothing."""
        header = self.horizontalHeader()
        taken = sum(header.sectionSize(COLUMNS.index(c)) for c in ("verdict", "labels"))
        self.setColumnWidth(COLUMNS.index("origin"),
                            max(MIN_ORIGIN_WIDTH, self.viewport().width() - taken))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_origin()

    def focusInEvent(self, event: QFocusEvent) -> None:
        had_current = self.currentIndex().isValid()
        self.focusing = True
        try:
            super().focusInEvent(event)
            if not had_current and self.currentIndex().isValid():
                self.selectionModel().clearCurrentIndex()
        finally:
            self.focusing = False


class CaseListPanel(QWidget):
    """Filter bar + case table; emits the id of the case the reviewer selects."""

    case_selected = Signal(str)
    text_filter_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseTableModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search source and notes…")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        row = QHBoxLayout()
        self.verdict_filter = QComboBox(self)
        self.verdict_filter.addItem("any verdict", ANY)
        for verdict in VERDICTS:
            self.verdict_filter.addItem(_dot(verdict_colour(verdict)), verdict, verdict)
        self.label_filter = QComboBox(self)
        self.pattern_filter = QComboBox(self)
        self.set_label_names([])
        self.set_pattern_names([])
        for combo in (self.verdict_filter, self.label_filter, self.pattern_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            # Narrow panes (1024 px windows) shrink the filters, not the code view.
            combo.setMinimumContentsLength(4)
            combo.currentIndexChanged.connect(self._on_filter_changed)
            row.addWidget(combo, 1)
        layout.addLayout(row)
        self.subset_bar = QWidget(self)
        subset = QHBoxLayout(self.subset_bar)
        subset.setContentsMargins(0, 0, 0, 0)
        self.subset_label = QLabel(self.subset_bar)
        self.subset_clear = QPushButton("Show all", self.subset_bar)
        self.subset_clear.clicked.connect(lambda: self.set_only_ids(None))
        subset.addWidget(self.subset_label, 1)
        subset.addWidget(self.subset_clear)
        self.subset_bar.hide()
        layout.addWidget(self.subset_bar)
        self.table = CaseTable(self)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("updated"), Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Origin takes the spare width (CaseTable.fit_origin); the sort arrow stays visible.
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        for column, width in zip(COLUMNS, (130, 110, 110, 135, 115), strict=True):
            self.table.setColumnWidth(COLUMNS.index(column), width)
        # Verdict, origin (tells dropped cases apart; elided in the middle so the file name
        # stays readable) and labels fit the pane; patterns and date are a scroll away.
        header.moveSection(COLUMNS.index("origin"), 1)
        header.moveSection(header.visualIndex(COLUMNS.index("labels")), 2)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.chips = LabelChipDelegate({}, self.table)
        self.table.setItemDelegateForColumn(COLUMNS.index("labels"), self.chips)
        layout.addWidget(self.table, 1)
        # The progress strip: "X of Y labeled …" and, while a batch holds new cases back
        # (see add_cases), a link that sorts them in.
        strip = QHBoxLayout()
        strip.setContentsMargins(0, 0, 0, 0)
        self.count_label = ElidedLabel(self)  # never widens the pane (a 1024 px window)
        strip.addWidget(self.count_label, 1)
        self.held_link = QLabel(self)
        self.held_link.setTextFormat(Qt.TextFormat.RichText)
        self.held_link.setToolTip(
            "New cases that sort above the selected row are held back while a batch streams "
            "in, so the row you are reading does not move; they are sorted in when the batch "
            "ends, or now with this link.")
        self.held_link.linkActivated.connect(lambda _link: self.show_held())
        self.held_link.hide()
        strip.addWidget(self.held_link)
        layout.addLayout(strip)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(300)
        self._text_timer.timeout.connect(self._on_text_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        # Rows a batch inserts above the current one must not move it on screen.
        self._anchor_y: int | None = None
        self.proxy.rowsAboutToBeInserted.connect(self._on_proxy_rows_about_to_be_inserted)
        self.proxy.rowsInserted.connect(self._on_proxy_rows_inserted)
        self.table.selectionModel().selectionChanged.connect(self._release_held_if_still)
        self.model.held_changed.connect(self._on_model_held_changed)
        header.sortIndicatorChanged.connect(self._update_count)
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.dataChanged,
                       self.proxy.modelReset, self.proxy.rowsInserted, self.proxy.rowsRemoved):
            signal.connect(self._update_count)
        self._update_count()

    def set_label_names(self, names: Sequence[str], colours: dict[str, str] | None = None) -> None:
        self._refill(self.label_filter, "any label", [UNLABELED, *names])
        if colours is not None:
            self.chips.colours = dict(colours)
            self.table.viewport().update()

    def set_pattern_names(self, names: Sequence[str]) -> None:
        self._refill(self.pattern_filter, "any pattern", names)

    @staticmethod
    def _refill(combo: QComboBox, any_text: str, names: Sequence[str]) -> None:
        current = combo.currentData() or ANY
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(any_text, ANY)
        for name in names:
            combo.addItem(name, name)
        position = combo.findData(current)
        combo.setCurrentIndex(max(0, position))
        combo.blockSignals(False)

    def _on_filter_changed(self, _index: int) -> None:
        self.proxy.set_filters(verdict=self.verdict_filter.currentData() or ANY,
                               label=self.label_filter.currentData() or ANY,
                               pattern=self.pattern_filter.currentData() or ANY)
        self._update_count()
        self._release_held_if_still()

    # -- a batch streaming in

    def add_cases(self, summaries: Sequence[CaseSummary]) -> None:
        """A batch's new or refreshed cases. The selected row never moves on screen: new cases
        go where the sort puts them, except those that would push the selected row down when
        the view cannot scroll to make up for them (a list shorter than the pane, or one that
        only now grows past it); those are held back, counted, and offered by the "new above"
        link until the batch ends (:meth:`show_held`)."""
        self.model.upsert_many(summaries, hold_above=self._selected_source_row())
        self._release_held_if_still()

    def show_held(self) -> None:
        """Sort the held-back cases in (the reviewer asked, or the batch ended); the selected
        row stays in sight."""
        self.model.release_held()
        current = self.table.currentIndex()
        if current.isValid():
            self.table.scrollTo(current)

    def held_shown(self) -> int:
        """How many held-back cases the filters would show."""
        return sum(1 for s in self.model.held() if self.proxy.accepts(s))

    def _selected_source_row(self) -> int | None:
        current = self.table.currentIndex()
        if not current.isValid() or not self.table.selectionModel().isSelected(current):
            return None
        return self.proxy.mapToSource(current).row()

    def _release_held_if_still(self, *_args: object) -> None:
        """Insert the held cases now if that moves nothing: no row is selected, the filters
        hide every one of them, or the list already overflows the pane (the view then
        scrolls by exactly what is inserted above, _on_proxy_rows_inserted)."""
        if not self.model.held_count():
            return
        table = self.table
        if self._selected_source_row() is None or not self.held_shown() \
                or table.verticalHeader().length() >= table.viewport().height():
            self.model.release_held()
        else:
            self._on_model_held_changed()

    def _on_model_held_changed(self, *_args: object) -> None:
        shown = self.held_shown() if self.model.held_count() else 0
        self.held_link.setText(f'<a href="show">↑ {shown} new above · show</a>')
        self.held_link.setVisible(shown > 0)
        self._update_count()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._release_held_if_still()

    def _on_search_text_changed(self, _text: str) -> None:
        self._text_timer.start()

    def _on_text_timer_timeout(self) -> None:
        self.text_filter_changed.emit(self.search.text().strip())

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or self.table.focusing:
            return
        summary = current.data(SUMMARY_ROLE)
        if isinstance(summary, CaseSummary):
            self.case_selected.emit(summary.id)

    def progress(self) -> tuple[int, int]:
        """(labeled, cases) among every case the filters keep, fetched into the view or not."""
        kept = [s for s in self.model.all_summaries() if self.proxy.accepts(s)]
        return sum(1 for s in kept if s.labels), len(kept)

    def _on_proxy_rows_about_to_be_inserted(self, *_args: object) -> None:
        current = self.table.currentIndex()
        self._anchor_y = self.table.visualRect(current).top() if current.isValid() else None

    def _on_proxy_rows_inserted(self, *_args: object) -> None:
        if self._anchor_y is None:
            return
        current = self.table.currentIndex()
        if current.isValid():
            moved = self.table.visualRect(current).top() - self._anchor_y
            if moved:
                bar = self.table.verticalScrollBar()
                bar.setValue(bar.value() + moved)
        self._anchor_y = None

    def sort_text(self) -> str:
        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        if not 0 <= column < len(HEADERS):
            return ""
        arrow = "↓" if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder else "↑"
        return f"sorted by {HEADERS[column]} {arrow}"

    def _update_count(self, *_args: object) -> None:
        total = self.model.total()
        labeled, in_view = self.progress()
        view = "in this view" if in_view != total else "in the corpus"
        text = f"{labeled} of {in_view} labeled {view}"
        if in_view != total:
            text += f" · {in_view} of {total} cases match"
        if self.proxy.canFetchMore(QModelIndex()):
            text += " (scroll for more)"
        sort = self.sort_text() if hasattr(self, "table") else ""
        if sort:
            text += f" · {sort}"
        self.count_label.setText(text)

    def current_id(self) -> str | None:
        summary = self.table.currentIndex().data(SUMMARY_ROLE)
        return summary.id if isinstance(summary, CaseSummary) else None

    def select_id(self, case_id: str) -> bool:
        """Make ``case_id`` the current row (fetching it if needed); False if not listed."""
        row = self.model.ensure_fetched(case_id)
        if row is None:
            return False
        proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not proxy_index.isValid():
            return False
        if self.table.currentIndex().row() != proxy_index.row():
            self.table.setCurrentIndex(proxy_index)
        self.table.scrollTo(proxy_index)
        return True

    def set_only_ids(self, ids: frozenset[str] | None, what: str = "") -> None:
        """Restrict the list to ``ids`` (a named subset, e.g. disagreements); None lifts it."""
        self.proxy.set_ids(ids)
        self.subset_bar.setVisible(ids is not None)
        self.subset_label.setText(f"Showing {what}: {len(ids)} case{'s' * (len(ids) != 1)}"
                                  if ids is not None else "")
        self._update_count()
        self._release_held_if_still()

    def next_unlabeled(self) -> bool:
        """Select the next case without labels after the current row (wrapping); False if none."""
        self.show_held()  # the selection moves anyway; held cases may be unlabeled
        while self.proxy.canFetchMore(QModelIndex()):
            self.proxy.fetchMore(QModelIndex())
        rows = self.proxy.rowCount()
        current = self.table.currentIndex().row()
        for offset in range(1, rows + 1):
            row = (current + offset) % rows if current >= 0 else offset - 1
            summary = self.proxy.index(row, 0).data(SUMMARY_ROLE)
            if isinstance(summary, CaseSummary) and not summary.labels:
                if row == current:
                    return False
                self.table.setCurrentIndex(self.proxy.index(row, 0))
                return True
        return False

    def step(self, delta: int) -> bool:
        """Select the next (+1) or previous (-1) row of the filtered table."""
        rows = self.proxy.rowCount()
        if delta > 0 and self.table.currentIndex().row() + delta >= rows \
                and self.proxy.canFetchMore(QModelIndex()):
            self.proxy.fetchMore(QModelIndex())
            rows = self.proxy.rowCount()
        if rows == 0:
            return False
        current = self.table.currentIndex().row()
        target = 0 if current < 0 else current + delta
        if not 0 <= target < rows:
            return False
        self.table.setCurrentIndex(self.proxy.index(target, 0))
        return True
