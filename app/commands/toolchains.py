"""`ptriage toolchains`: the doctor: each role's binary, version, flags, status and fix."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "toolchains",
        help="show the toolchain matrix and what is missing (exit 3 if stable/polonius can't run)",
        description="Resolve every role of toolchains.toml on this machine and report it. "
        "Exit 3 when the stable baseline or the polonius candidate cannot run.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    parser.add_argument("--toolchains", type=Path, metavar="FILE",
                        help="toolchains.toml to use instead of the user's or the default")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.cli import EXIT_OK, EXIT_TOOLCHAIN
    from checkers.toolchains import doctor, doctor_report, load_toolchains

    toolchains = load_toolchains(args.toolchains)
    if args.json:
        sys.stdout.write(json.dumps(doctor(toolchains), indent=2) + "\n")
    else:
        sys.stdout.write(doctor_report(toolchains) + "\n")
    return EXIT_OK if toolchains.runnable else EXIT_TOOLCHAIN
