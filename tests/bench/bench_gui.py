"""GUI benchmark: process start → first paint, the longest UI stall while 500 files triage, and
how soon the first row of a drop appears (small first units vs the engine's default units).

Run: .venv/bin/python tests/bench/bench_gui.py [--files 500] [--first-row-files 60]
Targets: first paint < 2 s; longest UI-thread stall < 100 ms (10 ms timer heartbeat), both for
the first drop of the folder and for a re-drop (served by the result cache); first row of an
uncached drop within 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "data" / "examples"

CHILD = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and type(obj).__name__ == "MainWindow":
            print("FIRST_PAINT", time.time(), flush=True)
            app.removeEventFilter(self)
            app.quit()
        return False

spy = FirstPaint()
app.installEventFilter(spy)
from app.gui.main import main
main(["--corpus", sys.argv[1]])
"""


def first_paint(corpus: Path, env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, str(corpus)], env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=120, check=True).stdout
        stamp = next(float(line.split()[1]) for line in out.splitlines()
                     if line.startswith("FIRST_PAINT"))
        times.append(stamp - start)
    return times


def make_folder(folder: Path, count: int) -> None:
    sources = sorted(EXAMPLES.glob("*/*.rs")) + sorted((REPO / "resources" / "samples").glob("*.rs"))
    texts = [p.read_text(encoding="utf-8") for p in sources
             if "epoch" not in str(p) and "2015" not in p.name]
    stamp = time.time_ns()
    for n in range(count):
        # A unique comment per file defeats the result cache: every file really runs rustc.
        body = f"// bench {stamp} file {n}\n" + texts[n % len(texts)]
        (folder / f"case_{n:04d}.rs").write_text(body, encoding="utf-8")


def stall_during_batches(folder: Path, corpus: Path, rounds: int) -> list[dict[str, Any]]:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.gui.window import MainWindow

    window = MainWindow(corpus_path=corpus)
    window.resize(1440, 900)
    window.show()
    loop = QEventLoop()
    window.corpus_opened.connect(loop.quit)
    loop.exec()
    results = [stall_during_batch(window, loop, folder) for _ in range(rounds)]
    window.close()
    app.processEvents()
    return results


def stall_during_batch(window: Any, loop: Any, folder: Path) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, QTimer

    gaps: list[float] = []
    when: list[float] = []
    clock = QElapsedTimer()
    heartbeat = QTimer()
    heartbeat.setInterval(10)

    def tick() -> None:
        gaps.append(clock.nsecsElapsed() / 1e6)
        when.append(time.perf_counter() - started)
        clock.restart()

    started = time.perf_counter()
    heartbeat.timeout.connect(tick)
    result: dict[str, Any] = {}

    def first_row(*_args: Any) -> None:
        result.setdefault("first_row_s", time.perf_counter() - started)

    window.cases.model.rowsInserted.connect(first_row)
    window.cases.model.modelReset.connect(first_row)

    def finished(count: int, cancelled: bool) -> None:
        result["triaged"] = count
        loop.quit()

    window.batch_finished.connect(finished)
    clock.start()
    heartbeat.start()
    window.triage_paths([folder])
    loop.exec()
    # Drain the corpus writes the batch queued, still measuring.
    window.db.run(lambda _c: None, lambda _n: loop.quit())
    loop.exec()
    heartbeat.stop()
    elapsed = time.perf_counter() - started
    rows = window.cases.model.total()
    window.batch_finished.disconnect(finished)
    window.cases.model.rowsInserted.disconnect(first_row)
    window.cases.model.modelReset.disconnect(first_row)
    # The heartbeat interval itself is 10 ms: the stall is what exceeds it.
    stalls = [g - 10.0 for g in gaps[1:]]
    worst = sorted(zip(stalls, when[1:], strict=True), reverse=True)[:3]
    result["worst"] = ", ".join(f"{stall:.0f} ms at {at:.1f} s" for stall, at in worst)
    result.update(seconds=elapsed, rows=rows, ticks=len(gaps), max_stall_ms=max(stalls),
                  p99_stall_ms=statistics.quantiles(stalls, n=100, method="inclusive")[98],
                  median_gap_ms=statistics.median(gaps))
    return result


def first_rows(base: Path, files: int) -> dict[str, dict[str, Any]]:
    """The same uncached drop with small first units (the GUI's default) and without."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from app.gui.window import MainWindow

    out: dict[str, dict[str, Any]] = {}
    for name, small_first in (("default units", False), ("small first units", True)):
        folder = base / f"first-{name.split()[0]}"
        folder.mkdir()
        make_folder(folder, files)
        window = MainWindow(corpus_path=base / f"first-{name.split()[0]}.sqlite3")
        window.batches.small_first = small_first
        window.resize(1440, 900)
        window.show()
        loop = QEventLoop()
        window.corpus_opened.connect(loop.quit)
        loop.exec()
        out[name] = stall_during_batch(window, loop, folder)
        window.close()
        app.processEvents()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="first-paint runs")
    parser.add_argument("--first-row-files", type=int, default=60,
                        help="files per drop for the first-row comparison (0 skips it)")
    parser.add_argument("--only-first-row", action="store_true",
                        help="run only the first-row comparison")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="ptriage-bench-") as tmp:
        base = Path(tmp)
        for var in ("PTRIAGE_DATA_DIR", "PTRIAGE_CACHE_DIR", "PTRIAGE_CONFIG_DIR"):
            (base / var).mkdir()
            os.environ[var] = str(base / var)
        (base / "PTRIAGE_CONFIG_DIR" / "gui.ini").write_text("[General]\nfirst_launch_done=1\n")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        corpus = base / "corpus.sqlite3"
        if args.first_row_files:
            compared = first_rows(base, args.first_row_files)
            default, small = compared["default units"], compared["small first units"]
            print(f"first row of an uncached drop of {args.first_row_files} files "
                  f"({os.cpu_count()} CPUs): default units {default['first_row_s']:.2f} s, "
                  f"small first units {small['first_row_s']:.2f} s "
                  f"(ratio {default['first_row_s'] / small['first_row_s']:.1f}x sooner); whole "
                  f"drop {default['seconds']:.1f} s vs {small['seconds']:.1f} s  [target < 2 s: "
                  f"{'OK' if small['first_row_s'] < 2 else 'MISSED'}]")
            if args.only_first_row:
                return 0
        paints = first_paint(corpus, env, args.runs)
        print(f"first paint (process start → first paint of the main window, {args.runs} runs): "
              f"min {min(paints):.3f} s, median {statistics.median(paints):.3f} s, "
              f"max {max(paints):.3f} s  [target < 2 s: "
              f"{'OK' if max(paints) < 2 else 'MISSED'}]")
        folder = base / "folder"
        folder.mkdir()
        make_folder(folder, args.files)
        rounds = stall_during_batches(folder, corpus, 2)
        for name, stats in zip(("first drop", "re-drop (cached)"), rounds, strict=True):
            print(f"{name}: {int(stats['triaged'])} files triaged in {stats['seconds']:.1f} s "
                  f"({stats['triaged'] / stats['seconds']:.1f} files/s, {os.cpu_count()} CPUs), "
                  f"{int(stats['rows'])} rows in the case list")
            print(f"  UI heartbeat (10 ms timer, {int(stats['ticks'])} ticks): longest stall "
                  f"{stats['max_stall_ms']:.1f} ms, p99 {stats['p99_stall_ms']:.1f} ms, median gap "
                  f"{stats['median_gap_ms']:.1f} ms  [target < 100 ms: "
                  f"{'OK' if stats['max_stall_ms'] < 100 else 'MISSED'}]")
            print(f"  worst stalls: {stats['worst']}")
        print(json.dumps({"first_paint_s": paints, "drops": rounds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
