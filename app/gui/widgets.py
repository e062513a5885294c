"""Small shared widgets: the dismissible notice bar (and the strip it lives in) and the batch
progress bar."""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPainter, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

#: An information notice hides itself after this long (it is about something that happened).
INFO_EXPIRES_MS = 12_000

NOTICE_STYLES = {
    "warning": ("#fff4d6", "#7a5200", "#e0b84a"),
    "error": ("#fde4e2", "#8a1c15", "#e0867f"),
    "info": ("#e3edf7", "#1f3f66", "#8fb3dc"),
}


class NoticeBar(QFrame):
    """A one-line coloured message strip with an optional action button, a "more" button
    (the whole message and its details, in a popup) and a close button.

    It has one fixed height whatever it says, so a window can reserve that height for it
    (:func:`notice_strip`): showing, hiding or changing a notice moves nothing and covers
    nothing (issue 12)."""

    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None, *, closable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 2, 4, 2)
        layout.setSpacing(6)
        self.text = QLabel()
        # Always rich text: the message is escaped HTML (plain-looking text would otherwise
        # show its entities, e.g. &#x27;).
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(False)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The first line, elided to the room there is; the width never depends on the text.
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.text, 1)
        self.more = QToolButton()
        self.more.setAutoRaise(True)
        self.more.setToolTip("Show the whole message")
        self.more.clicked.connect(self.show_details)
        self.more.hide()
        layout.addWidget(self.more)
        self.action = QPushButton()
        self.action.hide()
        self.action.clicked.connect(self.action_clicked)
        layout.addWidget(self.action)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        self.close_button.setVisible(closable)
        layout.addWidget(self.close_button)
        self.kind = "info"
        self.topic = ""
        self._html = ""
        self._first_line = ""
        self._extra_lines = 0
        self.popup: QFrame | None = None
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self.hide)
        self.setFixedHeight(self.strip_height())
        self.hide()

    def strip_height(self) -> int:
        """The one height a notice has: one line of text or one button, with margins."""
        margins = self.layout().contentsMargins()
        inner = max(self.text.fontMetrics().height() + 4, self.action.sizeHint().height(),
                    self.close_button.sizeHint().height())
        return inner + margins.top() + margins.bottom()

    def show_message(self, message: str, *, kind: str = "warning", action: str = "",
                     details: list[str] | None = None, topic: str = "") -> None:
        """Show plain ``message`` (its first line in the strip; the rest and up to 12 detail
        lines behind "more"); ``action`` names a button; ``topic`` lets :meth:`clear` retire
        it once it is stale (e.g. a new batch started)."""
        self.kind = kind
        self.topic = topic
        background, foreground, border = NOTICE_STYLES.get(kind, NOTICE_STYLES["info"])
        self.setStyleSheet(f"#noticeBar {{ background: {background}; border: 1px solid {border};"
                           f" border-radius: 4px; }} #noticeBar QLabel {{ color: {foreground}; }}")
        text = html.escape(message).replace("\n", "<br>")
        lines = message.splitlines() or [""]
        extra = len(lines) - 1
        if details:
            shown = details[:12]
            text += "<br>" + "<br>".join(f"&nbsp;&nbsp;• {html.escape(d)}" for d in shown)
            if len(details) > len(shown):
                text += f"<br>&nbsp;&nbsp;… and {len(details) - len(shown)} more"
            extra += len(details)
        self._html = text
        self._first_line = lines[0]
        self._extra_lines = extra
        self.text.setToolTip(text if extra else "")
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self._close_popup()
        # Information goes stale: it expires; warnings and errors stay until dismissed (or
        # until their topic is cleared); they cover nothing meanwhile.
        if kind == "info" and not self.close_button.isHidden():
            self._expiry.start(INFO_EXPIRES_MS)
        else:
            self._expiry.stop()
        self.show()
        self._fit_text()

    def message(self) -> str:
        """The whole message, details included (escaped HTML)."""
        return self._html

    def _fit_text(self) -> None:
        """The first line, elided to the label's width once the strip is laid out."""
        line = self._first_line
        room = self.text.width()
        elided = line
        if self.isVisible() and room > 20:
            elided = self.text.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, room)
        self.text.setText(html.escape(elided))
        hidden = self._extra_lines + (elided != line)
        self.more.setText(f"▴ {self._extra_lines} more" if self._extra_lines else "▴ more")
        self.more.setVisible(bool(hidden))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._first_line:
            self._fit_text()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_line:
            QTimer.singleShot(0, self._fit_text)  # once the layout has given the label a width

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._close_popup()

    def show_details(self) -> None:
        """The whole message and its details in a popup over the strip (it closes on the next
        click elsewhere): what the reviewer asked to read covers the panes only meanwhile."""
        self._close_popup()
        popup = QFrame(self, Qt.WindowType.Popup)
        popup.setObjectName("noticePopup")
        background, foreground, border = NOTICE_STYLES.get(self.kind, NOTICE_STYLES["info"])
        popup.setStyleSheet(f"#noticePopup {{ background: {background}; border: 1px solid "
                            f"{border}; }} #noticePopup QLabel {{ color: {foreground}; "
                            "background: transparent; } #noticePopup QScrollArea, "
                            "#noticePopup QScrollArea > QWidget { background: transparent; }")
        box = QVBoxLayout(popup)
        box.setContentsMargins(10, 8, 10, 8)
        label = QLabel(self._html, popup)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea(popup)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(label)
        box.addWidget(scroll)
        width = max(300, self.width())
        window = self.window()
        height = min(label.heightForWidth(width - 40) + 24, max(120, window.height() // 2))
        popup.resize(width, height)
        popup.show()
        # Just above the strip (its own height may exceed the asked one: margins, minimums).
        popup.move(self.mapToGlobal(QPoint(0, -popup.height())))
        self.popup = popup

    def _close_popup(self) -> None:
        if self.popup is not None:
            self.popup.close()
            self.popup.deleteLater()
            self.popup = None

    def clear(self, topic: str) -> None:
        """Hide the notice if it is about ``topic`` (it went stale)."""
        if self.topic == topic and not self.isHidden():
            self.hide()


def notice_strip(parent: QWidget, *bars: NoticeBar) -> QWidget:
    """A strip of fixed height that ``bars`` share, stacked: a later bar covers an earlier one
    while it shows (the window's notices cover its toolchain warning, which shows again when
    they go);
    the strip keeps its height when every bar is hidden, so notices never move the panes."""
    strip = QWidget(parent)
    grid = QGridLayout(strip)
    grid.setContentsMargins(0, 0, 0, 0)
    for bar in bars:
        bar.setParent(strip)
        grid.addWidget(bar, 0, 0)
    strip.setFixedHeight(max(bar.strip_height() for bar in bars))
    return strip


class ElidedLabel(QLabel):
    """A one-line plain-text label that elides what does not fit instead of widening its pane
    (a QLabel's minimum width is its whole text: a long progress count would push a 1024 px
    window wider than the screen). The whole text is its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text if self.shown_text() != text else "")

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        text = self.text()
        self.setToolTip(text if self.shown_text() != text else "")

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
        painter.end()


def format_seconds(seconds: float) -> str:
    """A short duration for an ETA: "8 s", "3 min 20 s", "1 h 05 min"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


class BatchBar(QFrame):
    """Progress of a triage batch: what it triages, count, bar, rate and Cancel; at the end a
    per-verdict summary whose buttons show those cases."""

    cancel_clicked = Signal()
    verdict_clicked = Signal(str)
    action_clicked = Signal()  # the summary's action (e.g. "Open report")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.title = QLabel("Triaging…")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.rate = QLabel("")
        self.rate.setMinimumWidth(260)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancel_clicked)
        layout.addWidget(self.title)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.rate)
        self.summary = QWidget(self)
        self._summary_layout = QHBoxLayout(self.summary)
        self._summary_layout.setContentsMargins(0, 0, 0, 0)
        self._summary_layout.setSpacing(4)
        self.summary.hide()
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.cancel)
        self.action = QPushButton(self)
        self.action.clicked.connect(self.action_clicked)
        self.action.hide()
        layout.addWidget(self.action)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss the summary")
        self.close_button.clicked.connect(self.hide)
        self.close_button.hide()
        layout.addWidget(self.close_button)
        self.verdict_buttons: dict[str, QPushButton] = {}
        self.what = ""
        self.hide()

    def start(self, what: str) -> None:
        self.what = what
        self._show_progress(True)
        self.title.setText(f"Reading {what}…")
        self.bar.setRange(0, 0)
        self.rate.setText("reading files…")
        self.cancel.setEnabled(True)
        self.cancel.setText("Cancel")
        self.show()

    def set_total(self, total: int, queued: int = 0) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        more = f" (+{queued} queued)" if queued else ""
        self.title.setText(f"Triaging {total} case{'s' * (total != 1)} from {self.what}{more}")
        self.rate.setText(f"0 / {total}")

    def set_progress(self, done: int, total: int, rate: float) -> None:
        """Count, rate and time left (the count sits beside the bar, always legible)."""
        self.bar.setValue(done)
        text = f"{done} / {total} · {rate:.0f} cases/s" if rate >= 10 else \
            f"{done} / {total} · {rate:.1f} cases/s"
        if done < total and rate > 0:
            text += f" · {format_seconds((total - done) / rate)} left"
        self.rate.setText(text)

    def set_step(self, step: str, done: int, total: int) -> None:
        """Progress of a run measured in steps (an audit's roles), not cases."""
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        self.rate.setText(f"{step} · {done} / {total}")

    def _show_progress(self, progress: bool) -> None:
        self.bar.setVisible(progress)
        self.rate.setVisible(progress)
        self.cancel.setVisible(progress)
        self.summary.setVisible(not progress)
        self.close_button.setVisible(not progress)
        self.action.hide()

    def finish(self, text: str, verdicts: dict[str, int], colours: dict[str, str], *,
               action: str = "") -> None:
        """The end: ``text``, one "N verdict" button per verdict (largest first), and an
        optional action button (e.g. "Open report")."""
        self._show_progress(False)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.title.setText(text)
        while self._summary_layout.count():
            # Buttons and the stretch of the previous summary all go.
            item = self._summary_layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.verdict_buttons = {}
        for verdict, count in sorted(verdicts.items(), key=lambda kv: (-kv[1], kv[0])):
            button = QPushButton(f"{count} {verdict}")
            button.setToolTip(f"Show these {count} {verdict} cases of the batch in the list")
            colour = colours.get(verdict, "#5f6770")
            button.setStyleSheet(f"QPushButton {{ border-left: 6px solid {colour};"
                                 " padding: 2px 8px; }")
            button.clicked.connect(lambda _=False, v=verdict: self.verdict_clicked.emit(v))
            self._summary_layout.addWidget(button)
            self.verdict_buttons[verdict] = button
        self._summary_layout.addStretch(1)
        self.show()

    def cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancelling…")
