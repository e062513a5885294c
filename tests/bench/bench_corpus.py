"""Corpus benchmark: import, export and a filtered query over 100,000 generated cases."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from app import jsonl  # noqa: E402 - after the sys.path line, so the script runs from anywhere
from app.corpus import Corpus  # noqa: E402
from tests.app.data.records import make_labelled  # noqa: E402

TARGETS = {"import": 20.0, "export": 10.0, "query": 0.100}


def _timed(label: str, target: float | None, action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    verdict = "" if target is None else ("  ok" if elapsed < target else "  OVER TARGET")
    limit = "" if target is None else f" (target < {target:g} s)"
    print(f"{label:<44} {elapsed:8.3f} s{limit}{verdict}", flush=True)
    return result, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        source = work / "cases.jsonl"

        def generate() -> None:
            with source.open("w", encoding="utf-8") as out:
                for n in range(args.cases):
                    out.write(jsonl.dumps_record(make_labelled(n)) + "\n")

        _timed(f"generate {args.cases:,} cases", None, generate)
        print(f"{'  JSONL size':<44} {source.stat().st_size / 1e6:8.1f} MB")
        over = False
        with Corpus(work / "bench.sqlite3") as corpus:
            report, took = _timed("import (validate + merge, one transaction)",
                                  TARGETS["import"], lambda: corpus.import_jsonl(source))
            over |= took >= TARGETS["import"]
            print(f"{'  ':<44} {report.added:,} added, {report.merged} merged, "
                  f"{report.unchanged} unchanged")
            out = work / "export.jsonl"
            _, took = _timed("export (all cases)", TARGETS["export"],
                             lambda: corpus.export_jsonl(out))
            over |= took >= TARGETS["export"]
            by_id = sorted(source.read_bytes().splitlines(), key=lambda b: b[b.index(b'"id":'):])
            same = out.read_bytes().splitlines() == by_id
            print(f"{'  export = import file sorted by id':<44} {same}")

            queries = [
                ("query label+verdict+text (summaries)",
                 {"label": "real-error", "verdict": "polonius-accepts", "text": "cursor buf"}),
                ("query label+verdict+text (count)",
                 {"label": "real-error", "verdict": "polonius-accepts", "text": "cursor buf"}),
                ("query text only (summaries)", {"text": "cursor buf"}),
                ("query text matching every case (summaries)", {"text": "map.get(&key)"}),
                ("query 2-letter text, LIKE scan (count)", {"text": "zq"}),
                ("query label only (summaries)", {"label": "skip"}),
                ("all summaries (unfiltered)", {}),
            ]
            for label, filters in queries:
                method = corpus.count if "count" in label else corpus.summaries
                best = min(_quiet(lambda m=method, f=filters: m(**f)) for _ in range(5))
                rows = method(**filters)
                size = rows if isinstance(rows, int) else len(rows)
                target = TARGETS["query"] if "label+verdict+text" in label else None
                mark = "" if target is None else ("  ok" if best < target else "  OVER TARGET")
                limit = "" if target is None else f" (target < {target:g} s)"
                print(f"{label:<44} {best:8.3f} s{limit}{mark}  [{size:,} rows, best of 5]")
                if target is not None:
                    over |= best >= target
            stats_result, _ = _timed("stats", None, corpus.stats)
            print(f"{'  cases in stats':<44} {stats_result['cases']:,}")
        print(f"{'corpus file size':<44} {(work / 'bench.sqlite3').stat().st_size / 1e6:8.1f} MB")
    return 1 if over else 0


def _quiet(action) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
