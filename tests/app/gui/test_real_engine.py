"""The window with the real engine and rustc toolchains: drops, verdicts, re-checks, labels, export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app import jsonl
from app.gui.main import main
from app.gui.window import SAMPLES, MainWindow
from checkers.cache import default_cache_path

from .test_window import drop_urls, labels_in_sqlite

GET_OR_INSERT = """use std::collections::HashMap;

pub fn cached_len<'a>(cache: &'a mut HashMap<String, usize>, word: &str) -> &'a usize {
    if let Some(hit) = cache.get(word) {
        return hit;
    }
    cache.insert(word.to_string(), word.len());
    cache.get(word).unwrap()
}
"""
TWO_MUTABLE_BORROWS = """pub fn two_borrows() {
    let mut v = vec![1, 2, 3];
    let first = &mut v;
    let second = &mut v;
    first.push(4);
    second.push(5);
}
"""
CLEAN = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
JSONL_CLEAN = "pub fn double(x: i32) -> i32 {\n    x * 2\n}\n"
JSONL_BOTH_REJECT = ("pub fn push_while_shared() {\n    let mut s = String::new();\n"
                     "    let r = &s;\n    s.push('a');\n    println!(\"{r}\");\n}\n")

pytestmark = pytest.mark.toolchains


@pytest.fixture
def real_window(qtbot: Any, tmp_path: Path) -> MainWindow:
    window = MainWindow(corpus_path=tmp_path / "corpus.sqlite3")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.corpus_opened, timeout=30_000):
        pass
    window.show()
    return window


def test_samples_get_their_verdicts_and_an_edit_changes_the_banner(
        qtbot: Any, real_window: MainWindow) -> None:
    window = real_window
    with qtbot.waitSignal(window.triage_shown, timeout=60_000) as shown:
        window.open_file(SAMPLES / "get_or_insert.rs")
    assert shown.args[0].verdict == "polonius-accepts"
    assert window.banner.verdict_label.text() == "polonius-accepts"
    stable = window.roles.columns["stable"].items
    assert stable and {change for _d, change in stable} == {"removed"}
    # Secondary spans ("first mutable borrow occurs here") are underlined and explained.
    editor = window.editor
    first = next(label for d, _c in stable for label in d.labels
                 if "first mutable borrow" in label["label"])
    block = editor.document().findBlockByNumber(first["line"] - 1)
    explained = editor.labels_at(block.position() + first["column"] - 1)
    assert explained and "first mutable borrow" in explained[0][0]
    assert "first mutable borrow" in editor.tooltip_html(block.position() + first["column"] - 1)
    # Make the conflict real: keep `value` alive across the insert.
    text = editor.toPlainText().replace("map.get_mut(&key).unwrap()\n",
                                        "map.get_mut(&key).unwrap();\n    value\n")
    with qtbot.waitSignal(window.triage_shown, timeout=60_000) as shown:
        editor.selectAll()
        editor.insertPlainText(text)
    assert shown.args[0].verdict in ("both-reject", "other-error")
    assert window.banner.verdict_label.text() == shown.args[0].verdict


def test_confirmed_pattern_has_a_rewrite_diff(qtbot: Any, real_window: MainWindow) -> None:
    with qtbot.waitSignal(real_window.triage_shown, timeout=60_000) as shown:
        real_window.open_file(SAMPLES / "check_then_relookup.rs")
    triage = shown.args[0]
    assert any(p.id == "check-then-relookup" and p.confirmed for p in triage.patterns)
    assert "+++ b/check_then_relookup.rs (direct form)" in real_window.findings.diff.toPlainText()


def test_a_dropped_workaround_is_proven_by_rewrite_in_the_batch(
        qtbot: Any, real_window: MainWindow, tmp_path: Path) -> None:
    # Issue 12: dropped batches get proofs too, so the stored record says "confirmed".
    dropped = tmp_path / "relookup.rs"
    dropped.write_text((SAMPLES / "check_then_relookup.rs").read_text(encoding="utf-8"))
    with qtbot.waitSignal(real_window.batch_finished, timeout=180_000) as finished:
        drop_urls(real_window, [dropped])
    assert finished.args == [1, False]
    case = real_window.cases.model.summary(0).id
    conn = sqlite3.connect(real_window.corpus_path)
    try:
        (record_json,) = conn.execute(
            "SELECT r.record FROM case_records r JOIN cases c ON c.rid = r.rid WHERE c.id = ?",
            (case,)).fetchone()
    finally:
        conn.close()
    record = json.loads(record_json)
    assert any(p["id"] == "check-then-relookup" and p["confirmed"] for p in record["patterns"])


def test_screenshot_mode_renders_a_checked_file(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    code = main(["--screenshot", str(out), "--corpus", str(tmp_path / "c.sqlite3"),
                 str(SAMPLES / "both_reject.rs")])
    assert code == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)


def make_drop_folder(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "get_or_insert.rs").write_text(GET_OR_INSERT)
    (folder / "two_borrows.rs").write_text(TWO_MUTABLE_BORROWS)
    (folder / "clean.rs").write_text(CLEAN)
    (folder / "README.md").write_text("# not Rust\n")
    (folder / "snippets.jsonl").write_text(
        json.dumps({"source": JSONL_CLEAN}) + "\n"
        + json.dumps({"source": JSONL_BOTH_REJECT, "edition": "2018"}) + "\n")
    return sorted(folder.iterdir())


def test_real_drop_triages_labels_and_exports(qtbot: Any, real_window: MainWindow,
                                               tmp_path: Path) -> None:
    window = real_window
    items = make_drop_folder(tmp_path / "drop")
    with qtbot.waitSignal(window.batch_finished, timeout=180_000) as finished:
        drop_urls(window, items)
    assert finished.args == [5, False]
    # batch_finished comes after the corpus thread stored and listed every record.
    model = window.cases.model
    assert model.total() == 5
    verdicts = {model.summary(r).origin: model.summary(r).verdict for r in range(5)}
    drop = tmp_path / "drop"
    assert verdicts == {
        f"{drop / 'get_or_insert.rs'}:1": "polonius-accepts",
        f"{drop / 'two_borrows.rs'}:1": "both-reject",
        f"{drop / 'clean.rs'}:1": "clean",
        f"{drop / 'snippets.jsonl'}:1": "clean",
        f"{drop / 'snippets.jsonl'}:2": "both-reject",
    }
    assert "README.md" in window.notice.message()
    # The bar ends as a per-verdict summary (issue 12), no longer a progress bar.
    assert not window.batch_bar.bar.isVisible() and window.batch_bar.summary.isVisible()
    conn = sqlite3.connect(window.corpus_path)
    try:
        stored = dict(conn.execute("SELECT origin, verdict FROM cases").fetchall())
    finally:
        conn.close()
    assert stored == verdicts

    # A re-drop of the same files is served by the result cache (no timing assertion: the
    # cache holds every record, and reuse itself is tested in tests/checkers/test_cache.py).
    cache = sqlite3.connect(default_cache_path())
    try:
        cached = cache.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    finally:
        cache.close()
    assert cached >= 5
    with qtbot.waitSignal(window.batch_finished, timeout=60_000) as again:
        drop_urls(window, items)
    assert again.args == [5, False]
    assert window.cases.model.total() == 5

    # Label the Polonius case with its number key, straight into the SQLite file.
    row = next(r for r in range(5) if model.summary(r).verdict == "polonius-accepts")
    case = model.summary(row).id
    # (The first stored case may already be on screen: load it explicitly, then select it.)
    with qtbot.waitSignal(window.case_loaded, timeout=10_000):
        window.load_case(case)
    assert window.cases.select_id(case)
    window.cases.table.setFocus()
    with qtbot.waitSignal(window.labels_saved, timeout=10_000) as saved:
        qtbot.keyClick(window.cases.table, Qt.Key.Key_1)
    assert saved.args == [case, ["confirmed-false-positive"]]
    assert labels_in_sqlite(window.corpus_path) == {case: {"confirmed-false-positive"}}

    # The export dialog writes that case as a valid JSONL record.
    dialog = window.export_jsonl_dialog()
    out = tmp_path / "labels.jsonl"
    dialog.path_edit.setText(str(out))
    for i in range(dialog.label_list.count()):
        item = dialog.label_list.item(i)
        if item.text() == "confirmed-false-positive":
            item.setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(window.export_finished, timeout=10_000) as exported:
        dialog.export_button.click()
    assert exported.args == [1, str(out)]
    (line,) = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert jsonl.validate_record(record) is None
    assert (record["id"], record["verdict"]) == (case, "polonius-accepts")


def test_real_drop_model_passes_qtmodeltester(qtbot: Any, qtmodeltester: Any,
                                              real_window: MainWindow, tmp_path: Path) -> None:
    with qtbot.waitSignal(real_window.batch_finished, timeout=180_000):
        real_window.triage_paths(make_drop_folder(tmp_path / "drop"))
    assert real_window.cases.model.total() == 5
    qtmodeltester.check(real_window.cases.model)
    qtmodeltester.check(real_window.cases.proxy)


def test_cancel_ends_the_batch_process(qtbot: Any, real_window: MainWindow,
                                       tmp_path: Path) -> None:
    import multiprocessing

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(200):
        (folder / f"f{n:03d}.rs").write_text(f"pub fn f{n}(v: &mut Vec<u32>) {{ v.push({n}); }}\n")
    with qtbot.waitSignal(real_window.batch_started, timeout=60_000):
        real_window.triage_paths([folder])
    assert [p.name for p in multiprocessing.active_children()] == ["ptriage-batch"]
    with qtbot.waitSignal(real_window.batch_finished, timeout=30_000) as finished:
        real_window.cancel_batch()
    triaged, cancelled = finished.args
    assert cancelled and triaged < 200
    qtbot.waitUntil(lambda: not multiprocessing.active_children(), timeout=10_000)


def test_a_dropped_workspace_is_audited_with_package_origins_and_a_report(
        qtbot: Any, real_window: MainWindow) -> None:
    workspace = Path(__file__).resolve().parents[2] / "data" / "workspaces" / "mixed"
    with qtbot.waitSignal(real_window.batches.workspace_dropped, timeout=5000):
        drop_urls(real_window, [workspace])
    with qtbot.waitSignal(real_window.batches.audit_finished, timeout=600_000) as finished:
        real_window._workspace_dialog.audit_button.click()
    count, report = finished.args
    assert count >= 5
    model = real_window.cases.model
    origins = {model.summary(r).origin for r in range(model.total())}
    assert "wscore/src/cache.rs:1" in origins
    summaries = {model.summary(r).origin: model.summary(r) for r in range(model.total())}
    assert "check-then-relookup" in summaries["wscore/src/cache.rs:1"].patterns
    assert Path(report).is_file() and "<html" in Path(report).read_text(encoding="utf-8").lower()
    bar = real_window.batch_bar
    assert bar.action.isVisible() and bar.action.text() == "Open report"
    assert bar.title.text().startswith("Audited mixed:")
    # legacy Polonius was not needed on wscore: its column says so, the banner's compiler
    # line does not claim it ran
    cache_id = summaries["wscore/src/cache.rs:1"].id
    with qtbot.waitSignal(real_window.view.case_loaded, timeout=10_000,
                          check_params_cb=lambda cid: cid == cache_id):
        real_window.load_case(cache_id)
    legacy = real_window.roles.columns["polonius-legacy"].status.text()
    assert legacy == "skipped: not needed: NLL and Polonius alpha accept all of wscore"
    versions = real_window.banner.versions_label.text()
    assert versions.startswith("stable/polonius: rustc ") and "legacy" not in versions
    # it ran on wsleaf, where NLL rejects
    lookup_id = summaries["wsleaf/src/lookup.rs:1"].id
    with qtbot.waitSignal(real_window.view.case_loaded, timeout=10_000,
                          check_params_cb=lambda cid: cid == lookup_id):
        real_window.load_case(lookup_id)
    assert real_window.roles.columns["polonius-legacy"].status.text().startswith("accepted")


def test_without_a_sandbox_a_dropped_workspace_asks_before_running_its_code(
        qtbot: Any, real_window: MainWindow, monkeypatch: Any, tmp_path: Path) -> None:
    """The issue's workspace trust: no sandbox, so the build scripts and proc macros an audit
    would run are named in a dialog; Cancel runs nothing, "Run them" audits."""
    from checkers import sandbox

    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "cache"))  # no cached result
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "none")
    sandbox.reset_detection()
    try:
        workspace = Path(__file__).resolve().parents[2] / "data" / "workspaces" / "mixed"
        batches = real_window.batches

        def ask() -> Any:
            with qtbot.waitSignal(batches.workspace_dropped, timeout=5000):
                drop_urls(real_window, [workspace])
            with qtbot.waitSignal(batches.audit_finished, timeout=60_000) as refused:
                real_window._workspace_dialog.audit_button.click()
            assert refused.args == [0, ""]
            dialog = batches.trust_dialog
            assert dialog is not None and dialog.isVisible()
            return dialog

        dialog = ask()
        named = [dialog.code.item(i).text() for i in range(dialog.code.count())]
        assert named == ["wsbuild (build script)", "wsmacros (proc macro)"]
        assert dialog.cancel_button.isDefault() and not dialog.run_button.isDefault()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter is Cancel: it never runs the code
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
        assert real_window.cases.model.total() == 0
        assert "was not audited" in real_window.statusBar().currentMessage()

        dialog = ask()
        with qtbot.waitSignal(batches.audit_finished, timeout=600_000) as finished:
            dialog.run_button.click()
        assert finished.args[0] >= 5
        assert batches.last_audit.sandbox == "none"
        assert real_window.batch_bar.title.text().startswith("Audited mixed: 11 files (no sandbox")
        origins = {real_window.cases.model.summary(r).origin
                   for r in range(real_window.cases.model.total())}
        assert "wsleaf/src/lookup.rs:1" in origins
    finally:
        monkeypatch.delenv(sandbox.SANDBOX_ENV)
        sandbox.reset_detection()


def test_the_drop_dialog_can_ask_legacy_polonius_to_check_every_package(
        qtbot: Any, real_window: MainWindow, monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    workspace = Path(__file__).resolve().parents[2] / "data" / "workspaces" / "mixed"
    with qtbot.waitSignal(real_window.batches.workspace_dropped, timeout=5000):
        drop_urls(real_window, [workspace])
    dialog = real_window._workspace_dialog
    assert not dialog.corroborate_all.isChecked()  # the default: only where needed
    dialog.corroborate_all.setChecked(True)
    with qtbot.waitSignal(real_window.batches.audit_finished, timeout=600_000):
        dialog.audit_button.click()
    result = real_window.batches.last_audit
    assert result.roles["polonius-legacy"].packages == {
        "wsbuild": "ok", "wscore": "ok", "wsleaf": "ok", "wsmacros": "ok"}
