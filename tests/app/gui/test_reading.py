"""Issue 12, reading a case: the case list, findings, diagnostics, layout and its memory."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.corpus import CaseSummary
from app.gui.cases import COLUMNS, CaseListPanel, relative_origin
from app.gui.results import MIN_ROLE_WIDTH, RoleColumn
from app.gui.window import MainWindow
from checkers.model import CheckResult, Diagnostic

from .conftest import NIGHTLY, fake_triage
from .test_window import drop_urls, show_and_check

WORKAROUND_SRC = "fn w() {\n    let a = 1;\n    WORKAROUND\n}\n"


def summary(i: int, *, updated: str, patterns: tuple[str, ...] = ()) -> CaseSummary:
    return CaseSummary(id=f"{i:064x}", verdict="clean", patterns=patterns, labels=(),
                       origin=f"/data/ws/pkg/src/f{i}.rs:{i + 1}", updated=updated,
                       reviewer="")


# -- the case list ---------------------------------------------------------------------------


def test_origins_show_relative_to_the_dropped_folder() -> None:
    roots = ["/data", "/data/ws"]
    assert relative_origin("/data/ws/pkg/src/file.rs:40", roots) == "pkg/src/file.rs:40"
    assert relative_origin("/data/other.rs:1", roots) == "other.rs:1"
    assert relative_origin("/elsewhere/x.rs", roots) == "/elsewhere/x.rs"


def test_a_drop_makes_the_list_show_origins_relative_to_the_folder(
        qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "pkg" / "src").mkdir(parents=True)
    (workspace / "pkg" / "src" / "lib.rs").write_text("fn a() { ACCEPT }\n")
    window.show()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000):
        drop_urls(window, [workspace])
    model = window.cases.model
    shown = model.data(model.index(0, COLUMNS.index("origin")))
    assert shown == "pkg/src/lib.rs:1"
    assert "⚑" not in model.data(model.index(0, COLUMNS.index("verdict")))


def test_list_marks_findings_shows_the_sort_and_gives_origin_the_spare_width(
        qtbot: Any) -> None:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    panel.model.set_summaries([summary(0, updated="2026-11-01T00:00:00.000Z",
                                       patterns=("check-then-relookup",)),
                               summary(1, updated="2026-11-02T00:00:00.000Z")])
    model = panel.model
    verdicts = [model.data(model.index(r, 0)) for r in range(2)]
    assert sorted(verdicts) == ["clean", "clean  ⚑"]
    assert "sorted by Updated ↓" in panel.count_label.text()
    header = panel.table.horizontalHeader()
    origin = header.sectionSize(COLUMNS.index("origin"))
    assert origin > header.sectionSize(COLUMNS.index("verdict"))
    # Verdict, Origin and Labels fill the pane; Patterns and Updated are a scroll away.
    for width in (480, 900):
        panel.resize(width, 400)
        qtbot.waitUntil(lambda w=width: panel.width() == w, timeout=2000)
        shown = sum(header.sectionSize(COLUMNS.index(c)) for c in ("verdict", "origin", "labels"))
        assert shown == panel.table.viewport().width()


def test_rows_inserted_by_a_batch_do_not_move_the_selected_row(qtbot: Any) -> None:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.show()
    # Sorted by "updated" descending: newer cases go above the selected one.
    panel.model.set_summaries([summary(i, updated=f"2026-10-{1 + i:02d}T00:00:00.000Z")
                               for i in range(20)])
    panel.select_id(f"{5:064x}")
    qtbot.waitUntil(lambda: panel.table.currentIndex().isValid(), timeout=2000)
    before = panel.table.visualRect(panel.table.currentIndex()).top()
    panel.model.upsert_many([summary(100 + i, updated=f"2026-11-{1 + i:02d}T00:00:00.000Z")
                             for i in range(6)])
    assert panel.current_id() == f"{5:064x}"
    assert panel.table.visualRect(panel.table.currentIndex()).top() == before


def _stream_above(panel: CaseListPanel, first: int, count: int) -> None:
    """A batch's coalesced insertions, newer than every listed case (sorted Updated ↓: above)."""
    panel.add_cases([summary(first + i, updated=f"2026-11-{1 + i:02d}T00:00:00.000Z")
                     for i in range(count)])


def _listed_panel(qtbot: Any, rows: int, selected: int, *, height: int = 300) -> CaseListPanel:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    panel.resize(600, height)
    panel.show()
    qtbot.waitExposed(panel)
    panel.model.set_summaries([summary(i, updated=f"2026-10-{1 + i:02d}T00:00:00.000Z")
                               for i in range(rows)])
    panel.select_id(f"{selected:064x}")
    qtbot.waitUntil(lambda: panel.table.currentIndex().isValid(), timeout=2000)
    QApplication.processEvents()
    return panel


def _top_of_selected(panel: CaseListPanel) -> int:
    QApplication.processEvents()
    return panel.table.visualRect(panel.table.currentIndex()).top()


def test_a_batch_does_not_move_the_selected_row_of_a_short_list(qtbot: Any) -> None:
    # Three rows, no scrollbar: nothing can scroll to make up for rows inserted above.
    panel = _listed_panel(qtbot, 3, 1, height=500)
    selected = panel.current_id()
    before = _top_of_selected(panel)
    for batch in range(3):
        _stream_above(panel, 100 + 10 * batch, 4)
        assert panel.current_id() == selected
        assert _top_of_selected(panel) == before
    # The held rows are counted and offered, not lost.
    assert panel.model.total() == 15
    assert panel.held_link.isVisible() and "12 new above" in panel.held_link.text()
    assert "of 15 labeled" in panel.count_label.text()
    # "show" sorts them in: the newest first, the selection kept (and on screen).
    panel.held_link.linkActivated.emit("show")
    assert panel.model.held_count() == 0 and not panel.held_link.isVisible()
    assert panel.proxy.rowCount() == 15
    updated = [panel.model.summary(r).updated for r in range(15)]
    assert updated == sorted(updated, reverse=True)
    assert panel.current_id() == selected


def test_a_batch_does_not_move_a_selected_row_near_the_top(qtbot: Any) -> None:
    # The top row of a list a little shorter than the pane: the batch makes it overflow, but
    # the view can only scroll by the overflow, not by every row inserted above.
    panel = _listed_panel(qtbot, 7, 6)
    assert panel.table.verticalHeader().length() < panel.table.viewport().height()
    assert panel.table.currentIndex().row() == 0
    selected = panel.current_id()
    before = _top_of_selected(panel)
    for batch in range(3):
        _stream_above(panel, 100 + 10 * batch, 4)
        assert panel.current_id() == selected
        assert _top_of_selected(panel) == before
    assert panel.model.held_count() == 12 and panel.held_link.isVisible()
    # Older cases go below it; once the list overflows the pane the view can scroll by what
    # goes above, so the held rows go in, and the selected row still does not move.
    panel.add_cases([summary(200 + i, updated=f"2026-09-{1 + i:02d}T00:00:00.000Z")
                     for i in range(3)])
    assert panel.model.held_count() == 0 and not panel.held_link.isVisible()
    assert panel.proxy.rowCount() == 22
    assert _top_of_selected(panel) == before
    updated = [panel.model.summary(r).updated for r in range(22)]
    assert updated == sorted(updated, reverse=True)


def test_no_row_is_held_back_when_none_is_selected(qtbot: Any) -> None:
    panel = _listed_panel(qtbot, 3, 1, height=500)
    _stream_above(panel, 100, 4)
    assert panel.model.held_count() == 4
    panel.table.clearSelection()  # no selected row to keep still: they go in
    assert panel.model.held_count() == 0 and panel.proxy.rowCount() == 7
    _stream_above(panel, 200, 2)
    assert panel.model.held_count() == 0 and panel.proxy.rowCount() == 9


def test_a_batch_does_not_move_a_selected_row_near_the_top_of_a_long_list(
        qtbot: Any) -> None:
    panel = _listed_panel(qtbot, 40, 38)
    panel.table.scrollToTop()
    selected = panel.current_id()
    before = _top_of_selected(panel)
    assert panel.table.currentIndex().row() == 1
    for batch in range(3):
        _stream_above(panel, 100 + 10 * batch, 3)
        assert panel.current_id() == selected
        assert _top_of_selected(panel) == before
    # A long list keeps its sort order live: nothing is held back.
    assert panel.model.held_count() == 0 and panel.proxy.rowCount() == 49


def test_rows_held_back_during_a_batch_are_sorted_in_at_its_end(
        qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    panel = window.cases
    window.show()
    qtbot.waitExposed(window)
    (tmp_path / "first.rs").write_text("fn first() { REJECT }\n")
    with qtbot.waitSignals([window.case_loaded, window.batch_finished], timeout=20_000):
        window.triage_paths([tmp_path / "first.rs"])
    qtbot.waitUntil(lambda: panel.current_id() is not None, timeout=10_000)
    shown = panel.current_id()
    before = _top_of_selected(panel)
    # A second batch: its cases are newer, so sorted (Updated ↓) above the selected one.
    folder = tmp_path / "drop"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.rs").write_text(f"fn f{i}() {{ ACCEPT }}\n")
    seen: list[tuple[int, int]] = []
    panel.model.held_changed.connect(
        lambda held: seen.append(
            (held, panel.table.visualRect(panel.table.currentIndex()).top())))
    with qtbot.waitSignal(window.batch_finished, timeout=20_000):
        drop_urls(window, [folder])
    # While it streamed, the selected row stayed where it was: the new cases were held back.
    assert seen and all(top == before for held, top in seen if held), seen
    assert max(held for held, _top in seen) == 3 and seen[-1][0] == 0, seen
    # At the end they are sorted in.
    assert panel.model.held_count() == 0 and panel.proxy.rowCount() == 4
    assert panel.current_id() == shown
    assert panel.table.currentIndex().row() == 3


def test_the_progress_count_and_the_held_link_never_widen_the_case_list(qtbot: Any) -> None:
    # A QLabel is as wide as its text: a long count pushed a 1024 px window wider than asked.
    panel = _listed_panel(qtbot, 3, 1, height=500)
    narrow = panel.minimumSizeHint().width()
    _stream_above(panel, 100, 4)
    assert panel.held_link.isVisible()
    long = "0 of 38 labeled in this view · 38 of 117 cases match · sorted by Updated ↓ " * 3
    panel.count_label.setText(long)
    assert panel.minimumSizeHint().width() <= narrow + panel.held_link.sizeHint().width()
    panel.resize(300, 500)
    qtbot.waitUntil(lambda: panel.width() == 300, timeout=2000)
    QApplication.processEvents()
    text = panel.count_label.text()
    assert text.startswith("0 of 7 labeled in the corpus")
    shown = panel.count_label.shown_text()
    assert shown.startswith("0 of 7 labeled") and shown.endswith("…")  # elided, not clipped
    assert panel.count_label.toolTip() == text


def test_a_batch_ends_with_a_per_verdict_summary_that_shows_those_cases(
        qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    for i, body in enumerate(["ACCEPT", "ACCEPT", "REJECT", ""]):
        (folder / f"f{i}.rs").write_text(f"fn f{i}() {{ {body} }}\n")
    window.show()
    with qtbot.waitSignal(window.batch_started, timeout=20_000):
        drop_urls(window, [folder])
    assert "from 1 dropped item" in window.batch_bar.title.text()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000):
        pass
    bar = window.batch_bar
    assert bar.title.text() == "Triaged 4 cases from 1 dropped item:"
    assert [b.text() for b in bar.verdict_buttons.values()] == [
        "2 polonius-accepts", "1 both-reject", "1 clean"]
    # No case_loaded signal when the case on screen is already one of those shown: wait for the
    # state, not for a signal that may legitimately not come.
    bar.verdict_buttons["polonius-accepts"].click()
    qtbot.waitUntil(lambda: window.cases.proxy.rowCount() == 2
                    and window.view.triage is not None
                    and window.view.triage.verdict == "polonius-accepts", timeout=10_000)


# -- findings ------------------------------------------------------------------------------


def test_when_the_news_is_a_confirmed_workaround_the_patterns_tab_opens(
        qtbot: Any, window: MainWindow) -> None:
    window.show()
    show_and_check(qtbot, window, WORKAROUND_SRC)
    assert window.view.triage.verdict == "clean"
    assert window.tabs.currentIndex() == 1
    assert "news is its workaround" in window.banner.detail_label.text()
    assert "1 workaround confirmed by rewrite" in window.banner.flags_label.text()
    # One click on the finding scrolls the editor to it.
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    item = window.findings.list.item(0)
    rect = window.findings.list.visualItemRect(item)
    qtbot.mouseClick(window.findings.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert window.editor.textCursor().blockNumber() == 0  # the double's finding: line 1


def test_an_unconfirmed_finding_is_a_possible_workaround_not_proven(
        qtbot: Any, window: MainWindow) -> None:
    triage = fake_triage(WORKAROUND_SRC)
    unproven = dataclasses.replace(
        triage, patterns=tuple(dataclasses.replace(p, confirmed=False, rewrite=None)
                               for p in triage.patterns))
    window.show()
    window.view.show_triage(unproven)
    assert window.findings.list.item(0).text().startswith("possible workaround, not proven")
    flags = window.banner.flags_label.text()
    assert "1 possible workaround, not proven" in flags and "confirmed" not in flags
    assert window.tabs.currentIndex() == 0
    assert not window.findings.copy_button.isEnabled()


def test_the_rewrite_diff_names_the_file_and_offers_copy_and_open(
        qtbot: Any, window: MainWindow) -> None:
    window.show()
    with qtbot.waitSignal(window.triage_shown, timeout=10_000):
        window.open_source(WORKAROUND_SRC, origin={"path": "/data/ws/pkg/src/cache.rs"})
    text = window.findings.diff.toPlainText()
    assert text.startswith("--- a/cache.rs (workaround)\n+++ b/cache.rs (direct form)")
    assert not text.endswith("\n")
    window.findings.copy_button.click()
    assert QApplication.clipboard().text() == WORKAROUND_SRC.replace("WORKAROUND", "DIRECT")
    window.findings.wide_button.click()
    assert not window.findings.left.isVisible()
    with qtbot.waitSignal(window.triage_shown, timeout=10_000) as shown:
        window.findings.open_button.click()
    assert shown.args[0].source == WORKAROUND_SRC.replace("WORKAROUND", "DIRECT")
    assert shown.args[0].origin is None


# -- diagnostics ---------------------------------------------------------------------------


def column_html(column: RoleColumn) -> str:
    return column.browser.toHtml()


def test_diagnostic_words_colours_and_rustc_output(qtbot: Any) -> None:
    borrow = Diagnostic(code="E0499", level="error", message="two borrows", borrowck=True,
                        line=2, column=5, rendered="error[E0499]: two borrows\n --> x.rs:2:5")
    parse = Diagnostic(code=None, level="error", message="expected `;`", borrowck=False,
                       line=1, column=3)
    result = CheckResult(role="polonius", status="ok", accepted=False,
                         diagnostics=(borrow, parse), rustc=NIGHTLY, elapsed_ms=5)
    baseline = {borrow.key(), parse.key()}
    polonius = RoleColumn("polonius")
    qtbot.addWidget(polonius)
    polonius.show_result(result, {borrow.key(): "removed"}, baseline)
    assert [change for _d, change in polonius.items] == ["removed", "not-borrowck"]
    html = column_html(polonius)
    assert "Polonius removed it" in html and "#2e9d57" in html
    assert "Polonius keeps it" not in html
    legacy = RoleColumn("polonius-legacy")
    qtbot.addWidget(legacy)
    legacy.show_result(dataclasses.replace(result, role="polonius-legacy"), {}, baseline)
    assert "legacy Polonius keeps it" in column_html(legacy)
    assert "rustc output…" in polonius.browser.toPlainText()
    polonius.toggle_full(0)
    assert "--> x.rs:2:5" in polonius.browser.toPlainText()


# -- layout --------------------------------------------------------------------------------


def test_at_1024x700_nothing_is_clipped_and_the_role_columns_stack(
        qtbot: Any, window: MainWindow) -> None:
    window.resize(1024, 700)
    window.show()
    show_and_check(qtbot, window, "fn a() { ACCEPT }\n")
    qtbot.waitUntil(lambda: window.roles.stacked is True, timeout=5000)
    assert window.minimumSizeHint().width() <= 1024
    assert window.width() == 1024
    for column in window.roles.columns.values():
        assert column.width() >= MIN_ROLE_WIDTH
    assert window.banner.verdict_label.width() >= window.banner.verdict_label.sizeHint().width()


def test_at_1920x1080_the_space_goes_to_the_code_and_the_case_list(
        qtbot: Any, window: MainWindow) -> None:
    window.resize(1920, 1080)
    window.show()
    show_and_check(qtbot, window, "fn a() { ACCEPT }\n")
    qtbot.waitUntil(lambda: window.roles.stacked is False, timeout=5000)
    cases, middle, right = window.splitter.sizes()
    assert middle > cases > right


def test_geometry_splitters_and_sort_order_are_remembered(
        qtbot: Any, window: MainWindow, corpus_path: Path, fake_engine: Any) -> None:
    window.resize(1300, 820)
    window.show()
    window.splitter.setSizes([333, 700, 267])
    window.cases.table.sortByColumn(COLUMNS.index("origin"), Qt.SortOrder.AscendingOrder)
    sizes = window.splitter.sizes()
    window.close()
    again = MainWindow(corpus_path=corpus_path, check=fake_engine, probe_toolchains=False)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.corpus_opened, timeout=10_000):
        pass
    again.show()
    assert (again.width(), again.height()) == (1300, 820)
    assert again.splitter.sizes() == sizes
    header = again.cases.table.horizontalHeader()
    assert header.sortIndicatorSection() == COLUMNS.index("origin")
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder


# -- crate audits ----------------------------------------------------------------------------


def test_a_dropped_cargo_workspace_asks_and_can_be_scanned_as_snippets(
        qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "pkg" / "src").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text('[workspace]\nmembers = ["pkg"]\n')
    (workspace / "pkg" / "src" / "lib.rs").write_text("fn a() { ACCEPT }\n")
    window.show()
    with qtbot.waitSignal(window.batches.workspace_dropped, timeout=5000):
        drop_urls(window, [workspace])
    dialog = window._workspace_dialog
    assert dialog.audit_button.isDefault()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000) as finished:
        dialog.scan_button.click()
    assert finished.args == [1, False]
    model = window.cases.model
    assert model.data(model.index(0, COLUMNS.index("origin"))) == "pkg/src/lib.rs:1"


# -- dataset export --------------------------------------------------------------------------


def test_export_dataset_runs_in_the_background_and_writes_the_card_and_pairs(
        qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    window.show()
    show_and_check(qtbot, window, WORKAROUND_SRC)  # clean + a confirmed workaround
    with qtbot.waitSignal(window.case_saved, timeout=10_000):
        window.save_case()
    dialog = window.export_dataset_dialog()
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("x")
    dialog.out.setText(str(taken))
    dialog._on_buttons_accepted()
    assert "not an empty directory" in dialog.problem.text()
    dialog.splits.setText("train=2")
    dialog.out.setText(str(tmp_path / "ds"))
    dialog._on_buttons_accepted()
    assert dialog.problem.text() and dialog.result() != dialog.DialogCode.Accepted
    dialog.splits.setText("")
    with qtbot.waitSignal(window.batches.dataset_finished, timeout=60_000) as finished:
        dialog._on_buttons_accepted()
    report = finished.args[0]
    assert report is not None and report.cases == 1
    assert (tmp_path / "ds" / "README.md").is_file()
    assert (tmp_path / "ds" / "data" / "cases.jsonl").is_file()
    assert window.batch_bar.action.text() == "Open folder"
    assert window.batch_bar.title.text().startswith(f"Exported a dataset to {tmp_path / 'ds'}")


def test_a_new_drop_retires_the_last_batchs_notice_and_summary(
        qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "a.rs").write_text("fn a() { ACCEPT }\n")
    (tmp_path / "notes.txt").write_text("not rust")
    window.show()
    with qtbot.waitSignal(window.batch_finished, timeout=20_000):
        window.triage_paths([tmp_path / "a.rs", tmp_path / "notes.txt"])
    assert window.notice.isVisible() and "notes.txt" in window.notice.message()
    (tmp_path / "b.rs").write_text("fn b() { REJECT }\n")
    with qtbot.waitSignal(window.batch_finished, timeout=20_000):
        window.triage_paths([tmp_path / "b.rs"])
    assert not window.notice.isVisible()
    layout = window.batch_bar.summary.layout()
    buttons = [layout.itemAt(i).widget() for i in range(layout.count())
               if layout.itemAt(i).widget() is not None]
    assert [b.text() for b in buttons] == ["1 both-reject"]
    assert layout.count() == 2  # one button and one stretch: summaries do not pile up


def test_a_notice_shows_quotes_not_html_entities(qtbot: Any, window: MainWindow) -> None:
    from PySide6.QtGui import QTextDocument

    window.notice.show_message("No such file or directory: '/x/queries'", kind="error")
    label = window.notice.text
    if label.textFormat() == Qt.TextFormat.RichText:
        document = QTextDocument()
        document.setHtml(label.text())
        seen = document.toPlainText()
    else:  # plain (or "auto" deciding plain): the text is shown as it is
        seen = label.text()
    assert "'/x/queries'" in seen


def test_primary_and_secondary_spans_are_drawn_differently(qtbot: Any) -> None:
    from PySide6.QtGui import QTextCharFormat

    from app.gui.editor import CodeEditor
    from app.gui.records import MergedDiagnostic

    editor = CodeEditor()
    qtbot.addWidget(editor)
    editor.setPlainText("fn f() {\n    let a = &mut v;\n    let b = &mut v;\n}\n")
    primary = Diagnostic(code="E0499", level="error", message="two borrows", borrowck=True,
                         line=3, column=13, end_line=3, end_column=19,
                         labels=({"line": 2, "column": 13, "end_line": 2, "end_column": 19,
                                  "label": "first mutable borrow occurs here"},))
    editor.set_annotations([MergedDiagnostic(primary, ("stable",), "kept")], [])
    styles = {}
    for selection in editor.extraSelections():
        line = selection.cursor.block().blockNumber() + 1
        if selection.cursor.hasSelection():
            styles[line] = selection.format.underlineStyle()
    assert styles[3] == QTextCharFormat.UnderlineStyle.WaveUnderline
    assert styles[2] == QTextCharFormat.UnderlineStyle.DotLine


def _rect_in_window(widget: Any, window: MainWindow) -> Any:
    from PySide6.QtCore import QRect

    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def test_a_notice_does_not_push_the_layout_around(qtbot: Any, window: MainWindow) -> None:
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    window.cases.model.set_summaries([summary(i, updated=f"2026-10-{1 + i:02d}T00:00:00.000Z")
                                      for i in range(3)])
    QApplication.processEvents()
    panes = {"splitter": window.splitter, "progress count": window.cases.count_label,
             "case table": window.cases.table, "editor": window.editor,
             "verdict banner": window.banner, "tabs": window.tabs}
    before = {name: _rect_in_window(w, window) for name, w in panes.items()}
    long_line = "Something happened to a great many inputs; " * 12
    for notice, kwargs in ((window.notice, {"kind": "warning", "action": "Retry",
                                            "details": [f"in{i}.rs: no" for i in range(30)]}),
                           (window.toolchain_banner, {"kind": "error", "action": "Details…"})):
        notice.show_message(long_line + "\nA second line.", **kwargs)
        QApplication.processEvents()
        assert notice.isVisible()
        shown = _rect_in_window(notice, window)
        for name, widget in panes.items():
            # Nothing moved, and the notice covers none of it (the progress count included).
            assert _rect_in_window(widget, window) == before[name], name
            assert not shown.intersects(before[name]), name
        assert notice.height() == window.notice_strip.height()  # one line, however long
        assert notice.more.isVisible()
        assert "second line" not in notice.text.text() and "second line" in notice.message()
    # The notice covers the toolchain warning that shares its strip (not the other way round).
    hit = window.notice_strip.childAt(window.notice_strip.rect().center())
    assert hit is window.notice or window.notice.isAncestorOf(hit)
    # The whole message is one click away, in a popup (it covers the panes only meanwhile).
    window.notice.more.click()
    popup = window.notice.popup
    assert popup is not None and popup.isVisible()
    assert "in11.rs" in popup.findChild(QLabel).text()
    assert "in11.rs" in window.notice.message() and "in11.rs" not in window.notice.text.text()
    window.notice.close_button.click()
    assert not window.notice.isVisible() and window.notice.popup is None
    hit = window.notice_strip.childAt(window.notice_strip.rect().center())
    assert hit is window.toolchain_banner or window.toolchain_banner.isAncestorOf(hit)
    window.toolchain_banner.hide()
    QApplication.processEvents()
    for name, widget in panes.items():
        assert _rect_in_window(widget, window) == before[name], name
    # A short notice: no "more", the whole line shown.
    window.notice.show_message("Saved.", kind="info")
    QApplication.processEvents()
    assert not window.notice.more.isVisible() and window.notice.text.text() == "Saved."
    window.resize(1300, 820)
    QApplication.processEvents()
    assert window.notice.width() == window.notice_strip.width()
    assert not _rect_in_window(window.notice, window).intersects(
        _rect_in_window(window.cases.count_label, window))


def test_stale_notices_expire(qtbot: Any, window: MainWindow, monkeypatch: Any) -> None:
    from app.gui import widgets

    monkeypatch.setattr(widgets, "INFO_EXPIRES_MS", 50)
    window.show()
    window.notice.show_message("Exported 3 cases.", kind="info")
    assert window.notice.isVisible()
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=2000)
    # Warnings stay until dismissed, or until what they are about is over.
    window.notice.show_message("That case is gone.", kind="warning", topic="case")
    qtbot.wait(120)
    assert window.notice.isVisible()
    window.notice.clear("batch")
    assert window.notice.isVisible()
    window.notice.clear("case")
    assert not window.notice.isVisible()
