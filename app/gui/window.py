"""The main window: wires the editor, result views, case list and labeling to the workers."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
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

from app.corpus import CaseSummary, Corpus, Label, default_corpus_path, default_reviewer
from app.gui import settings
from app.gui.batchproc import ScanFn, check_scan
from app.gui.cases import CaseListPanel
from app.gui.compat import pin_singletons_if_pyside_leaks
from app.gui.dialogs import ExportDialog, ToolchainsDialog, show_about
from app.gui.editor import CodeEditor
from app.gui.labeling import LabelChange, LabelingController, LabelRules
from app.gui.labels import LabelPanel
from app.gui.records import merged_diagnostics, summary_fields, triage_from_record
from app.gui.results import (
    FindingsPanel,
    FunctionStrip,
    RoleColumns,
    VerdictBanner,
    findings_are_the_news,
)
from app.gui.tasks import (
    BatchThread,
    CheckFn,
    EngineCheck,
    LiveChecker,
    SerialRunner,
    alive,
    split_drop,
)
from app.gui.widgets import BatchBar, NoticeBar
from checkers.model import DEFAULT_EDITION, EDITIONS, Triage, normalise_source

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SAMPLES = RESOURCES / "samples"
APP_VERSION = "0.1.0"
#: Records of a drop batch are stored and listed together, at most this often (keeps the UI free).
BATCH_COALESCE_MS = 50
#: How many dropped folders the case list shows origins relative to.
MAX_ORIGIN_ROOTS = 20
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
        self._batch_scan: ScanFn | None = batch_scan or (check_scan(check) if check is not None
                                                          else None)
        self.toolchains: Any = None
        self.corpus_path: Path | None = None
        self._triage: Triage | None = None
        self._stored_record: dict[str, Any] | None = None
        self._loading = False
        self._save_after_check = False
        self._batch: BatchThread | None = None
        self._batch_queue: list[tuple[list[Path], str, list[str]]] = []
        self._batch_count = 0
        self._batch_refused: list[str] = []
        self._batch_failure = ""
        self._ending_batches: set[BatchThread] = set()
        self._batch_records: list[dict[str, Any]] = []
        #: verdict → ids of the running batch's cases (the end summary's "show these").
        self._batch_verdicts: dict[str, set[str]] = {}
        self._batch_timer = QTimer(self)
        self._batch_timer.setSingleShot(True)
        self._batch_timer.setInterval(BATCH_COALESCE_MS)
        self._batch_timer.timeout.connect(self._on_batch_timer_timeout)
        self._origin: dict[str, Any] | None = None
        #: The stored case the reviewer typed over (the edit is a new case, without its origin).
        self._edited_from: str | None = None
        #: The triage on screen came from a check and differs from (or is missing in) the corpus.
        self._unsaved_result = False
        self._info_case: str | None = None
        self._draft_cancel = threading.Event()
        self._label_colours: dict[str, str] = {}
        self._closed = False

        self.db = SerialRunner("db", self)
        self.probe = SerialRunner("toolchains", self)
        self.drafts = SerialRunner("drafts", self)
        self.labeling = LabelingController(self.db, self)
        self.labeling.labels_saved.connect(self._on_labeling_labels_saved)
        self.labeling.change_refused.connect(self._on_labeling_change_refused)
        self.labeling.change_failed.connect(self._on_db_label_failed)
        self.labeling.undo_state_changed.connect(self._on_labeling_undo_state_changed)
        #: First cases of a drop in small units (tests/bench/bench_gui.py compares both ways).
        self.batch_small_first = True
        self._label_actions: list[QAction] = []
        self._focused_once = False
        self._layout_restored = False
        self.live = LiveChecker(self._check, self)
        self.live.check_started.connect(self._on_live_check_started)
        self.live.check_finished.connect(self._on_live_check_finished)
        self.live.check_failed.connect(self._on_live_check_failed)

        self._build_ui()
        self._build_actions()
        self._restore_layout()
        self.labels_panel.reviewer.setText(settings.read_str("reviewer") or default_reviewer())

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
        outer.addWidget(self.toolchain_banner)
        outer.addWidget(self.notice)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.cases = CaseListPanel(self.splitter)
        self.cases.case_selected.connect(self._on_cases_case_selected)
        self.cases.text_filter_changed.connect(self._on_cases_text_filter_changed)

        middle = QWidget(self.splitter)
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.setSpacing(4)
        self.banner = VerdictBanner(middle)
        mid.addWidget(self.banner)
        strip = QHBoxLayout()
        self.functions = FunctionStrip(middle)
        self.functions.function_activated.connect(self._on_functions_function_activated)
        self.edition = QComboBox(middle)
        for edition in EDITIONS:
            self.edition.addItem(f"edition {edition}", edition)
        self.edition.setCurrentIndex(EDITIONS.index(DEFAULT_EDITION))
        self.edition.setToolTip("The Rust edition the snippet is checked with")
        self.edition.currentIndexChanged.connect(self._on_edition_current_index_changed)
        strip.addWidget(self.functions, 1)
        strip.addWidget(self.edition)
        mid.addLayout(strip)
        self.vsplit = QSplitter(Qt.Orientation.Vertical, middle)
        self.editor = CodeEditor(self.vsplit)
        self.editor.textChanged.connect(self._on_editor_text_changed)
        self.tabs = QTabWidget(self.vsplit)
        self.roles = RoleColumns(self.tabs)
        self.roles.diagnostic_activated.connect(self._on_roles_diagnostic_activated)
        self.findings = FindingsPanel(self.tabs)
        self.findings.finding_activated.connect(self._on_roles_diagnostic_activated)
        self.findings.open_requested.connect(self._on_findings_open_requested)
        self.tabs.addTab(self.roles, "Diagnostics by role")
        self.tabs.addTab(self.findings, "Patterns && rewrite")
        self.vsplit.addWidget(self.editor)
        self.vsplit.addWidget(self.tabs)
        self.vsplit.setStretchFactor(0, 3)
        self.vsplit.setStretchFactor(1, 2)
        self.vsplit.setSizes([430, 340])
        mid.addWidget(self.vsplit, 1)

        self.labels_panel = LabelPanel()
        self.labels_panel.label_clicked.connect(self._on_labels_label_clicked)
        self.labels_panel.save_clicked.connect(self.save_case)
        self.labels_panel.next_clicked.connect(self.next_case)
        self.labels_panel.previous_clicked.connect(self.previous_case)
        self.labels_panel.reviewer_edited.connect(self._on_labels_reviewer_edited)
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

        self.batch_bar = BatchBar(central)
        self.batch_bar.cancel_clicked.connect(self.cancel_batch)
        self.batch_bar.verdict_clicked.connect(self._on_batch_bar_verdict_clicked)
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
        self.save_action = self._action(case, "&Save", self.save_case,
                                        QKeySequence.StandardKey.Save)
        self._action(case, "&Next Case", self.next_case, ["J", "Alt+Down"])
        self._action(case, "&Previous Case", self.previous_case, ["K", "Alt+Up"])
        self._action(case, "Next &Unlabeled Case", self.next_unlabeled, "N",
                     "The next case in the list that has no label yet")
        self._action(case, "Back to the Case &List", self.focus_case_list, "Esc",
                     "Leave a text field: number keys label again")
        case.addSeparator()
        self._action(case, "&Re-check", self.recheck, "F5",
                     "Check the editor's code again, confirming patterns by rewrite")
        self._action(case, "Cancel &Batch", self.cancel_batch, None)

        self.label_menu = bar.addMenu("&Label")
        self.undo_action = self._action(self.label_menu, "&Undo Label Change", self.undo_label,
                                        QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(self.label_menu, "&Redo Label Change", self.redo_label,
                                        ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.label_menu.addSeparator()
        self._labels_separator = self.label_menu.addSeparator()
        self.auto_advance_action = QAction("&Auto-advance to the Next Unlabeled Case", self)
        self.auto_advance_action.setCheckable(True)
        self.auto_advance_action.setChecked(settings.read_str("auto_advance") == "true")
        self.labels_panel.auto_advance.setChecked(self.auto_advance_action.isChecked())
        self.auto_advance_action.toggled.connect(self._on_auto_advance_toggled)
        self.labels_panel.auto_advance.toggled.connect(self.auto_advance_action.setChecked)
        self.label_menu.addAction(self.auto_advance_action)
        self._action(self.label_menu, "Show &Unlabeled Cases Only", self.show_unlabeled_only,
                     None, "Filter the list to cases without labels")

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

    # -- settings

    @staticmethod
    def _remembered_corpus() -> Path:
        remembered = settings.read_str("corpus")
        return Path(remembered) if remembered else default_corpus_path()

    def reviewer_name(self) -> str:
        return self.labels_panel.reviewer.text().strip() or default_reviewer()

    def _on_labels_reviewer_edited(self, name: str) -> None:
        settings.write("reviewer", name)

    # -- corpus

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
        self._set_summaries(summaries)
        if self._triage is not None:
            # The case on screen may not be in this corpus: its "stored" state must follow.
            case_id = self._triage.id
            self.db.run(lambda c: c.get(case_id) if c is not None else None,
                        lambda record: self._on_db_shown_case_rechecked(case_id, record),
                        self._on_db_failed)
        self.corpus_opened.emit(str(path))

    def _on_db_shown_case_rechecked(self, case_id: str, record: dict[str, Any] | None) -> None:
        if self._triage is None or self._triage.id != case_id:
            return
        if record is None:
            self._stored_record = None
            self._show_case_info(None)
        else:
            self._on_db_stored_looked_up(record)

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
        self.labels_panel.set_labels(labels)
        self._label_colours = {lab.name: lab.colour for lab in labels}
        self.cases.set_label_names([lab.name for lab in labels], self._label_colours)
        if self._stored_record is not None:
            self.labels_panel.set_checked(self._stored_record.get("labels", ()))

    def _set_summaries(self, summaries: Sequence[CaseSummary]) -> None:
        current = self._triage.id if self._triage is not None else None
        self.cases.model.set_summaries(summaries)
        self._refresh_pattern_filter(summaries)
        if current is not None:
            self._select_quietly(current)
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
        self.cases.set_pattern_names(sorted(names))

    def reload_cases(self) -> None:
        text = self.cases.search.text().strip() or None
        self.db.run(lambda c: c.summaries(text=text) if c is not None else [],
                    self._set_summaries, self._on_db_failed)

    def _on_cases_text_filter_changed(self, _text: str) -> None:
        self.reload_cases()

    def _on_db_failed(self, message: str) -> None:
        self.notice.show_message(f"The corpus operation failed: {message}", kind="error")

    def _select_quietly(self, case_id: str) -> None:
        self.cases.blockSignals(True)
        self.cases.select_id(case_id)
        self.cases.blockSignals(False)

    # -- loading cases

    def _on_cases_case_selected(self, case_id: str) -> None:
        if self._triage is not None and self._triage.id == case_id and not self.live.busy:
            return
        self.load_case(case_id)

    def load_case(self, case_id: str) -> None:
        """Show a stored case: its source, its stored result and its labels (no rustc needed)."""
        self._flush_note()
        self._keep_shown_work()
        self.live.invalidate()
        self.db.run(lambda c: c.get(case_id), self._on_db_case_loaded, self._on_db_failed)

    def _on_db_case_loaded(self, record: dict[str, Any] | None) -> None:
        if record is None:
            self.notice.show_message("That case is no longer in the corpus (another program "
                                     "changed it?); the list was reloaded.", kind="warning")
            self.reload_cases()
            return
        triage = triage_from_record(record)
        self._origin = triage.origin
        self._edited_from = None
        self._unsaved_result = False
        self._set_editor_text(triage.source, triage.edition)
        self._stored_record = record
        self._show_triage(triage)
        self._show_case_info(record)
        self._select_quietly(triage.id)
        self.case_loaded.emit(triage.id)

    def _set_editor_text(self, source: str, edition: str) -> None:
        self._loading = True
        try:
            self.editor.setPlainText(source)
            self.edition.setCurrentIndex(max(0, EDITIONS.index(edition)
                                             if edition in EDITIONS else 0))
        finally:
            self._loading = False

    def _show_case_info(self, record: dict[str, Any] | None) -> None:
        triage = self._triage
        from app.corpus import origin_text

        shown = record["id"] if record is not None else (triage.id if triage else None)
        if shown != self._info_case:
            # A status line ("Labels: …") is about one case; never carry it to the next.
            self._info_case = shown
            self.labels_panel.status.setText("")
        if record is not None:
            self.labels_panel.show_case(case_id=record["id"], origin=origin_text(
                record.get("origin")), stored=True, note=record.get("note", ""),
                updated=record.get("updated", ""), reviewer=record.get("reviewer", ""))
            self.labels_panel.set_checked(record.get("labels", ()))
            self.labels_panel.show_history(record.get("history", ()))
        elif triage is not None:
            note = self.labels_panel.note.toPlainText()
            origin = origin_text(triage.origin)
            if not origin and self._edited_from is not None:
                origin = f"edited from case {self._edited_from[:12]}"
            self.labels_panel.show_case(case_id=triage.id, origin=origin, stored=False,
                                        note=note)
            self.labels_panel.set_checked(())
            self.labels_panel.show_history(())

    def open_source(self, source: str, *, edition: str = DEFAULT_EDITION,
                    origin: dict[str, Any] | None = None) -> None:
        """Put code in the editor and check it right away."""
        self._flush_note()
        self._keep_shown_work()
        self._stored_record = None
        self._triage = None
        self._origin = origin
        self._edited_from = None
        self._unsaved_result = False
        self._set_editor_text(source, edition)
        self.editor.clear_annotations()
        self.labels_panel.show_case(case_id=None, origin="", stored=False, note="")
        self.labels_panel.set_checked(())
        self.cases.table.clearSelection()
        self.live.request(source, edition=edition, origin=origin, immediate=True)

    def load_sample(self, sample: dict[str, Any]) -> None:
        self.open_source(sample["source"], edition=sample.get("edition", DEFAULT_EDITION),
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
        self.triage_paths([scratch], what="samples")

    # -- checking

    def current_edition(self) -> str:
        return str(self.edition.currentData() or DEFAULT_EDITION)

    def _on_editor_text_changed(self) -> None:
        if self._loading:
            return
        if self._edited_from is None and self._triage is not None \
                and self._stored_record is not None:
            self._edited_from = self._triage.id
        # Typed code is a new case: it does not come from the loaded case's file and line.
        self._origin = None
        self._mark_result_stale()
        self.live.request(self.editor.toPlainText(), edition=self.current_edition(),
                          origin=self._origin)

    def _on_edition_current_index_changed(self, _index: int) -> None:
        if not self._loading and self.editor.toPlainText().strip():
            self.live.request(self.editor.toPlainText(), edition=self.current_edition(),
                              origin=self._origin, immediate=True)

    def recheck(self) -> None:
        if self.editor.toPlainText().strip():
            self.live.request(self.editor.toPlainText(), edition=self.current_edition(),
                              origin=self._origin, immediate=True)

    def _mark_result_stale(self) -> None:
        """The editor no longer shows what the result describes: undraw it until the new one."""
        self.editor.clear_annotations()
        self.roles.setEnabled(False)
        self.findings.setEnabled(False)
        self.banner.show_checking(True)
        if self.cases.table.selectionModel().hasSelection():
            self.cases.table.blockSignals(True)
            self.cases.table.clearSelection()
            self.cases.table.blockSignals(False)

    def _on_live_check_started(self) -> None:
        self.banner.show_checking(True)

    def _on_live_check_failed(self, message: str) -> None:
        self.banner.show_error(message)
        self.statusBar().showMessage("The check failed; see the banner.", 5000)

    def _on_live_check_finished(self, triage: Triage) -> None:
        previous = self._triage.id if self._triage is not None else None
        self._unsaved_result = True
        self._show_triage(triage)
        if triage.id != previous or self._stored_record is None:
            self._stored_record = None
            self._show_case_info(None)
            self.db.run(lambda c: c.get(triage.id) if c is not None else None,
                        self._on_db_stored_looked_up, self._on_db_failed)
        if self._save_after_check:
            self._save_after_check = False
            self.save_case()

    def _on_db_stored_looked_up(self, record: dict[str, Any] | None) -> None:
        if record is None or self._triage is None or record["id"] != self._triage.id:
            return
        self._stored_record = record
        dirty = self.labels_panel.note_dirty
        note = self.labels_panel.note.toPlainText()
        self._show_case_info(record)
        if dirty:
            self.labels_panel.note.setPlainText(note)
        self._select_quietly(record["id"])

    def _on_findings_open_requested(self, source: str) -> None:
        self.open_source(source, edition=self.current_edition())

    def _show_triage(self, triage: Triage) -> None:
        previous = self._triage.id if self._triage is not None else None
        self._triage = triage
        if triage.id != previous:
            # When the news is a confirmed workaround on clean code, open where it is shown.
            self.tabs.setCurrentIndex(1 if findings_are_the_news(triage) else 0)
        self.roles.setEnabled(True)
        self.findings.setEnabled(True)
        self.banner.show_triage(triage)
        self.functions.show_triage(triage)
        self.roles.show_triage(triage)
        self.findings.show_triage(triage)
        count = len(triage.patterns) + len(triage.epochs)
        self.tabs.setTabText(1, f"Patterns && rewrite ({count})" if count else
                             "Patterns && rewrite")
        if normalise_source(self.editor.toPlainText()) == normalise_source(triage.source):
            self.editor.set_annotations(merged_diagnostics(triage),
                                        list(triage.patterns) + list(triage.epochs))
        self.triage_shown.emit(triage)

    def _on_roles_diagnostic_activated(self, line: int, column: int) -> None:
        self.editor.jump_to(line, column)

    def _on_functions_function_activated(self, line: int) -> None:
        self.editor.jump_to(line, 1)

    # -- labeling

    def _on_labels_label_clicked(self, name: str) -> None:
        self.toggle_label(name)

    def _current_record(self) -> dict[str, Any] | None:
        """The record to store for what the editor shows, or None while it is being checked."""
        if self._triage is None or self.live.busy:
            return None
        if normalise_source(self.editor.toPlainText()) != normalise_source(self._triage.source):
            return None
        return self._triage.to_record()

    def toggle_label(self, name: str) -> None:
        """Add or remove a label on the current case, storing the case first if needed (its
        latest result: what is on screen is what is stored), under the label rules."""
        record = self._current_record()
        if record is None:
            self._refuse_labeling()
            return
        self.labeling.toggle(record, name, reviewer=self.reviewer_name(),
                             latest=self._unsaved_result, prepare=keep_stored_origin)

    def undo_label(self) -> None:
        """Ctrl+Z outside text fields: revert the newest label change of this session."""
        if not self.labeling.undo(reviewer=self.reviewer_name()):
            self.statusBar().showMessage("No label change to undo.", 3000)

    def redo_label(self) -> None:
        if not self.labeling.redo(reviewer=self.reviewer_name()):
            self.statusBar().showMessage("No label change to redo.", 3000)

    def _on_labeling_undo_state_changed(self, can_undo: bool, can_redo: bool) -> None:
        self.undo_action.setEnabled(can_undo)
        self.redo_action.setEnabled(can_redo)
        text = self.labeling.undo_text()
        self.undo_action.setText(f"&Undo Label Change ({text})" if text else
                                 "&Undo Label Change")

    def _on_labeling_change_refused(self, message: str) -> None:
        self.labels_panel.status.setText(message)
        self.statusBar().showMessage(message, 8000)

    def _on_labeling_labels_saved(self, record: dict[str, Any] | None,
                                  change: LabelChange | None, how: str) -> None:
        if record is None:
            return
        shown = self._triage is not None and record["id"] == self._triage.id
        if how != "label" and not shown:
            # Undo and redo show the case whose labels they change.
            self.cases.model.upsert(CaseSummary(**summary_fields(record)))
            self.load_case(record["id"])
        else:
            self._on_db_labels_saved(record)
        if change is not None:
            verb = {"undo": "Undid", "redo": "Redid"}.get(how)
            if verb:
                message = f"{verb}: {change.describe()}"
                self.labels_panel.status.setText(message)
                self.statusBar().showMessage(message, 4000)
            elif change.removed and change.added:
                message = (f"“{change.added[0]}” replaced {', '.join(change.removed)} "
                           "(exclusive labels; Ctrl+Z undoes).")
                self.labels_panel.status.setText(message)
                self.statusBar().showMessage(message, 6000)
            if how == "label" and change.added and self.auto_advance_action.isChecked():
                self.next_unlabeled()

    def _on_auto_advance_toggled(self, on: bool) -> None:
        settings.write("auto_advance", "true" if on else "false")
        self.labels_panel.auto_advance.setChecked(on)

    def next_unlabeled(self) -> None:
        if not self.cases.next_unlabeled():
            self.statusBar().showMessage("Every case in this view is labeled.", 4000)

    def show_unlabeled_only(self) -> None:
        from app.gui.cases import UNLABELED

        self.cases.label_filter.setCurrentIndex(self.cases.label_filter.findData(UNLABELED))

    def focus_case_list(self) -> None:
        self.cases.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

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
        self.db.run(lambda c: collect_stats(c) if c is not None else None,
                    lambda data: dialog.show_stats(data) if data is not None and alive(dialog)
                    else None, self._on_db_failed)
        dialog.show()
        dialog.raise_()
        return dialog

    def show_disagreements(self, ids: frozenset[str]) -> None:
        """List only the cases where reviewers disagree (to adjudicate them)."""
        self.cases.set_only_ids(frozenset(ids), "cases where reviewers disagree")
        self._select_first_if_hidden(frozenset(ids))

    def _select_first_if_hidden(self, ids: frozenset[str]) -> None:
        """After narrowing the list: show its first case unless the shown one is in it."""
        if self.cases.current_id() not in ids and self.cases.proxy.rowCount():
            self.cases.table.setCurrentIndex(self.cases.proxy.index(0, 0))
        self.focus_case_list()

    def show_shortcuts(self) -> None:
        from app.gui.dialogs import ShortcutsDialog

        dialog = ShortcutsDialog(self.menuBar(), parent=self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self._shortcuts_dialog = dialog

    def _refuse_labeling(self) -> None:
        if self._stored_record is not None:
            self.labels_panel.set_checked(self._stored_record.get("labels", ()))
        else:
            self.labels_panel.set_checked(())
        message = ("Nothing to label yet: type or open code first." if self._triage is None
                   and not self.live.busy else
                   "Still checking the edited code; label it when the verdict appears.")
        self.labels_panel.status.setText(message)
        self.statusBar().showMessage(message, 4000)

    def _on_db_labels_saved(self, record: dict[str, Any] | None) -> None:
        if record is None:
            return
        self.cases.model.upsert(CaseSummary(**summary_fields(record)))
        if self._triage is not None and record["id"] == self._triage.id:
            self._stored_record = record
            self._unsaved_result = False
            if self.labels_panel.note_dirty:
                self.labels_panel.set_checked(record.get("labels", ()))
                self.labels_panel.show_history(record.get("history", ()))
            else:
                self._show_case_info(record)
            self._select_quietly(record["id"])
        self.labels_panel.status.setText("Labels: " + (", ".join(record.get("labels", ()))
                                                       or "none"))
        self.labels_saved.emit(record["id"], list(record.get("labels", ())))

    def _on_db_label_failed(self, message: str) -> None:
        if self._stored_record is not None:
            self.labels_panel.set_checked(self._stored_record.get("labels", ()))
        self.notice.show_message(f"The label was not stored: {message}", kind="error")

    def save_case(self) -> None:
        """Store the current case (checker record), its note and the reviewer (Ctrl+S)."""
        if self.live.busy and self.editor.toPlainText().strip():
            self._save_after_check = True
            self.labels_panel.status.setText("Saving when the check finishes…")
            return
        record = self._current_record()
        if record is None:
            self._refuse_labeling()
            return
        note = self.labels_panel.note.toPlainText()
        reviewer = self.reviewer_name()
        settings.write("reviewer", reviewer)
        case_id = record["id"]

        def op(corpus: Corpus | None) -> dict[str, Any] | None:
            if corpus is None:
                raise_no_corpus()
            assert corpus is not None
            corpus.upsert_record(keep_stored_origin(record, corpus.get(case_id)))
            corpus.set_note(case_id, note, reviewer=reviewer)
            return corpus.get(case_id)

        self.db.run(op, self._on_db_case_saved, self._on_db_failed)

    def _on_db_case_saved(self, record: dict[str, Any] | None) -> None:
        if record is None:
            return
        self.cases.model.upsert(CaseSummary(**summary_fields(record)))
        if self._triage is not None and record["id"] == self._triage.id:
            self._stored_record = record
            self._unsaved_result = False
            self.labels_panel.mark_note_saved()
            self._show_case_info(record)
            self._select_quietly(record["id"])
        self.labels_panel.status.setText(f"Saved case {record['id'][:12]}.")
        self.statusBar().showMessage(f"Saved case {record['id'][:12]}.", 3000)
        self.case_saved.emit(record["id"])

    def _flush_note(self) -> None:
        """Keep a note typed for a stored case when moving on without Save."""
        if not self.labels_panel.note_dirty or self._stored_record is None:
            return
        case_id = self._stored_record["id"]
        note = self.labels_panel.note.toPlainText()
        reviewer = self.reviewer_name()
        self.labels_panel.mark_note_saved()
        self.db.run(lambda c: (c.set_note(case_id, note, reviewer=reviewer), c.get(case_id))[1],
                    self._on_db_note_flushed, self._on_db_failed)

    def _on_db_note_flushed(self, record: dict[str, Any] | None) -> None:
        if record is not None:
            self.cases.model.upsert(CaseSummary(**summary_fields(record)))

    def _keep_shown_work(self) -> None:
        """Before the editor shows something else: store a re-check (a proof by rewrite) of the
        case on screen, and keep typed code as a draft case, checked or not (issue 12)."""
        if self._closed:
            return
        text = self.editor.toPlainText()
        triage = self._triage
        shown = triage is not None and normalise_source(text) == normalise_source(triage.source)
        if shown and self._unsaved_result and not self.live.busy:
            assert triage is not None
            self._store_kept(triage.to_record(), draft=self._stored_record is None)
        elif self.live.busy and text.strip() and not shown:
            self._check_draft(text, self.current_edition())
        self._unsaved_result = False

    def _check_draft(self, source: str, edition: str) -> None:
        check, cancel = self._check, self._draft_cancel
        self.drafts.run(
            lambda _state: check(source, edition=edition, origin=None, cancel=cancel).to_record(),
            lambda record: self._store_kept(record, draft=True),
            lambda message: self.notice.show_message(
                f"Your typed code could not be checked, so it was not kept as a draft: {message}",
                kind="warning"))

    def _store_kept(self, record: dict[str, Any], *, draft: bool) -> None:
        case_id = record["id"]

        def op(corpus: Corpus | None) -> dict[str, Any] | None:
            if corpus is None:
                raise_no_corpus()
            assert corpus is not None
            corpus.upsert_record(keep_stored_origin(record, corpus.get(case_id)))
            return corpus.get(case_id)

        def done(stored: dict[str, Any] | None) -> None:
            if stored is None:
                return
            self.cases.model.upsert(CaseSummary(**summary_fields(stored)))
            message = (f"Kept your typed code as a draft case {case_id[:12]}." if draft
                       else f"Stored the re-check of case {case_id[:12]}.")
            self.statusBar().showMessage(message, 6000)

        self.db.run(op, done, self._on_db_failed)

    def next_case(self) -> None:
        if not self.cases.step(+1):
            self.statusBar().showMessage("No next case in the list.", 2000)

    def previous_case(self) -> None:
        if not self.cases.step(-1):
            self.statusBar().showMessage("No previous case in the list.", 2000)

    # -- drops and batches

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
        self.triage_urls(urls)

    def triage_urls(self, urls: Sequence[QUrl]) -> None:
        remote = [u.toString() for u in urls if not u.isLocalFile()]
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        self.triage_paths(paths, also_refused=remote)

    def triage_paths(self, paths: Sequence[Path], *, also_refused: Sequence[str] = (),
                     what: str | None = None) -> None:
        """Triage Rust files, folders and JSONL corpora (read exactly as `ptriage scan` reads
        them); list anything else in one message."""
        accepted, refused_paths = split_drop(paths)
        refused = [str(p) for p in refused_paths] + list(also_refused)
        if accepted:
            self._remember_roots(accepted)
        if refused:
            self.notice.show_message(self._refused_message(len(refused)), kind="warning",
                                     details=refused)
        if accepted:
            count = len(accepted)
            self.triage_batch(accepted, what or f"{count} dropped item{'s' * (count != 1)}",
                              refused=refused)

    def _remember_roots(self, paths: Sequence[Path]) -> None:
        """Origins under a dropped folder show relative to it; the last folder is remembered."""
        folders = [p if p.is_dir() else p.parent for p in paths]
        roots = [str(f.resolve()) for f in folders]
        known = [r for r in self.cases.model.origin_roots if r not in roots]
        merged = (roots + known)[:MAX_ORIGIN_ROOTS]
        self.cases.model.set_origin_roots(merged)
        settings.write("origin_roots", json.dumps(merged))
        settings.write("last_folder", roots[0])

    def _restore_layout(self) -> None:
        """Window and splitter geometry, sort order and origin roots of the last session."""
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
        roots = settings.read_str("origin_roots")
        if roots:
            try:
                self.cases.model.set_origin_roots([str(r) for r in json.loads(roots)])
            except (ValueError, TypeError) as exc:
                log.warning("ignoring the remembered origin roots: %s", exc)

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

    @staticmethod
    def _refused_message(count: int) -> str:
        return (f"{count} dropped item{'s are' if count != 1 else ' is'} neither Rust (.rs), "
                f"a folder, nor JSONL (.jsonl), and {'were' if count != 1 else 'was'} not "
                "triaged:")

    def triage_batch(self, paths: Sequence[Path], what: str, *,
                     refused: Sequence[str] = ()) -> None:
        """Start a batch for ``paths`` (or queue it behind the running one)."""
        if self._batch is not None:
            self._batch_queue.append((list(paths), what, list(refused)))
            self.statusBar().showMessage(f"Queued {what} after the running batch.", 3000)
            return
        self._batch_count = 0
        self._batch_refused = list(refused)
        self._batch_failure = ""
        batch = BatchThread(paths, scan=self._batch_scan, small_first=self.batch_small_first,
                            parent=self)
        batch.finished.connect(lambda: self._on_batch_thread_finished(batch))
        batch.batch_started.connect(self._on_batch_started)
        batch.batch_progressed.connect(self._on_batch_progressed)
        batch.cases_triaged.connect(self._on_batch_cases_triaged)
        batch.batch_failed.connect(self._on_batch_failed)
        batch.batch_finished.connect(self._on_batch_finished)
        self._batch = batch
        self._batch_verdicts = {}
        self.batch_bar.start(what)
        batch.start()

    def cancel_batch(self) -> None:
        self._batch_queue.clear()
        if self._batch is not None:
            self._batch.cancel()
            self.batch_bar.cancelling()

    def _on_batch_started(self, total: int) -> None:
        self.batch_bar.set_total(total, len(self._batch_queue))
        self.batch_started.emit(total)

    def _on_batch_progressed(self, done: int, total: int, rate: float) -> None:
        self.batch_bar.set_progress(done, total, rate)

    def _on_batch_cases_triaged(self, records: list[dict[str, Any]]) -> None:
        # Coalesced: bursts of batches become one corpus write and one row insertion.
        self._batch_count += len(records)
        self._batch_records.extend(records)
        for record in records:
            self._batch_verdicts.setdefault(str(record.get("verdict")), set()).add(record["id"])
        if not self._batch_timer.isActive():
            self._batch_timer.start()

    def _on_batch_timer_timeout(self) -> None:
        records, self._batch_records = self._batch_records, []
        if not records:
            return

        def op(corpus: Corpus | None) -> list[CaseSummary]:
            if corpus is None:
                raise_no_corpus()
            assert corpus is not None
            summaries = []
            for record in records:
                corpus.upsert_record(record)
                stored = corpus.get(record["id"])
                if stored is not None:
                    summaries.append(CaseSummary(**summary_fields(stored)))
            return summaries

        self.db.run(op, self._on_db_batch_stored, self._on_db_failed)

    def _on_db_batch_stored(self, summaries: list[CaseSummary]) -> None:
        if not summaries:
            return
        self.cases.model.upsert_many(summaries)
        if self._triage is None and not self.live.busy and not self.editor.toPlainText().strip():
            self.load_case(summaries[0].id)
        elif self._triage is not None and self._stored_record is None \
                and any(s.id == self._triage.id for s in summaries):
            # The case on screen just landed in the corpus (e.g. the first-launch sample).
            case_id = self._triage.id
            self.db.run(lambda c: c.get(case_id) if c is not None else None,
                        self._on_db_stored_looked_up, self._on_db_failed)

    def _on_batch_failed(self, message: str) -> None:
        self._batch_failure = message
        self.notice.show_message(f"The batch could not be triaged: {message}", kind="error")

    def _on_batch_thread_finished(self, batch: BatchThread) -> None:
        # The thread ends a moment after batch_finished (it reaps the batch process first);
        # waiting for it in the batch_finished slot would stall the UI.
        self._ending_batches.discard(batch)
        if alive(batch):
            batch.deleteLater()

    def _on_batch_finished(self, done: int, total: int, cancelled: bool,
                           problems: list[str]) -> None:
        if self._batch is not None and self._batch.isRunning():
            self._ending_batches.add(self._batch)
        self._batch_timer.stop()
        self._on_batch_timer_timeout()
        refused = self._batch_refused
        # The corpus thread runs in order: this lands after every record of the batch is stored.
        self.db.run(lambda _corpus: None,
                    lambda _none: self._on_db_batch_drained(done, total, cancelled, problems,
                                                            refused),
                    self._on_db_failed)

    def _on_db_batch_drained(self, done: int, total: int, cancelled: bool, problems: list[str],
                             refused: list[str]) -> None:
        self._batch = None
        triaged = self._batch_count
        details = [f"{path}: not Rust or JSONL" for path in refused] + problems
        if self._batch_failure:
            self.notice.show_message(
                f"The batch could not be triaged: {self._batch_failure}", kind="error",
                details=details)
        elif problems:
            self.notice.show_message(
                f"{len(details)} input{'s' * (len(details) != 1)} could not be triaged; fix or "
                "remove them and drop again:", kind="warning", details=details)
        summary = (f"Cancelled after {done} of {total}." if cancelled
                   else f"Triaged {triaged} case{'s' * (triaged != 1)}.")
        self.statusBar().showMessage(summary, 6000)
        self._last_batch_verdicts = {v: frozenset(ids) for v, ids in self._batch_verdicts.items()}
        self.batch_finished.emit(triaged, cancelled)
        if self._batch_queue:
            paths, what, queued_refused = self._batch_queue.pop(0)
            self.triage_batch(paths, what, refused=queued_refused)
        elif self._last_batch_verdicts:
            from app.gui.results import VERDICT_COLOURS

            self.batch_bar.finish(
                f"{summary[:-1]} from {self.batch_bar.what}:",
                {v: len(ids) for v, ids in self._last_batch_verdicts.items()}, VERDICT_COLOURS)
        else:
            self.batch_bar.hide()

    def _on_batch_bar_verdict_clicked(self, verdict: str) -> None:
        ids = getattr(self, "_last_batch_verdicts", {}).get(verdict, frozenset())
        self.cases.set_only_ids(ids, f"the batch's {verdict} cases")
        self._select_first_if_hidden(ids)

    # -- menus

    def open_file_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open Rust files",
                                                settings.read_str("last_folder"),
                                                "Rust (*.rs);;JSON Lines (*.jsonl);;All (*)")
        if len(files) == 1 and files[0].endswith(".rs"):
            self.open_file(Path(files[0]))
        elif files:
            self.triage_paths([Path(f) for f in files])

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
            self.notice.show_message(f"Cannot open {path}: {exc}", kind="error")
            return False
        self.open_source(source, origin={"path": str(path)})
        return True

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Triage a folder of Rust files",
                                                  settings.read_str("last_folder"))
        if folder:
            self.triage_paths([Path(folder)])

    def triage_jsonl_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Triage sources from JSONL", "",
                                              "JSON Lines (*.jsonl *.ndjson);;All (*)")
        if path:
            self.triage_paths([Path(path)])

    def import_jsonl_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a JSONL label set", "",
                                              "JSON Lines (*.jsonl);;All (*)")
        if path:
            self.import_jsonl(Path(path))

    def import_jsonl(self, path: Path) -> None:
        reviewer = self.reviewer_name()

        def op(corpus: Corpus | None) -> tuple[Any, list[CaseSummary], list[Label]]:
            if corpus is None:
                raise_no_corpus()
            assert corpus is not None
            report = corpus.import_jsonl(path, reviewer=reviewer)
            return report, corpus.summaries(), corpus.labels()

        def done(result: tuple[Any, list[CaseSummary], list[Label]]) -> None:
            report, summaries, labels = result
            self._set_labels(labels)
            self._set_summaries(summaries)
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
        patterns = [self.cases.pattern_filter.itemData(i)
                    for i in range(1, self.cases.pattern_filter.count())]
        dialog = ExportDialog(labels=[lab.name for lab in self.labels_panel.labels],
                              patterns=patterns, default_path=default, parent=self)
        dialog.accepted.connect(lambda: self.export_jsonl(dialog.output_path(), dialog.filters()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def export_jsonl(self, path: Path, filters: dict[str, Any]) -> None:
        wanted = {k: v for k, v in filters.items() if v}

        def op(corpus: Corpus | None) -> int:
            if corpus is None:
                raise_no_corpus()
            assert corpus is not None
            return corpus.export_jsonl(path, **wanted)

        def done(count: int) -> None:
            self.notice.show_message(f"Exported {count} case{'s' * (count != 1)} to {path}.",
                                     kind="info")
            self.export_finished.emit(count, str(path))

        self.db.run(op, done, lambda m: self.notice.show_message(
            f"Export failed: {m}", kind="error"))

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
        self._flush_note()
        self._batch_queue.clear()
        self._batch_timer.stop()
        if self._batch is not None and alive(self._batch):
            self._batch.cancel()
            self._ending_batches.add(self._batch)
            self._batch = None
        for batch in list(self._ending_batches):
            if alive(batch):
                batch.wait()
        self._ending_batches.clear()
        self.live.shutdown()
        self._draft_cancel.set()
        self.drafts.shutdown()
        self.probe.shutdown()
        self.db.shutdown(final=lambda corpus: corpus.close() if corpus is not None else None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def fetch_all_rows(self) -> None:
        while self.cases.model.canFetchMore(QModelIndex()):
            self.cases.model.fetchMore(QModelIndex())


def keep_stored_origin(record: dict[str, Any], existing: dict[str, Any] | None
                       ) -> dict[str, Any]:
    """``record``, with the stored case's origin when the check carries none (an edit undone
    back to a stored case is that case, from its file)."""
    if existing is not None and record.get("origin") is None and existing.get("origin"):
        return {**record, "origin": existing["origin"]}
    return record


def raise_no_corpus() -> None:
    from app.corpus import CorpusError

    raise CorpusError("no corpus is open; choose one with File ▸ Switch Corpus")
