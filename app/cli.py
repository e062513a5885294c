"""The `ptriage` command line: discovers subcommands in app.commands and maps errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import app.commands
from checkers.errors import CheckerError, ConfigError, InputError, ToolchainError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_TOOLCHAIN = 3


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
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
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
