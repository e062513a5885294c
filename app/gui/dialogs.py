"""Dialogs: JSONL export with the CLI's filters, the toolchain doctor, label rules, keyboard
shortcuts, and About."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.corpus import CorpusError, parse_since
from app.gui.labeling import SWAP, WARN, LabelRules
from checkers.errors import CheckerError
from checkers.model import VERDICTS


def _checklist(names: Sequence[str]) -> QListWidget:
    widget = QListWidget()
    for name in names:
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(item)
    widget.setMaximumHeight(120)
    return widget


def _checked(widget: QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace(",", " ").split() if w.strip()]


class ExportDialog(QDialog):
    """Choose a file and the same filters as `ptriage export`: label, verdict, pattern,
    reviewer, since (several values of one filter are alternatives; filters combine)."""

    def __init__(self, *, labels: Sequence[str], patterns: Sequence[str],
                 default_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export JSONL label set")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        path_row = QHBoxLayout()
        self.path_edit = QLineEdit(str(default_path))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("Write to", path_row)
        self.label_list = _checklist(labels)
        self.verdict_list = _checklist(VERDICTS)
        self.pattern_list = _checklist(patterns)
        self.reviewer_edit = QLineEdit()
        self.reviewer_edit.setPlaceholderText("any reviewer (names separated by commas)")
        self.since_edit = QLineEdit()
        self.since_edit.setPlaceholderText("any time (e.g. 2026-11-24 or 2026-11-24T10:00:00Z)")
        form.addRow("Labels", self.label_list)
        form.addRow("Verdicts", self.verdict_list)
        form.addRow("Patterns", self.pattern_list)
        form.addRow("Reviewers", self.reviewer_edit)
        form.addRow("Updated since", self.since_edit)
        layout.addLayout(form)
        hint = QLabel("Nothing ticked in a list means no filter on it. The export has the "
                      "same shape as `ptriage export`.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #d9453d;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 640)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(),
                                              "JSON Lines (*.jsonl);;All files (*)")
        if path:
            self.path_edit.setText(path)

    def output_path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    def filters(self) -> dict[str, Any]:
        """Keyword filters for ``Corpus.export_jsonl`` (None where not filtering)."""
        since = self.since_edit.text().strip()
        return {
            "label": _checked(self.label_list) or None,
            "verdict": _checked(self.verdict_list) or None,
            "pattern": _checked(self.pattern_list) or None,
            "reviewer": _words(self.reviewer_edit.text()) or None,
            "since": since or None,
        }

    def problem_text(self) -> str:
        """Why the choices cannot be exported ('' when they can)."""
        text = self.path_edit.text().strip()
        if not text:
            return "Choose a file to write to."
        path = self.output_path()
        if path.is_dir():
            return f"{path} is a folder; add a file name such as labels.jsonl."
        if not path.parent.is_dir():
            return f"The folder {path.parent} does not exist; create it or choose another."
        since = self.since_edit.text().strip()
        if since:
            try:
                parse_since(since)
            except CorpusError as exc:
                return str(exc)
        return ""

    def accept(self) -> None:
        problem = self.problem_text()
        self.problem.setText(problem)
        if not problem:
            super().accept()


class ToolchainsDialog(QDialog):
    """The doctor's report and where toolchains.toml lives."""

    def __init__(self, report: str, *, source_path: str, user_path: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Toolchains")
        layout = QVBoxLayout(self)
        where = QLabel(f"Toolchain matrix in use: <b>{source_path}</b><br>"
                       f"Your own copy (overrides it when present): <b>{user_path}</b><br>"
                       "Edit that file, then restart to use other toolchains.")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        layout.addWidget(where)
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.report, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 520)


ABOUT_HTML = """<h3>Polonius Triage {version}</h3>
<p>Checks Rust code under the stable borrow checker (NLL) and nightly Polonius
(<code>-Zpolonius=next</code> and <code>=legacy</code>), gives a verdict per case and per
function, highlights code written around borrow-checker limits, and lets reviewers label cases
into a local SQLite corpus that exports to JSONL.</p>
<p>Corpus: <code>{corpus}</code><br>Settings: <code>{settings}</code></p>
<p>Licensed MIT OR Apache-2.0.</p>"""


def show_about(parent: QWidget, *, version: str, corpus: str, settings: str) -> None:
    QMessageBox.about(parent, "About Polonius Triage",
                      ABOUT_HTML.format(version=version, corpus=corpus, settings=settings))


class LabelSettingsDialog(QDialog):
    """The label rules: groups of mutually exclusive labels and what a conflict does."""

    def __init__(self, rules: LabelRules, label_names: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label settings")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "Mutually exclusive labels: one group per line, names separated by commas.\n"
            f"Labels: {', '.join(label_names)}"))
        self.groups = QPlainTextEdit(rules.describe())
        self.groups.setMinimumHeight(90)
        layout.addWidget(self.groups)
        self.mode = QComboBox()
        self.mode.addItem("Swap: the new label replaces the one it conflicts with", SWAP)
        self.mode.addItem("Warn: refuse the new label and say why", WARN)
        self.mode.setCurrentIndex(max(0, self.mode.findData(rules.mode)))
        form = QFormLayout()
        form.addRow("On conflict", self.mode)
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.problem)
        self._names = set(label_names)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def rules(self) -> LabelRules:
        return LabelRules.parse(self.groups.toPlainText(), mode=str(self.mode.currentData()))

    def _on_buttons_accepted(self) -> None:
        unknown = sorted({n for g in self.rules().exclusive for n in g} - self._names)
        if unknown:
            self.problem.setText(f"Unknown label{'s' * (len(unknown) != 1)}: "
                                 f"{', '.join(unknown)}; use names from the list above.")
            return
        self.accept()


def menu_shortcuts(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, action, shortcuts) for every action of the menu bar that has a shortcut."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {sub.title().replace('&', '')}")
                continue
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText)
                    for k in action.shortcuts() if not k.isEmpty()]
            if keys and action.text():
                rows.append((path, action.text().replace("&&", "\0").replace("&", "")
                             .replace("\0", "&"), " or ".join(keys)))

    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            walk(menu, menu.title().replace("&", ""))
    return rows


class ShortcutsDialog(QDialog):
    """Help ▸ Keyboard Shortcuts: every shortcut of the menus, with where keys go."""

    def __init__(self, bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "Plain keys (digits, J, K, N) act when the case list or a panel has the focus; in a "
            "text field they type. Esc returns to the case list."))
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Menu", "Action", "Keys"])
        self.table.setRootIsDecorated(False)
        for menu, text, keys in menu_shortcuts(bar):
            self.table.addTopLevelItem(QTreeWidgetItem([menu, text, keys]))
        for column in range(3):
            self.table.resizeColumnToContents(column)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        return [(self.table.topLevelItem(i).text(0), self.table.topLevelItem(i).text(1),
                 self.table.topLevelItem(i).text(2))
                for i in range(self.table.topLevelItemCount())]


class WorkspaceDropDialog(QDialog):
    """A dropped folder is a Cargo workspace: audit it in its own context (default), or scan
    its .rs files as separate snippets. Non-modal: ``chosen`` says which."""

    chosen = Signal(str)  # "audit" | "scan"

    def __init__(self, root: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.setWindowTitle("A Cargo workspace")
        layout = QVBoxLayout(self)
        text = QLabel(f"<b>{root.name}</b> holds a Cargo.toml.<br>Audit it as a Cargo workspace "
                      "(each file checked in its crate, with its dependencies), or scan its "
                      ".rs files as separate snippets?")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.corroborate_all = QCheckBox("Check every package with legacy Polonius too")
        self.corroborate_all.setToolTip("ptriage audit --corroborate all")
        layout.addWidget(self.corroborate_all)
        why = QLabel("By default legacy Polonius checks only the packages where NLL or Polonius "
                     "alpha reports an error: elsewhere it can only agree, and it may take "
                     "minutes on a big proc-macro crate.")
        why.setWordWrap(True)
        why.setStyleSheet("color: palette(mid);")
        layout.addWidget(why)
        buttons = QDialogButtonBox()
        self.audit_button = buttons.addButton("Audit as a Cargo workspace",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.scan_button = buttons.addButton("Scan files as snippets",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.audit_button.setDefault(True)
        self.audit_button.clicked.connect(lambda: self._choose("audit"))
        self.scan_button.clicked.connect(lambda: self._choose("scan"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _choose(self, how: str) -> None:
        self.chosen.emit(how)
        self.accept()


class TrustDialog(QDialog):
    """No sandbox here, and auditing a workspace runs its build scripts and proc macros: name
    them, and run them only if the user says so (the `--trust` of ``ptriage audit``)."""

    def __init__(self, root: Path, message: str, runs_code: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.setWindowTitle("Run this workspace's code without a sandbox?")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>No sandbox is available</b> (install bubblewrap to get one), and auditing "
            f"<b>{html.escape(root.name)}</b> builds it: these run as your user, with your "
            "files and the network:")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.code = QListWidget()
        self.code.addItems(list(runs_code))
        layout.addWidget(self.code)
        detail = QLabel(html.escape(message))
        detail.setWordWrap(True)
        detail.setStyleSheet("color: palette(mid);")
        layout.addWidget(detail)
        buttons = QDialogButtonBox()
        self.run_button = buttons.addButton("Run them and audit",
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.run_button.setAutoDefault(False)
        self.run_button.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        # Enter never runs untrusted code (the button box makes its accept button the default
        # when it is shown, so this comes after)
        self.run_button.setDefault(False)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()


class DatasetDialog(QDialog):
    """File ▸ Export Dataset: where, near-duplicates, splits and licence (``ptriage dataset``)."""

    def __init__(self, *, default_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export a dataset")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "Writes README.md (the dataset card) and data/cases.jsonl, data/pairs.jsonl; each "
            "confirmed workaround is re-checked on both sides before it becomes a pair."))
        form = QFormLayout()
        row = QHBoxLayout()
        self.out = QLineEdit(str(default_dir))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Directory (new or empty)", row)
        self.dedupe = QCheckBox("Keep one case of each near-duplicate group")
        self.dedupe.setChecked(True)
        form.addRow("", self.dedupe)
        self.splits = QLineEdit("")
        self.splits.setPlaceholderText("e.g. train=0.9,test=0.1 (empty: no splits)")
        form.addRow("Splits", self.splits)
        self.license = QLineEdit("unknown")
        form.addRow("Licence (SPDX id)", self.license)
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def output_dir(self) -> Path:
        return Path(self.out.text().strip()).expanduser()

    def options(self) -> dict[str, Any]:
        from app.dataset import parse_splits

        text = self.splits.text().strip()
        return {"dedupe": self.dedupe.isChecked(),
                "splits": parse_splits(text) if text else (),
                "license_id": self.license.text().strip() or "unknown"}

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset directory", self.out.text())
        if folder:
            self.out.setText(folder)

    def _on_buttons_accepted(self) -> None:
        out = self.output_dir()
        if not self.out.text().strip():
            self.problem.setText("Choose a directory for the dataset.")
            return
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            self.problem.setText(f"{out} exists and is not an empty directory; choose a new one.")
            return
        try:
            self.options()
        except CheckerError as exc:
            self.problem.setText(str(exc))
            return
        self.accept()
