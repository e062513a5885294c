"""Benchmark the pair re-check of `ptriage dataset`: batch engine vs one check_source per side.

Builds a corpus from the catalog's workaround examples (checked with confirmation), then
prints side by side the time to build the dataset:
  (a) re-checking every pair side with `check_source`, one after another (the naive way),
  (b) `build_dataset` as shipped (checkers.batch.scan_iter: batched, parallel), cold cache,
  (c) the same again with a warm result cache (re-running `ptriage dataset`),
and the ratios a/b and a/c. Usage: python tests/bench/bench_dataset_recheck.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="bench-dataset-"))
    os.environ["PTRIAGE_CACHE_DIR"] = str(scratch / "cache")
    from app.corpus import Corpus
    from app.dataset import build_dataset
    from checkers.engine import check_file, check_source
    from checkers.model import Triage
    from checkers.toolchains import load_toolchains

    tc = load_toolchains()
    examples = REPO / "tests" / "data" / "examples"
    try:
        with Corpus(scratch / "c.sqlite3") as corpus:
            for path in sorted(examples.glob("*/workaround.rs")):
                corpus.upsert_record(check_file(path, confirm=True, toolchains=tc).to_record())

            def naive(source: str, edition: str) -> Triage:
                return check_source(source, edition=edition, toolchains=tc, patterns=False)

            timings = {}
            for name, kwargs in (("naive", {"check": naive}), ("cold", {}), ("warm", {})):
                out = scratch / name
                start = time.perf_counter()
                report = build_dataset(corpus, out, toolchains=tc, **kwargs)
                timings[name] = time.perf_counter() - start
            print(f"cases: {report.cases}, pairs: {report.pairs}, confirmed but not proven on "
                  f"re-check: {dict(report.pairs_skipped) or 0}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"(a) one check_source per side, sequential: {timings['naive']:7.2f} s")
    print(f"(b) batch engine, cold result cache:       {timings['cold']:7.2f} s")
    print(f"(c) batch engine, warm result cache:       {timings['warm']:7.2f} s")
    print(f"ratio a/b: {timings['naive'] / timings['cold']:.1f}x   "
          f"a/c: {timings['naive'] / timings['warm']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
