"""GUI test setup: offscreen Qt, a thread-leak guard, a deterministic engine double, a window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QThread, QThreadPool

from checkers.errors import CancelledError
from checkers.model import (
    ROLES,
    CheckResult,
    Diagnostic,
    DiagnosticDiff,
    Finding,
    FunctionVerdict,
    Triage,
    case_id,
)

ENGINE_POOL_PREFIX = "ptriage-rustc"


@pytest.fixture(scope="session", autouse=True)
def _pyside_refcount_guard() -> None:
    """The app applies this guard at startup; tests that build widgets directly need it too."""
    from app.gui.compat import pin_singletons_if_pyside_leaks

    pin_singletons_if_pyside_leaks()


@pytest.fixture(autouse=True)
def _no_leaked_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a QThread or Python thread running (napari's guard).

    pytest-qt closes the test's widgets before fixture teardown, so the window's shutdown has
    already run when this checks.
    """
    before = set(threading.enumerate())
    started: list[QThread] = []
    original = QThread.start

    def tracking_start(self: QThread, *args: Any) -> None:
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(QThread, "start", tracking_start)
    yield
    leaked_qt = [t for t in started if shiboken6.isValid(t) and t.isRunning()]
    # Threads Qt started that ran Python code show up as _DummyThread forever; the engine's
    # shared, bounded rustc pool lives for the process by design. Neither is a leak.
    leaked_py = [t for t in threading.enumerate()
                 if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
                 and not t.name.startswith(ENGINE_POOL_PREFIX)]
    active = QThreadPool.globalInstance().activeThreadCount()
    if leaked_qt or leaked_py or active:
        for thread in leaked_qt:
            thread.quit()
            thread.wait(5000)
        pytest.fail(f"test leaked threads: QThreads {leaked_qt}, Python threads "
                    f"{[t.name for t in leaked_py]}, global pool active {active}")


# -- a deterministic engine double: the real engine is exercised by @toolchains tests ----------

NIGHTLY = "1.97.0-nightly (e50aa6fba 2026-05-19)"
STABLE = "1.95.0 (59807616e 2026-04-14)"
E0499 = Diagnostic(code="E0499", level="error",
                   message="cannot borrow `*map` as mutable more than once at a time",
                   borrowck=True, line=2, column=5, end_line=2, end_column=8)


def fake_triage(source: str, *, edition: str = "2021",
                origin: dict[str, Any] | None = None) -> Triage:
    """REJECT in the source → both-reject, ACCEPT → polonius-accepts, else clean;
    WORKAROUND adds a confirmed pattern with a rewrite."""
    if "REJECT" in source:
        verdict, rejecting = "both-reject", set(ROLES)
    elif "ACCEPT" in source:
        verdict, rejecting = "polonius-accepts", {"stable", "nightly"}
    else:
        verdict, rejecting = "clean", set()
    checks = {
        role: CheckResult(role=role, status="ok", accepted=role not in rejecting,
                          diagnostics=(E0499,) if role in rejecting else (),
                          rustc=STABLE if role == "stable" else NIGHTLY, elapsed_ms=40)
        for role in ROLES
    }
    diff: tuple[DiagnosticDiff, ...] = ()
    if verdict == "polonius-accepts":
        diff = (DiagnosticDiff("removed", E0499),)
    elif verdict == "both-reject":
        diff = (DiagnosticDiff("kept", E0499),)
    patterns: tuple[Finding, ...] = ()
    if "WORKAROUND" in source:
        patterns = (Finding(id="check-then-relookup", kind="pattern", cls="P3", line=1, column=1,
                            end_line=2, end_column=4, confirmed=True, reason="direct form compiles",
                            rewrite=source.replace("WORKAROUND", "DIRECT")),)
    lines = source.count("\n") + 1
    return Triage(id=case_id(source, edition), source=source, edition=edition, checks=checks,
                  verdict=verdict, corroborated=True, drift=False, reason="fake engine",
                  diff=diff, functions=(FunctionVerdict("f", 1, lines, verdict),),
                  patterns=patterns, origin=origin)


class FakeEngine:
    """Stands in for checkers.engine.check_source in tests that do not need rustc."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.gate: threading.Event | None = None
        self.lock = threading.Lock()

    def __call__(self, source: str, *, edition: str, origin: dict[str, Any] | None,
                 cancel: threading.Event) -> Triage:
        with self.lock:
            self.calls.append(source)
        if self.gate is not None:
            # Block until the test opens the gate or the GUI cancels (no wall-clock sleep).
            while not self.gate.wait(0.01):
                if cancel.is_set():
                    raise CancelledError("cancelled")
        return fake_triage(source, edition=edition, origin=origin)


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.sqlite3"


@pytest.fixture
def window(qtbot: Any, fake_engine: FakeEngine, corpus_path: Path) -> Any:
    from app.gui.window import MainWindow

    # The corpus opens on the DB thread; its result is queued, so connecting after is safe.
    win = MainWindow(corpus_path=corpus_path, check=fake_engine, probe_toolchains=False)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.corpus_opened, timeout=10_000):
        pass
    return win
