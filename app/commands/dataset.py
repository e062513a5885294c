"""The `ptriage dataset` subcommand: a Hugging Face-style dataset (card, cases, proven pairs)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from app.commands.corpus_cmds import _filter_args, _filters
from app.corpus import Corpus

EXIT_OK = 0
EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "dataset", help="write a dataset (card, cases, proven pairs) for ML pipelines",
        description="Write DIR/README.md (a dataset card with Hugging Face `datasets` front "
                    "matter), DIR/data/cases.jsonl (one case a line, with epoch tags) and "
                    "DIR/data/pairs.jsonl (each confirmed workaround and its direct form, "
                    "re-checked with the real compilers). See README.md, section Datasets.")
    parser.add_argument("--corpus", type=Path, metavar="PATH",
                        help="corpus file (default: corpus.sqlite3 in the user data dir, "
                             "or in $PTRIAGE_DATA_DIR)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output directory (absent or empty)")
    parser.add_argument("--force", action="store_true",
                        help="replace the dataset already in --out DIR (a folder holding "
                             "anything else is refused)")
    parser.add_argument("--dedupe", action="store_true",
                        help="keep one case per near-duplicate group")
    parser.add_argument("--split", metavar="NAME=FRAC,...",
                        help="assign whole near-duplicate groups (and crates) to splits, "
                             "e.g. train=0.9,test=0.1")
    parser.add_argument("--threshold", type=float, default=None, metavar="J",
                        help="MinHash Jaccard similarity that makes near duplicates (default 0.8)")
    parser.add_argument("--license", default="unknown", metavar="ID",
                        help="license id for the card's front matter (default: unknown)")
    parser.add_argument("--show-duplicates", metavar="ID",
                        help="instead of writing a dataset, list the near duplicates of case ID")
    _filters(parser)
    parser.set_defaults(func=cmd_dataset)


def _command_line(args: argparse.Namespace) -> str:
    """The command as a user would type it, rebuilt from the parsed options (no local paths
    beyond what the user gave)."""
    words = ["ptriage", "dataset", "--out", str(args.out)]
    if args.dedupe:
        words.append("--dedupe")
    if args.split:
        words += ["--split", args.split]
    if args.threshold is not None:
        words += ["--threshold", f"{args.threshold:g}"]
    if args.license != "unknown":
        words += ["--license", args.license]
    for name, values in sorted(_filter_args(args).items()):
        if values is None:
            continue
        for value in values if isinstance(values, list) else [values]:
            words += [f"--{name}", str(value)]
    return shlex.join(words)


def cmd_dataset(args: argparse.Namespace) -> int:
    from app.dataset import DEFAULT_THRESHOLD, build_dataset, near_duplicates, parse_splits

    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if args.show_duplicates:
        with Corpus(args.corpus, read_only=True) as corpus:
            cid = corpus.resolve_id(args.show_duplicates)
            found = near_duplicates(corpus, cid, threshold=threshold)
        if not found:
            print(f"{cid[:12]}: no near duplicates (threshold {threshold:g})")
        for dup in found:
            kind = "same tokens" if dup.exact else f"similarity {dup.similarity:.2f}"
            print(f"{dup.id[:12]}  {kind}")
        return EXIT_OK
    if args.out is None:
        print("ptriage dataset: give --out DIR (or --show-duplicates ID)", file=sys.stderr)
        return EXIT_USAGE
    splits = parse_splits(args.split) if args.split else ()

    def progress(_fraction: float, message: str) -> None:
        print(f"  {message}", file=sys.stderr)

    with Corpus(args.corpus, read_only=True) as corpus:
        report = build_dataset(corpus, args.out, filters=_filter_args(args), dedupe=args.dedupe,
                               splits=splits, threshold=threshold, license_id=args.license,
                               command=_command_line(args), force=args.force, progress=progress)
    skipped = sum(report.pairs_skipped.values())
    print(f"wrote {report.out}: {report.cases} cases, {report.pairs} pairs"
          + (f" ({skipped} confirmed workarounds not proven on re-check)" if skipped else "")
          + f", {report.groups} near-duplicate groups"
          + (f", {report.dropped_duplicates} duplicates dropped" if args.dedupe else "")
          + ("; splits " + ", ".join(f"{n} {c}" for n, c in report.splits.items())
             if report.splits else ""))
    return EXIT_OK
