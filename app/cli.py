"""The `ptriage` command line: discovers subcommands in app.commands and maps errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

import app.commands
from checkers.errors import CheckerError, ConfigError, InputError, ToolchainError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_TOOLCHAIN = 3

#: The first stop signal received (SIGINT, SIGTERM, SIGHUP), or None.
_stop_signal: int | None = None


def _on_stop_signal(signum: int, frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP take Ctrl-C's path: KeyboardInterrupt in the main thread cancels the
    work, and the cancel kills every rustc process tree. A second signal exits at once
    (children die with us: bubblewrap's --die-with-parent, PR_SET_PDEATHSIG otherwise)."""
    global _stop_signal
    if _stop_signal is not None:
        os._exit(128 + _stop_signal)
    _stop_signal = signum
    raise KeyboardInterrupt


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP) if sys.platform != "win32" else ()


def install_signal_handlers() -> dict[int, Any]:
    """Stop on SIGINT even when it arrives at this process alone (a background job of a script
    inherits SIGINT ignored, which `kill -INT PID` and `timeout -s INT` then could not reach),
    on SIGTERM, and on SIGHUP unless the user ignored it on purpose (`nohup`). Returns the
    previous handlers (``main`` restores them: tests call it in-process)."""
    global _stop_signal
    _stop_signal = None
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for signum in _STOP_SIGNALS:
        old = signal.getsignal(signum)
        if signum == signal.SIGHUP and old is signal.SIG_IGN:
            continue
        previous[signum] = old
        signal.signal(signum, _on_stop_signal)
    return previous


def stop_exit_code() -> int:
    """128 + the signal that stopped us (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + (_stop_signal if _stop_signal is not None else signal.SIGINT)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ptriage",
        description="Triage Rust code under stable NLL and nightly Polonius.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(app.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"app.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    # Every subcommand: options anywhere among its positionals, errors with its own usage.
    from app.commands._parsing import intermixed

    for choice in sub.choices.values():
        intermixed(choice)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = install_signal_handlers()
    try:
        code = int(args.func(args))
        # A command that handled the interrupt itself (scan writes its summary) still exits
        # with the code of the signal that stopped it.
        return stop_exit_code() if _stop_signal is not None else code
    except (InputError, ConfigError) as exc:
        print(f"ptriage: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ToolchainError as exc:
        print(f"ptriage: {exc}", file=sys.stderr)
        return EXIT_TOOLCHAIN
    except CheckerError as exc:
        print(f"ptriage: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ptriage: interrupted", file=sys.stderr)
        return stop_exit_code()
    except BrokenPipeError:
        return EXIT_OK
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
