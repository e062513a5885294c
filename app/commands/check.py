"""`ptriage check PATH... | -`: check files under every role and print what Polonius changes."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from checkers.errors import InputError
from checkers.model import DEFAULT_EDITION, EDITIONS, ROLES, Triage
from checkers.toolchains import Toolchains, load_toolchains

_ROLE_TITLES = {
    "stable": "stable (NLL)",
    "polonius": "polonius (next)",
    "polonius-legacy": "polonius-legacy",
    "nightly": "nightly (control)",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check",
        help="check Rust files (or - for stdin) under NLL and Polonius",
        description="Check each input under the stable borrow checker, Polonius alpha "
        "(-Zpolonius=next), legacy Polonius and the nightly control, and say what Polonius "
        "changes. Exit 0 when every input ran (whatever the verdicts), 2 for bad input or "
        "usage, 3 when the stable or polonius toolchain cannot run.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a .rs file, or - for stdin")
    parser.add_argument("--json", action="store_true", help="one JSON record per input")
    parser.add_argument("--edition", default=None, choices=EDITIONS,
                        help=f"Rust edition (default: a `//@ edition:` header, else {DEFAULT_EDITION})")
    parser.add_argument("--toolchains", type=Path, metavar="FILE",
                        help="toolchains.toml to use instead of the user's or the default")
    parser.add_argument("--no-patterns", action="store_true",
                        help="skip workaround/epoch detection")
    parser.add_argument("--no-confirm", action="store_true",
                        help="detect workarounds but do not prove them by rewriting")
    parser.add_argument("--force", action="store_true",
                        help="check files whose name does not end in .rs (refused otherwise, "
                             "as `scan` does)")
    add_cfg_options(parser)
    parser.set_defaults(func=run)


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """--cfg-test and --features (shared with `scan`): compile what cfg would otherwise remove."""
    parser.add_argument("--cfg-test", action="store_true",
                        help="compile as `cargo test` does (rustc --test): #[cfg(test)] code and "
                             "#[test] functions are checked instead of `not-compiled`")
    parser.add_argument("--features", metavar="A,B", action="append", default=None,
                        help="set cfg feature=\"A\" (comma-separated, repeatable) so "
                             "#[cfg(feature = …)] code is checked instead of `not-compiled`")


def _load(args: argparse.Namespace) -> Toolchains:
    return load_toolchains(args.toolchains)


def run(args: argparse.Namespace) -> int:
    from app.cli import EXIT_TOOLCHAIN, EXIT_USAGE
    from checkers.cfg import parse_features
    from checkers.engine import check_file
    from checkers.toolchains import doctor_report

    toolchains = _load(args)
    if not toolchains.runnable:
        print(doctor_report(toolchains), file=sys.stderr)
        print("ptriage: the stable or polonius toolchain cannot run; see the fix above",
              file=sys.stderr)
        return EXIT_TOOLCHAIN
    if args.paths.count("-") > 1:
        print("ptriage: stdin (-) can be given only once", file=sys.stderr)
        return EXIT_USAGE
    status = 0
    # Ctrl-C (or SIGTERM/SIGHUP, see app.cli) sets this: every running rustc is killed at once
    # instead of running on until its timeout while the interpreter waits for it.
    cancel = threading.Event()
    for path in args.paths:
        if not args.force and not_rust(path):
            print(f"ptriage: {path}: not a .rs file (pass --force to check it as Rust anyway)",
                  file=sys.stderr)
            status = EXIT_USAGE
            continue
        try:
            triage = check_file(path, edition=args.edition, toolchains=toolchains, cancel=cancel,
                                patterns=not args.no_patterns,
                                confirm=not args.no_patterns and not args.no_confirm,
                                cfg_test=args.cfg_test, features=parse_features(args.features))
        except InputError as exc:
            print(f"ptriage: {exc}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        except BaseException:
            cancel.set()
            raise
        if args.json:
            sys.stdout.write(json.dumps(triage.to_record(), ensure_ascii=False) + "\n")
        else:
            print_triage(triage, path=path, out=sys.stdout)
        sys.stdout.flush()
    return status


def not_rust(path: str) -> bool:
    """A named file that is not ``.rs`` (stdin and directories get their own messages)."""
    return path != "-" and not path.endswith(".rs") and not Path(path).is_dir()


def _first_other_error(triage: Triage) -> tuple[str, Any] | None:
    """The earliest (by line, column) error that is not a borrow-check error, in the first role
    that reports one, and that role."""
    for role in ROLES:
        result = triage.checks.get(role)
        if result is None or not result.ok:
            continue
        others = [d for d in result.errors if not d.borrowck]
        if others:
            # rustc emits in pass order (macro expansion, resolution, typeck), not text order.
            return role, min(others, key=lambda d: (d.line is None, d.line or 0, d.column or 0))
    return None


def _role_cell(triage: Triage, role: str) -> str:
    result = triage.checks.get(role)
    if result is None:
        return "-"
    if not result.ok:
        return result.status.upper()
    if result.accepted:
        return "accept"
    codes = sorted({d.code or "(no code)" for d in result.errors})
    return "reject " + ",".join(codes)


def print_triage(triage: Triage, *, path: str, out: TextIO) -> None:
    """The readable table: verdict, each role's outcome, what Polonius removed, per function."""
    extra = []
    if triage.verdict in ("polonius-accepts", "needs-full-polonius", "both-reject", "clean",
                          "partial-fix", "regression"):
        extra.append("corroborated" if triage.corroborated else "NOT corroborated")
    if triage.drift:
        extra.append("DRIFT")
    suffix = f"  ({', '.join(extra)})" if extra else ""
    out.write(f"{path}: {triage.verdict}{suffix}\n")
    if triage.reason:
        out.write(f"  {triage.reason}\n")
    width = max(len(t) for t in _ROLE_TITLES.values())
    for role in ROLES:
        result = triage.checks.get(role)
        if result is None:
            continue
        version = result.rustc or "-"
        out.write(f"  {_ROLE_TITLES[role]:<{width}}  {_role_cell(triage, role):<24} "
                  f"{result.elapsed_ms:>5} ms  {version}\n")
        if not result.ok and result.error:
            out.write(f"  {'':<{width}}  {result.error}\n")
    if triage.diff:
        changed = any(d.change != "kept" for d in triage.diff)
        title = "what Polonius changes" if changed else "Polonius changes nothing"
        out.write(f"  {title} (= kept, - removed, + added; line:column):\n")
        for d in triage.diff:
            diag = d.diagnostic
            sign = {"removed": "-", "kept": "=", "added": "+"}[d.change]
            where = f"{diag.line}:{diag.column}" if diag.line is not None else "?"
            out.write(f"    {sign} {d.change:<7} {diag.code or '':<6} {where:<8} {diag.message}\n")
    other = _first_other_error(triage)
    if other is not None:
        role, diag = other
        where = f"{diag.line}:{diag.column}" if diag.line is not None else "?"
        out.write(f"  first error that is not borrow-check ({_ROLE_TITLES[role]}): "
                  f"{diag.code or '(no code)'} {where} {diag.message}\n")
    interesting = [f for f in triage.functions if f.verdict != "clean"]
    if interesting:
        out.write("  functions:\n")
        for fn in interesting:
            why = f" ({fn.reason})" if fn.reason else ""
            out.write(f"    {fn.name} (lines {fn.line}-{fn.end_line}): {fn.verdict}{why}\n")
    findings: list[Any] = [*triage.patterns, *triage.epochs]
    if findings:
        out.write("  patterns:\n")
        from checkers.patterns import status_text

        for finding in findings:
            # Only proven findings are called workarounds; the rest say "not proven" and why.
            reason = f": {finding.reason}" if finding.reason else ""
            out.write(f"    {finding.id} ({finding.cls}) lines {finding.line}-{finding.end_line}"
                      f" [{status_text(finding)}]{reason}\n")
    for note in triage.notes:
        out.write(f"  note: {note}\n")
