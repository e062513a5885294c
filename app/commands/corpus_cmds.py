"""Corpus subcommands: add, stats, label, labels, export, import."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app import output
from app.commands._parsing import intermixed
from app.commands.check import add_cfg_options, not_rust
from app.corpus import Corpus, ImportValidationError, default_reviewer
from checkers.errors import CheckerError, InputError
from checkers.model import EDITIONS, VERDICTS

EXIT_OK = 0
EXIT_USAGE = 2


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--corpus", type=Path, metavar="PATH",
                        help="corpus file (default: corpus.sqlite3 in the user data dir, "
                             "or in $PTRIAGE_DATA_DIR)")
    return parent


def _filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (repeat an option to allow several values)")
    group.add_argument("--label", action="append", metavar="NAME", help="cases with this label")
    group.add_argument("--verdict", action="append", choices=VERDICTS,
                       help="cases with this verdict")
    group.add_argument("--pattern", action="append", metavar="ID",
                       help="cases where this workaround pattern or epoch marker was found")
    group.add_argument("--reviewer", action="append", metavar="NAME",
                       help="cases last reviewed by NAME")
    group.add_argument("--text", metavar="TEXT", help="substring of the source or note")
    group.add_argument("--since", metavar="WHEN",
                       help="cases updated at or after WHEN (2026-11-24 or 2026-11-24T10:00:00Z)")


def _filter_args(args: argparse.Namespace) -> dict[str, Any]:
    return {"label": args.label, "verdict": args.verdict, "pattern": args.pattern,
            "reviewer": args.reviewer, "text": args.text, "since": args.since}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = _common()

    add = sub.add_parser("add", parents=[common],
                         help="check Rust files (or audit Cargo workspaces) and store them",
                         description="Check each file with the engine and store the result in the "
                                     "corpus (a file already there is updated, not duplicated). "
                                     "A folder holding a Cargo.toml (or a Cargo.toml) is audited "
                                     "in its own crate context, as `ptriage audit PATH --corpus` "
                                     "does, and every file record it gives is stored.")
    add.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                     help="a Rust source file, or a Cargo workspace or package")
    add.add_argument("--offline", action="store_true",
                     help="for a workspace: do not fetch its dependencies (cargo fetch)")
    add.add_argument("--trust", action="store_true",
                     help="for a workspace without a sandbox: run its build scripts and proc "
                          "macros anyway")
    add.add_argument("--edition", choices=EDITIONS, default=None,
                     help="edition to check with (default: a `//@ edition:` header, else the "
                          "enclosing Cargo.toml's, else 2021)")
    add.add_argument("--toolchains", type=Path, metavar="FILE",
                     help="toolchains.toml to use instead of the user's or the default")
    add.add_argument("--force", action="store_true",
                     help="add files whose name does not end in .rs (refused otherwise, as "
                          "`check` and `scan` do)")
    add_cfg_options(add)
    add.set_defaults(func=cmd_add)

    stats = sub.add_parser("stats", parents=[common], help="counts by verdict, label, pattern, "
                                                           "reviewer")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--agreement", action="store_true",
                       help="also print reviewer agreement per label (Cohen's kappa for two "
                            "reviewers, Krippendorff's alpha for more)")
    stats.set_defaults(func=cmd_stats)

    label = sub.add_parser("label", parents=[common], help="label a case",
                           description="Add (or with --remove, take off) labels on a case; "
                                       "ID may be a unique prefix of at least 4 hex digits.")
    label.add_argument("id", metavar="ID", help="case id, or a unique prefix of it")
    label.add_argument("labels", nargs="*", metavar="LABEL", help="label name(s) to add or remove")
    label.add_argument("--remove", action="store_true", help="remove the labels instead")
    label.add_argument("--note", metavar="TEXT", help="replace the case's note")
    label.add_argument("--reviewer", metavar="NAME",
                       help="who is labelling (default: $PTRIAGE_REVIEWER or your user name)")
    label.set_defaults(func=cmd_label, _parser=label)

    labels = sub.add_parser("labels", parents=[common], help="list or edit the label set",
                            description="Without options, list the labels. Renaming and retiring "
                                        "keep every case's labels and history.")
    action = labels.add_mutually_exclusive_group()
    action.add_argument("--add", metavar="NAME", help="add a label (or restore a retired one)")
    action.add_argument("--rename", nargs=2, metavar=("OLD", "NEW"),
                        help="rename a label; cases keep it under the new name")
    action.add_argument("--retire", metavar="NAME", help="hide a label; cases keep it")
    labels.add_argument("--key", type=int, choices=range(10), metavar="DIGIT",
                        help="with --add: shortcut key 0-9")
    labels.add_argument("--colour", metavar="#RRGGBB", help="with --add: colour")
    labels.add_argument("--all", action="store_true", help="list retired labels too")
    labels.add_argument("--json", action="store_true", help="print JSON")
    labels.set_defaults(func=cmd_labels)

    export = sub.add_parser("export", parents=[common], help="write cases as JSONL",
                            description="Write matching cases as JSONL, one record a line, "
                                        "ordered by id (see README.md, section Record fields).")
    export.add_argument("--out", metavar="FILE.jsonl", default="-",
                        help="output file (default: standard output); a symlink is written "
                             "through, a FIFO or device written directly")
    _filters(export)
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", parents=[common], help="merge a JSONL file into the corpus",
                         description="Validate every line, then merge all of it in one "
                                     "transaction; any bad line imports nothing (exit 2).")
    imp.add_argument("file", type=Path, metavar="FILE.jsonl",
                     help="a JSONL label set, as written by `ptriage export`")
    imp.add_argument("--reviewer", metavar="NAME",
                     help="recorded when the import re-adds a removed label")
    imp.set_defaults(func=cmd_import)
    for parser in (add, stats, label, labels, export, imp):
        intermixed(parser)


def cmd_add(args: argparse.Namespace) -> int:
    try:
        from checkers.cfg import parse_features
        from checkers.engine import check_source
        from checkers.model import DEFAULT_EDITION
        from checkers.snippet import detect_edition, package_edition, read_source_file
        from checkers.toolchains import load_toolchains
    except ImportError as exc:
        raise CheckerError(f"the checking engine is not available ({exc}); "
                           "reinstall polonius-triage") from exc
    features = parse_features(args.features)
    toolchains = load_toolchains(args.toolchains)
    failed = 0
    with Corpus(args.corpus) as corpus:
        for path in args.paths:
            if str(path) != "-" and ((path.name == "Cargo.toml" and path.is_file())
                                     or (path / "Cargo.toml").is_file()):
                failed += _add_workspace(path, corpus, args, toolchains)
                continue
            if str(path) != "-" and path.is_dir():
                print(f"ptriage: {path}: a folder without a Cargo.toml (`ptriage scan` checks "
                      "the files of a folder; `ptriage add` takes files and Cargo workspaces)",
                      file=sys.stderr)
                failed += 1
                continue
            if not args.force and not_rust(str(path)):
                print(f"ptriage: {path}: not a .rs file (pass --force to add it as Rust anyway)",
                      file=sys.stderr)
                failed += 1
                continue
            try:
                source = read_source_file(path)
            except InputError as exc:
                # The reader's message already starts with the path: name it once.
                message = str(exc)
                if not message.startswith(f"{path}:"):
                    message = f"{path}: {message}"
                print(f"ptriage: {message}", file=sys.stderr)
                failed += 1
                continue
            # As `check` does: the package's edition, and workarounds proven by rewriting.
            package = package_edition(path) if str(path) != "-" else None
            edition = args.edition or detect_edition(source, default=package or DEFAULT_EDITION)
            triage = check_source(source, edition=edition, toolchains=toolchains,
                                  origin={"path": str(path)}, confirm=True,
                                  cfg_test=args.cfg_test, features=features)
            record = triage.to_record()
            known = corpus.get(record["id"]) is not None
            cid = corpus.upsert_record(record)
            print(f"{'updated' if known else 'added'} {cid[:12]} {record['verdict']} {path}")
    return EXIT_USAGE if failed else EXIT_OK


def _add_workspace(path: Path, corpus: Corpus, args: argparse.Namespace, toolchains: Any) -> int:
    """Audit the workspace at ``path`` into ``corpus`` (``ptriage audit --corpus``); → 1 on error."""
    from checkers.audit import AuditOptions, run_audit
    from checkers.cfg import parse_features

    options = AuditOptions(offline=args.offline, trust=args.trust,
                           features=tuple(sorted(parse_features(args.features))))
    try:
        result = run_audit(path, options=options, toolchains=toolchains)
    except CheckerError as exc:
        print(f"ptriage: {exc}", file=sys.stderr)
        return 1
    for record in result.records:
        known = corpus.get(record["id"]) is not None
        cid = corpus.upsert_record(record)
        where = f"{path}: {record['origin']['path']}"
        print(f"{'updated' if known else 'added'} {cid[:12]} {record['verdict']} {where}")
    print(f"audited {result.root}: {len(result.records)} file records"
          f"{' (from the audit cache)' if result.cached else ''}")
    return 0


def _print_counts(title: str, counts: dict[str, int]) -> None:
    print(f"{title}:")
    if not counts:
        print("  (none)")
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {n:>8}  {name or '(not reviewed)'}")


def cmd_stats(args: argparse.Namespace) -> int:
    from app.agreement import agreement_report, format_report

    with Corpus(args.corpus, read_only=True) as corpus:
        stats = corpus.stats()
        where = corpus.path
        agreement = agreement_report(corpus) if args.agreement else None
    if args.json:
        if agreement is not None:
            stats["agreement"] = {
                "items": agreement.items, "reviewers": list(agreement.reviewers),
                "labels": {e.label: {"method": e.method, "value": e.value, "kappa": e.kappa,
                                     "alpha": e.alpha, "observed": e.observed, "items": e.items,
                                     "disagreements": e.disagreements,
                                     "reviewers": list(e.reviewers)} for e in agreement.labels},
                "disagreements": dict(agreement.disagreements)}
        print(json.dumps(stats, sort_keys=True, indent=2))
        return EXIT_OK
    print(f"{output.plural(stats['cases'], 'case')} in {where}")
    for title in ("verdicts", "labels", "patterns", "reviewers"):
        _print_counts(title, stats[title])
    if agreement is not None:
        print(format_report(agreement))
    return EXIT_OK


def cmd_label(args: argparse.Namespace) -> int:
    if args.remove and not args.labels:
        args._parser.error("--remove needs at least one LABEL to remove")
    if not args.labels and args.note is None:
        args._parser.error("give at least one LABEL or --note TEXT")
    reviewer = args.reviewer or default_reviewer()
    with Corpus(args.corpus) as corpus:
        cid = corpus.resolve_id(args.id)
        if args.labels:
            if args.remove:
                corpus.remove_labels(cid, args.labels, reviewer=reviewer)
            else:
                corpus.add_labels(cid, args.labels, reviewer=reviewer)
        if args.note is not None:
            corpus.set_note(cid, args.note, reviewer=reviewer)
        record = corpus.get(cid)
    assert record is not None
    print(f"{cid[:12]} {record['verdict']}: {', '.join(record['labels']) or '(no labels)'}")
    return EXIT_OK


def cmd_labels(args: argparse.Namespace) -> int:
    if (args.key is not None or args.colour) and not args.add:
        print("ptriage labels: --key and --colour go with --add", file=sys.stderr)
        return EXIT_USAGE
    with Corpus(args.corpus) as corpus:
        if args.add:
            corpus.add_label(args.add, key=args.key, colour=args.colour)
        elif args.rename:
            corpus.rename_label(*args.rename)
        elif args.retire:
            corpus.retire_label(args.retire)
        labels = corpus.labels(include_retired=args.all)
    if args.json:
        print(json.dumps([{"name": lab.name, "key": lab.key, "colour": lab.colour,
                           "retired": lab.retired} for lab in labels], indent=2))
        return EXIT_OK
    for lab in labels:
        key = str(lab.key) if lab.key is not None else "-"
        print(f"{key}  {lab.colour}  {lab.name}{'  (retired)' if lab.retired else ''}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    plan = output.plan_output(args.out)
    with Corpus(args.corpus, read_only=True) as corpus, output.open_output(plan) as handle:
        count = corpus.export_jsonl(handle, **_filter_args(args))
    print(f"exported {output.plural(count, 'case')}", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    with Corpus(args.corpus) as corpus:
        try:
            report = corpus.import_jsonl(args.file, reviewer=args.reviewer)
        except ImportValidationError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"ptriage: nothing imported from {args.file}; fix the lines above",
                  file=sys.stderr)
            return EXIT_USAGE
    print(f"imported {args.file}: {report.added} added, {report.merged} merged, "
          f"{report.unchanged} unchanged")
    return EXIT_OK
