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

Usage: python tests/bench/bench_scan.py [--cases 300] [--memory-cases 10000] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
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


def _scan(corpus: Path, out: Path, cache_dir: Path, jobs: int | None) -> tuple[float, int, str]:
    env = {**os.environ, "PTRIAGE_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-c", _MEASURE, "scan", str(corpus), "--out", str(out)]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--memory-cases", type=int, default=10_000,
                        help="corpus size for the peak-RSS run (0 skips it)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=11)
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
        return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
