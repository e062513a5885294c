"""`ptriage patterns PATH... | --list`: find NLL workarounds and outdated idioms, optionally prove them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TextIO

from checkers.model import DEFAULT_EDITION, EDITIONS, Finding, Triage


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "patterns",
        help="find NLL workaround patterns and outdated-idiom markers",
        description="Detect code written around NLL borrow-checker limitations (and idioms from "
        "older Rust epochs) with tree-sitter. --confirm rewrites each workaround back to its "
        "direct form and compiles it under stable and both Polonius modes. Exit 0 when every "
        "input was read, 2 for bad input or usage, 3 when --confirm cannot run a toolchain.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="a .rs file, or - for stdin")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per input (or the catalog with --list)")
    parser.add_argument("--confirm", action="store_true",
                        help="prove each workaround by compiling its direct form")
    parser.add_argument("--edition", default=DEFAULT_EDITION, choices=EDITIONS)
    parser.add_argument("--list", action="store_true", help="print the pattern catalog")
    parser.set_defaults(func=run, _parser=parser)


def run(args: argparse.Namespace) -> int:
    from checkers.patterns import CATALOG, confirm, detect
    from checkers.snippet import read_source_file

    if args.list:
        print_catalog(as_json=args.json, out=sys.stdout)
        return 0
    if not args.paths:
        args._parser.error("give at least one PATH, or --list")
    if args.paths.count("-") > 1:
        args._parser.error("stdin (-) can be given only once")
    # Read everything first: a bad input is reported before any (slow) confirmation runs.
    sources = [(path, read_source_file(path)) for path in args.paths]
    check = _checker(args.edition) if args.confirm else None
    for path, source in sources:
        found = detect(source, edition=args.edition)
        patterns = found.patterns
        if check is not None:
            patterns = confirm(source, patterns, check=check)
        if args.json:
            record = {"path": path, "edition": args.edition,
                      "patterns": [f.to_dict() for f in patterns],
                      "epochs": [f.to_dict() for f in found.epochs]}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            print_findings(path, patterns + found.epochs, catalog_titles={
                k: v.title for k, v in CATALOG.items()}, out=sys.stdout)
        sys.stdout.flush()
    return 0


def _checker(edition: str) -> Callable[[str], Triage]:
    from checkers.engine import check_source
    from checkers.toolchains import load_toolchains

    toolchains = load_toolchains()

    def check(source: str) -> Triage:
        return check_source(source, edition=edition, toolchains=toolchains, patterns=False)

    return check


def print_findings(path: str, findings: tuple[Finding, ...], *, catalog_titles: dict[str, str],
                   out: TextIO) -> None:
    if not findings:
        print(f"{path}: no workaround patterns or epoch markers", file=out)
        return
    for f in findings:
        status = ""
        if f.confirmed is True:
            status = "  [confirmed]"
        elif f.confirmed is False:
            status = "  [not confirmed]"
        low = "" if f.confidence == "high" else f" ({f.confidence} confidence)"
        print(f"{path}:{f.line}:{f.column}: {f.id} [{f.cls}] {catalog_titles.get(f.id, '')}"
              f"{low}{status}", file=out)
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
