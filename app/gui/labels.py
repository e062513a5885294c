"""The labeling panel: label toggles with number keys, reviewer, note, save and navigation."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.corpus import Label


def _text_on(colour: str) -> str:
    c = QColor(colour)
    return "#000000" if (0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()) > 160 else "#ffffff"


class LabelPanel(QWidget):
    """Everything a reviewer needs to label the current case quickly."""

    label_clicked = Signal(str)  # label name
    save_clicked = Signal()
    previous_clicked = Signal()
    next_clicked = Signal()
    reviewer_edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.case_label = QLabel("No case loaded")
        self.case_label.setWordWrap(True)
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.case_label)
        self.key_hint = QLabel("")
        self.key_hint.setWordWrap(True)
        self.key_hint.setObjectName("keyHint")
        layout.addWidget(self.key_hint)
        box = QGroupBox("Labels (press the number)")
        self._buttons_layout = QVBoxLayout(box)
        self._buttons_layout.setSpacing(3)
        layout.addWidget(box)
        self.buttons: dict[str, QPushButton] = {}
        self.labels: list[Label] = []
        form = QFormLayout()
        self.reviewer = QLineEdit()
        self.reviewer.setPlaceholderText("your name")
        self.reviewer.editingFinished.connect(self._on_reviewer_editing_finished)
        form.addRow("Reviewer", self.reviewer)
        layout.addLayout(form)
        layout.addWidget(QLabel("Note"))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Why this label? (saved with Ctrl+S)")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(110)
        layout.addWidget(self.note)
        nav = QHBoxLayout()
        self.previous_button = QPushButton("◀ Prev")
        self.previous_button.setToolTip("Previous case (Alt+Up, or K outside the editor)")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("Next case (Alt+Down, or J outside the editor)")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Store the case, its note and reviewer in the corpus (Ctrl+S)")
        self.save_button.setDefault(True)
        nav.addWidget(self.previous_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.save_button)
        layout.addLayout(nav)
        self.auto_advance = QCheckBox("Next unlabeled after labeling")
        self.auto_advance.setToolTip("After a label is added, go to the next case without labels")
        layout.addWidget(self.auto_advance)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["UTC", "Who", "Change"])
        self.history.setRootIsDecorated(False)
        self.history.setUniformRowHeights(True)
        self.history.setMinimumHeight(90)
        self.history.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.header().setStretchLastSection(True)
        history_box = QGroupBox("History of this case")
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(4, 4, 4, 4)
        history_layout.addWidget(self.history)
        layout.addWidget(history_box, 1)
        self.show_keys_mode(text_field="")
        self.previous_button.clicked.connect(self.previous_clicked)
        self.next_button.clicked.connect(self.next_clicked)
        self.save_button.clicked.connect(self.save_clicked)
        self._note_baseline = ""

    def set_labels(self, labels: Sequence[Label]) -> None:
        """Rebuild the toggle buttons from the corpus's (active) labels."""
        checked = self.checked_labels()
        for button in self.buttons.values():
            self._buttons_layout.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        self.labels = [lab for lab in labels if not lab.retired]
        for label in sorted(self.labels, key=lambda lab: (lab.key is None, lab.key or 0, lab.name)):
            prefix = f"{label.key}  " if label.key is not None else "    "
            button = QPushButton(prefix + label.name)
            button.setCheckable(True)
            button.setChecked(label.name in checked)
            fg = _text_on(label.colour)
            button.setStyleSheet(
                "QPushButton { text-align: left; padding: 2px 8px; border-radius: 4px;"
                f" border: 2px solid {label.colour}; }}"
                f"QPushButton:checked {{ background: {label.colour}; color: {fg}; }}"
            )
            button.setToolTip(f"Toggle “{label.name}”"
                              + (f" (key {label.key})" if label.key is not None else ""))
            button.clicked.connect(lambda _=False, name=label.name: self.label_clicked.emit(name))
            self._buttons_layout.addWidget(button)
            self.buttons[label.name] = button

    def label_for_key(self, key: int) -> Label | None:
        return next((lab for lab in self.labels if lab.key == key), None)

    def checked_labels(self) -> set[str]:
        return {name for name, button in self.buttons.items() if button.isChecked()}

    def set_checked(self, names: Iterable[str]) -> None:
        wanted = set(names)
        for name, button in self.buttons.items():
            button.setChecked(name in wanted)

    def show_case(self, *, case_id: str | None, origin: str, stored: bool, note: str,
                  updated: str = "", reviewer: str = "") -> None:
        """Describe the current case and reset the note to what the corpus holds."""
        if case_id is None:
            self.case_label.setText("No case loaded")
        else:
            where = html.escape(origin or "typed in the editor")
            state = (f"in the corpus · updated {html.escape(updated[:16].replace('T', ' '))}"
                     + (f" by {html.escape(reviewer)}" if reviewer else "")) if stored \
                else "not in the corpus yet (labeling or Save stores it)"
            self.case_label.setText(f"<b>case {case_id[:12]}</b><br>{where}<br><small>{state}"
                                    "</small>")
        self.note.setPlainText(note)
        self._note_baseline = note

    @property
    def note_dirty(self) -> bool:
        return self.note.toPlainText() != self._note_baseline

    def mark_note_saved(self) -> None:
        self._note_baseline = self.note.toPlainText()

    def show_history(self, events: Sequence[dict[str, Any]]) -> None:
        """Who changed which label when, newest first (the corpus's label history)."""
        self.history.clear()
        for event in reversed(events):
            sign = "+" if event.get("action") == "added" else "−"
            at = str(event.get("at", ""))
            item = QTreeWidgetItem([at[5:16].replace("T", " "), str(event.get("reviewer", "")),
                                    f"{sign} {event.get('label', '')}"])
            item.setToolTip(0, at)
            item.setToolTip(2, f"{event.get('action', '')} {event.get('label', '')}")
            self.history.addTopLevelItem(item)

    def show_keys_mode(self, *, text_field: str) -> None:
        """Say where key presses go: to labels, or to a text field (and how to get back)."""
        if text_field:
            self.key_hint.setText(f"⌨ Typing goes to the {html.escape(text_field)}. "
                                  "<b>Esc</b> returns to the case list, where 1–9 label.")
            self.key_hint.setStyleSheet("#keyHint { background: #fff3c4; color: #3d3000;"
                                        " border-radius: 3px; padding: 3px; }")
        else:
            self.key_hint.setText("Keys label: <b>1–9</b> toggle · <b>N</b> next unlabeled · "
                                  "<b>J/K</b> next/previous · <b>Ctrl+Z</b> undo")
            self.key_hint.setStyleSheet("#keyHint { color: #5f6770; padding: 3px; }")

    def _on_reviewer_editing_finished(self) -> None:
        self.reviewer_edited.emit(self.reviewer.text().strip())
