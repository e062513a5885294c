"""Benchmark `ptriage scan` against the naive one-rustc-per-snippet-per-role way, and its peak memory.

Prints, in one run, snippets/s for
  (a) naive, as the issue defines it: one rustc process per snippet per role, strictly
      sequential (role after role, snippet after snippet), no result cache,
  (a') for reference, the single-case engine `check_source(..., patterns=False)` per snippet,
      which already runs the four roles of one snippet side by side,
  (b) `ptriage scan` as a process on the same corpus with an empty PTRIAGE_CACHE_DIR (cold),
  (c) the same command again (warm cache),
the ratios b/a and c/a, whether every verdict agrees between (a), (b) and (c), and the peak RSS
of the `ptriage scan` process on a larger corpus (default 10,000 snippets, cold cache).

Then batching against `--batch-size 1`, cold cache, on two corpora side by side: the snippet
corpus above and a whole-file corpus of real crate sources (Debian's `librust-<crate>-dev`
packages under /usr/share/cargo/registry, installed with apt-get when missing and possible,
skipped with a message otherwise), with the share of functions that are `not-compiled`.

Last, the cost of confirmation (proof by rewrite, on by default in `scan`) as the ratio of a
cold `scan` to a cold `scan --no-confirm` on both corpora.

Usage: python tests/bench/bench_scan.py [--cases 300] [--memory-cases 10000] [--jobs N]
           [--files 150] [--repeat 1] [--only-batching] [--only-confirm]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import EXAMPLES  # noqa: E402
from tests.data.corpus.generate import generate  # noqa: E402

#: Runs `ptriage scan` in this process and reports its own peak RSS (rustc children excluded:
#: they are separate processes with their own limits). Only the scan subcommand is registered,
#: exactly as `ptriage` registers it, so an unrelated broken subcommand cannot stop the bench.
_MEASURE = """
import argparse, resource, sys
from app.commands import scan
parser = argparse.ArgumentParser(prog="ptriage")
scan.register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
code = int(args.func(args))
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write(f"PEAK_RSS_KB={peak_kb}\\n")
sys.exit(code)
"""


def _write_corpus(path: Path, cases: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")


def _signature(record: dict[str, Any]) -> tuple[Any, ...]:
    checks = {role: (c["status"], [(d["code"], d["line"], d["column"]) for d in c["diagnostics"]])
              for role, c in record["checks"].items()}
    return (record["verdict"], record["corroborated"], record["drift"],
            json.dumps(record["functions"]), json.dumps(checks, sort_keys=True))


def _scan(corpus: Path | list[Path], out: Path, cache_dir: Path, jobs: int | None,
          extra: tuple[str, ...] = ()) -> tuple[float, int, str]:
    env = {**os.environ, "PTRIAGE_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}
    inputs = [str(p) for p in corpus] if isinstance(corpus, list) else [str(corpus)]
    argv = [sys.executable, "-c", _MEASURE, "scan", *inputs, "--out", str(out), *extra]
    if jobs:
        argv += ["--jobs", str(jobs)]
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"ptriage scan failed ({proc.returncode}):\n{proc.stderr}")
    peak = next(int(line.split("=")[1]) for line in proc.stderr.splitlines()
                if line.startswith("PEAK_RSS_KB="))
    summary = "\n".join(line for line in proc.stderr.splitlines()
                        if not line.startswith("PEAK_RSS_KB="))
    return elapsed, peak, summary


#: Crates whose Debian source packages make the whole-file corpus (fixed, so runs compare).
CRATES = ("memchr", "itertools", "smallvec", "either", "log", "nom", "bytes", "indexmap",
          "hashbrown", "regex-syntax", "petgraph", "crossbeam-channel", "rayon-core",
          "serde_json", "tokio", "toml", "futures-util", "syn", "clap")
REGISTRY = Path("/usr/share/cargo/registry")


def whole_file_corpus(limit: int) -> tuple[list[Path], str]:
    """Up to ``limit`` real `.rs` files from ``CRATES`` (round-robin, sorted), and a note."""
    def present() -> dict[str, list[Path]]:
        return {c: sorted(REGISTRY.glob(f"{c}-[0-9]*")) for c in CRATES}

    found = present()
    missing = [c for c, dirs in found.items() if not dirs]
    note = ""
    if missing and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        proc = subprocess.run(["apt-get", "install", "-y", "-q",
                               *[f"librust-{c}-dev" for c in missing]],
                              capture_output=True, text=True, check=False)
        note = (f"installed librust-*-dev for {len(missing)} crates" if proc.returncode == 0
                else f"apt-get install failed for {', '.join(missing)}")
        found = present()
    elif missing:
        note = (f"missing {', '.join(missing)} (install with `apt-get install "
                f"{' '.join('librust-' + c + '-dev' for c in missing)}`)")
    per_crate = [sorted(p for p in dirs[-1].glob("src/**/*.rs")
                        if p.is_file() and p.stat().st_size < 512 * 1024)
                 for dirs in found.values() if dirs]
    files: list[Path] = []
    index = 0
    while len(files) < limit and any(index < len(f) for f in per_crate):
        files.extend(f[index] for f in per_crate if index < len(f))
        index += 1
    return files[:limit], note


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _key(record: dict[str, Any]) -> str:
    origin = record.get("origin") or {}
    return str(origin.get("id") or origin.get("path") or record["id"])


def compare_batching(corpora: list[tuple[str, Path | list[Path]]], tmp: Path, jobs: int | None,
                     repeat: int) -> bool:
    """Batched vs --batch-size 1, cold cache each run (best of ``repeat``, alternating)."""
    print(f"\nbatching vs --batch-size 1 (cold cache, best of {repeat}, patterns off):")
    print(f"  {'corpus':<24}{'cases':>6}{'batched s':>11}{'bs=1 s':>9}{'bs=1/batched':>14}"
          f"{'agree':>7}{'functions':>11}{'not-compiled':>14}{'needs crate':>13}")
    all_agree = True
    for name, corpus in corpora:
        best: dict[str, float] = {}
        signatures: dict[str, dict[str, tuple[Any, ...]]] = {}
        records: list[dict[str, Any]] = []
        for round_ in range(repeat):
            modes = ["batched", "bs1"] if round_ % 2 == 0 else ["bs1", "batched"]
            for mode in modes:
                out = tmp / f"{name.split()[0]}-{mode}-{round_}.jsonl"
                extra = ("--no-patterns", *(("--batch-size", "1") if mode == "bs1" else ()))
                elapsed, _peak, _summary = _scan(corpus, out, tmp / f"cache-{name[:5]}-{mode}-"
                                                 f"{round_}", jobs, extra)
                best[mode] = min(best.get(mode, elapsed), elapsed)
                records = _records(out)
                signatures[mode] = {_key(r): _signature(r) for r in records}
        agree = signatures["batched"] == signatures["bs1"]
        all_agree &= agree
        functions = sum(len(r["functions"]) for r in records)
        skipped = sum(f["verdict"] == "not-compiled" for r in records for f in r["functions"])
        crate = sum(str(r.get("reason", "")).startswith("needs its crate") for r in records)
        share = f"{skipped} ({100 * skipped / functions:.0f}%)" if functions else "0"
        print(f"  {name:<24}{len(records):>6}{best['batched']:>11.1f}{best['bs1']:>9.1f}"
              f"{best['bs1'] / best['batched']:>13.2f}x{'yes' if agree else 'NO':>7}"
              f"{functions:>11}{share:>14}{crate:>13}")
    print("  (bs=1/batched > 1 means batching is faster; agree: verdicts, functions and "
          "per-role diagnostics identical)")
    return all_agree


# --- Confirmation cost (issue 11, helper D's section) -------------------------------------


def compare_confirmation(corpora: list[tuple[str, Path | list[Path]]], tmp: Path,
                         jobs: int | None, repeat: int) -> None:
    """`ptriage scan` (confirmation on, the default) vs `--no-confirm`, cold cache each run:
    the cost of proving every workaround finding by rewrite, as a ratio (goal <= 1.5x)."""
    # worst case: a corpus where every file holds workaround findings (the pattern fixtures)
    dense = sorted(p for p in [*EXAMPLES.glob("*/workaround.rs"), *EXAMPLES.glob("*/styles/*.rs"),
                               *(REPO / "tests/checkers/patterns/data/positive").glob("*.rs")]
                   if not p.name.endswith(".direct.rs"))
    if dense:
        corpora = [*corpora, (f"workaround files ({len(dense)})", dense)]
    print(f"\nconfirmation vs --no-confirm (cold cache, best of {repeat}):")
    print(f"  {'corpus':<24}{'cases':>6}{'findings':>9}{'proven':>8}{'confirm s':>11}"
          f"{'no-confirm s':>13}{'ratio':>8}")
    for name, corpus in corpora:
        best: dict[str, float] = {}
        records: list[dict[str, Any]] = []
        for round_ in range(repeat):
            modes = ["confirm", "plain"] if round_ % 2 == 0 else ["plain", "confirm"]
            for mode in modes:
                out = tmp / f"{name.split()[0]}-{mode}-c{round_}.jsonl"
                extra = ("--no-confirm",) if mode == "plain" else ()
                elapsed, _peak, _summary = _scan(corpus, out, tmp / f"cache-{name[:5]}-{mode}-c"
                                                 f"{round_}", jobs, extra)
                best[mode] = min(best.get(mode, elapsed), elapsed)
                if mode == "confirm":
                    records = _records(out)
        findings = sum(len(r.get("patterns") or ()) for r in records)
        proven = sum(p.get("confirmed") is True for r in records for p in r.get("patterns") or ())
        print(f"  {name:<24}{len(records):>6}{findings:>9}{proven:>8}{best['confirm']:>11.1f}"
              f"{best['plain']:>13.1f}{best['confirm'] / best['plain']:>7.2f}x")
    print("  (ratio = confirm / no-confirm wall time; direct forms share the per-role batches)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--memory-cases", type=int, default=10_000,
                        help="corpus size for the peak-RSS run (0 skips it)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--files", type=int, default=150,
                        help="whole-file corpus size for the batching comparison (0 skips it)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per mode in the batching comparison (best is shown)")
    parser.add_argument("--only-batching", action="store_true",
                        help="run only the batching comparison (snippets and whole files)")
    parser.add_argument("--only-confirm", action="store_true",
                        help="run only the confirmation-cost comparison (confirm vs --no-confirm)")
    args = parser.parse_args()

    from checkers.engine import build_triage, check_roles, check_source
    from checkers.snippet import prepare
    from checkers.toolchains import load_toolchains

    with tempfile.TemporaryDirectory(prefix="ptriage-bench-") as tmp_name:
        tmp = Path(tmp_name)
        cases = generate(args.cases, seed=args.seed, examples=EXAMPLES)
        corpus = tmp / "corpus.jsonl"
        _write_corpus(corpus, cases)
        print(f"corpus: {len(cases)} snippets ({len({c['source'] for c in cases})} distinct), "
              f"{os.cpu_count()} CPUs")
        corpora: list[tuple[str, Path | list[Path]]] = [(f"snippets ({len(cases)})", corpus)]
        if args.files:
            files, note = whole_file_corpus(args.files)
            if files:
                crates = len({p.relative_to(REGISTRY).parts[0] for p in files})
                print(f"whole files: {len(files)} real .rs files from {crates} crates in "
                      f"{REGISTRY}" + (f" ({note})" if note else ""))
                corpora.append((f"whole files ({len(files)})", files))
            else:
                print(f"whole files: skipped, no crate sources in {REGISTRY}"
                      + (f" ({note})" if note else ""))
        if args.only_batching:
            return 0 if compare_batching(corpora, tmp, args.jobs, max(1, args.repeat)) else 1
        if args.only_confirm:
            compare_confirmation(corpora, tmp, args.jobs, max(1, args.repeat))
            return 0

        # (a) naive, in a fresh cache dir so nothing is reused: role after role, one process each
        os.environ["PTRIAGE_CACHE_DIR"] = str(tmp / "cache-naive")
        toolchains = load_toolchains()
        naive: dict[str, tuple[Any, ...]] = {}
        started = time.perf_counter()
        for case in cases:
            snippet = prepare(str(case["source"]), edition=str(case["edition"]))
            checks = check_roles(snippet, toolchains=toolchains, sequential=True)
            triage = build_triage(snippet, checks, toolchains=toolchains)
            naive[str(case["id"])] = _signature(triage.to_record())
        time_a = time.perf_counter() - started
        rate_a = len(cases) / time_a

        # (a') the single-case engine: four roles of one snippet side by side
        engine: dict[str, tuple[Any, ...]] = {}
        started = time.perf_counter()
        for case in cases:
            triage = check_source(str(case["source"]), edition=str(case["edition"]),
                                  toolchains=toolchains, patterns=False)
            engine[str(case["id"])] = _signature(triage.to_record())
        time_a2 = time.perf_counter() - started
        rate_a2 = len(cases) / time_a2

        cache = tmp / "cache-scan"
        time_b, _peak_b, summary_b = _scan(corpus, tmp / "b.jsonl", cache, args.jobs)
        time_c, _peak_c, _summary_c = _scan(corpus, tmp / "c.jsonl", cache, args.jobs)
        rate_b, rate_c = len(cases) / time_b, len(cases) / time_c

        def load(path: Path) -> dict[str, tuple[Any, ...]]:
            out = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                out[str(record["origin"]["id"])] = _signature(record)
            return out

        scan_b, scan_c = load(tmp / "b.jsonl"), load(tmp / "c.jsonl")
        agree = naive == engine == scan_b == scan_c
        differing = sorted(k for k in naive if naive[k] != scan_b.get(k) or naive[k] != scan_c.get(k)
                           or naive[k] != engine.get(k))

        print(f"(a) naive, 1 rustc/snippet/role, sequential: {time_a:7.2f} s  {rate_a:8.1f} snippets/s")
        print(f"(a') check_source per snippet (roles side by side): {time_a2:7.2f} s  "
              f"{rate_a2:8.1f} snippets/s")
        print(f"(b) ptriage scan, cold cache:       {time_b:7.2f} s  {rate_b:8.1f} snippets/s")
        print(f"(c) ptriage scan, warm cache:       {time_c:7.2f} s  {rate_c:8.1f} snippets/s")
        print(f"b/a = {rate_b / rate_a:.1f}x   c/a = {rate_c / rate_a:.1f}x   "
              f"b/a' = {rate_b / rate_a2:.1f}x   "
              "(wall time of the whole `ptriage scan` process, start-up included)")
        print(f"verdicts agree between (a), (a'), (b), (c): {'yes' if agree else 'NO'}"
              + (f" (differing: {', '.join(differing[:10])})" if differing else ""))
        print("cold scan summary:\n  " + summary_b.replace("\n", "\n  "))

        if args.memory_cases:
            big = generate(args.memory_cases, seed=args.seed + 1)
            big_corpus = tmp / "big.jsonl"
            _write_corpus(big_corpus, big)
            elapsed, peak, summary = _scan(big_corpus, tmp / "big.out.jsonl",
                                           tmp / "cache-memory", args.jobs)
            print(f"memory: {len(big)} snippets ({len({c['source'] for c in big})} distinct), "
                  f"cold cache: peak RSS of the ptriage scan process {peak / 1024:.0f} MiB, "
                  f"{elapsed:.1f} s ({len(big) / elapsed:.1f} snippets/s)")
            print("  " + summary.replace("\n", "\n  "))
        batching_agrees = compare_batching(corpora, tmp, args.jobs, max(1, args.repeat))
        compare_confirmation(corpora, tmp, args.jobs, max(1, args.repeat))
        return 0 if agree and batching_agrees else 1


if __name__ == "__main__":
    sys.exit(main())
