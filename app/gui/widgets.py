"""Small shared widgets: the dismissible notice bar and the batch progress bar."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

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
        self.hide()

    def show_message(self, message: str, *, kind: str = "warning", action: str = "",
                     details: list[str] | None = None) -> None:
        """Show plain ``message`` (and up to 12 detail lines); ``action`` names a button."""
        self.kind = kind
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
        self.show()

    def message(self) -> str:
        return self.text.text()


def format_seconds(seconds: float) -> str:
    """A short duration for an ETA: "8 s", "3 min 20 s", "1 h 05 min"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


class BatchBar(QFrame):
    """Progress of a triage batch: count, bar, rate and Cancel."""

    cancel_clicked = Signal()

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
        layout.addWidget(self.cancel)
        self.hide()

    def start(self, what: str) -> None:
        self.title.setText(what)
        self.bar.setRange(0, 0)
        self.rate.setText("reading files…")
        self.cancel.setEnabled(True)
        self.cancel.setText("Cancel")
        self.show()

    def set_total(self, total: int, queued: int = 0) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        more = f" (+{queued} queued)" if queued else ""
        self.title.setText(f"Triaging {total} case{'s' * (total != 1)}{more}")
        self.rate.setText(f"0 / {total}")

    def set_progress(self, done: int, total: int, rate: float) -> None:
        """Count, rate and time left (the count sits beside the bar, always legible)."""
        self.bar.setValue(done)
        text = f"{done} / {total} · {rate:.0f} cases/s" if rate >= 10 else \
            f"{done} / {total} · {rate:.1f} cases/s"
        if done < total and rate > 0:
            text += f" · {format_seconds((total - done) / rate)} left"
        self.rate.setText(text)

    def cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancelling…")
