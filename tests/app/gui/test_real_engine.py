"""The window with the real engine and rustc toolchains: verdicts, re-checks, screenshot mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from app.gui.main import main
from app.gui.window import SAMPLES, MainWindow

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
    # Make the conflict real: keep `value` alive across the insert.
    editor = window.editor
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
    assert "+++ b/snippet.rs (direct form)" in real_window.findings.diff.toPlainText()


def test_screenshot_mode_renders_a_checked_file(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    code = main(["--screenshot", str(out), "--corpus", str(tmp_path / "c.sqlite3"),
                 str(SAMPLES / "both_reject.rs")])
    assert code == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)
