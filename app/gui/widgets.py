"""Small shared widgets: the dismissible notice bar and the batch progress bar."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
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
    """A coloured message strip with an optional action button and a close button."""

    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None, *, closable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.text = QLabel()
        # Always rich text: the message is escaped HTML (plain-looking text would otherwise
        # show its entities, e.g. &#x27;).
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
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
        self._anchor: QWidget | None = None
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self.hide)
        self.hide()

    def show_message(self, message: str, *, kind: str = "warning", action: str = "",
                     details: list[str] | None = None, topic: str = "") -> None:
        """Show plain ``message`` (and up to 12 detail lines); ``action`` names a button;
        ``topic`` lets :meth:`clear` retire it once it is stale (e.g. a new batch started)."""
        self.kind = kind
        self.topic = topic
        background, foreground, border = NOTICE_STYLES.get(kind, NOTICE_STYLES["info"])
        self.setStyleSheet(f"#noticeBar {{ background: {background}; border: 1px solid {border};"
                           f" border-radius: 4px; }} #noticeBar QLabel {{ color: {foreground}; }}")
        text = html.escape(message).replace("\n", "<br>")
        if details:
            shown = details[:12]
            text += "<br>" + "<br>".join(f"&nbsp;&nbsp;• {html.escape(d)}" for d in shown)
            if len(details) > len(shown):
                text += f"<br>&nbsp;&nbsp;… and {len(details) - len(shown)} more"
        self.text.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        if self._anchor is not None:
            self._place()
            self.raise_()
        # Information goes stale: it expires; warnings and errors stay until dismissed.
        if kind == "info" and not self.close_button.isHidden():
            self._expiry.start(INFO_EXPIRES_MS)
        else:
            self._expiry.stop()
        self.show()

    def message(self) -> str:
        return self.text.text()

    def float_over(self, anchor: QWidget) -> None:
        """Float over the bottom edge of ``anchor`` (a sibling) instead of sitting in a layout:
        showing or hiding a notice then moves nothing else (issue 12)."""
        self._anchor = anchor
        anchor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._anchor and event.type() in (QEvent.Type.Resize, QEvent.Type.Move) \
                and not self.isHidden():
            self._place()
        return False

    def _place(self) -> None:
        assert self._anchor is not None
        area = self._anchor.geometry()
        width = max(200, area.width() - 24)
        height = self.heightForWidth(width)
        if height <= 0:
            height = self.sizeHint().height()
        height = min(height, area.height() // 2)
        # The bottom edge: the verdict, the search field and the code stay visible.
        self.setGeometry(area.x() + 12, area.y() + area.height() - height - 6, width, height)

    def clear(self, topic: str) -> None:
        """Hide the notice if it is about ``topic`` (it went stale)."""
        if self.topic == topic and not self.isHidden():
            self.hide()


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
