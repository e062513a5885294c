"""Benchmark what one looping snippet costs a batched scan: the same folder with and without it.

Generates N small snippets (borrow errors, type errors, clean code) and one `const` that loops
forever, then scans the folder twice with a short rustc timeout: without the looper and with it.
Prints wall time, rustc runs and timeouts of each, and the ratio. Halving a timed-out batch
would cost about log2(N) timeouts per role; isolating it costs two (three without a textual hint).
Usage: python tests/bench/bench_timeouts.py [--snippets N] [--timeout S] [--jobs J]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from checkers.batch import ScanStats, iter_cases_from_paths, scan_iter  # noqa: E402
from checkers.toolchains import load_toolchains  # noqa: E402

LOOPER = textwrap.dedent("""
    #[allow(long_running_const_eval)]
    pub const SPIN: u64 = {
        let mut i: u64 = 0;
        loop { i = i.wrapping_add(1); if i == 0 { break; } }
        i
    };
""")


def _snippet(n: int) -> str:
    if n % 3 == 0:
        return f"pub fn f{n}() {{ let mut v = vec![{n}]; let r = &v; v.push(1); r.len(); }}\n"
    if n % 3 == 1:
        return f"pub fn g{n}() -> u32 {{ \"{n}\" }}\n"
    return f"pub fn h{n}(x: &mut Vec<u32>) {{ x.push({n}); }}\n"


def _scan(folder: Path, toolchains_file: Path, jobs: int) -> tuple[float, ScanStats]:
    tc = load_toolchains(toolchains_file)
    stats = ScanStats()
    started = time.perf_counter()
    for _ in scan_iter(list(iter_cases_from_paths([folder])), toolchains=tc, jobs=jobs,
                       cache=False, patterns=False, stats=stats):
        pass
    return time.perf_counter() - started, stats


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snippets", type=int, default=127)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-timeouts-") as tmp:
        root = Path(tmp)
        toml = root / "toolchains.toml"
        toml.write_text((REPO / "toolchains.toml").read_text().replace(
            "timeout = 10.0", f"timeout = {args.timeout}"))
        plain = root / "plain"
        plain.mkdir()
        for n in range(args.snippets):
            (plain / f"s{n:03}.rs").write_text(_snippet(n))
        looping = root / "looping"
        looping.mkdir()
        for file in plain.iterdir():
            (looping / file.name).write_text(file.read_text())
        (looping / "spin.rs").write_text(LOOPER)
        _scan(plain, toml, args.jobs)  # warm the page cache and the toolchain probes
        base_time, base = _scan(plain, toml, args.jobs)
        loop_time, loop = _scan(looping, toml, args.jobs)
    roles = len(load_toolchains().roles)
    print(f"{args.snippets} snippets (+1 looping const), rustc timeout {args.timeout:g} s, "
          f"jobs {args.jobs}, {roles} roles")
    print(f"{'':<22}{'wall s':>8}{'rustc runs':>12}{'timeouts':>10}")
    for title, wall, stats in (("without the looper", base_time, base),
                               ("with the looper", loop_time, loop)):
        # trees from before the timeout counter existed print "?" (so old commits can be compared)
        timeouts = getattr(stats, "timeouts", "?")
        print(f"{title:<22}{wall:>8.1f}{stats.rustc_runs:>12}{timeouts:>10}")
    print(f"ratio with/without: {loop_time / base_time:.1f}x; halving would time out about "
          f"{math.ceil(math.log2(args.snippets + 1)) + 1} times per role "
          f"({(math.ceil(math.log2(args.snippets + 1)) + 1) * roles} in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
