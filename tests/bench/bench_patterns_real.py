"""Pattern detection on real code: Debian's packaged crate sources, plus the new-style fixtures.

Run: .venv/bin/python tests/bench/bench_patterns_real.py [--install] [--dump FILE] [--confirm]
     (a script, not a test; --install runs `apt-get install` for the crate list when missing)

Prints, for a fixed list of popular crates (sources under /usr/share/cargo/registry):
  * candidates per catalog id per 1,000 lines, and the time per file;
  * precision per id on the hand-labelled sample in tests/data/realcode_labels.json
    (a label is file, line, id, true/false, reason; a finding matches a label by file, line, id);
  * recall on the new-style fixtures (tests/data/examples/<id>/styles/*.rs);
  * with --confirm, the workaround candidates split by tier after a proof by rewrite of each
    file compiled standalone (only confirmed findings are reported as workarounds).
Precision is over every finding (both tiers); epoch markers have no proof and are tags.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from checkers.patterns import CATALOG, detect  # noqa: E402

REGISTRY = Path("/usr/share/cargo/registry")
LABELS = REPO / "tests" / "data" / "realcode_labels.json"
EXAMPLES = Path(os.environ.get("PTRIAGE_EXAMPLES", REPO / "tests" / "data" / "examples"))

#: The fixed crate list (Debian package `librust-<name>-dev`; the folder is `<crate>-<version>`).
CRATES = (
    "regex-syntax", "hashbrown", "indexmap", "smallvec", "bytes", "memchr", "serde", "serde-json",
    "syn", "quote", "proc-macro2", "itertools", "rayon-core", "crossbeam-deque", "crossbeam-epoch",
    "crossbeam-channel", "parking-lot", "tokio", "futures-util", "h2", "http", "hyper", "nom",
    "toml", "clap", "regex", "slab", "lock-api",
)


def _folder_name(package: str) -> str:
    return package.replace("-", "[-_]")


def crate_dirs() -> dict[str, Path | None]:
    """The newest installed source folder of every crate in the list (None when missing)."""
    found: dict[str, Path | None] = {}
    entries = sorted(REGISTRY.iterdir()) if REGISTRY.is_dir() else []
    for package in CRATES:
        pattern = re.compile(rf"^{_folder_name(package)}-\d[\w.+-]*$")
        hits = [p for p in entries if pattern.match(p.name)]
        found[package] = hits[-1] if hits else None
    return found


def install(missing: list[str]) -> None:
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise SystemExit("apt-get not found: install the crate sources by hand "
                         f"(librust-<name>-dev for {', '.join(missing)})")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends",
           *[f"librust-{name}-dev" for name in missing]]
    print("running:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def crate_edition(folder: Path) -> str:
    """The crate's edition from its Cargo.toml (2015 when it names none, as Cargo does)."""
    manifest = folder / "Cargo.toml"
    text = manifest.read_text(errors="replace") if manifest.is_file() else ""
    match = re.search(r'^edition\s*=\s*"(\d{4})"', text, re.M)
    return match.group(1) if match else "2015"


def rust_files(dirs: dict[str, Path | None]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for folder in dirs.values():
        if folder is not None:
            edition = crate_edition(folder)
            out.extend((path, edition) for path in sorted(folder.rglob("*.rs")))
    return out


def load_labels() -> dict[tuple[str, int, str], dict[str, object]]:
    if not LABELS.is_file():
        return {}
    data = json.loads(LABELS.read_text())
    return {(d["file"], int(d["line"]), d["id"]): d for d in data["labels"]}


def style_recall() -> tuple[int, int, list[str]]:
    hit = total = 0
    missed = []
    for path in sorted(EXAMPLES.glob("*/styles/*.rs")):
        if path.name.endswith(".direct.rs"):
            continue
        want = path.parent.parent.name
        total += 1
        if want in {f.id for f in detect(path.read_text()).all}:
            hit += 1
        else:
            missed.append(f"{want}/{path.stem}")
    return hit, total, missed


def confirm_real(files: list[tuple[Path, str]], findings: list[tuple[str, int, str]]) -> None:
    """Prove the workaround candidates of real files standalone and split them by tier.

    Only confirmed findings are reported as workarounds; a file that does not compile alone
    (it needs its crate: imports, macros, sibling modules) leaves its candidates unproven."""
    from checkers.engine import check_source
    from checkers.patterns import CATALOG
    from checkers.toolchains import load_toolchains

    toolchains = load_toolchains()
    labels = load_labels()
    wanted = {f for f, _line, id_ in findings if CATALOG[id_].kind == "pattern"}
    tiers: Counter[tuple[str, str]] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    started = time.perf_counter()
    for path, edition in files:
        rel = str(path.relative_to(REGISTRY))
        if rel not in wanted:
            continue
        triage = check_source(path.read_text(errors="replace"), edition=edition,
                              toolchains=toolchains, confirm=True)
        for f in triage.patterns:
            why = ("confirmed" if f.confirmed else "no direct form" if f.rewrite is None
                   else "proof failed: " + ("file does not compile alone"
                                            if "does not compile" in f.reason
                                            or "unrelated" in f.reason else f.reason[:60]))
            tiers[(f.id, why)] += 1
            if f.confirmed:
                label = labels.get((rel, f.line, f.id))
                if label is not None:
                    (tp if label["true"] else fp)[f.id] += 1
    print()
    print(f"proof by rewrite on real files, standalone ({time.perf_counter() - started:.0f} s):")
    for (id_, why), n in sorted(tiers.items()):
        print(f"  {id_:34} {n:4d}  {why}")
    reported = sum(n for (_i, why), n in tiers.items() if why == "confirmed")
    print(f"  reported as workarounds (confirmed): {reported}; labelled among them: "
          f"{sum(tp.values())} true, {sum(fp.values())} false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true",
                        help="apt-get install the crates of the list that are missing")
    parser.add_argument("--dump", metavar="FILE",
                        help="write every finding as JSON lines (file, line, id, text) to FILE")
    parser.add_argument("--confirm", action="store_true",
                        help="also try to prove each workaround candidate by rewrite, compiling "
                        "its file standalone (out of its crate: most cannot compile alone)")
    args = parser.parse_args()

    dirs = crate_dirs()
    missing = [name for name, folder in dirs.items() if folder is None]
    if missing and args.install:
        install(missing)
        dirs = crate_dirs()
        missing = [name for name, folder in dirs.items() if folder is None]
    if missing:
        print(f"missing crates (rerun with --install): {', '.join(missing)}")
    files = rust_files(dirs)
    if not files:
        print("no crate sources found under", REGISTRY)
        return 1

    per_id: Counter[str] = Counter()
    findings: list[tuple[str, int, str]] = []
    lines = 0
    times: list[float] = []
    dump = open(args.dump, "w") if args.dump else None  # noqa: SIM115 - closed below
    for path, edition in files:
        text = path.read_bytes().decode("utf-8", "replace")
        lines += text.count("\n") + 1
        started = time.perf_counter()
        found = detect(text, edition=edition)
        times.append(time.perf_counter() - started)
        rel = str(path.relative_to(REGISTRY))
        src_lines = text.splitlines()
        for f in found.all:
            per_id[f.id] += 1
            findings.append((rel, f.line, f.id))
            if dump is not None:
                snippet = src_lines[f.line - 1].strip() if f.line <= len(src_lines) else ""
                dump.write(json.dumps({"file": rel, "line": f.line, "id": f.id,
                                       "text": snippet}) + "\n")
    if dump is not None:
        dump.close()

    kloc = lines / 1000
    times.sort()
    print(f"crates: {sum(1 for d in dirs.values() if d)} of {len(CRATES)}; files: {len(files)}; "
          f"lines: {lines:,}")
    print(f"time per file: mean {1000 * sum(times) / len(times):.2f} ms, median "
          f"{1000 * times[len(times) // 2]:.2f} ms, p99 {1000 * times[int(len(times) * .99)]:.1f}"
          f" ms, max {1000 * times[-1]:.1f} ms; total {sum(times):.1f} s")
    print()
    print(f"{'id':34} {'findings':>8} {'per kloc':>9}")
    for id_ in CATALOG:
        if per_id[id_]:
            print(f"{id_:34} {per_id[id_]:8d} {per_id[id_] / kloc:9.3f}")
    print(f"{'total':34} {sum(per_id.values()):8d} {sum(per_id.values()) / kloc:9.3f}")

    labels = load_labels()
    if labels:
        found_keys = set(findings)
        # labelled files outside the crate list (other installed crates) count for precision
        scanned = {str(path.relative_to(REGISTRY)) for path, _e in files}
        for rel in sorted({key[0] for key in labels} - scanned):
            path = REGISTRY / rel
            if not path.is_file():
                continue
            text = path.read_bytes().decode("utf-8", "replace")
            edition = crate_edition(REGISTRY / rel.split("/")[0])
            found_keys |= {(rel, f.line, f.id) for f in detect(text, edition=edition).all}
        tp: Counter[str] = Counter()
        fp: Counter[str] = Counter()
        gone_true: Counter[str] = Counter()
        gone_false: Counter[str] = Counter()
        for key, label in labels.items():
            hit = key in found_keys
            if label["true"]:
                (tp if hit else gone_true)[key[2]] += 1
            else:
                (fp if hit else gone_false)[key[2]] += 1
        unlabelled: dict[str, int] = defaultdict(int)
        for key in found_keys - labels.keys():
            unlabelled[key[2]] += 1
        print()
        print(f"hand-labelled sample: {len(labels)} labels ({LABELS.relative_to(REPO)})")
        print(f"{'id':34} {'TP':>4} {'FP':>4} {'prec':>6} {'TP lost':>8} {'FP gone':>8}"
              f" {'unlabelled':>10}")
        ids = sorted({k[2] for k in labels} | set(unlabelled))
        for id_ in ids:
            reported = tp[id_] + fp[id_]
            prec = f"{tp[id_] / reported:.2f}" if reported else "  -"
            print(f"{id_:34} {tp[id_]:4d} {fp[id_]:4d} {prec:>6} {gone_true[id_]:8d} "
                  f"{gone_false[id_]:8d} {unlabelled[id_]:10d}")
        total_tp, total_fp = sum(tp.values()), sum(fp.values())
        if total_tp + total_fp:
            print(f"{'all':34} {total_tp:4d} {total_fp:4d} "
                  f"{total_tp / (total_tp + total_fp):6.2f}")

    if args.confirm:
        confirm_real(files, findings)

    hit, total, missed = style_recall()
    if total:
        print()
        print(f"new-style fixture recall: {hit}/{total} = {hit / total:.2f}")
        for name in missed:
            print(f"  missed: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
