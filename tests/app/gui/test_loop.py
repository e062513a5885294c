"""Issue 12, the labeling loop: focus, undo/redo, next unlabeled, rules, history, statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.corpus import Corpus
from app.gui import settings
from app.gui.cases import UNLABELED, abbreviate, chip_texts
from app.gui.labeling import WARN, LabelRules
from app.gui.window import MainWindow

from .conftest import fake_triage
from .test_window import labels_in_sqlite

SOURCES = [f"fn case{i}() {{ {'ACCEPT' if i % 2 else 'REJECT'} }} // {i}\n" for i in range(4)]


@pytest.fixture
def four(corpus_path: Path) -> list[str]:
    """Four stored cases, none labeled, with path origins."""
    with Corpus(corpus_path) as corpus:
        return [corpus.upsert_record(fake_triage(src, origin={"path": f"pkg/src/f{i}.rs",
                                                                "line": 1 + i}).to_record())
                for i, src in enumerate(SOURCES)]


def load(qtbot: Any, window: MainWindow, case_id: str) -> None:
    with qtbot.waitSignal(window.case_loaded, timeout=10_000):
        window.load_case(case_id)


def key(qtbot: Any, window: MainWindow, k: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press in the case table, waiting for the label change it makes to be stored."""
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, k, modifier)


def current_labels(corpus_path: Path, case_id: str) -> set[str]:
    return labels_in_sqlite(corpus_path).get(case_id, set())


# -- focus ---------------------------------------------------------------------------------


def test_the_window_starts_with_the_case_table_focused_and_esc_returns_there(
        qtbot: Any, four: list[str], window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.cases.table, timeout=5000)
    # Focusing the list does not replace what the editor shows with its first row.
    assert window.view.triage is None
    window.editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.editor, timeout=5000)
    assert "code editor" in window.labels_panel.key_hint.text()
    assert "Esc" in window.labels_panel.key_hint.text()
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.cases.table
    assert "1–9" in window.labels_panel.key_hint.text()


# -- undo and redo -------------------------------------------------------------------------


def test_ctrl_z_undoes_and_ctrl_shift_z_redoes_label_changes_in_the_corpus(
        qtbot: Any, four: list[str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, four[0])
    key(qtbot, window, Qt.Key.Key_1)
    key(qtbot, window, Qt.Key.Key_8)
    assert current_labels(corpus_path, four[0]) == {"confirmed-false-positive", "skip"}
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert current_labels(corpus_path, four[0]) == {"confirmed-false-positive"}
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert current_labels(corpus_path, four[0]) == set()
    assert window.undo_action.text() == "&Undo Label Change"  # this session's stack is empty
    key(qtbot, window, Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert current_labels(corpus_path, four[0]) == {"confirmed-false-positive"}
    # The corpus's history records the undo as a change like any other.
    with Corpus(corpus_path) as corpus:
        actions = [(e["label"], e["action"]) for e in corpus.history(four[0])]
    assert actions == [("confirmed-false-positive", "added"), ("skip", "added"),
                       ("skip", "removed"), ("confirmed-false-positive", "removed"),
                       ("confirmed-false-positive", "added")]
    assert window.labels_panel.buttons["confirmed-false-positive"].isChecked()
    # The per-case history view lists them, newest first, with the reviewer.
    history = window.labels_panel.history
    assert history.topLevelItemCount() == 5
    assert history.topLevelItem(0).text(2) == "+ confirmed-false-positive"
    assert history.topLevelItem(0).text(1) == window.reviewer_name()


def test_undo_goes_back_to_the_case_it_changes(
        qtbot: Any, four: list[str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, four[0])
    key(qtbot, window, Qt.Key.Key_2)
    load(qtbot, window, four[1])
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert loaded.args == [four[0]]
    qtbot.waitUntil(lambda: current_labels(corpus_path, four[0]) == set(), timeout=5000)
    assert window.cases.current_id() == four[0]


def test_ctrl_z_after_a_restart_undoes_the_reviewers_last_change_from_the_history(
        qtbot: Any, four: list[str], corpus_path: Path, window: MainWindow) -> None:
    with Corpus(corpus_path) as corpus:
        corpus.add_labels(four[1], ["real-error"], reviewer="someone-else")
        corpus.add_labels(four[1], ["skip"], reviewer=window.reviewer_name())
    window.show()
    load(qtbot, window, four[1])
    assert window.undo_action.text() == "&Undo Label Change"  # nothing in this session
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert current_labels(corpus_path, four[1]) == {"real-error"}
    key(qtbot, window, Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert current_labels(corpus_path, four[1]) == {"real-error", "skip"}


def test_ctrl_z_in_the_editor_undoes_typing_not_labels(
        qtbot: Any, four: list[str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, four[0])
    key(qtbot, window, Qt.Key.Key_2)
    window.editor.setFocus()
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, "xyz")
    qtbot.keyClick(window.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "xyz" not in window.editor.toPlainText()
    assert current_labels(corpus_path, four[0]) == {"real-error"}


# -- next unlabeled, the unlabeled filter, auto-advance, progress -----------------------------


def test_next_unlabeled_filter_and_progress_count(
        qtbot: Any, four: list[str], window: MainWindow) -> None:
    window.show()
    window.fetch_all_rows()
    assert window.cases.count_label.text().startswith("0 of 4 labeled")
    load(qtbot, window, four[0])
    key(qtbot, window, Qt.Key.Key_2)
    assert window.cases.count_label.text().startswith("1 of 4 labeled")
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_N)
    assert loaded.args[0] != four[0]
    window.show_unlabeled_only()
    assert window.cases.label_filter.currentData() == UNLABELED
    assert window.cases.proxy.rowCount() == 3
    assert "0 of 3 labeled in this view" in window.cases.count_label.text()


def test_auto_advance_moves_to_the_next_unlabeled_case_after_a_label(
        qtbot: Any, four: list[str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    window.auto_advance_action.setChecked(True)
    assert settings.read_str("auto_advance") == "true"
    assert window.labels_panel.auto_advance.isChecked()
    load(qtbot, window, four[0])
    first = window.cases.current_id()
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_3)
    assert loaded.args[0] != first
    assert current_labels(corpus_path, first) == {"workaround-removable"}
    assert current_labels(corpus_path, loaded.args[0]) == set()


# -- label rules --------------------------------------------------------------------------


def test_an_exclusive_label_swaps_the_one_it_conflicts_with_in_one_undo_step(
        qtbot: Any, four: list[str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, four[0])
    key(qtbot, window, Qt.Key.Key_1)  # confirmed-false-positive
    key(qtbot, window, Qt.Key.Key_2)  # real-error: exclusive with it by default
    assert current_labels(corpus_path, four[0]) == {"real-error"}
    assert "replaced confirmed-false-positive" in window.labels_panel.status.text()
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert current_labels(corpus_path, four[0]) == {"confirmed-false-positive"}


def test_under_the_warn_rule_a_conflicting_label_is_refused_with_the_reason(
        qtbot: Any, four: list[str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    window.labeling.set_rules(LabelRules.parse("real-error, confirmed-false-positive",
                                               mode=WARN))
    load(qtbot, window, four[0])
    key(qtbot, window, Qt.Key.Key_1)
    with qtbot.waitSignal(window.labeling.change_refused, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_2)
    assert current_labels(corpus_path, four[0]) == {"confirmed-false-positive"}
    assert "conflicts with confirmed-false-positive" in window.labels_panel.status.text()
    assert not window.labels_panel.buttons["real-error"].isChecked()


def test_label_settings_dialog_saves_rules_and_refuses_unknown_labels(
        qtbot: Any, window: MainWindow) -> None:
    from app.gui.dialogs import LabelSettingsDialog

    dialog = LabelSettingsDialog(window.labeling.rules,
                                 [lab.name for lab in window.labels_panel.labels], parent=window)
    qtbot.addWidget(dialog)
    dialog.groups.setPlainText("real-error, no-such-label")
    dialog._on_buttons_accepted()
    assert "no-such-label" in dialog.problem.text()
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.groups.setPlainText("skip, needs-context\nreal-error confirmed-false-positive")
    dialog.mode.setCurrentIndex(dialog.mode.findData(WARN))
    dialog._on_buttons_accepted()
    assert dialog.result() == dialog.DialogCode.Accepted
    rules = dialog.rules()
    assert rules.mode == WARN
    assert rules.conflicts("skip", {"needs-context", "real-error"}) == {"needs-context"}


# -- every label visible as a chip ----------------------------------------------------------


def test_every_label_of_a_case_gets_a_chip_however_narrow_the_column() -> None:
    labels = ["confirmed-false-positive", "workaround-needed", "skip"]

    def advance(text: str) -> int:
        return 7 * len(text)

    assert chip_texts(labels, 400, advance) == labels
    assert chip_texts(labels, 100, advance) == ["cfp", "wn", "ski"]
    assert chip_texts(labels, 30, advance) == ["", "", ""]
    assert abbreviate("real-error") == "re"


# -- statistics and agreement ----------------------------------------------------------------

# Two reviewers label four cases independently (each in their own corpus), then merge:
#   ann: c0 real-error, c1 real-error, c2 skip,       c3 skip
#   bob: c0 real-error, c1 real-error, c2 real-error, c3 skip
# real-error: ann YYNN, bob YYYN → p_o = 3/4, p_e = (2·3 + 2·1)/16 = 1/2 → kappa = 0.5
# skip:       ann NNYY, bob NNNY → the same table → kappa = 0.5; only c2 is disagreed on.
ANN = ["real-error", "real-error", "skip", "skip"]
BOB = ["real-error", "real-error", "real-error", "skip"]


@pytest.fixture
def two_reviewers(corpus_path: Path, tmp_path: Path) -> list[str]:
    ids: list[str] = []
    with Corpus(corpus_path) as ann:
        for i, src in enumerate(SOURCES):
            ids.append(ann.upsert_record(fake_triage(src).to_record()))
            ann.add_labels(ids[-1], [ANN[i]], reviewer="ann")
    with Corpus(tmp_path / "bob.sqlite3") as bob:
        for i, src in enumerate(SOURCES):
            bob.upsert_record(fake_triage(src).to_record())
            bob.add_labels(ids[i], [BOB[i]], reviewer="bob")
        bob.export_jsonl(tmp_path / "bob.jsonl")
    with Corpus(corpus_path) as ann:
        ann.import_jsonl(tmp_path / "bob.jsonl", reviewer="bob")
    return ids


def test_statistics_view_shows_agreement_and_filters_to_disagreements(
        qtbot: Any, two_reviewers: list[str], window: MainWindow) -> None:
    window.show()
    dialog = window.show_statistics()
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=10_000)
    rows = {row[0]: row for row in dialog.agreement_rows()}
    assert rows["real-error"][1:3] == ["kappa", "0.500"]
    assert rows["skip"][1:3] == ["kappa", "0.500"]
    assert rows["real-error"][6] == "1" and rows["real-error"][7] == "ann, bob"
    assert "<b>1</b> with disagreements" in dialog.summary.text()
    # Verdict × label counts (the double: odd cases ACCEPT → polonius-accepts).
    table = dialog.verdict_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    verdicts = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert set(verdicts) == {"polonius-accepts", "both-reject"}
    cell = table.item(verdicts.index("both-reject"), headers.index("real-error")).text()
    assert cell == "2"  # c0 and c2 reject, and both hold real-error (merged labels)
    reviewers = dialog.reviewer_table
    names = [reviewers.verticalHeaderItem(r).text() for r in range(reviewers.rowCount())]
    assert names == ["ann", "bob"]
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        dialog.disagreements_button.click()
    assert window.cases.proxy.rowCount() == 1
    assert loaded.args == [two_reviewers[2]]
    assert window.cases.subset_bar.isVisible()
    window.cases.subset_clear.click()
    window.fetch_all_rows()
    assert window.cases.proxy.rowCount() == 4


# -- the shortcuts sheet ----------------------------------------------------------------------


def test_keyboard_shortcuts_sheet_lists_the_menu_shortcuts(
        qtbot: Any, window: MainWindow) -> None:
    from app.gui.dialogs import ShortcutsDialog

    window.show_shortcuts()
    dialog = window._shortcuts_dialog
    assert isinstance(dialog, ShortcutsDialog)
    rows = {(menu, action): keys for menu, action, keys in dialog.rows()}
    assert rows[("Label", "Undo Label Change")] == "Ctrl+Z"
    assert rows[("Label", "Redo Label Change")] == "Ctrl+Shift+Z or Ctrl+Y"
    assert rows[("Case", "Next Case")] == "J or Alt+Down"
    assert rows[("Case", "Next Unlabeled Case")] == "N"
    assert rows[("Label", "Toggle “real-error”")] == "2"
    assert rows[("Help", "Keyboard Shortcuts")] == "F1"
    dialog.close()
