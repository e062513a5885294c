"""Benchmark one `ptriage check` (all four roles), side by side with the naive alternatives.

Prints medians over N runs of:
  (a) `ptriage check --no-patterns FILE` as a whole process (what a user waits for),
  (b) the engine call alone (warm process), four roles in parallel,
  (c) the four roles run one after another through the `rustup run` proxy (the naive way),
and the ratios c/b. Usage: python tests/bench/bench_check.py [FILE] [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from checkers.engine import check_source  # noqa: E402
from checkers.toolchains import load_toolchains  # noqa: E402

DEFAULT_FILE = REPO / "tests" / "data" / "examples" / "entry-owned-key" / "direct.rs"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    source = args.file.read_text()
    tc = load_toolchains()

    cli: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "app.cli", "check", "--no-patterns", str(args.file)],
                       cwd=REPO, capture_output=True, check=True)
        cli.append(time.perf_counter() - started)

    cli_confirm: list[float] = []
    for _ in range(max(3, args.runs // 3)):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "app.cli", "check", str(args.file)], cwd=REPO,
                       capture_output=True, check=True)
        cli_confirm.append(time.perf_counter() - started)

    engine: list[float] = []
    verdict = ""
    for _ in range(args.runs):
        started = time.perf_counter()
        verdict = check_source(source, toolchains=tc, patterns=False).verdict
        engine.append(time.perf_counter() - started)

    naive: list[float] = []
    rustup = shutil.which("rustup")
    if rustup:
        plan = [("stable", []), ("nightly", ["-Zpolonius=next"]), ("nightly", ["-Zpolonius=legacy"]),
                ("nightly", [])]
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.runs):
                started = time.perf_counter()
                for toolchain, flags in plan:
                    subprocess.run([rustup, "run", toolchain, "rustc", "--edition", "2021",
                                    "--crate-type", "lib", "--emit=metadata", "--error-format=json",
                                    "--out-dir", tmp, *flags, str(args.file)],
                                   capture_output=True, check=False)
                naive.append(time.perf_counter() - started)

    print(f"file: {args.file}  verdict: {verdict}  runs: {args.runs}")
    print(f"(a) ptriage check --no-patterns, whole process : {_median_ms(cli):7.1f} ms median")
    print(f"    ptriage check (patterns + proof by rewrite) : {_median_ms(cli_confirm):7.1f} ms median")
    print(f"(b) engine check_source, 4 roles in parallel    : {_median_ms(engine):7.1f} ms median")
    if naive:
        print(f"(c) rustup proxy, 4 roles sequential            : {_median_ms(naive):7.1f} ms median")
        ratio = statistics.median(naive) / statistics.median(engine)
        print(f"ratio c/b (speed-up of the engine over naive)   : {ratio:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
