"""Labeling: label changes under the label rules (exclusive labels), with undo and redo."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.corpus import Corpus, default_reviewer
from app.gui import settings
from app.gui.records import require_corpus
from app.gui.tasks import SerialRunner

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from app.gui.caselist import CaseListController
    from app.gui.caseview import CaseViewController
    from app.gui.labels import LabelPanel
    from app.gui.widgets import NoticeBar

log = logging.getLogger(__name__)

WARN = "warn"
SWAP = "swap"
RULE_MODES = (WARN, SWAP)


@dataclass(frozen=True, slots=True)
class LabelRules:
    """Groups of mutually exclusive labels, and what a conflicting label does: ``warn`` refuses
    it and says why, ``swap`` replaces the label it conflicts with."""

    exclusive: tuple[frozenset[str], ...] = ()
    mode: str = SWAP

    def conflicts(self, name: str, present: Iterable[str]) -> set[str]:
        """Labels in ``present`` that ``name`` may not sit beside."""
        have = set(present)
        out: set[str] = set()
        for group in self.exclusive:
            if name in group:
                out |= (group - {name}) & have
        return out

    def to_json(self) -> str:
        return json.dumps({"exclusive": [sorted(g) for g in self.exclusive], "mode": self.mode})

    @classmethod
    def from_json(cls, text: str) -> LabelRules:
        data = json.loads(text)
        mode = data.get("mode", SWAP)
        if mode not in RULE_MODES:
            raise ValueError(f"unknown rule mode {mode!r}")
        groups = tuple(frozenset(str(n) for n in g) for g in data.get("exclusive", ())
                       if len(g) > 1)
        return cls(exclusive=groups, mode=mode)

    @classmethod
    def parse(cls, text: str, *, mode: str) -> LabelRules:
        """One group per line, names separated by commas or spaces (the settings dialog)."""
        groups = []
        for line in text.splitlines():
            names = frozenset(n for n in line.replace(",", " ").split() if n)
            if len(names) > 1:
                groups.append(names)
        return cls(exclusive=tuple(groups), mode=mode)

    def describe(self) -> str:
        return "\n".join(", ".join(sorted(g)) for g in self.exclusive)


DEFAULT_RULES = LabelRules(
    exclusive=(frozenset({"real-error", "confirmed-false-positive"}),
               frozenset({"workaround-removable", "workaround-needed"})),
    mode=SWAP,
)


def load_rules() -> LabelRules:
    text = settings.read_str("label_rules")
    if not text:
        return DEFAULT_RULES
    try:
        return LabelRules.from_json(text)
    except (ValueError, TypeError, AttributeError) as exc:
        log.warning("ignoring unreadable label rules in the settings (%s); using the defaults", exc)
        return DEFAULT_RULES


def save_rules(rules: LabelRules) -> None:
    settings.write("label_rules", rules.to_json())


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One reviewer action on one case: labels added and removed together (a swap is one)."""

    case_id: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def inverse(self) -> LabelChange:
        return LabelChange(self.case_id, added=self.removed, removed=self.added)

    def describe(self) -> str:
        parts = [f"+{n}" for n in self.added] + [f"−{n}" for n in self.removed]
        return " ".join(parts) + f" on case {self.case_id[:12]}"


def last_change_by(record: dict[str, Any] | None, reviewer: str) -> LabelChange | None:
    """The newest label event by ``reviewer`` in a stored record's history, as a change that
    still holds (a label added and still there, or removed and still absent)."""
    if record is None:
        return None
    labels = set(record.get("labels", ()))
    for event in reversed(record.get("history", ())):
        if event.get("reviewer") != reviewer:
            continue
        name = str(event.get("label"))
        if event.get("action") == "added" and name in labels:
            return LabelChange(record["id"], added=(name,))
        if event.get("action") == "removed" and name not in labels:
            return LabelChange(record["id"], removed=(name,))
        return None
    return None


@dataclass(slots=True)
class _Outcome:
    record: dict[str, Any] | None
    change: LabelChange | None = None
    refused: set[str] = field(default_factory=set)


def _apply(corpus: Corpus, change: LabelChange, reviewer: str) -> None:
    if change.removed:
        corpus.remove_labels(change.case_id, change.removed, reviewer=reviewer)
    if change.added:
        corpus.add_labels(change.case_id, change.added, reviewer=reviewer)


class LabelingController(QObject):
    """Labeling and history: label changes under the rules with undo and redo, saving a case
    with its note, and the labeling panel's account of it. Corpus writes run on the corpus
    thread; what is on screen is what gets stored (the case view's latest record)."""

    labels_saved = Signal(object, object, str)  # record, LabelChange | None, how ("label"|"undo"|"redo")
    change_refused = Signal(str)  # why (a conflict under the "warn" rule)
    change_failed = Signal(str)
    undo_state_changed = Signal(bool, bool)  # can undo, can redo
    labels_stored = Signal(str, list)  # id, labels now in the corpus
    case_saved = Signal(str)  # id

    def __init__(self, db: SerialRunner, *, view: CaseViewController,
                 caselist: CaseListController, panel: LabelPanel, notice: NoticeBar,
                 status: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.rules = load_rules()
        self._undo: list[LabelChange] = []
        self._redo: list[LabelChange] = []
        self._view = view
        self._caselist = caselist
        self.panel = panel
        self._notice = notice
        self._status = status
        self._save_after_check = False
        self.auto_advance = settings.read_str("auto_advance") == "true"
        panel.auto_advance.setChecked(self.auto_advance)
        panel.auto_advance.toggled.connect(self.set_auto_advance)
        panel.label_clicked.connect(self.toggle_label)
        panel.save_clicked.connect(self.save_case)
        panel.next_clicked.connect(caselist.next)
        panel.previous_clicked.connect(caselist.previous)
        panel.reviewer_edited.connect(lambda name: settings.write("reviewer", name))
        panel.reviewer.setText(settings.read_str("reviewer") or default_reviewer())
        self.labels_saved.connect(self._on_self_labels_saved)
        self.change_refused.connect(self._on_self_change_refused)
        self.change_failed.connect(self._on_self_change_failed)
        view.leaving.connect(self.flush_note)
        view.checked.connect(self._on_view_checked)

    def reviewer_name(self) -> str:
        return self.panel.reviewer.text().strip() or default_reviewer()

    def set_auto_advance(self, on: bool) -> None:
        """After a label is added, go to the next unlabeled case (remembered)."""
        self.auto_advance = on
        settings.write("auto_advance", "true" if on else "false")
        self.panel.auto_advance.setChecked(on)

    def set_rules(self, rules: LabelRules) -> None:
        self.rules = rules
        save_rules(rules)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_text(self) -> str:
        return self._undo[-1].describe() if self._undo else ""

    def toggle(self, record: dict[str, Any], name: str, *, reviewer: str, latest: bool,
               prepare: Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any]]
               ) -> None:
        """Flip ``name`` on the case of ``record``, storing the record first when the corpus
        lacks it or ``latest`` (the screen shows a newer result than the corpus holds)."""
        case_id = record["id"]
        rules = self.rules

        def op(corpus: Corpus | None) -> _Outcome:
            corpus = require_corpus(corpus)
            existing = corpus.get(case_id)
            if existing is None or latest:
                corpus.upsert_record(prepare(record, existing))
            present = set((corpus.get(case_id) or {}).get("labels", ()))
            if name in present:
                change = LabelChange(case_id, removed=(name,))
            else:
                clash = rules.conflicts(name, present)
                if clash and rules.mode == WARN:
                    return _Outcome(corpus.get(case_id), refused=clash)
                change = LabelChange(case_id, added=(name,), removed=tuple(sorted(clash)))
            _apply(corpus, change, reviewer)
            return _Outcome(corpus.get(case_id), change)

        def done(outcome: _Outcome) -> None:
            if outcome.refused:
                clash = ", ".join(sorted(outcome.refused))
                if outcome.record is not None:
                    self.labels_saved.emit(outcome.record, None, "label")
                self.change_refused.emit(
                    f"“{name}” conflicts with {clash} on this case (label rules); remove "
                    f"{clash} first, or set the rules to swap in Tools ▸ Label Settings.")
                return
            if outcome.change is not None:
                self._undo.append(outcome.change)
                self._redo.clear()
                self._emit_state()
            self.labels_saved.emit(outcome.record, outcome.change, "label")

        self._db.run(op, done, self.change_failed.emit)

    def undo(self, *, reviewer: str) -> bool:
        """Revert the newest label change of this session (the corpus logs the reversal)."""
        if not self._undo:
            return False
        change = self._undo.pop()
        self._run(change.inverse(), reviewer, how="undo",
                  landed=lambda: self._redo.append(change),
                  lost=lambda: self._undo.append(change))
        return True

    def redo(self, *, reviewer: str) -> bool:
        if not self._redo:
            return False
        change = self._redo.pop()
        self._run(change, reviewer, how="redo",
                  landed=lambda: self._undo.append(change),
                  lost=lambda: self._redo.append(change))
        return True

    def _run(self, change: LabelChange, reviewer: str, *, how: str,
             landed: Callable[[], None], lost: Callable[[], None]) -> None:
        def op(corpus: Corpus | None) -> dict[str, Any] | None:
            corpus = require_corpus(corpus)
            _apply(corpus, change, reviewer)
            return corpus.get(change.case_id)

        def done(record: dict[str, Any] | None) -> None:
            landed()
            self._emit_state()
            self.labels_saved.emit(record, change, how)

        def failed(message: str) -> None:
            lost()
            self._emit_state()
            self.change_failed.emit(message)

        self._emit_state()
        self._db.run(op, done, failed)

    def forget(self) -> None:
        """Drop both stacks (another corpus was opened: its cases are not these)."""
        self._undo.clear()
        self._redo.clear()
        self._emit_state()

    def _emit_state(self) -> None:
        self.undo_state_changed.emit(bool(self._undo), bool(self._redo))

    # -- the reviewer's actions on the shown case

    def toggle_label(self, name: str) -> None:
        """Add or remove a label on the shown case, storing the case first if needed (its
        latest result: what is on screen is what is stored), under the label rules."""
        record = self._view.current_record()
        if record is None:
            self._refuse()
            return
        from app.gui.caseview import keep_stored_origin

        self.toggle(record, name, reviewer=self.reviewer_name(),
                    latest=self._view.unsaved_result, prepare=keep_stored_origin)

    def undo_label(self) -> None:
        """Ctrl+Z outside text fields: revert the newest label change of this session; with
        none left, the shown case's newest change by this reviewer in the corpus history (so
        undo reaches back past a restart)."""
        reviewer = self.reviewer_name()
        if self.undo(reviewer=reviewer):
            return
        change = last_change_by(self._view.stored_record, reviewer)
        if change is None:
            self._status.showMessage("No label change to undo.", 3000)
            return
        self._run(change.inverse(), reviewer, how="undo",
                  landed=lambda: self._redo.append(change), lost=lambda: None)

    def redo_label(self) -> None:
        if not self.redo(reviewer=self.reviewer_name()):
            self._status.showMessage("No label change to redo.", 3000)

    def _refuse(self) -> None:
        stored = self._view.stored_record
        self.panel.set_checked(stored.get("labels", ()) if stored is not None else ())
        message = ("Nothing to label yet: type or open code first."
                   if self._view.triage is None and not self._view.live.busy else
                   "Still checking the edited code; label it when the verdict appears.")
        self.panel.status.setText(message)
        self._status.showMessage(message, 4000)

    def _on_self_change_refused(self, message: str) -> None:
        self.panel.status.setText(message)
        self._status.showMessage(message, 8000)

    def _on_self_change_failed(self, message: str) -> None:
        stored = self._view.stored_record
        if stored is not None:
            self.panel.set_checked(stored.get("labels", ()))
        self._notice.show_message(f"The label was not stored: {message}", kind="error")

    def _on_self_labels_saved(self, record: dict[str, Any] | None, change: LabelChange | None,
                              how: str) -> None:
        if record is None:
            return
        if how != "label" and not self._view.shows(record["id"]):
            # Undo and redo show the case whose labels they change.
            self._caselist.upsert(record)
            self._view.load_case(record["id"])
        else:
            self._show_stored(record)
        if change is None:
            return
        verb = {"undo": "Undid", "redo": "Redid"}.get(how)
        if verb:
            message = f"{verb}: {change.describe()}"
            self.panel.status.setText(message)
            self._status.showMessage(message, 4000)
        elif change.removed and change.added:
            message = (f"“{change.added[0]}” replaced {', '.join(change.removed)} "
                       "(exclusive labels; Ctrl+Z undoes).")
            self.panel.status.setText(message)
            self._status.showMessage(message, 6000)
        if how == "label" and change.added and self.auto_advance:
            self._caselist.next_unlabeled()

    def _show_stored(self, record: dict[str, Any]) -> None:
        self._caselist.upsert(record)
        if self._view.shows(record["id"]):
            self._view.set_stored(record)
            if self.panel.note_dirty:
                self.panel.set_checked(record.get("labels", ()))
                self.panel.show_history(record.get("history", ()))
            else:
                self._view.show_case_info(record)
        self.panel.status.setText("Labels: " + (", ".join(record.get("labels", ())) or "none"))
        self.labels_stored.emit(record["id"], list(record.get("labels", ())))

    def save_case(self) -> None:
        """Store the shown case (its latest record), its note and the reviewer (Ctrl+S)."""
        if self._view.live.busy and self._view.v.editor.toPlainText().strip():
            self._save_after_check = True
            self.panel.status.setText("Saving when the check finishes…")
            return
        record = self._view.current_record()
        if record is None:
            self._refuse()
            return
        from app.gui.caseview import keep_stored_origin

        note = self.panel.note.toPlainText()
        reviewer = self.reviewer_name()
        settings.write("reviewer", reviewer)
        case_id = record["id"]

        def op(corpus: Corpus | None) -> dict[str, Any] | None:
            corpus = require_corpus(corpus)
            corpus.upsert_record(keep_stored_origin(record, corpus.get(case_id)))
            corpus.set_note(case_id, note, reviewer=reviewer)
            return corpus.get(case_id)

        self._db.run(op, self._on_db_case_saved, self._on_db_failed)

    def _on_view_checked(self, _triage: object) -> None:
        if self._save_after_check:
            self._save_after_check = False
            self.save_case()

    def _on_db_case_saved(self, record: dict[str, Any] | None) -> None:
        if record is None:
            return
        self._caselist.upsert(record)
        if self._view.shows(record["id"]):
            self._view.set_stored(record)
            self.panel.mark_note_saved()
            self._view.show_case_info(record)
        self.panel.status.setText(f"Saved case {record['id'][:12]}.")
        self._status.showMessage(f"Saved case {record['id'][:12]}.", 3000)
        self.case_saved.emit(record["id"])

    def flush_note(self) -> None:
        """Keep a note typed for a stored case when moving on without Save."""
        stored = self._view.stored_record
        if not self.panel.note_dirty or stored is None:
            return
        case_id = stored["id"]
        note = self.panel.note.toPlainText()
        reviewer = self.reviewer_name()
        self.panel.mark_note_saved()

        def op(corpus: Corpus | None) -> dict[str, Any] | None:
            corpus = require_corpus(corpus)
            corpus.set_note(case_id, note, reviewer=reviewer)
            return corpus.get(case_id)

        self._db.run(op, lambda r: self._caselist.upsert(r) if r is not None else None,
                     self._on_db_failed)

    def _on_db_failed(self, message: str) -> None:
        self._notice.show_message(f"The corpus operation failed: {message}", kind="error")
