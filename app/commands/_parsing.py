"""Argument parsing shared by subcommands: options anywhere, errors with the subcommand's usage."""

from __future__ import annotations

import argparse
import os
from typing import Any


class _IntermixedParsing(argparse.ArgumentParser):
    """Options anywhere among the positionals (``label ID --remove L``), and leftovers reported
    with this subcommand's usage (``usage: ptriage label …``) rather than the top-level one."""

    _intermixing = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._intermixing:
            # parse_known_intermixed_args parses in two passes through this very method.
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            parsed, extras = self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def intermixed(parser: argparse.ArgumentParser) -> None:
    """Give one subcommand's parser argparse's intermixed parsing and its own usage errors."""
    # The subparsers action builds every parser from one class (the CLI's): keep that class
    # (its error format and exit code) and add intermixed parsing on top.
    if isinstance(parser, _IntermixedParsing):
        return
    parser.__class__ = type(f"Intermixed{type(parser).__name__}",
                            (_IntermixedParsing, type(parser)), {})


def max_jobs() -> int:
    """The most parallel jobs `--jobs` takes: 4 × the CPUs (rustc and cargo are CPU-bound, so
    more only queues work and memory, and a typo such as 100000 would start that many workers)."""
    return 4 * (os.cpu_count() or 1)


def jobs_problem(jobs: int | None) -> str | None:
    """Why ``--jobs N`` is refused (one line, with what to pass instead), or None."""
    if jobs is None:
        return None
    if jobs < 1:
        return "--jobs must be at least 1"
    cap = max_jobs()
    if jobs > cap:
        return (f"--jobs {jobs} is more than {cap} (4 × the {os.cpu_count() or 1} CPUs here); "
                f"pass --jobs {cap} or fewer")
    return None
