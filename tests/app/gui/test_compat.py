"""The PySide6 reference-count guard: many Qt calls and emits must not crash the interpreter."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.compat import pin_singletons_if_pyside_leaks


class _Source(QObject):
    pinged = Signal(int)


def test_many_void_calls_and_emits_survive(qapp: Any, qtbot: Any) -> None:
    pin_singletons_if_pyside_leaks()
    source = _Source()
    got: list[int] = []
    source.pinged.connect(got.append)
    # Far more than None's or True's reference count at start-up (a few thousand).
    for n in range(50_000):
        source.setObjectName("x")
        source.pinged.emit(n)
    worker = threading.Thread(target=lambda: [source.pinged.emit(n) for n in range(20_000)])
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(got) == 70_000, timeout=20_000)
