"""`polonius-triage`: start the GUI, or render a screenshot of it (--screenshot OUT.png [FILE])."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

STARTED = time.perf_counter()
SCREENSHOT_TIMEOUT_S = 120.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polonius-triage",
        description="Triage Rust code under stable NLL and nightly Polonius; label cases.")
    parser.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="a Rust file to open and check")
    parser.add_argument("--corpus", type=Path, metavar="PATH",
                        help="corpus file (default: the last one used, else corpus.sqlite3 in "
                             "the user data dir or $PTRIAGE_DATA_DIR)")
    parser.add_argument("--screenshot", type=Path, metavar="OUT.png",
                        help="render the window (offscreen) with FILE checked, save it, and exit")
    parser.add_argument("--size", default="1440x900", metavar="WxH",
                        help="window size for --screenshot (default 1440x900)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.file is not None and not args.file.is_file():
        print(f"polonius-triage: {args.file}: no such file", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication

    from app.gui.compat import pin_singletons_if_pyside_leaks

    pin_singletons_if_pyside_leaks()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Polonius Triage")
    app.setOrganizationName("polonius-triage")

    from app.gui import settings
    from app.gui.window import MainWindow

    window = MainWindow(corpus_path=args.corpus)
    if args.screenshot is not None:
        return _screenshot(app, window, args.screenshot, args.file, args.size)
    first_launch = not settings.read_str("first_launch_done")
    if args.file is not None:
        window.open_file(args.file)
    window.show()
    if first_launch and args.file is None:
        settings.write("first_launch_done", "1")
        window.corpus_opened.connect(lambda _p: window.open_samples()
                                     if window.cases.model.total() == 0 else None)
    return int(app.exec())


def _screenshot(app: object, window: object, out: Path, file: Path | None, size: str) -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.window import MainWindow

    assert isinstance(window, MainWindow)
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        print(f"polonius-triage: --size {size!r}: use WIDTHxHEIGHT, e.g. 1440x900", file=sys.stderr)
        return 2
    window.resize(width, height)
    loop = QEventLoop()
    waiting = {"corpus"}
    if file is not None:
        waiting.add("check")

    def done(what: str) -> None:
        waiting.discard(what)
        if not waiting:
            loop.quit()

    window.corpus_opened.connect(lambda _p: done("corpus"))
    window.triage_shown.connect(lambda _t: done("check"))
    window.live.check_failed.connect(lambda _m: done("check"))
    window.corpus_failed.connect(lambda _m: done("corpus"))
    if file is not None and not window.open_file(file):
        waiting.discard("check")
    window.show()
    QTimer.singleShot(int(SCREENSHOT_TIMEOUT_S * 1000), loop.quit)
    if waiting:
        loop.exec()
    # Let the corpus thread finish what the check queued (the stored-case lookup), then paint.
    window.db.run(lambda _corpus: None, lambda _none: loop.quit(), lambda _m: loop.quit())
    loop.exec()
    QApplication.processEvents()
    ok = window.grab().save(str(out))
    window.close()
    if not ok:
        print(f"polonius-triage: cannot write {out}", file=sys.stderr)
        return 1
    if waiting:
        print(f"polonius-triage: still waiting for {', '.join(sorted(waiting))} after "
              f"{SCREENSHOT_TIMEOUT_S:.0f} s; the screenshot shows that state", file=sys.stderr)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
