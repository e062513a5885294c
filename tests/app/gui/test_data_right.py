"""Issue 12, "data must be right": what is on screen is what is stored, under the right origin."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.corpus import Corpus
from app.gui.window import MainWindow

from .conftest import fake_triage
from .test_window import labels_in_sqlite, show_and_check

LOADED_SRC = "fn loaded() { ACCEPT }\n"
OTHER_SRC = "fn other() {\n    REJECT;\n}\n"
WORKAROUND_SRC = "fn w() {\n    WORKAROUND\n}\n"
ORIGIN = {"path": "pkg/src/lib.rs", "line": 40}


def unconfirmed(source: str) -> dict[str, Any]:
    """A stored record whose finding was never proven (as an old drop left it)."""
    triage = fake_triage(source, origin=ORIGIN)
    patterns = tuple(dataclasses.replace(p, confirmed=False, reason="not confirmed")
                     for p in triage.patterns)
    return dataclasses.replace(triage, patterns=patterns).to_record()


@pytest.fixture
def seeded(corpus_path: Path) -> dict[str, str]:
    """Two stored cases (the loaded one has a path origin) and one with an unproven finding."""
    with Corpus(corpus_path) as corpus:
        loaded = corpus.upsert_record(fake_triage(LOADED_SRC, origin=ORIGIN).to_record())
        other = corpus.upsert_record(fake_triage(OTHER_SRC,
                                                 origin={"path": "pkg/src/b.rs"}).to_record())
        unproven = corpus.upsert_record(unconfirmed(WORKAROUND_SRC))
    return {"loaded": loaded, "other": other, "unproven": unproven}


def stored(corpus_path: Path, case_id: str) -> dict[str, Any] | None:
    with Corpus(corpus_path) as corpus:
        return corpus.get(case_id)


def load(qtbot: Any, window: MainWindow, case_id: str) -> None:
    with qtbot.waitSignal(window.case_loaded, timeout=10_000):
        window.load_case(case_id)


def type_in_editor(qtbot: Any, window: MainWindow, text: str) -> None:
    window.editor.setFocus()
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    for number, line in enumerate(text.split("\n")):
        if number:
            qtbot.keyClick(window.editor, Qt.Key.Key_Return)
        if line:
            qtbot.keyClicks(window.editor, line)


def test_typing_over_a_loaded_case_makes_a_new_case_without_its_origin(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, seeded["loaded"])
    assert window.cases.table.selectionModel().hasSelection()
    with qtbot.waitSignal(window.triage_shown, timeout=10_000) as shown:
        type_in_editor(qtbot, window, "// edited\n")
    # The list no longer highlights a case the editor does not show.
    assert not window.cases.table.selectionModel().hasSelection()
    edited = shown.args[0]
    assert edited.id != seeded["loaded"]
    assert "edited from case " + seeded["loaded"][:12] in window.labels_panel.case_label.text()
    with qtbot.waitSignal(window.case_saved, timeout=10_000):
        window.save_case()
    record = stored(corpus_path, edited.id)
    assert record is not None and record["origin"] is None
    original = stored(corpus_path, seeded["loaded"])
    assert original is not None and original["origin"] == ORIGIN


def test_undoing_an_edit_back_to_the_stored_case_keeps_its_origin(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, seeded["loaded"])
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        type_in_editor(qtbot, window, "x")
    with qtbot.waitSignal(window.triage_shown, timeout=10_000) as shown:
        qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    assert shown.args[0].id == seeded["loaded"]
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_2)
    record = stored(corpus_path, seeded["loaded"])
    assert record is not None and record["origin"] == ORIGIN


def test_moving_away_from_checked_typed_code_keeps_it_as_a_draft(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    show_and_check(qtbot, window, "fn typed() { ACCEPT }\n")
    typed = window.view.triage.id
    assert stored(corpus_path, typed) is None
    load(qtbot, window, seeded["other"])
    qtbot.waitUntil(lambda: window.cases.model.row_of(typed) is not None, timeout=10_000)
    assert stored(corpus_path, typed) is not None
    assert "draft" in window.statusBar().currentMessage()


def test_moving_away_while_typed_code_is_unchecked_keeps_it_as_a_draft(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, seeded["loaded"])
    type_in_editor(qtbot, window, "// still typing")
    assert window.live.busy
    typed = window.editor.toPlainText()
    load(qtbot, window, seeded["other"])
    qtbot.waitUntil(lambda: window.cases.model.total() == 4, timeout=10_000)
    with Corpus(corpus_path) as corpus:
        sources = {r["source"]: r for r in corpus.iter_records()}
    assert typed in sources and sources[typed]["origin"] is None


def test_a_proof_by_rewrite_is_stored_when_labeling(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, seeded["unproven"])
    assert not window.view.triage.patterns[0].confirmed
    with qtbot.waitSignal(window.triage_shown, timeout=10_000) as shown:
        window.recheck()
    assert shown.args[0].patterns[0].confirmed
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_3)
    record = stored(corpus_path, seeded["unproven"])
    assert record is not None
    assert record["patterns"][0]["confirmed"] is True
    assert record["origin"] == ORIGIN
    assert record["labels"] == ["workaround-removable"]


def test_a_proof_by_rewrite_survives_navigation(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path) -> None:
    window.show()
    load(qtbot, window, seeded["unproven"])
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        window.recheck()
    load(qtbot, window, seeded["other"])
    qtbot.waitUntil(lambda: (stored(corpus_path, seeded["unproven"]) or {})["patterns"][0]
                    ["confirmed"] is True, timeout=10_000)
    load(qtbot, window, seeded["unproven"])
    assert window.view.triage.patterns[0].confirmed


def test_a_failed_corpus_switch_keeps_the_old_corpus_and_says_so(
        qtbot: Any, seeded: dict[str, str], window: MainWindow, corpus_path: Path,
        tmp_path: Path) -> None:
    window.show()
    load(qtbot, window, seeded["loaded"])
    bad = tmp_path / "not-a-corpus.sqlite3"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with qtbot.waitSignal(window.corpus_failed, timeout=10_000):
        window.open_corpus(bad)
    assert str(corpus_path) in window.corpus_label.text()
    assert "no corpus" not in window.corpus_label.text()
    assert f"Still using {corpus_path}" in window.notice.message()
    # Key presses now go where the window says they go: the old corpus.
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_2)
    assert labels_in_sqlite(corpus_path)[seeded["loaded"]] == {"real-error"}


def test_first_launch_sample_is_shown_as_stored_once_the_batch_stores_it(
        qtbot: Any, window: MainWindow) -> None:
    window.show()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000):
        window.open_samples()
    qtbot.waitUntil(lambda: "in the corpus ·" in window.labels_panel.case_label.text(),
                    timeout=10_000)
    assert "not in the corpus yet" not in window.labels_panel.case_label.text()


def test_the_labels_status_line_does_not_carry_over_to_the_next_case(
        qtbot: Any, seeded: dict[str, str], window: MainWindow) -> None:
    window.show()
    load(qtbot, window, seeded["loaded"])
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_2)
    assert window.labels_panel.status.text().startswith("Labels:")
    load(qtbot, window, seeded["other"])
    assert not window.labels_panel.status.text().startswith("Labels:")


def test_a_recheck_does_not_leave_old_underlines_on_new_text(
        qtbot: Any, seeded: dict[str, str], window: MainWindow) -> None:
    window.show()
    load(qtbot, window, seeded["other"])
    # The double puts E0499 on line 2, columns 5-8.
    def underlined() -> bool:
        text = window.editor.toPlainText()
        return any(window.editor.annotations_at(p)[0] for p in range(len(text)))

    assert underlined(), "the stored diagnostics are drawn"
    assert window.roles.isEnabled()
    type_in_editor(qtbot, window, "\n// edited\n")
    # Until the new verdict arrives, nothing of the old result is drawn as if current.
    assert not underlined()
    assert not window.roles.isEnabled()
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        pass
    assert underlined()
    assert window.roles.isEnabled()
