"""The main window: builds the widgets and wires them to the controllers that own each area —
the case list (caselist.py), the case view (caseview.py), labeling and history (labeling.py)
and the batch runner (batches.py) — plus menus, the corpus, toolchains and dialogs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.corpus import CaseSummary, Corpus, Label, default_corpus_path
from app.gui import settings
from app.gui.batches import BatchController
from app.gui.batchproc import ScanFn, check_scan
from app.gui.caselist import CaseListController
from app.gui.cases import CaseListPanel
from app.gui.caseview import CaseViewController, CaseViews
from app.gui.compat import pin_singletons_if_pyside_leaks
from app.gui.dialogs import ExportDialog, ToolchainsDialog, show_about
from app.gui.editor import CodeEditor
from app.gui.labeling import LabelingController, LabelRules
from app.gui.labels import LabelPanel
from app.gui.records import require_corpus
from app.gui.results import FindingsPanel, FunctionStrip, RoleColumns, VerdictBanner
from app.gui.tasks import CheckFn, EngineCheck, LiveChecker, SerialRunner, alive
from app.gui.widgets import BatchBar, NoticeBar, notice_strip
from checkers.model import DEFAULT_EDITION, EDITIONS, Triage

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SAMPLES = RESOURCES / "samples"
APP_VERSION = "0.1.0"
#: The labeling panel's narrowest width (its buttons and history stay readable).
RIGHT_MIN_WIDTH = 270


def load_samples() -> list[dict[str, Any]]:
    """The first-launch snippets: ``index.json`` entries with their source."""
    index = SAMPLES / "index.json"
    try:
        entries = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cannot read the sample index %s: %s", index, exc)
        return []
    samples = []
    for entry in entries:
        path = SAMPLES / entry["file"]
        try:
            samples.append({**entry, "source": path.read_text(encoding="utf-8"),
                            "path": path})
        except OSError as exc:
            log.warning("cannot read sample %s: %s", path, exc)
    return samples


class MainWindow(QMainWindow):
    """Polonius Triage's one window."""

    corpus_opened = Signal(str)  # path
    corpus_failed = Signal(str)  # message
    cases_reloaded = Signal(int)  # how many
    case_loaded = Signal(str)  # id
    triage_shown = Signal(object)  # Triage now on screen
    labels_saved = Signal(str, list)  # id, labels now in the corpus
    case_saved = Signal(str)  # id
    export_finished = Signal(int, str)  # count, path
    batch_started = Signal(int)  # cases to triage
    batch_finished = Signal(int, bool)  # cases triaged, cancelled
    toolchains_loaded = Signal(object)  # Toolchains

    def __init__(self, *, corpus_path: Path | None = None, check: CheckFn | None = None,
                 batch_scan: ScanFn | None = None, probe_toolchains: bool = True,
                 parent: QWidget | None = None) -> None:
        """``check`` replaces the engine for live checks (and, unless ``batch_scan`` is given,
        for drops too, in-process); by default drops run ``scan_iter`` in a child process."""
        pin_singletons_if_pyside_leaks()
        super().__init__(parent)
        self.setWindowTitle("Polonius Triage")
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self._engine = EngineCheck(confirm=True) if check is None else None
        self._check: CheckFn = check if check is not None else self._engine  # type: ignore[assignment]
        batch_scan = batch_scan or (check_scan(check) if check is not None else None)
        self.toolchains: Any = None
        self.corpus_path: Path | None = None
        self._label_actions: list[QAction] = []
        self._focused_once = False
        self._layout_restored = False
        self._closed = False

        self.db = SerialRunner("db", self)
        self.probe = SerialRunner("toolchains", self)
        self.live = LiveChecker(self._check, self)
        self._build_ui()
        status = self.statusBar()

        # The controllers own their areas; the window only wires them together.
        self.caselist = CaseListController(self.cases, self.db, notice=self.notice,
                                           status=status, parent=self)
        self.view = CaseViewController(
            CaseViews(editor=self.editor, edition=self.edition, banner=self.banner,
                      functions=self.functions, tabs=self.tabs, roles=self.roles,
                      findings=self.findings, labels_panel=self.labels_panel),
            db=self.db, live=self.live, check=self._check, caselist=self.caselist,
            notice=self.notice, status=status, parent=self)
        self.labeling = LabelingController(self.db, view=self.view, caselist=self.caselist,
                                           panel=self.labels_panel, notice=self.notice,
                                           status=status, parent=self)
        self.batches = BatchController(self.db, self.caselist, bar=self.batch_bar,
                                       notice=self.notice, status=status, scan=batch_scan,
                                       parent=self)
        self.caselist.cases_reloaded.connect(self.cases_reloaded)
        self.view.case_loaded.connect(self.case_loaded)
        self.view.triage_shown.connect(self.triage_shown)
        self.labeling.labels_stored.connect(self.labels_saved)
        self.labeling.case_saved.connect(self.case_saved)
        self.labeling.undo_state_changed.connect(self._on_labeling_undo_state_changed)
        self.batches.batch_started.connect(self.batch_started)
        self.batches.batch_finished.connect(self.batch_finished)
        self.batches.cases_stored.connect(self.view.on_cases_stored)
        self.batches.workspace_dropped.connect(self._on_batches_workspace_dropped)

        self._build_actions()
        self._restore_layout()
        self.open_corpus(corpus_path or self._remembered_corpus())
        if probe_toolchains and check is None:
            self._probe_toolchains()

    # -- construction

    def _build_ui(self) -> None:
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(6)
        self.toolchain_banner = NoticeBar(central, closable=False)
        self.toolchain_banner.action_clicked.connect(self.show_toolchains)
        self.notice = NoticeBar(central)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.cases = CaseListPanel(self.splitter)

        middle = QWidget(self.splitter)
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.setSpacing(4)
        self.banner = VerdictBanner(middle)
        mid.addWidget(self.banner)
        strip = QHBoxLayout()
        self.functions = FunctionStrip(middle)
        self.edition = QComboBox(middle)
        for edition in EDITIONS:
            self.edition.addItem(f"edition {edition}", edition)
        self.edition.setCurrentIndex(EDITIONS.index(DEFAULT_EDITION))
        self.edition.setToolTip("The Rust edition the snippet is checked with")
        strip.addWidget(self.functions, 1)
        strip.addWidget(self.edition)
        mid.addLayout(strip)
        self.vsplit = QSplitter(Qt.Orientation.Vertical, middle)
        self.editor = CodeEditor(self.vsplit)
        self.tabs = QTabWidget(self.vsplit)
        self.roles = RoleColumns(self.tabs)
        self.findings = FindingsPanel(self.tabs)
        self.tabs.addTab(self.roles, "Diagnostics by role")
        self.tabs.addTab(self.findings, "Patterns && rewrite")
        self.vsplit.addWidget(self.editor)
        self.vsplit.addWidget(self.tabs)
        self.vsplit.setStretchFactor(0, 3)
        self.vsplit.setStretchFactor(1, 2)
        self.vsplit.setSizes([430, 340])
        mid.addWidget(self.vsplit, 1)

        self.labels_panel = LabelPanel()
        right = QScrollArea(self.splitter)
        right.setWidgetResizable(True)
        right.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.setWidget(self.labels_panel)
        right.setMinimumWidth(RIGHT_MIN_WIDTH)

        self.splitter.addWidget(self.cases)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([400, 760, 270])
        outer.addWidget(self.splitter, 1)
        # Notices (and the toolchain warning under them) have a strip of their own, one line
        # high and always there: they never push the panes around nor cover the case list's
        # progress count or any other control (issue 12).
        self.notice_strip = notice_strip(central, self.toolchain_banner, self.notice)
        outer.addWidget(self.notice_strip)

        self.batch_bar = BatchBar(central)
        outer.addWidget(self.batch_bar)
        self.setCentralWidget(central)
        self.corpus_label = QLabel()
        self.statusBar().addPermanentWidget(self.corpus_label)

    def _action(self, menu: Any, text: str, slot: Callable[[], Any],
                shortcut: QKeySequence | str | Sequence[str] | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, (list, tuple)):
            action.setShortcuts([QKeySequence(k) for k in shortcut])
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Open File…", self.open_file_dialog, QKeySequence.StandardKey.Open,
                     "Open Rust files: one goes to the editor, several are triaged into the corpus")
        self._action(file, "Open &Folder…", self.open_folder_dialog, "Ctrl+Shift+O",
                     "Triage every .rs file under a folder into the corpus")
        self._action(file, "Triage JSONL &Sources…", self.triage_jsonl_dialog, None,
                     "Triage a JSONL file with one {\"source\": …} object per line")
        file.addSeparator()
        self._action(file, "&Import JSONL Label Set…", self.import_jsonl_dialog, "Ctrl+I",
                     "Merge an exported label set into the corpus")
        self._action(file, "&Export JSONL…", self.export_jsonl_dialog, "Ctrl+E",
                     "Export cases with their labels, filtered like `ptriage export`")
        self._action(file, "Export &Dataset…", self.export_dataset_dialog, None,
                     "A dataset directory with its card, cases and proven workaround pairs "
                     "(like `ptriage dataset`)")
        file.addSeparator()
        self._action(file, "Switch &Corpus…", self.switch_corpus_dialog, None,
                     "Open or create another corpus file")
        self.samples_menu = file.addMenu("Sa&mples")
        for sample in load_samples():
            self._action(self.samples_menu, sample.get("title", sample["file"]),
                         lambda s=sample: self.load_sample(s))
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        # Plain keys (J, K, N, digits) only act outside text fields: editors accept the
        # ShortcutOverride for typed text, so typing never labels.
        case = bar.addMenu("&Case")
        self.save_action = self._action(case, "&Save", self.labeling.save_case,
                                        QKeySequence.StandardKey.Save)
        self._action(case, "&Next Case", self.caselist.next, ["J", "Alt+Down"])
        self._action(case, "&Previous Case", self.caselist.previous, ["K", "Alt+Up"])
        self._action(case, "Next &Unlabeled Case", self.caselist.next_unlabeled, "N",
                     "The next case in the list that has no label yet")
        self._action(case, "Back to the Case &List", self.caselist.focus, "Esc",
                     "Leave a text field: number keys label again")
        case.addSeparator()
        self._action(case, "&Re-check", self.view.recheck, "F5",
                     "Check the editor's code again, confirming patterns by rewrite")
        self._action(case, "Cancel &Batch", self.batches.cancel, None)
        self._action(case, "Open Last Audit &Report", self.batches.open_report, None,
                     "The HTML report of the last Cargo workspace audit")

        self.label_menu = bar.addMenu("&Label")
        self.undo_action = self._action(self.label_menu, "&Undo Label Change",
                                        self.labeling.undo_label, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(self.label_menu, "&Redo Label Change",
                                        self.labeling.redo_label, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.redo_action.setEnabled(False)
        self.label_menu.addSeparator()
        self._labels_separator = self.label_menu.addSeparator()
        self.auto_advance_action = QAction("&Auto-advance to the Next Unlabeled Case", self)
        self.auto_advance_action.setCheckable(True)
        self.auto_advance_action.setChecked(self.labeling.auto_advance)
        self.auto_advance_action.toggled.connect(self.labeling.set_auto_advance)
        self.labels_panel.auto_advance.toggled.connect(self.auto_advance_action.setChecked)
        self.label_menu.addAction(self.auto_advance_action)
        self._action(self.label_menu, "Show &Unlabeled Cases Only",
                     self.caselist.show_unlabeled_only, None,
                     "Filter the list to cases without labels")

        tools = bar.addMenu("&Tools")
        self._action(tools, "&Statistics && Agreement…", self.show_statistics, "Ctrl+Shift+T",
                     "Counts by verdict × label, reviewer and pattern; agreement between "
                     "reviewers")
        self._action(tools, "&Label Settings…", self.show_label_settings, None,
                     "Mutually exclusive labels and what a conflict does")
        self._action(tools, "&Toolchains…", self.show_toolchains, None,
                     "The toolchain doctor's report and where toolchains.toml lives")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "&About Polonius Triage", self.show_about)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_app_focus_changed)

    def _set_label_actions(self, labels: Sequence[Label]) -> None:
        """One Label-menu action per label, its digit as the shortcut (listed in the menu)."""
        for action in self._label_actions:
            self.label_menu.removeAction(action)
            action.deleteLater()
        self._label_actions = []
        for label in labels:
            if label.retired:
                continue
            action = QAction(f"Toggle “{label.name}”", self)
            if label.key is not None:
                action.setShortcut(QKeySequence(str(label.key)))
            action.triggered.connect(lambda _c=False, n=label.name: self.toggle_label(n))
            self.label_menu.insertAction(self._labels_separator, action)
            self._label_actions.append(action)

    def _on_labeling_undo_state_changed(self, _can_undo: bool, can_redo: bool) -> None:
        # Undo stays enabled: with this session's changes undone it reaches back into the
        # shown case's history (LabelingController.undo_label).
        self.redo_action.setEnabled(can_redo)
        text = self.labeling.undo_text()
        self.undo_action.setText(f"&Undo Label Change ({text})" if text else
                                 "&Undo Label Change")

    # -- the facade the CLI, tests and menus use (each a controller's)

    @property
    def triage(self) -> Triage | None:
        return self.view.triage

    def reviewer_name(self) -> str:
        return self.labeling.reviewer_name()

    def load_case(self, case_id: str) -> None:
        self.view.load_case(case_id)

    def open_source(self, source: str, *, edition: str = DEFAULT_EDITION,
                    origin: dict[str, Any] | None = None) -> None:
        self.view.open_source(source, edition=edition, origin=origin)

    def recheck(self) -> None:
        self.view.recheck()

    def toggle_label(self, name: str) -> None:
        self.labeling.toggle_label(name)

    def save_case(self) -> None:
        self.labeling.save_case()

    def next_case(self) -> None:
        self.caselist.next()

    def previous_case(self) -> None:
        self.caselist.previous()

    def next_unlabeled(self) -> None:
        self.caselist.next_unlabeled()

    def show_unlabeled_only(self) -> None:
        self.caselist.show_unlabeled_only()

    def focus_case_list(self) -> None:
        self.caselist.focus()

    def fetch_all_rows(self) -> None:
        self.caselist.fetch_all()

    def triage_urls(self, urls: Sequence[QUrl]) -> None:
        self.batches.triage_urls(urls)

    def triage_paths(self, paths: Sequence[Path], *, also_refused: Sequence[str] = (),
                     what: str | None = None) -> None:
        self.batches.triage_paths(paths, also_refused=also_refused, what=what)

    def cancel_batch(self) -> None:
        self.batches.cancel()

    def load_sample(self, sample: dict[str, Any]) -> None:
        self.view.open_source(sample["source"], edition=sample.get("edition", DEFAULT_EDITION),
                              origin={"path": f"samples/{sample['file']}"})

    def open_samples(self) -> None:
        """First launch: put the sample snippets in the corpus and the first in the editor."""
        samples = load_samples()
        if not samples:
            return
        self.load_sample(samples[0])
        lines = [json.dumps({"source": s["source"], "edition": s.get("edition", DEFAULT_EDITION),
                             "origin": {"path": f"samples/{s['file']}"}}) for s in samples]
        scratch = settings.settings_path().parent / "samples.jsonl"
        try:
            scratch.write_text("\n".join(lines) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notice.show_message(f"Cannot prepare the samples ({exc}).", kind="warning")
            return
        self.batches.triage_paths([scratch], what="samples")

    # -- the corpus

    @staticmethod
    def _remembered_corpus() -> Path:
        remembered = settings.read_str("corpus")
        return Path(remembered) if remembered else default_corpus_path()

    def open_corpus(self, path: Path, *, remember: bool = False) -> None:
        """Open (or create) a corpus on the DB thread and list its cases."""
        target = Path(path)
        db = self.db

        def op(old: Corpus | None) -> tuple[Path, list[Label], list[CaseSummary]]:
            corpus = Corpus(target)
            if old is not None:
                old.close()
            db.state = corpus
            return corpus.path, corpus.labels(), corpus.summaries()

        def done(result: tuple[Path, list[Label], list[CaseSummary]]) -> None:
            self._on_db_corpus_opened(result, remember)

        self.db.run(op, done, lambda message: self._on_db_corpus_failed(message, target))

    def _on_db_corpus_opened(self, result: tuple[Path, list[Label], list[CaseSummary]],
                             remember: bool) -> None:
        path, labels, summaries = result
        if path != self.corpus_path:
            self.labeling.forget()
        self.corpus_path = path
        if remember:
            settings.write("corpus", str(path))
        self.corpus_label.setText(f"corpus: {path}")
        self._set_labels(labels)
        self.caselist.set_summaries(summaries)
        self.view.refresh_stored()
        self.corpus_opened.emit(str(path))

    def _on_db_corpus_failed(self, message: str, target: Path | None = None) -> None:
        if self.corpus_path is not None:
            # The DB thread only swaps corpora once the new one opened: the old one is still in
            # use, and the window must say so (labels keep going there).
            self.notice.show_message(
                f"The corpus {target} cannot be opened: {message}\nStill using {self.corpus_path}"
                "; choose another with File ▸ Switch Corpus.", kind="error")
        else:
            self.notice.show_message(
                f"The corpus cannot be opened: {message}\nChoose another with File ▸ Switch "
                "Corpus; checking code still works, but labels cannot be stored.", kind="error")
            self.corpus_label.setText("no corpus")
        self.corpus_failed.emit(message)

    def _set_labels(self, labels: Sequence[Label]) -> None:
        self._set_label_actions(labels)
        self.labels_panel.set_labels(labels)
        self.caselist.set_labels(labels)
        stored = self.view.stored_record
        if stored is not None:
            self.labels_panel.set_checked(stored.get("labels", ()))

    def _on_db_failed(self, message: str) -> None:
        self.notice.show_message(f"The corpus operation failed: {message}", kind="error")

    # -- focus: keys label in the case list, type in text fields, Esc returns

    def _on_app_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._closed or new is None or new.window() is not self:
            return
        names = {self.editor: "code editor", self.labels_panel.note: "note",
                 self.labels_panel.reviewer: "reviewer name", self.cases.search: "search field"}
        self.labels_panel.show_keys_mode(text_field=names.get(new, ""))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:
            if not self._layout_restored:
                self._fit_splitter()
            # Start where the keys label: the case list (issue 12's focus model).
            self._focused_once = True
            self.cases.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- dialogs

    def show_label_settings(self) -> None:
        from app.gui.dialogs import LabelSettingsDialog

        dialog = LabelSettingsDialog(self.labeling.rules,
                                     [lab.name for lab in self.labels_panel.labels], parent=self)
        dialog.accepted.connect(lambda: self._on_label_settings_accepted(dialog.rules()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_label_settings_accepted(self, rules: LabelRules) -> None:
        self.labeling.set_rules(rules)
        self.statusBar().showMessage("Label rules saved.", 3000)

    def show_statistics(self) -> Any:
        """Tools ▸ Statistics & Agreement: one non-modal view, refreshed on demand."""
        from app.gui.stats import StatsDialog, collect_stats

        dialog = getattr(self, "_stats_dialog", None)
        if dialog is None or not alive(dialog):
            dialog = StatsDialog(self)
            dialog.disagreements_requested.connect(self.show_disagreements)
            dialog.refresh_requested.connect(self.show_statistics)
            self._stats_dialog = dialog

        def done(data: Any) -> None:
            if data is not None and alive(dialog):
                dialog.show_stats(data)

        self.db.run(lambda c: collect_stats(c) if c is not None else None, done,
                    self._on_db_failed)
        dialog.show()
        dialog.raise_()
        return dialog

    def show_disagreements(self, ids: frozenset[str]) -> None:
        """List only the cases where reviewers disagree (to adjudicate them)."""
        self.caselist.show_subset(frozenset(ids), "cases where reviewers disagree")

    def show_shortcuts(self) -> None:
        from app.gui.dialogs import ShortcutsDialog

        dialog = ShortcutsDialog(self.menuBar(), parent=self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self._shortcuts_dialog = dialog

    # -- drops

    def _on_batches_workspace_dropped(self, root: Path) -> Any:
        from app.gui.dialogs import WorkspaceDropDialog

        dialog = WorkspaceDropDialog(root, parent=self)
        dialog.chosen.connect(lambda how: self._on_workspace_dialog_chosen(
            root, how, corroborate="all" if dialog.corroborate_all.isChecked() else "needed"))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self._workspace_dialog = dialog
        return dialog

    def _on_workspace_dialog_chosen(self, root: Path, how: str, *,
                                    corroborate: str = "needed") -> None:
        if how == "audit":
            self.batches.audit_workspace(root, corroborate=corroborate)
        else:
            self.batches.triage_batch([root], f"{root.name} (files as snippets)")

    def audit_workspace(self, root: Path) -> None:
        self.batches.audit_workspace(root)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls: list[QUrl] = event.mimeData().urls()
        if not urls:
            event.ignore()
            return
        event.acceptProposedAction()
        self.batches.triage_urls(urls)

    # -- layout memory

    def _fit_to_screen(self) -> None:
        """Never larger than the screen's available area (the 1440×900 default would put the
        label panel off a 1024×700 screen)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width, height = min(self.width(), area.width()), min(self.height(), area.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            self.move(area.topLeft())

    def _restore_layout(self) -> None:
        """Window size and place, splitters, sort order and origin roots of the last session."""
        store = settings.open_settings()
        # Size and place explicitly (restoreGeometry clamps to the screen it believes in).
        try:
            width, height = (int(v) for v in settings.read_str("window_size").split(","))
            x, y = (int(v) for v in settings.read_str("window_pos").split(","))
        except ValueError:
            pass
        else:
            self.resize(width, height)
            if QGuiApplication.screenAt(QPoint(x + 40, y + 20)) is not None:
                self.move(x, y)
        if settings.read_str("window_size") == "":
            self._fit_to_screen()  # first launch: the default size must fit this screen
        if settings.read_str("window_maximized") == "true":
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        for key, splitter in (("splitter", self.splitter), ("vsplit", self.vsplit)):
            state = store.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                self._layout_restored = splitter.restoreState(state) or self._layout_restored
        sort = settings.read_str("sort")
        if sort:
            try:
                column, order = (int(v) for v in sort.split(","))
            except ValueError:
                log.warning("ignoring the remembered sort order %r", sort)
            else:
                self.cases.table.sortByColumn(column, Qt.SortOrder(order))
        self.batches.restore_roots()

    def _fit_splitter(self) -> None:
        """First run: share the width so the code gets the most, at 1024 px and at 1920 px."""
        width = max(self.width() - 24, 600)
        right = max(RIGHT_MIN_WIDTH, int(width * 0.19))
        cases = max(250, int(width * 0.25))
        self.splitter.setSizes([cases, width - cases - right, right])

    def _save_layout(self) -> None:
        store = settings.open_settings()
        normal = self.normalGeometry() if self.isMaximized() else self.geometry()
        store.setValue("window_size", f"{normal.width()},{normal.height()}")
        store.setValue("window_pos", f"{normal.x()},{normal.y()}")
        store.setValue("window_maximized", "true" if self.isMaximized() else "false")
        store.setValue("splitter", self.splitter.saveState())
        store.setValue("vsplit", self.vsplit.saveState())
        header = self.cases.table.horizontalHeader()
        store.setValue("sort", f"{header.sortIndicatorSection()},"
                               f"{header.sortIndicatorOrder().value}")
        store.sync()

    # -- menus

    def open_file_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open Rust files",
                                                settings.read_str("last_folder"),
                                                "Rust (*.rs);;JSON Lines (*.jsonl);;All (*)")
        if len(files) == 1 and files[0].endswith(".rs"):
            self.open_file(Path(files[0]))
        elif files:
            self.batches.triage_paths([Path(f) for f in files])

    def open_file(self, path: Path) -> bool:
        """Read one Rust file into the editor and check it; False (and a message) on failure."""
        from checkers.errors import CheckerError

        try:
            try:
                from checkers.snippet import read_source_file
            except ImportError:
                source = path.read_text(encoding="utf-8")
            else:
                source = read_source_file(path)
        except (OSError, UnicodeDecodeError, CheckerError) as exc:
            # read_source_file's errors already start with the path: name it once.
            detail = str(exc)
            text = detail if str(path) in detail else f"{path}: {detail}"
            self.notice.show_message(f"Cannot open {text}", kind="error")
            return False
        self.view.open_source(source, origin={"path": str(path)})
        return True

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Triage a folder of Rust files",
                                                  settings.read_str("last_folder"))
        if folder:
            self.batches.triage_paths([Path(folder)])

    def triage_jsonl_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Triage sources from JSONL", "",
                                              "JSON Lines (*.jsonl *.ndjson);;All (*)")
        if path:
            self.batches.triage_paths([Path(path)])

    def import_jsonl_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a JSONL label set", "",
                                              "JSON Lines (*.jsonl);;All (*)")
        if path:
            self.import_jsonl(Path(path))

    def import_jsonl(self, path: Path) -> None:
        reviewer = self.reviewer_name()

        def op(corpus: Corpus | None) -> tuple[Any, list[CaseSummary], list[Label]]:
            corpus = require_corpus(corpus)
            report = corpus.import_jsonl(path, reviewer=reviewer)
            return report, corpus.summaries(), corpus.labels()

        def done(result: tuple[Any, list[CaseSummary], list[Label]]) -> None:
            report, summaries, labels = result
            self._set_labels(labels)
            self.caselist.set_summaries(summaries)
            self.notice.show_message(
                f"Imported {path.name}: {report.added} new, {report.merged} merged, "
                f"{report.unchanged} unchanged.", kind="info")

        def failed(message: str) -> None:
            self.notice.show_message(
                f"{path.name} was not imported:\n{message}\nIf the file only holds sources to "
                "check, use File ▸ Triage JSONL Sources (or drop it on the window).",
                kind="error")

        self.db.run(op, done, failed)

    def export_jsonl_dialog(self) -> ExportDialog:
        """Open the export dialog (non-blocking); accepting it writes the file on the DB thread."""
        default = Path.home() / "polonius-labels.jsonl"
        dialog = ExportDialog(labels=[lab.name for lab in self.labels_panel.labels],
                              patterns=self.caselist.pattern_names(), default_path=default,
                              parent=self)
        dialog.accepted.connect(lambda: self.export_jsonl(dialog.output_path(), dialog.filters()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export_jsonl(self, path: Path, filters: dict[str, Any]) -> None:
        wanted = {k: v for k, v in filters.items() if v}

        def done(count: int) -> None:
            self.notice.show_message(f"Exported {count} case{'s' * (count != 1)} to {path}.",
                                     kind="info")
            self.export_finished.emit(count, str(path))

        self.db.run(lambda c: require_corpus(c).export_jsonl(path, **wanted), done,
                    lambda m: self.notice.show_message(f"Export failed: {m}", kind="error"))

    def export_dataset_dialog(self) -> Any:
        """File ▸ Export Dataset (non-blocking); the build runs in the background."""
        from app.gui.dialogs import DatasetDialog

        dialog = DatasetDialog(default_dir=Path.home() / "polonius-dataset", parent=self)
        dialog.accepted.connect(lambda: self.export_dataset(dialog.output_dir(),
                                                            dialog.options()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export_dataset(self, out: Path, options: dict[str, Any]) -> None:
        if self.corpus_path is None:
            self.notice.show_message("No corpus is open; choose one with File ▸ Switch Corpus.",
                                     kind="error")
            return
        check = None
        if self._engine is None:
            # An embedded engine (tests, embedders) re-checks the pairs too.
            engine = self._check

            def check(cancel: Any) -> Any:
                return lambda source, edition: engine(source, edition=edition, origin=None,
                                                      cancel=cancel)
        self.batches.export_dataset(self.corpus_path, out, options=options, check=check)

    def switch_corpus_dialog(self) -> None:
        start = str(self.corpus_path or default_corpus_path())
        path, _ = QFileDialog.getSaveFileName(
            self, "Open or create a corpus", start, "Corpus (*.sqlite3 *.db);;All (*)",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.open_corpus(Path(path), remember=True)

    def show_about(self) -> None:
        show_about(self, version=APP_VERSION, corpus=str(self.corpus_path or "-"),
                   settings=str(settings.settings_path()))

    # -- toolchains

    def _probe_toolchains(self) -> None:
        def op(_state: Any) -> tuple[Any, str]:
            from checkers.toolchains import doctor_report, load_toolchains

            toolchains = load_toolchains()
            return toolchains, doctor_report(toolchains)

        self.probe.run(op, self._on_probe_finished, self._on_probe_failed)

    def _on_probe_finished(self, result: tuple[Any, str]) -> None:
        toolchains, report = result
        self.toolchains = toolchains
        self._doctor_report = report
        if self._engine is not None:
            self._engine.toolchains = toolchains
        self.batches.toolchains = toolchains
        missing = [info for info in toolchains.roles.values() if not info.available]
        if missing:
            details = [f"{info.role}: {info.problem or 'not available'}"
                       + (f" — fix: {info.fix}" if info.fix else "") for info in missing]
            required = not toolchains.runnable
            self.toolchain_banner.show_message(
                ("Cannot check code: a required toolchain is missing."
                 if required else "Some toolchain roles are missing; verdicts are less sure.")
                + " Labeling stored cases still works.",
                kind="error" if required else "warning", action="Details…", details=details)
        else:
            self.toolchain_banner.hide()
        self.toolchains_loaded.emit(toolchains)

    def _on_probe_failed(self, message: str) -> None:
        self._doctor_report = message
        self.toolchain_banner.show_message(
            f"The toolchains cannot be loaded: {message}\nLabeling stored cases still works.",
            kind="error", action="Details…")

    def show_toolchains(self) -> None:
        from checkers.toolchains import toolchains_file, user_toolchains_file

        report = getattr(self, "_doctor_report", "") or "The toolchains are still being probed."
        source = str(self.toolchains.source_path) if self.toolchains is not None \
            else str(toolchains_file())
        dialog = ToolchainsDialog(report, source_path=source,
                                  user_path=str(user_toolchains_file()), parent=self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # -- shutdown

    def shutdown(self) -> None:
        """Stop every worker and close the corpus; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._save_layout()
        self.labeling.flush_note()
        self.batches.shutdown()
        self.live.shutdown()
        self.view.shutdown()
        self.probe.shutdown()
        self.db.shutdown(final=lambda corpus: corpus.close() if corpus is not None else None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
