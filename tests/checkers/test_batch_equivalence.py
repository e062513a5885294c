"""Batched scanning gives exactly the records of checking each snippet alone (real rustc)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from checkers.batch import Case, ScanStats, batch_placement, scan_iter
from checkers.engine import check_source
from checkers.model import Triage
from checkers.snippet import prepare
from checkers.toolchains import load_toolchains
from tests.conftest import EXAMPLES
from tests.data.corpus.generate import generate

pytestmark = pytest.mark.toolchains

EXPECTED_VERDICTS = {"clean", "polonius-accepts", "needs-full-polonius", "alpha-only-accepts",
                     "partial-fix", "both-reject", "other-error", "toolchain-error"}


def comparable(triage: Triage) -> dict[str, Any]:
    """The whole record minus timings (which differ between any two runs)."""
    record = triage.to_record()
    for check in record["checks"].values():
        check.pop("elapsed_ms")
    return record


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cache = tmp_path_factory.mktemp("equivalence-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTRIAGE_CACHE_DIR", str(cache))
        toolchains = load_toolchains()
        corpus = generate(170, seed=1, examples=EXAMPLES)
        cases = [Case(source=str(c["source"]), edition=str(c["edition"]),
                      origin={"corpus_id": c["id"]}) for c in corpus]
        stats = ScanStats()
        batched = {t.origin["corpus_id"]: t for t in scan_iter(
            cases, toolchains=toolchains, patterns=False, cache=False, jobs=2, stats=stats)
            if t.origin is not None}

        def alone(case: Case) -> tuple[str, Triage]:
            assert case.origin is not None
            return case.origin["corpus_id"], check_source(
                case.source, edition=case.edition, toolchains=toolchains, patterns=False,
                origin=case.origin)

        with ThreadPoolExecutor(2) as pool:
            single = dict(pool.map(alone, cases))
    return {"cases": cases, "batched": batched, "single": single, "stats": stats}


def test_corpus_is_large_and_covers_every_verdict(corpus_results: dict[str, Any]) -> None:
    single = corpus_results["single"]
    assert len(single) >= 150
    verdicts = Counter(t.verdict for t in single.values())
    assert set(verdicts) >= EXPECTED_VERDICTS, verdicts
    # Loose statements, parse errors and type errors are all represented.
    ids = {c.origin["corpus_id"].split("/")[0] for c in corpus_results["cases"]}
    assert {"loose_clean", "loose_conflict", "loose_try", "parse_error", "type_error",
            "inference_error", "lint_error"} <= ids


def test_batched_records_equal_single_checks(corpus_results: dict[str, Any]) -> None:
    batched, single = corpus_results["batched"], corpus_results["single"]
    assert set(batched) == set(single)
    mismatched = []
    for key, alone in single.items():
        together = batched[key]
        # The fields the verdict stands on, compared one by one for a readable failure …
        if (together.verdict, together.corroborated, together.drift, together.functions) != (
                alone.verdict, alone.corroborated, alone.drift, alone.functions):
            mismatched.append((key, "verdict", alone.verdict, together.verdict))
            continue
        for role, result in alone.checks.items():
            mine = [(d.code, d.line, d.column) for d in batched[key].checks[role].diagnostics]
            theirs = [(d.code, d.line, d.column) for d in result.diagnostics]
            if mine != theirs:
                mismatched.append((key, role, theirs, mine))
        # … and then the whole record (messages, labels, reasons, diff) byte for byte.
        if comparable(together) != comparable(alone):
            mismatched.append((key, "record"))
    assert not mismatched, mismatched


def test_batching_really_shares_rustc_runs(corpus_results: dict[str, Any]) -> None:
    placements = Counter(batch_placement(prepare(c.source, edition=c.edition))[0]
                         for c in corpus_results["cases"])
    # Every kind of placement is exercised: modules, crate-root hosts and single checks.
    assert placements["host"] >= 5 and placements["solo"] >= 5 and placements["module"] >= 100
    stats: ScanStats = corpus_results["stats"]
    assert stats.batch_runs > 0
    assert stats.rustc_runs * 3 < stats.role_checks, stats
