"""`ptriage patterns PATH... | --list`: find NLL workarounds and outdated idioms, optionally prove them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from checkers.model import DEFAULT_EDITION, EDITIONS, Finding, Triage


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "patterns",
        help="find NLL workaround patterns and outdated-idiom markers",
        description="Detect code written around NLL borrow-checker limitations (and idioms from "
        "older Rust epochs) with tree-sitter. A workaround finding is a candidate (\"possible "
        "workaround, not proven\") until --confirm rewrites it back to its direct form and the "
        "compiler proves it (stable rejects, both Polonius modes accept). Folders are searched "
        "for .rs files like `scan`; an unreadable file is reported and skipped. Exit 0 when every "
        "input was read, 2 for bad input or usage (after the other inputs ran), 3 when --confirm "
        "cannot run a toolchain.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="a .rs file, a folder (searched for .rs files), or - for stdin")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per input (or the catalog with --list)")
    parser.add_argument("--confirm", action="store_true",
                        help="prove each workaround by compiling its direct form")
    parser.add_argument("--proven-only", action="store_true",
                        help="show only findings proven by the compiler (implies --confirm) and "
                        "epoch markers; candidates are left out")
    parser.add_argument("--edition", default=DEFAULT_EDITION, choices=EDITIONS)
    parser.add_argument("--list", action="store_true", help="print the pattern catalog")
    parser.set_defaults(func=run, _parser=parser)


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; folders become their .rs files (sorted, recursively), as `scan` reads."""
    out: list[str] = []
    for path in paths:
        folder = Path(path)
        if path != "-" and folder.is_dir():
            out.extend(str(p) for p in sorted(folder.rglob("*.rs")) if p.is_file())
        else:
            out.append(path)
    return out


def run(args: argparse.Namespace) -> int:
    from checkers.errors import InputError
    from checkers.patterns import confirm, detect
    from checkers.snippet import read_source_file

    if args.list:
        print_catalog(as_json=args.json, out=sys.stdout)
        return 0
    if not args.paths:
        args._parser.error("give at least one PATH, or --list")
    if args.paths.count("-") > 1:
        args._parser.error("stdin (-) can be given only once")
    # Read everything first: a bad input is reported before any (slow) confirmation runs, and
    # one unreadable (or empty) file does not stop the others.
    sources: list[tuple[str, str]] = []
    skipped = 0
    for path in expand_paths(args.paths):
        try:
            empty = path != "-" and Path(path).is_file() and Path(path).stat().st_size == 0
            sources.append((path, "" if empty else read_source_file(path)))
        except InputError as exc:
            skipped += 1
            print(f"ptriage: {exc} (skipped)", file=sys.stderr)
    confirming = args.confirm or args.proven_only
    check = _checker(args.edition) if confirming and sources else None
    for path, source in sources:
        found = detect(source, edition=args.edition)
        patterns = found.patterns
        if check is not None:
            patterns = confirm(source, patterns, check=check)
        if args.proven_only:
            patterns = tuple(f for f in patterns if f.confirmed is True)
        if args.json:
            record = {"path": path, "edition": args.edition,
                      "patterns": [f.to_dict() for f in patterns],
                      "epochs": [f.to_dict() for f in found.epochs]}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            print_findings(path, patterns + found.epochs, out=sys.stdout)
        sys.stdout.flush()
    return 2 if skipped else 0


def _checker(edition: str) -> Callable[[str], Triage]:
    from checkers.engine import check_source
    from checkers.toolchains import load_toolchains

    toolchains = load_toolchains()

    def check(source: str) -> Triage:
        return check_source(source, edition=edition, toolchains=toolchains, patterns=False)

    return check


def print_findings(path: str, findings: tuple[Finding, ...], *, out: TextIO) -> None:
    """One line per finding with its tier: only compiler-proven findings are called workarounds."""
    from checkers.patterns import CATALOG, status_text

    if not findings:
        print(f"{path}: no workaround patterns or epoch markers", file=out)
        return
    for f in findings:
        low = "" if f.confidence == "high" else f" ({f.confidence} confidence)"
        title = CATALOG[f.id].title if f.id in CATALOG else ""
        print(f"{path}:{f.line}:{f.column}: {f.id} [{f.cls}] {title}{low}", file=out)
        print(f"    {status_text(f)}", file=out)
        if f.reason:
            print(f"    {f.reason}", file=out)


def print_catalog(*, as_json: bool, out: TextIO) -> None:
    from checkers.patterns import CATALOG

    if as_json:
        json.dump([e.to_dict() for e in CATALOG.values()], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    width = max(len(k) for k in CATALOG)
    print(f"{'id':{width}}  {'class':5}  title", file=out)
    for entry in CATALOG.values():
        print(f"{entry.id:{width}}  {entry.cls:5}  {entry.title}", file=out)
