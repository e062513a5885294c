"""Guards against defects of specific PySide6 releases (measured at run time, never assumed)."""

from __future__ import annotations

import ctypes
import sys
import threading

from PySide6.QtCore import QObject, Signal

#: Far more references than a process can ever drop: the singletons can no longer reach zero.
_PIN = 1 << 40
_PROBE_CALLS = 32
_lock = threading.Lock()
_done: list[bool] = []


class _Probe(QObject):
    fired = Signal()


def _refcount_loss() -> tuple[int, int]:
    """References lost on None by a void Qt call and on True by an emit, over the probe."""
    probe = _Probe()
    none_before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
    none_lost = none_before - sys.getrefcount(None)
    true_before = sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.fired.emit()
    true_lost = true_before - sys.getrefcount(True)
    return none_lost, true_lost


def pin_singletons_if_pyside_leaks() -> bool:
    """Work around PySide6 releases that drop references to None/True/False on Python < 3.12.

    PySide6 6.12.0 on CPython 3.11 returns ``None`` from every void method and ``True`` from
    ``Signal.emit`` without taking a reference (as if they were immortal, which they are only
    from 3.12). A few thousand calls then end in "Fatal Python error: none_dealloc". When the
    probe sees that loss, the three singletons get a huge reference count, which is what 3.12
    does for every build. Idempotent; returns True when the guard is active.
    """
    with _lock:
        if _done:
            return _done[0]
        active = False
        if sys.version_info < (3, 12):
            none_lost, true_lost = _refcount_loss()
            if none_lost >= _PROBE_CALLS // 2 or true_lost >= _PROBE_CALLS // 2:
                for singleton in (None, True, False):
                    ctypes.c_ssize_t.from_address(id(singleton)).value += _PIN
                active = True
        _done.append(active)
        return active
