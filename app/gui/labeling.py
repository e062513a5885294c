"""Labeling: label changes under the label rules (exclusive labels), with undo and redo."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.corpus import Corpus, CorpusError
from app.gui import settings
from app.gui.tasks import SerialRunner

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


@dataclass(slots=True)
class _Outcome:
    record: dict[str, Any] | None
    change: LabelChange | None = None
    refused: set[str] = field(default_factory=set)


def require_corpus(corpus: Corpus | None) -> Corpus:
    if corpus is None:
        raise CorpusError("no corpus is open; choose one with File ▸ Switch Corpus")
    return corpus


def _apply(corpus: Corpus, change: LabelChange, reviewer: str) -> None:
    if change.removed:
        corpus.remove_labels(change.case_id, change.removed, reviewer=reviewer)
    if change.added:
        corpus.add_labels(change.case_id, change.added, reviewer=reviewer)


class LabelingController(QObject):
    """Owns label changes: the rules, the undo and redo stacks, and the corpus writes (on the
    corpus thread). The window shows what it reports."""

    labels_saved = Signal(object, object, str)  # record, LabelChange | None, how ("label"|"undo"|"redo")
    change_refused = Signal(str)  # why (a conflict under the "warn" rule)
    change_failed = Signal(str)
    undo_state_changed = Signal(bool, bool)  # can undo, can redo

    def __init__(self, db: SerialRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.rules = load_rules()
        self._undo: list[LabelChange] = []
        self._redo: list[LabelChange] = []

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
