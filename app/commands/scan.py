"""`ptriage scan PATH...`: check folders, files and JSONL corpora in batches, streaming JSONL records."""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from app import output
from app.commands._parsing import intermixed, jobs_problem
from app.commands.check import add_cfg_options
from app.jsonl import is_blank
from checkers.cfg import parse_features
from checkers.engine import NEEDS_CRATE
from checkers.errors import InputError
from checkers.model import DEFAULT_EDITION, EDITIONS, ROLES, VERDICTS, Triage

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_TOOLCHAIN = 3
EXIT_INTERRUPTED = 130

_DESCRIPTION = """\
Check many cases under every toolchain role and write one JSON record per case (the shared
record shape, schema 1) to --out as each result arrives. Folders are walked for .rs files,
skipping target/, hidden directories and what .gitignore files ignore; a path named on the
command line is always read. A .jsonl input is a snippet corpus: one object a line with
"source" and optional "id", "edition" and "origin".

Bad inputs (unreadable or non-UTF-8 files, malformed JSONL lines) are reported on stderr as
FILE or FILE:LINE with the reason, skipped and counted in the summary; they do not stop the scan
or change the exit status.

Snippets are checked many to a rustc run (each in its own module) wherever that provably gives
the same diagnostics as checking it alone, with a result cache in the user cache dir
($PTRIAGE_CACHE_DIR overrides). Ctrl-C stops cleanly: every record already written is complete,
and --resume continues where it stopped.

Exit status: 0 when the scan ran (whatever the verdicts), 2 for bad usage or when
--executor needs the missing `distributed` package, 3 when the stable or polonius toolchain
cannot run or the Dask scheduler cannot be reached, 130 when interrupted."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scan", help="check folders, files and JSONL corpora in batches",
                            description=_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a folder, a .rs file or a .jsonl corpus")
    parser.add_argument("--out", "-o", default="-", metavar="FILE.jsonl",
                        help="where records go (default: standard output); checked before the "
                             "scan starts; records are appended as they arrive")
    parser.add_argument("--split", choices=["fn"],
                        help="fn: one case per top-level function (origin gives its lines)")
    parser.add_argument("--edition", default=None, choices=EDITIONS,
                        help=f"edition of .rs inputs and of JSONL lines without one "
                             f"(default: a `//@ edition:` header, else {DEFAULT_EDITION})")
    parser.add_argument("--toolchains", type=Path, metavar="FILE",
                        help="toolchains.toml to use instead of the user's or the default")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help=f"parallel batches (default: CPU count, {os.cpu_count()})")
    parser.add_argument("--batch-size", type=int, metavar="N", default=None,
                        help="snippets per rustc run (default 128; 1 checks each alone)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the result cache")
    parser.add_argument("--resume", action="store_true",
                        help="append to --out, skipping cases (same origin and id) already in it")
    parser.add_argument("--progress", action="store_true",
                        help="show progress on stderr even when it is not a terminal")
    parser.add_argument("--json-summary", metavar="FILE",
                        help="also write the summary as JSON to FILE (- for stdout)")
    parser.add_argument("--executor", metavar="dask://HOST:PORT",
                        help="run batches on a Dask cluster (needs polonius-triage[cluster]; "
                             "workers need the same toolchains)")
    parser.add_argument("--no-patterns", action="store_true",
                        help="skip workaround/epoch detection")
    parser.add_argument("--no-confirm", action="store_true",
                        help="do not prove workaround findings by rewriting (they stay "
                             "candidates: \"possible workaround, not proven\")")
    parser.add_argument("--confirm", action="store_true",
                        help="accepted for compatibility: confirmation is the default now")
    add_cfg_options(parser)
    parser.set_defaults(func=run)
    intermixed(parser)


# ---------------------------------------------------------------------------------------------
# Output


DoneKey = tuple[str, str]


def done_key(record_id: str, origin: Any) -> DoneKey:
    """What --resume matches on: the case id *and* where the case came from, so two files with
    the same content are two records, each checked once."""
    return record_id, json.dumps(origin, sort_keys=True, ensure_ascii=False)


def _as_record(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if (isinstance(record, dict) and isinstance(record.get("id"), str)
            and isinstance(record.get("verdict"), str)):
        return record
    return None


def read_done_ids(path: Path, *, on_bad_line: Callable[[int], None] | None = None
                  ) -> set[DoneKey]:
    """:func:`done_key` of each complete record in ``path``, a previous scan's output.

    A torn last line (an interrupted write) is cut off so that appends stay valid; a last line
    that is a whole record without its newline gets the newline. A line that is not a record
    (hand-edited) gives no key, so its case is checked again; ``on_bad_line(line_number)``
    says so. A file with no record at all is not a scan's output: it raises
    :class:`InputError` and is left exactly as it was.
    """
    done: set[DoneKey] = set()
    try:
        info = path.stat()
    except FileNotFoundError:
        return done
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"--resume needs --out to be a regular file; {path} is not")
    with open(path, "rb") as handle:
        data = handle.read()
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    bad: list[int] = []
    lines = data[:end].split(b"\n")[:-1]
    for number, line in enumerate(lines, 1):
        if is_blank(line.decode("utf-8", "replace")):
            continue
        record = _as_record(line)
        if record is not None:
            done.add(done_key(record["id"], record.get("origin")))
        else:
            bad.append(number)
    tail_record = _as_record(tail) if tail.strip() else None
    if tail_record is not None:
        done.add(done_key(tail_record["id"], tail_record.get("origin")))
    if not done and (bad or tail.strip()):
        raise InputError(f"{path} holds no ptriage records, so it is not a scan's output; "
                         "--resume only appends to one (choose another --out, or drop --resume "
                         "to overwrite it)")
    if tail.strip():
        with open(path, "rb+") as handle:
            if tail_record is not None:
                handle.seek(0, os.SEEK_END)
                handle.write(b"\n")
            else:
                handle.truncate(end)
    if on_bad_line is not None:
        for number in bad:
            on_bad_line(number)
    return done


#: Seconds over which the displayed rate forgets the past (exponential smoothing's time constant).
RATE_HALF_LIFE = 10.0


class _Progress:
    """One self-overwriting status line on stderr: count, rate, ETA (at most 10 updates/s).

    The rate is smoothed exponentially over time (half-life :data:`RATE_HALF_LIFE` seconds), so
    the ETA follows the current speed (cache hits at the start, slow files later) rather than
    the average since the start, and does not jump with each batch that lands.
    """

    def __init__(self, stream: TextIO, total: int | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.total = total
        self.clock = clock
        self.started = clock()
        self.last = 0.0
        self.width = 0
        self.tty = stream.isatty()
        self._sample = (self.started, 0)
        self.rate: float | None = None

    def _smooth(self, now: float, done: int) -> float:
        then, before = self._sample
        span = now - then
        if span <= 0:
            return self.rate or 0.0
        recent = (done - before) / span
        self._sample = (now, done)
        if self.rate is None:
            self.rate = recent
        else:
            weight = 1.0 - math.pow(0.5, span / RATE_HALF_LIFE)
            self.rate += weight * (recent - self.rate)
        return self.rate

    def update(self, done: int, *, force: bool = False) -> None:
        now = self.clock()
        # A terminal gets one line rewritten in place; a log gets a line per second.
        if not force and now - self.last < (0.1 if self.tty else 1.0):
            return
        self.last = now
        rate = self._smooth(now, done)
        text = f"scan: {done}"
        if self.total:
            text += f"/{self.total} ({100 * done / self.total:.0f}%)"
        text += f"  {rate:.1f}/s"
        if self.total and rate > 0 and done < self.total:
            text += f"  ETA {_duration((self.total - done) / rate)}"
        if not self.tty:
            self.stream.write(text + "\n")
            self.stream.flush()
            return
        self.width = max(self.width, len(text))
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()

    def clear(self) -> None:
        if self.width and self.tty:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _estimate_total(paths: Iterable[Path], split: str | None) -> int | None:
    """Cases to expect (for the ETA): files plus JSONL lines; unknown when splitting."""
    if split is not None:
        return None
    from checkers.inputs import walk_rust_files

    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(1 for _ in walk_rust_files(path))
        elif path.suffix == ".jsonl" and path.is_file():
            with open(path, encoding="utf-8", errors="replace") as handle:
                total += sum(1 for line in handle if not is_blank(line))
        elif path.exists():
            total += 1
    return total


# ---------------------------------------------------------------------------------------------
# Summary


def summary_data(*, verdicts: Counter[str], role_failures: dict[str, Counter[str]],
                 stats: dict[str, int], elapsed: float, resumed: int,
                 interrupted: bool, extra: Counter[str] | None = None) -> dict[str, Any]:
    cases = sum(verdicts.values())
    extra = extra if extra is not None else Counter()
    return {
        "needs_crate": extra["needs_crate"],
        "functions": extra["functions"],
        "functions_not_compiled": extra["functions_not_compiled"],
        "workarounds": extra["workarounds"],
        "candidates": extra["candidates"],
        "epoch_markers": extra["epoch_markers"],
        "cases": cases,
        "verdicts": {v: verdicts[v] for v in VERDICTS if verdicts[v]},
        "role_failures": {role: dict(c) for role, c in role_failures.items() if c},
        "skipped_inputs": stats.get("skipped", 0),
        "already_done": resumed,
        "seconds": round(elapsed, 3),
        "rate": round(cases / elapsed, 2) if elapsed > 0 else 0.0,
        "cache_hits": stats.get("cache_hits", 0),
        "role_checks": stats.get("role_checks", 0),
        "rustc_runs": stats.get("rustc_runs", 0),
        "batch_runs": stats.get("batch_runs", 0),
        "single_runs": stats.get("solo_runs", 0),
        "interrupted": interrupted,
    }


def print_summary(data: dict[str, Any], out: TextIO) -> None:
    head = "interrupted after" if data["interrupted"] else "scanned"
    out.write(f"{head} {output.plural(data['cases'], 'case')} in {data['seconds']:.1f} s "
              f"({data['rate']:.1f}/s)")
    if data["already_done"]:
        out.write(f"; {data['already_done']} already in the output (--resume)")
    out.write(f"; {output.plural(data['skipped_inputs'], 'input')} skipped\n")
    out.write(f"  {'verdict':<22}{'cases':>8}\n")
    for verdict, count in data["verdicts"].items():
        out.write(f"  {verdict:<22}{count:>8}\n")
    if data.get("needs_crate"):
        out.write(f"  needs its crate (unresolved imports or modules): {data['needs_crate']}; "
                  "check those files in place with `ptriage audit CRATE_DIR`\n")
    if data.get("functions_not_compiled"):
        out.write(f"  functions not compiled (removed by cfg): {data['functions_not_compiled']} "
                  f"of {data['functions']}; --cfg-test and --features compile them\n")
    if data.get("workarounds") or data.get("candidates"):
        out.write(f"  workarounds proven by the compiler: {data['workarounds']}; candidates "
                  f"(possible workaround, not proven): {data['candidates']}\n")
    failures = data["role_failures"]
    if failures:
        out.write("  role failures:\n")
        for role, counts in failures.items():
            detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            out.write(f"    {role:<20}{detail}\n")
    else:
        out.write("  role failures: none\n")
    out.write(f"  cache: {data['cache_hits']} of {data['role_checks'] + data['cache_hits']} "
              f"role results reused; rustc runs: {data['rustc_runs']} "
              f"({data['batch_runs']} batched, {data['single_runs']} single)\n")
    out.flush()


# ---------------------------------------------------------------------------------------------
# The command


def run(args: argparse.Namespace) -> int:
    from checkers.batching import DEFAULT_BATCH_SIZE
    from checkers.executors import ExecutorError
    from checkers.inputs import Case, iter_cases_from_paths
    from checkers.scan import ScanStats, scan_iter
    from checkers.toolchains import doctor_report, load_toolchains

    problem = jobs_problem(args.jobs)
    if problem is not None:
        print(f"ptriage scan: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.batch_size is not None and args.batch_size < 1:
        print("ptriage scan: --batch-size must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.resume and args.out == "-":
        print("ptriage scan: --resume needs --out FILE (it skips the ids already there)",
              file=sys.stderr)
        return EXIT_USAGE
    # Every output is checked before the first rustc runs: a scan of hours must not end in
    # "cannot write". The records file is opened now (appending for --resume).
    out_plan = output.plan_output(args.out, option="--out", append=args.resume)
    if args.json_summary:
        summary_plan = output.plan_output(args.json_summary, option="--json-summary")
        if (summary_plan.mode == out_plan.mode == "stdout") or (
                summary_plan.path is not None and out_plan.path is not None
                and summary_plan.path.resolve() == out_plan.path.resolve()
                and (out_plan.path.is_file() or not out_plan.path.exists())):
            # The summary would replace the records (or mix into their JSONL stream); a device
            # such as /dev/null may take both.
            where = "standard output" if args.json_summary == "-" else args.json_summary
            print(f"ptriage scan: --out and --json-summary both name {where}; give each its "
                  "own file", file=sys.stderr)
            return EXIT_USAGE
    if out_plan.mode != "stdout":
        _refuse_input_as_output(args.paths, Path(args.out))
    err = sys.stderr
    done_ids: set[DoneKey] = set()
    out_path = None if args.out == "-" else Path(args.out)
    if args.resume and out_path is not None:
        def bad_line(number: int) -> None:
            print(f"ptriage scan: {out_path}:{number}: not a record; its case will be checked "
                  "again", file=err)

        done_ids = read_done_ids(out_path, on_bad_line=bad_line)
    toolchains = load_toolchains(args.toolchains)
    if not toolchains.runnable:
        print(doctor_report(toolchains), file=sys.stderr)
        print("ptriage: the stable or polonius toolchain cannot run; see the fix above",
              file=sys.stderr)
        return EXIT_TOOLCHAIN

    show_progress = args.progress or err.isatty()
    skipped_lock = threading.Lock()

    def on_skip(where: str, reason: str) -> None:
        with skipped_lock:
            if show_progress and err.isatty():
                err.write("\r\x1b[K")
            err.write(f"ptriage scan: {where}: {reason} (skipped)\n")
            err.flush()

    input_skips = 0

    def counting_skip(where: str, reason: str) -> None:
        nonlocal input_skips
        input_skips += 1
        on_skip(where, reason)

    resumed = 0

    def cases() -> Iterator[Case]:
        nonlocal resumed
        for case in iter_cases_from_paths(args.paths, split=args.split, edition=args.edition,
                                          on_skip=counting_skip,
                                          max_bytes=toolchains.limits.max_input_kb * 1024):
            if done_ids and done_key(case.record_id, case.origin) in done_ids:
                resumed += 1
                continue
            yield case

    total = _estimate_total(args.paths, args.split) if show_progress else None
    if total is not None:
        total = max(0, total - len(done_ids))
    progress = _Progress(err, total) if show_progress else None
    stats = ScanStats()
    verdicts: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    role_failures: dict[str, Counter[str]] = {role: Counter() for role in ROLES}
    started = time.monotonic()
    interrupted = False
    write_error: OSError | None = None
    out = _open_records(out_plan, append=args.resume)
    try:
        for triage in scan_iter(cases(), toolchains=toolchains, jobs=args.jobs,
                                cache=not args.no_cache, executor=args.executor,
                                patterns=not args.no_patterns,
                                confirm=not args.no_confirm and not args.no_patterns,
                                batch_size=args.batch_size or DEFAULT_BATCH_SIZE,
                                on_skip=on_skip, stats=stats, cfg_test=args.cfg_test,
                                features=parse_features(args.features)):
            # One write per record, then flush: an interrupted scan leaves only whole lines.
            try:
                out.write(json.dumps(triage.to_record(), ensure_ascii=False) + "\n")
                out.flush()
            except OSError as exc:  # a full disk: stop the scan, report once below
                write_error = exc
                break
            _count(triage, verdicts, role_failures, extra)
            if progress is not None:
                progress.update(sum(verdicts.values()))
    except KeyboardInterrupt:
        interrupted = True
    except ExecutorError as exc:
        if progress is not None:
            progress.clear()
        print(f"ptriage: {exc}", file=err)
        return exc.exit_code
    finally:
        if out is not sys.stdout:
            try:
                out.close()
            except OSError as exc:
                # Closing flushes what a failed write left in the buffer: the same failure.
                write_error = write_error or exc
    if write_error is not None:
        if progress is not None:
            progress.clear()
        print(f"ptriage: cannot write {args.out}: {output.describe_os_error(write_error)}; free "
              "space, then continue with --resume (it keeps every whole record)", file=err)
        return EXIT_USAGE
    if progress is not None:
        progress.update(sum(verdicts.values()), force=True)
        progress.clear()
    counters = stats.to_dict()
    counters["skipped"] = counters.get("skipped", 0) + input_skips
    data = summary_data(verdicts=verdicts, role_failures=role_failures, stats=counters,
                        elapsed=time.monotonic() - started, resumed=resumed,
                        interrupted=interrupted, extra=extra)
    print_summary(data, err)
    if args.json_summary:
        output.write_text(args.json_summary, json.dumps(data, indent=2, allow_nan=False) + "\n",
                          option="--json-summary")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _refuse_input_as_output(inputs: Iterable[Path], out: Path) -> None:
    """``scan x.jsonl --out x.jsonl`` would truncate its own input before reading it."""
    try:
        target = out.resolve()
    except (OSError, RuntimeError):
        return
    for item in inputs:
        try:
            same = item.is_file() and item.resolve() == target
        except (OSError, RuntimeError):
            continue
        if same:
            raise InputError(f"--out {out} is also an input; write the records somewhere else")


def _open_records(plan: output.OutputPlan, *, append: bool) -> TextIO:
    """The records stream, written as records arrive (not replaced at the end: an interrupted
    scan keeps every whole record, and --resume continues from them)."""
    if plan.mode == "stdout":
        return sys.stdout
    assert plan.path is not None
    try:
        return open(plan.path, "a" if append else "w", encoding="utf-8",
                    newline="\n")
    except OSError as exc:
        raise output.OutputError(f"cannot write {plan.target}: {output.describe_os_error(exc)}; "
                                 "choose another --out") from exc


def _count(triage: Triage, verdicts: Counter[str],
           role_failures: dict[str, Counter[str]], extra: Counter[str] | None = None) -> None:
    verdicts[triage.verdict] += 1
    if extra is not None:
        extra["needs_crate"] += triage.reason.startswith(NEEDS_CRATE)
        extra["functions"] += len(triage.functions)
        extra["functions_not_compiled"] += sum(not f.compiled for f in triage.functions)
        # Only findings proven by rewrite count as workarounds; the rest are candidates.
        extra["workarounds"] += sum(f.confirmed is True for f in triage.patterns)
        extra["candidates"] += sum(f.confirmed is not True for f in triage.patterns)
        extra["epoch_markers"] += len(triage.epochs)
    for role, result in triage.checks.items():
        if not result.ok:
            role_failures.setdefault(role, Counter())[result.status] += 1
