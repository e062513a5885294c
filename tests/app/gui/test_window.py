"""The main window end to end with the engine double: drops, labels, re-checks, export, navigation."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app import jsonl
from app.gui import settings
from app.gui.window import MainWindow

ACCEPT_SRC = "fn f() { ACCEPT }\n"
REJECT_SRC = "fn g() { REJECT }\n"
CLEAN_SRC = "fn h() {}\n"


def drop_urls(window: MainWindow, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    # Qt delivers a drop only to the widget that accepted the drag's enter event.
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def show_and_check(qtbot: Any, window: MainWindow, source: str) -> None:
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        window.open_source(source)


def labels_in_sqlite(path: Path) -> dict[str, set[str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT c.id, l.name FROM cases c JOIN case_labels cl ON cl.rid = c.rid "
            "JOIN labels l ON l.id = cl.label_id").fetchall()
    finally:
        conn.close()
    out: dict[str, set[str]] = {}
    for cid, name in rows:
        out.setdefault(cid, set()).add(name)
    return out


def test_drop_fills_case_list_and_lists_refused_items(qtbot: Any, window: MainWindow,
                                                      tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "crate" / "src").mkdir(parents=True)
    (inputs / "a.rs").write_text(ACCEPT_SRC)
    (inputs / "b.rs").write_text(REJECT_SRC)
    (inputs / "crate" / "src" / "lib.rs").write_text(CLEAN_SRC)
    (inputs / "crate" / "Cargo.toml").write_text("[package]\n")
    (inputs / "cases.jsonl").write_text(
        json.dumps({"source": "fn j() { ACCEPT } // 1\n"}) + "\n"
        + json.dumps({"source": "fn k() {}\n", "edition": "2018",
                      "origin": {"path": "x.rs", "line": 3}}) + "\n")
    (inputs / "notes.txt").write_text("hello")
    (inputs / "picture.png").write_bytes(b"\x89PNG")
    window.show()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000) as finished:
        drop_urls(window, [inputs / "a.rs", inputs / "b.rs", inputs / "crate",
                           inputs / "cases.jsonl", inputs / "notes.txt",
                           inputs / "picture.png"])
    assert finished.args == [5, False]
    qtbot.waitUntil(lambda: window.cases.model.total() == 5, timeout=10_000)
    verdicts = sorted(window.cases.model.summary(r).verdict
                      for r in range(window.cases.model.rowCount()))
    assert verdicts == ["both-reject", "clean", "clean", "polonius-accepts", "polonius-accepts"]
    # Everything that is not Rust or JSONL is listed in one message, not dropped silently.
    assert window.notice.isVisible()
    assert "notes.txt" in window.notice.message() and "picture.png" in window.notice.message()
    origins = {window.cases.model.summary(r).origin for r in range(5)}
    assert "x.rs:3" in origins
    # The bar ends as a per-verdict summary (issue 12), no longer a progress bar.
    assert not window.batch_bar.bar.isVisible() and window.batch_bar.summary.isVisible()


def test_drop_reads_inputs_like_ptriage_scan(qtbot: Any, window: MainWindow,
                                             tmp_path: Path) -> None:
    """Folders skip target/, hidden dirs and .gitignore'd files; bad JSONL lines are listed."""
    crate = tmp_path / "crate"
    for sub in ("src", "target/debug", ".hidden", "generated"):
        (crate / sub).mkdir(parents=True)
    (crate / ".gitignore").write_text("generated/\n*.bak.rs\n")
    (crate / "src" / "lib.rs").write_text(CLEAN_SRC)
    (crate / "src" / "old.bak.rs").write_text(REJECT_SRC)
    (crate / "target" / "debug" / "build.rs").write_text(REJECT_SRC)
    (crate / ".hidden" / "h.rs").write_text(REJECT_SRC)
    (crate / "generated" / "g.rs").write_text(REJECT_SRC)
    corpus = tmp_path / "cases.jsonl"
    corpus.write_text(json.dumps({"source": ACCEPT_SRC}) + "\n{not json\n"
                      + json.dumps({"code": "fn x() {}"}) + "\n")
    window.show()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000) as finished:
        window.triage_paths([crate, corpus, tmp_path / "gone.rs", tmp_path / "notes.md"])
    assert finished.args == [2, False]
    assert sorted(window.cases.model.summary(r).verdict for r in range(2)) == [
        "clean", "polonius-accepts"]
    message = window.notice.message()
    assert f"{corpus}:2" in message and f"{corpus}:3" in message
    assert "gone.rs" in message and "no such file" in message
    assert "notes.md" in message
    assert "build.rs" not in message and "h.rs" not in message


def test_batch_bar_shows_count_rate_and_time_left(qtbot: Any) -> None:
    from app.gui.widgets import BatchBar

    bar = BatchBar()
    qtbot.addWidget(bar)
    bar.start("3 dropped items")
    bar.set_total(500)
    bar.set_progress(125, 500, 25.0)
    assert bar.bar.value() == 125 and bar.bar.maximum() == 500
    assert bar.rate.text() == "125 / 500 · 25 cases/s · 15 s left"
    bar.set_progress(500, 500, 80.0)
    assert bar.rate.text() == "500 / 500 · 80 cases/s"


def test_cancel_stops_a_running_batch(qtbot: Any, window: MainWindow, fake_engine: Any,
                                      tmp_path: Path) -> None:
    for n in range(30):
        (tmp_path / f"f{n}.rs").write_text(f"fn f{n}() {{}}\n")
    fake_engine.gate = threading.Event()
    window.show()
    with qtbot.waitSignal(window.batch_started, timeout=10_000) as started:
        window.triage_paths([tmp_path])
    assert started.args == [30]
    assert window.batch_bar.isVisible()
    assert window.batch_bar.bar.maximum() == 30
    with qtbot.waitSignal(window.batch_finished, timeout=10_000) as finished:
        window.batch_bar.cancel.click()
    triaged, cancelled = finished.args
    assert cancelled and triaged < 30


def test_number_key_toggles_label_into_sqlite(qtbot: Any, window: MainWindow,
                                              corpus_path: Path) -> None:
    window.show()
    show_and_check(qtbot, window, ACCEPT_SRC)
    case = window.view.triage.id
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.labels_saved, timeout=10_000) as saved:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_1)
    assert saved.args == [case, ["confirmed-false-positive"]]
    assert labels_in_sqlite(corpus_path) == {case: {"confirmed-false-positive"}}
    assert window.labels_panel.buttons["confirmed-false-positive"].isChecked()
    assert window.cases.model.total() == 1
    assert window.cases.model.summary(0).labels == ("confirmed-false-positive",)
    # Pressing it again removes it; another key adds another label.
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_1)
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        qtbot.keyClick(window.cases.table, Qt.Key.Key_3)
    assert labels_in_sqlite(corpus_path) == {case: {"workaround-removable"}}


def test_typing_digits_in_the_editor_does_not_label(qtbot: Any, window: MainWindow,
                                                    corpus_path: Path) -> None:
    window.show()
    show_and_check(qtbot, window, CLEAN_SRC)
    window.editor.setFocus()
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        qtbot.keyClicks(window.editor, "// 1 j k")
    assert "// 1 j k" in window.editor.toPlainText()
    assert labels_in_sqlite(corpus_path) == {}


def test_editing_rechecks_and_the_banner_changes(qtbot: Any, window: MainWindow,
                                                 fake_engine: Any) -> None:
    window.show()
    show_and_check(qtbot, window, CLEAN_SRC)
    assert window.banner.verdict == "clean"
    assert window.banner.verdict_label.text() == "clean"
    window.editor.setFocus()
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    calls = len(fake_engine.calls)
    with qtbot.waitSignal(window.triage_shown, timeout=10_000) as shown:
        qtbot.keyClicks(window.editor, "// REJECT")
    # One check after the pause, not one per keystroke.
    assert len(fake_engine.calls) == calls + 1
    assert shown.args[0].verdict == "both-reject"
    assert window.banner.verdict_label.text() == "both-reject"
    assert window.roles.columns["stable"].items
    assert window.roles.columns["polonius"].items[0][1] == "kept"


def test_a_stale_result_never_overwrites_a_newer_one(qtbot: Any, window: MainWindow,
                                                     fake_engine: Any) -> None:
    fake_engine.gate = threading.Event()
    window.show()
    window.open_source(REJECT_SRC)
    qtbot.waitUntil(lambda: len(fake_engine.calls) == 1, timeout=10_000)
    fake_engine.gate = None  # the second check runs at once; the first stays blocked
    shown: list[str] = []
    window.triage_shown.connect(lambda t: shown.append(t.verdict))
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        window.open_source(ACCEPT_SRC)
    assert shown == ["polonius-accepts"]
    assert window.banner.verdict == "polonius-accepts"


def test_save_stores_note_and_reviewer_and_remembers_the_name(qtbot: Any, window: MainWindow,
                                                              corpus_path: Path) -> None:
    window.show()
    show_and_check(qtbot, window, REJECT_SRC)
    window.labels_panel.reviewer.setText("ann")
    window.labels_panel.reviewer.editingFinished.emit()
    window.labels_panel.note.setPlainText("two live borrows; real error")
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.case_saved, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    conn = sqlite3.connect(corpus_path)
    note, reviewer = conn.execute("SELECT note, reviewer FROM cases").fetchone()
    conn.close()
    assert (note, reviewer) == ("two live borrows; real error", "ann")
    assert settings.read_str("reviewer") == "ann"
    assert str(settings.settings_path()).startswith(os.environ["PTRIAGE_CONFIG_DIR"])


def test_next_and_previous_case_keys(qtbot: Any, window: MainWindow) -> None:
    window.show()
    for source in (ACCEPT_SRC, REJECT_SRC, CLEAN_SRC):
        show_and_check(qtbot, window, source)
        with qtbot.waitSignal(window.case_saved, timeout=10_000):
            window.save_case()
    assert window.cases.model.total() == 3
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        window.cases.table.setCurrentIndex(window.cases.proxy.index(0, 0))
    first = loaded.args[0]
    assert first == window.cases.current_id()
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    second = loaded.args[0]
    assert second != first
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_K)
    assert loaded.args[0] == first
    with qtbot.waitSignal(window.case_loaded, timeout=10_000) as loaded:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_J)
    assert loaded.args[0] == second
    assert window.editor.toPlainText() == window.view.triage.source


def test_export_dialog_writes_valid_jsonl(qtbot: Any, window: MainWindow,
                                          tmp_path: Path) -> None:
    window.show()
    for source in (ACCEPT_SRC, REJECT_SRC, CLEAN_SRC):
        show_and_check(qtbot, window, source)
        with qtbot.waitSignal(window.labels_saved, timeout=10_000):
            window.toggle_label("real-error" if "REJECT" in source else "skip")
    dialog = window.export_jsonl_dialog()
    out = tmp_path / "labels.jsonl"
    dialog.path_edit.setText(str(out))
    for i in range(dialog.label_list.count()):
        item = dialog.label_list.item(i)
        if item.text() == "skip":
            item.setCheckState(Qt.CheckState.Checked)
    assert dialog.filters()["label"] == ["skip"]
    with qtbot.waitSignal(window.export_finished, timeout=10_000) as finished:
        dialog.export_button.click()
    assert finished.args == [2, str(out)]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    for line in lines:
        record = json.loads(line)
        assert jsonl.validate_record(record) is None
        assert record["labels"] == ["skip"]


def test_export_dialog_refuses_a_bad_date(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    dialog = window.export_jsonl_dialog()
    dialog.path_edit.setText(str(tmp_path / "x.jsonl"))
    dialog.since_edit.setText("last tuesday")
    dialog.export_button.click()
    assert dialog.isVisible()
    assert "2026-11-24" in dialog.problem.text()
    dialog.reject()


def test_missing_toolchains_show_a_banner_and_labeling_still_works(
        qtbot: Any, window: MainWindow, corpus_path: Path) -> None:
    from types import SimpleNamespace

    missing = SimpleNamespace(role="polonius", available=False, problem="nightly not installed",
                              fix="rustup toolchain install nightly", version="")
    ok = SimpleNamespace(role="stable", available=True, problem="", fix="", version="1.95.0")
    toolchains = SimpleNamespace(roles={"stable": ok, "polonius": missing}, runnable=False,
                                 source_path=Path("/x/toolchains.toml"))
    window.show()
    window._on_probe_finished((toolchains, "report"))
    assert window.toolchain_banner.isVisible()
    assert "rustup toolchain install nightly" in window.toolchain_banner.message()
    show_and_check(qtbot, window, ACCEPT_SRC)
    with qtbot.waitSignal(window.labels_saved, timeout=10_000):
        window.toggle_label("skip")
    assert labels_in_sqlite(corpus_path) == {window.view.triage.id: {"skip"}}


def test_clicking_a_diagnostic_jumps_to_its_line(qtbot: Any, window: MainWindow) -> None:
    window.show()
    show_and_check(qtbot, window, "// line one\nfn g() { REJECT }\n")
    column = window.roles.columns["stable"]
    cursor = column.browser.textCursor()
    cursor.setPosition(column.anchor_position(0) + 2)
    point = column.browser.cursorRect(cursor).center()
    with qtbot.waitSignal(column.browser.anchorClicked, timeout=5000):
        qtbot.mouseClick(column.browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.editor.textCursor().blockNumber() == 1
    tip = window.editor.tooltip_html(window.editor.textCursor().position())
    assert "E0499" in tip and "Stable NLL" in tip and "Polonius" in tip


def test_confirmed_pattern_shows_its_rewrite_as_a_diff(qtbot: Any, window: MainWindow) -> None:
    window.show()
    show_and_check(qtbot, window, "fn f() {\n    WORKAROUND\n}\n")
    assert window.tabs.tabText(1) == "Patterns && rewrite (1)"
    text = window.findings.diff.toPlainText()
    assert "-    WORKAROUND" in text and "+    DIRECT" in text


def test_switching_corpus_reloads_the_list(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    window.show()
    show_and_check(qtbot, window, ACCEPT_SRC)
    with qtbot.waitSignal(window.case_saved, timeout=10_000):
        window.save_case()
    with qtbot.waitSignal(window.corpus_opened, timeout=10_000):
        window.open_corpus(tmp_path / "other.sqlite3", remember=True)
    assert window.cases.model.total() == 0
    assert settings.read_str("corpus") == str(tmp_path / "other.sqlite3")


def test_a_foreign_file_as_corpus_is_reported(qtbot: Any, window: MainWindow,
                                              tmp_path: Path) -> None:
    bad = tmp_path / "not-a-corpus.sqlite3"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with qtbot.waitSignal(window.corpus_failed, timeout=10_000):
        window.open_corpus(bad)
    assert "Switch Corpus" in window.notice.message()


@pytest.mark.parametrize("dark", [False, True])
def test_highlighting_follows_the_palette(qtbot: Any, window: MainWindow, dark: bool) -> None:
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette(QColor("#202124") if dark else QColor("#f0f0f0"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e" if dark else "#ffffff"))
    window.editor.setPalette(palette)
    window.editor.setPlainText("fn main() { let x = 1; }\n")
    block = window.editor.document().firstBlock()
    formats = block.layout().formats()
    assert formats, "the Rust keywords are coloured"
    keyword = next(f for f in formats if f.start == 0)
    colour = keyword.format.foreground().color()
    assert (colour.lightness() > 100) == dark


def test_first_launch_opens_the_samples(qtbot: Any, window: MainWindow) -> None:
    from app.gui.window import load_samples

    samples = load_samples()
    assert 4 <= len(samples) <= 6
    assert {s.get("edition") for s in samples} >= {"2015", "2021"}
    window.show()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000) as finished:
        window.open_samples()
    assert finished.args == [len(samples), False]
    qtbot.waitUntil(lambda: window.cases.model.total() == len(samples), timeout=10_000)
    assert window.editor.toPlainText() == samples[0]["source"]
    origins = {window.cases.model.summary(r).origin for r in range(len(samples))}
    assert all(o.startswith("samples/") for o in origins)


def test_cannot_open_names_the_path_once(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.rs"
    bad.write_bytes(b"fn f() { let s = \"\xe9\"; }\n")
    assert window.open_file(bad) is False
    message = window.notice.message()
    assert message.startswith("Cannot open ") and message.count(str(bad)) == 1, message


def test_first_launch_fits_the_screen(window: MainWindow) -> None:
    screen = window.screen()
    assert screen is not None
    area = screen.availableGeometry()
    assert area.width() < 1440 or area.height() < 900, "the test needs a screen smaller than the default"
    assert window.width() <= area.width() and window.height() <= area.height()
