"""Issue 12, reading a case: the case list, findings, diagnostics, layout and its memory."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

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
    with qtbot.waitSignal(window.case_loaded, timeout=10_000):
        bar.verdict_buttons["polonius-accepts"].click()
    assert window.cases.proxy.rowCount() == 2
    assert window.view.triage.verdict == "polonius-accepts"


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


def test_a_notice_does_not_push_the_layout_around(qtbot: Any, window: MainWindow) -> None:
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    before = window.splitter.geometry()
    window.notice.show_message("Something happened.\nA second line.", kind="warning")
    QApplication.processEvents()
    assert window.notice.isVisible()
    assert window.splitter.geometry() == before
    assert before.top() <= window.notice.geometry().top()
    assert window.notice.geometry().bottom() <= before.bottom()
    # It leaves the verdict banner uncovered.
    banner = window.banner.mapTo(window.centralWidget(), window.banner.rect().bottomLeft())
    assert window.notice.geometry().top() > banner.y()
    assert window.notice.height() >= window.notice.text.sizeHint().height()
    window.resize(1300, 820)
    QApplication.processEvents()
    assert window.notice.width() == window.splitter.width() - 24
    window.notice.close_button.click()
    assert window.splitter.geometry().top() == before.top()
