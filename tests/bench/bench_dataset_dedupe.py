"""Benchmark near-duplicate grouping (`app.dataset.DuplicateIndex`) against the naive way.

Builds N synthetic cases (random functions from 20 statement shapes; every fifth a renamed,
reformatted copy of the one before), then prints side by side:
  (a) DuplicateIndex: tree-sitter tokens + MinHash + LSH (what `ptriage dataset` does),
  (b) tokenising alone (the part LSH cannot save),
  (c) the naive way: exact Jaccard of every pair of shingle sets (O(N²)), at a smaller N and
      extrapolated quadratically to N,
and the ratio c/a, plus how many groups each finds at the smaller N.
Usage: python tests/bench/bench_dataset_dedupe.py [--cases N] [--naive-cases M]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from app.dataset.dedupe import DEFAULT_THRESHOLD, DuplicateIndex, normalised_tokens, shingles  # noqa: E402

_STATEMENTS = (
    "let {a} = {b}.len() + {n};", "{a}.push({b});", "if {a} > {n} {{ return {b}; }}",
    "for {a} in 0..{n} {{ {b} += {a}; }}", "let {a}: Vec<u32> = Vec::with_capacity({n});",
    "{a}.insert({b}, {n});", "match {a} {{ Some({b}) => {b}, None => {n} }};",
    "let {a} = {b}.iter().map(|x| x * {n}).sum::<u32>();", "while {a} < {n} {{ {a} += 1; }}",
    "let {a} = &mut {b}[{n}];", "{a}.sort_by_key(|x| x.{b});", "let {a} = {b}.get(&{n});",
    "{a} = {b}.wrapping_mul({n});", "let ({a}, {b}) = ({n}, {n} + 1);",
    "let {a} = format!(\"{{}}-{{}}\", {b}, {n});", "{a}.extend({b}.drain(..{n}));",
    "if let Some({a}) = {b}.pop() {{ {a}.clear(); }}", "let {a} = {b}.split_at({n});",
    "{a}.retain(|x| *x != {n});", "let {a} = std::mem::take(&mut {b});",
)
_NAMES = ("map", "key", "value", "cursor", "node", "buf", "cache", "entry", "vec", "slot",
          "count", "total", "item", "acc", "list")


def _program(seed: int) -> str:
    rng = random.Random(seed)
    body = [rng.choice(_STATEMENTS).format(a=rng.choice(_NAMES), b=rng.choice(_NAMES),
                                           n=rng.randrange(100))
            for _ in range(rng.randrange(8, 20))]
    return f"fn f{seed}() {{\n" + "\n".join("    " + line for line in body) + "\n}\n"


def _sources(n: int) -> dict[str, str]:
    """Distinct random functions; every fifth is a renamed, reformatted copy of its predecessor."""
    out = {}
    for i in range(n):
        source = _program(i - 1).replace("map", "table").replace("    ", "\t") if i % 5 == 1 else _program(i)
        out[f"{i:08d}"] = source
    return out


def _naive_groups(sources: dict[str, str]) -> int:
    sets = {cid: shingles(normalised_tokens(src)) for cid, src in sources.items()}
    parent = {cid: cid for cid in sets}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in combinations(sorted(sets), 2):
        jaccard = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        if jaccard >= DEFAULT_THRESHOLD:
            parent[find(b)] = find(a)
    return len({find(c) for c in sets})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--naive-cases", type=int, default=600)
    args = parser.parse_args()
    big, small = _sources(args.cases), _sources(args.naive_cases)

    start = time.perf_counter()
    index = DuplicateIndex(big)
    lsh_s = time.perf_counter() - start
    start = time.perf_counter()
    for src in big.values():
        normalised_tokens(src)
    tokens_s = time.perf_counter() - start

    start = time.perf_counter()
    small_index = DuplicateIndex(small)
    small_lsh_s = time.perf_counter() - start
    start = time.perf_counter()
    naive_groups = _naive_groups(small)
    naive_s = time.perf_counter() - start
    naive_big_s = naive_s * (args.cases / args.naive_cases) ** 2

    print(f"cases: {args.cases} (expected groups: {args.cases - (args.cases + 3) // 5})")
    print(f"(a) DuplicateIndex (tokens + MinHash + LSH): {lsh_s:8.2f} s  "
          f"({lsh_s / args.cases * 1000:.2f} ms/case, {len(index.groups)} groups)")
    print(f"(b) tokenising alone:                        {tokens_s:8.2f} s")
    print(f"(c) naive all-pairs Jaccard, {args.naive_cases} cases:     {naive_s:8.2f} s  "
          f"(DuplicateIndex on the same: {small_lsh_s:.2f} s; groups naive {naive_groups}, "
          f"index {len(small_index.groups)})")
    print(f"    naive extrapolated to {args.cases} cases:   {naive_big_s:8.2f} s")
    print(f"ratio naive/index at {args.cases} cases: {naive_big_s / lsh_s:.1f}x; "
          f"at {args.naive_cases} cases: {naive_s / small_lsh_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
