"""The code editor: Rust highlighting, line numbers, wavy diagnostics and tinted pattern spans."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontDatabase,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from app.gui.highlight import RustHighlighter, is_dark
from app.gui.records import (
    ROLE_TITLES,
    MergedDiagnostic,
    catalog_info,
    confirmation_text,
)
from checkers.model import Finding

#: Underline colours by how a diagnostic fared between NLL and Polonius.
CHANGE_COLOURS = {
    "removed": "#e08a00",  # NLL rejects, Polonius accepts: the false positive
    "kept": "#d9453d",
    "added": "#9a5bd6",
    "": "#d9453d",
}
WARNING_COLOUR = "#b59a00"
CHANGE_WORDS = {
    "removed": "Polonius removed it",
    "kept": "Polonius reports it too",
    "added": "only Polonius reports it",
    "": "",
}


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


class _LineNumberArea(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.line_number_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """A QPlainTextEdit for Rust snippets that shows the engine's findings in place."""

    diagnostic_activated = Signal(int, int)  # line, column (1-based)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.setPlaceholderText("Type or paste Rust code, or drop .rs files, folders or .jsonl "
                                "files onto the window.")
        self._numbers = _LineNumberArea(self)
        self._highlighter = RustHighlighter(self.document())
        self._diagnostics: list[tuple[_Span, MergedDiagnostic]] = []
        self._findings: list[tuple[_Span, Finding]] = []
        self._labels: list[tuple[_Span, str, MergedDiagnostic]] = []
        self._current_line = QColor()
        self.blockCountChanged.connect(self._on_self_block_count_changed)
        self.updateRequest.connect(self._on_self_update_request)
        self.cursorPositionChanged.connect(self._refresh_selections)
        self._on_self_block_count_changed(0)
        self.setMouseTracking(True)

    # -- line numbers

    def line_number_width(self) -> int:
        digits = max(2, len(str(max(1, self.blockCount()))))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits

    def _on_self_block_count_changed(self, _count: int) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _on_self_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        rect = self.contentsRect()
        self._numbers.setGeometry(QRect(rect.left(), rect.top(), self.line_number_width(),
                                        rect.height()))

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        painter = QPainter(self._numbers)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.alternateBase())
        marked = {span_line for span_line in self._diagnostic_lines()}
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                colour = palette.placeholderText().color()
                if number + 1 in marked:
                    colour = QColor(CHANGE_COLOURS["kept"])
                painter.setPen(colour)
                painter.drawText(0, top, self._numbers.width() - 6, height,
                                 Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    def _diagnostic_lines(self) -> set[int]:
        return {m.diagnostic.line for _s, m in self._diagnostics if m.diagnostic.line}

    # -- palette

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._highlighter.follow_palette(self.palette())
            self._refresh_selections()

    # -- annotations

    def _position(self, line: int | None, column: int | None) -> int | None:
        """Document position of a 1-based (line, column in characters), clamped to the text."""
        if line is None or line < 1:
            return None
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return None
        text = block.text()
        col = max(1, column or 1) - 1
        prefix = text[:col]
        return block.position() + len(prefix.encode("utf-16-le")) // 2

    def _span(self, line: int | None, column: int | None, end_line: int | None,
              end_column: int | None) -> _Span | None:
        start = self._position(line, column)
        if start is None:
            return None
        end = self._position(end_line or line, end_column) if end_column else None
        if end is None or end <= start:
            block = self.document().findBlock(start)
            end = block.position() + max(1, block.length() - 1)
        return _Span(start, end)

    def set_annotations(self, diagnostics: list[MergedDiagnostic],
                        findings: list[Finding]) -> None:
        """Show diagnostics as wavy underlines and findings as tinted spans (user coordinates)."""
        self._diagnostics = []
        for merged in diagnostics:
            d = merged.diagnostic
            span = self._span(d.line, d.column, d.end_line, d.end_column)
            if span is not None:
                self._diagnostics.append((span, merged))
        self._labels = []
        seen: set[tuple[int, int, str]] = set()
        for merged in diagnostics:
            for label in merged.diagnostic.labels:
                span = self._span(label.get("line"), label.get("column"), label.get("end_line"),
                                  label.get("end_column"))
                text = str(label.get("label", ""))
                if span is None or not text or (span.start, span.end, text) in seen:
                    continue
                seen.add((span.start, span.end, text))
                self._labels.append((span, text, merged))
        self._findings = []
        for finding in findings:
            span = self._span(finding.line, finding.column, finding.end_line, finding.end_column)
            if span is not None:
                self._findings.append((span, finding))
        self._refresh_selections()
        self._numbers.update()

    def clear_annotations(self) -> None:
        self.set_annotations([], [])

    def _finding_colour(self, finding: Finding) -> QColor:
        dark = is_dark(self.palette())
        if finding.kind == "epoch":
            return QColor("#4a3f12" if dark else "#fff1c2")
        # A mint wash, not the blue of a text selection (issue 12); candidates only dashed.
        if finding.confirmed:
            return QColor("#1d3d26" if dark else "#e4f4e8")
        return QColor(0, 0, 0, 0)

    def _refresh_selections(self) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        if not self.isReadOnly():
            line = QTextEdit.ExtraSelection()
            dark = is_dark(self.palette())
            line.format.setBackground(QColor("#2a2d33" if dark else "#f5f7fa"))
            line.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            line.cursor = self.textCursor()
            line.cursor.clearSelection()
            selections.append(line)
        for span, finding in self._findings:
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(self._finding_colour(finding))
            if finding.kind == "pattern" and not finding.confirmed:
                sel.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
                sel.format.setUnderlineColor(QColor("#8a8f98"))
            sel.cursor = self._cursor_for(span)
            selections.append(sel)
        for span, _text, merged in self._labels:
            # Secondary spans ("first mutable borrow occurs here"): a quieter dotted underline.
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(QColor(CHANGE_COLOURS.get(merged.change, CHANGE_COLOURS[""])))
            sel.format = fmt
            sel.cursor = self._cursor_for(span)
            selections.append(sel)
        for span, merged in self._diagnostics:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            colour = (WARNING_COLOUR if merged.diagnostic.level == "warning"
                      else CHANGE_COLOURS.get(merged.change, CHANGE_COLOURS[""]))
            fmt.setUnderlineColor(QColor(colour))
            sel.format = fmt
            sel.cursor = self._cursor_for(span)
            selections.append(sel)
        self.setExtraSelections(selections)

    def _cursor_for(self, span: _Span) -> QTextCursor:
        cursor = QTextCursor(self.document())
        limit = max(0, self.document().characterCount() - 1)
        cursor.setPosition(min(span.start, limit))
        cursor.setPosition(min(span.end, limit), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # -- drops: files go to the window (triage), not into the text as URLs

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.ignore()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.ignore()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.mimeData().hasUrls():
            event.ignore()
        else:
            super().dropEvent(event)

    # -- tooltips and navigation

    def annotations_at(self, position: int) -> tuple[list[MergedDiagnostic], list[Finding]]:
        diags = [m for s, m in self._diagnostics if s.start <= position < s.end]
        found = [f for s, f in self._findings if s.start <= position < s.end]
        return diags, found

    def labels_at(self, position: int) -> list[tuple[str, MergedDiagnostic]]:
        """Secondary diagnostic labels covering ``position`` (text, the diagnostic they explain)."""
        return [(text, m) for s, text, m in self._labels if s.start <= position < s.end]

    def tooltip_html(self, position: int) -> str:
        diags, found = self.annotations_at(position)
        parts: list[str] = []
        for text, merged in self.labels_at(position):
            d = merged.diagnostic
            where = f" at {d.line}:{d.column}" if d.line is not None else ""
            parts.append(f"<b>{html.escape(text)}</b><br><i>{html.escape(d.code or 'error')}"
                         f"{html.escape(where)}: {html.escape(d.message)}</i>")
        for merged in diags:
            d = merged.diagnostic
            roles = ", ".join(ROLE_TITLES.get(r, r) for r in merged.roles)
            change = CHANGE_WORDS.get(merged.change, "")
            head = html.escape(f"{d.code + ': ' if d.code else ''}{d.message}")
            tail = html.escape(f"reported by {roles}" + (f" — {change}" if change else ""))
            parts.append(f"<b>{head}</b><br><i>{tail}</i>")
        for finding in found:
            info = catalog_info(finding.id)
            text = f"<b>{html.escape(info.title)}</b> <small>({html.escape(finding.id)}"
            text += f", {html.escape(finding.cls)})</small>"
            if info.explanation:
                text += f"<br>{html.escape(info.explanation)}"
            text += f"<br><i>{html.escape(confirmation_text(finding))}</i>"
            parts.append(text)
        return "<hr>".join(parts)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cursor = self.cursorForPosition(event.pos())
            text = self.tooltip_html(cursor.position())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def jump_to(self, line: int, column: int = 1) -> None:
        """Put the cursor at a 1-based line and column and make it visible."""
        position = self._position(line, column)
        if position is None:
            return
        cursor = self.textCursor()
        cursor.setPosition(position)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
