"""`ptriage audit PATH`: a Cargo workspace checked in its own context, one record per source file."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from app.commands._parsing import jobs_problem

EXIT_OK = 0

_DESCRIPTION = """\
Check a Cargo workspace (or the package of a Cargo.toml or of any file inside it) with cargo
under the stable NLL baseline and both Polonius analyses, and write one record per workspace
source file that has diagnostics, functions or findings (the shared record shape; origin gives
path, package and target).

By default the Polonius roles run on the stable compiler with RUSTC_BOOTSTRAP=1, so the
dependencies are built once and only workspace members are re-checked per role, the roles side
by side (each in its own target dir, at most --jobs or the CPU count at once); --nightly
control adds the nightly NLL control, --nightly all also runs the Polonius roles on nightly.
Legacy Polonius, the corroborator, runs last and only on the packages where NLL or Polonius
alpha reported an error (elsewhere it could only agree, at several times NLL's cost); its
check of the other files says `skipped`. --corroborate all runs it on every package.
Workaround findings with a mechanical direct form are proved by rewriting them in an overlay
copy of the package and re-checking it (--no-confirm skips that).

Nothing is written inside the workspace: cargo works on an overlay copy in the cache dir, with
its target dirs there too. Every cargo process runs in the sandbox (bubblewrap): no network
(except `cargo fetch`, which runs no project code; --offline skips it), the workspace copy and
the target dir writable, CARGO_HOME read-only. Without a sandbox the audit refuses to run build
scripts or proc macros unless you pass --trust.

Exit status: 0 when the audit ran (whatever the verdicts), 2 for bad usage, a path outside any
package, or a workspace cargo cannot read, 3 when the stable toolchain cannot run, 130 when
interrupted."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("audit", help="check a Cargo workspace in its own context",
                            description=_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, metavar="PATH",
                        help="a workspace or package folder, a Cargo.toml, or a file inside one")
    parser.add_argument("--package", "-p", action="append", default=[], metavar="NAME",
                        help="audit only this member (repeatable)")
    parser.add_argument("--features", action="append", default=[], metavar="LIST",
                        help="features to enable (comma or space separated, repeatable)")
    parser.add_argument("--all-features", action="store_true", help="enable every feature")
    parser.add_argument("--no-default-features", action="store_true",
                        help="do not enable the default features")
    parser.add_argument("--all-targets", action="store_true",
                        help="also tests, benches and examples (keeps dev-dependencies)")
    parser.add_argument("--offline", action="store_true",
                        help="do not run `cargo fetch` (dependencies must be available)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="cargo build jobs, and at most N roles checked at once "
                             "(default: the CPU count)")
    parser.add_argument("--nightly", choices=["none", "control", "all"], default="none",
                        help="none (default): Polonius roles on stable + RUSTC_BOOTSTRAP=1; "
                             "control: add the nightly NLL control; all: also run the Polonius "
                             "roles on nightly")
    parser.add_argument("--corroborate", choices=["needed", "all"], default="needed",
                        help="needed (default): legacy Polonius checks only the packages where "
                             "NLL or Polonius alpha reported an error; all: every package")
    parser.add_argument("--no-confirm", action="store_true",
                        help="skip the proof by rewrite of workaround findings")
    parser.add_argument("--no-cache", action="store_true",
                        help="recompute even when an identical audit is cached")
    parser.add_argument("--trust", action="store_true",
                        help="without a sandbox, run build scripts and proc macros anyway")
    parser.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                        help="limit per cargo run (default 900)")
    parser.add_argument("--toolchains", type=Path, metavar="FILE",
                        help="toolchains.toml to use instead of the user's or the default")
    parser.add_argument("--report", type=Path, metavar="FILE.html|FILE.md",
                        help="write the maintainer's report (.md: Markdown, else HTML)")
    parser.add_argument("--json", action="store_true",
                        help="print the whole audit (records, packages, roles) as one JSON object")
    parser.add_argument("--out", "-o", type=Path, metavar="FILE.jsonl",
                        help="write the records as JSONL (- for standard output)")
    parser.add_argument("--corpus", action="store_true",
                        help="store the records in the corpus")
    parser.add_argument("--corpus-path", type=Path, metavar="PATH",
                        help="corpus file for --corpus (default: the user's corpus)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=run)


def _features(values: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out += [f for f in value.replace(",", " ").split() if f]
    return tuple(out)


def run(args: argparse.Namespace) -> int:
    from app.jsonl import dumps_record
    from checkers.audit import AuditOptions, run_audit
    from checkers.errors import InputError
    from checkers.toolchains import load_toolchains

    problem = jobs_problem(args.jobs)
    if problem is not None:
        raise InputError(problem)
    options = AuditOptions(
        packages=tuple(args.package), features=_features(args.features),
        all_features=args.all_features, no_default_features=args.no_default_features,
        all_targets=args.all_targets, offline=args.offline, jobs=args.jobs, trust=args.trust,
        nightly=args.nightly, confirm=not args.no_confirm, cache=not args.no_cache,
        timeout=args.timeout, corroborate=args.corroborate)
    toolchains = load_toolchains(args.toolchains) if args.toolchains else None

    def progress(package: str, role: str, done: int, total: int) -> None:
        if not args.quiet:
            print(f"audit {package}: {role} ({done}/{total})", file=sys.stderr, flush=True)

    cancel = threading.Event()
    try:
        result = run_audit(args.path, options=options, toolchains=toolchains, cancel=cancel,
                           progress=progress)
    except KeyboardInterrupt:
        cancel.set()
        raise
    if args.out is not None:
        lines = "".join(dumps_record(r) + "\n" for r in result.records)
        if str(args.out) == "-":
            sys.stdout.write(lines)
        else:
            args.out.write_text(lines, encoding="utf-8")
    if args.report is not None:
        result.write_report(args.report)
    if args.corpus:
        from app.corpus import Corpus

        with Corpus(args.corpus_path) as corpus:
            for record in result.records:
                corpus.upsert_record(record)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
    elif args.out is None or str(args.out) != "-":
        print(_summary(result))
    return EXIT_OK


def _summary(result: Any) -> str:
    from collections import Counter

    verdicts = Counter(r["verdict"] for r in result.records)
    confirmed = sum(1 for r in result.records for p in r.get("patterns") or ()
                    if p.get("confirmed") is True)
    candidates = sum(1 for r in result.records for p in r.get("patterns") or ())
    lines = [f"audited {result.root} ({len(result.packages)} packages, sandbox "
             f"{result.sandbox}{', cached' if result.cached else ''})"]
    for role, outcome in result.roles.items():
        skipped = sum(1 for v in outcome.packages.values() if v == "skipped")
        partial = (f"  (checked {len(outcome.packages) - skipped} of {len(outcome.packages)} "
                   "packages; the others not needed)"
                   if skipped and outcome.status != "skipped" else "")
        lines.append(f"  {role:16} {outcome.status:18} members: {outcome.member_cpu_ms} ms CPU, "
                     f"{outcome.member_ms} ms wall" + partial
                     + (f"  ({outcome.errors[0]})" if outcome.errors else ""))
    if result.phases:
        from checkers.audit.report import time_spent

        lines.append(f"  time: {time_spent(result)}")
    lines.append("  files: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))
    lines.append(f"  workarounds Polonius lets you delete: {confirmed} confirmed of "
                 f"{candidates} found")
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)
