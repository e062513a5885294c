"""Benchmark the sandbox's cost per rustc run: bubblewrap vs no sandbox, side by side.

Runs the same small snippet through ``checkers.rustc.run_rustc`` (one role, the stable baseline)
alternately inside bubblewrap and on the host (``PTRIAGE_SANDBOX=none``, which adds the
``--emit=dep-info`` check), and also times a bare ``bwrap … /usr/bin/true`` against a bare
``/usr/bin/true`` to isolate bubblewrap's own start-up, and ten rustc runs inside one sandbox
against ten on the host (is the compiler itself slower inside?). Prints medians and ratios.
Usage: python tests/bench/bench_sandbox.py [FILE] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from checkers import sandbox  # noqa: E402
from checkers.rustc import run_rustc  # noqa: E402
from checkers.toolchains import load_toolchains  # noqa: E402

DEFAULT_FILE = REPO / "tests" / "data" / "examples" / "entry-owned-key" / "direct.rs"


def _use(mode: str) -> None:
    # detect() memoises per PTRIAGE_SANDBOX value: switching does not re-probe bubblewrap
    os.environ[sandbox.SANDBOX_ENV] = mode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    source = args.file.read_text()
    tc = load_toolchains()
    info = tc.roles["stable"]
    _use("bwrap")
    box, note = sandbox.detect()
    if not box.isolated:
        print(f"bubblewrap cannot run here: {note}")
        return 1
    samples: dict[str, list[float]] = {"bwrap": [], "none": []}
    statuses: dict[str, set[str]] = {"bwrap": set(), "none": set()}
    for _ in range(2):  # warm the page cache for both
        for mode in samples:
            _use(mode)
            run_rustc(info, source, edition="2021", limits=tc.limits)
    for i in range(args.runs):
        # alternate the order so drift in machine load hits both sides alike
        for mode in (("bwrap", "none") if i % 2 == 0 else ("none", "bwrap")):
            _use(mode)
            started = time.perf_counter()
            raw = run_rustc(info, source, edition="2021", limits=tc.limits)
            samples[mode].append(time.perf_counter() - started)
            statuses[mode].add(raw.status)
    true_runs: dict[str, list[float]] = {"bwrap": [], "none": []}
    loop_runs: dict[str, list[float]] = {"bwrap": [], "none": []}
    assert info.binary is not None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "s.rs"
        src.write_text(source)
        ten = (f"for i in 1 2 3 4 5 6 7 8 9 10; do {Path(info.binary).resolve()} --edition 2021 "
               f"--crate-type lib --emit=metadata --error-format=json --out-dir {tmp} {src} "
               "2>/dev/null; done")
        inside = box.wrap(["/bin/bash", "-c", ten], cwd=Path(tmp), env={"PATH": "/usr/bin"},
                          mounts=sandbox.Mounts(writable=(Path(tmp),),
                                                readonly=sandbox.toolchain_roots([info.binary])))
        for _ in range(max(3, args.runs // 4)):
            for mode, argv in (("bwrap", inside), ("none", ["/bin/bash", "-c", ten])):
                started = time.perf_counter()
                subprocess.run(argv, check=False, env={"PATH": "/usr/bin"})
                loop_runs[mode].append((time.perf_counter() - started) / 10)
        wrapped = box.wrap(["/usr/bin/true"], cwd=Path(tmp), env={"PATH": "/usr/bin"},
                           mounts=sandbox.Mounts(writable=(Path(tmp),)))
        for _ in range(args.runs):
            for mode, argv in (("bwrap", wrapped), ("none", ["/usr/bin/true"])):
                started = time.perf_counter()
                subprocess.run(argv, check=True, env={"PATH": "/usr/bin"})
                true_runs[mode].append(time.perf_counter() - started)
    os.environ.pop(sandbox.SANDBOX_ENV, None)

    def med(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(f"file: {args.file.relative_to(REPO) if args.file.is_relative_to(REPO) else args.file}")
    print(f"runs: {args.runs} per side, rustc {info.version}, cpus {os.cpu_count()}")
    print(f"statuses: bwrap {sorted(statuses['bwrap'])}, none {sorted(statuses['none'])}")
    print(f"{'':<34}{'bwrap':>10}{'none':>10}{'ratio':>8}")
    rb, rn = med(samples["bwrap"]), med(samples["none"])
    print(f"{'one rustc run (median ms)':<34}{rb:>10.1f}{rn:>10.1f}{rb / rn:>8.2f}")
    tb, tn = med(true_runs["bwrap"]), med(true_runs["none"])
    print(f"{'/usr/bin/true (median ms)':<34}{tb:>10.1f}{tn:>10.1f}{tb / tn:>8.2f}")
    lb, ln = med(loop_runs["bwrap"]), med(loop_runs["none"])
    print(f"{'rustc x10 in one sandbox (ms/run)':<34}{lb:>10.1f}{ln:>10.1f}{lb / ln:>8.2f}")
    print(f"bubblewrap's own start-up: {tb - tn:.1f} ms; per rustc run: {rb - rn:+.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
