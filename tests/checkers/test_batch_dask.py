"""Scale-out: the same records from a real Dask LocalCluster on loopback; clear errors without one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

import checkers.executors as executors
from checkers.batch import Case, ExecutorError, scan_iter
from checkers.toolchains import load_toolchains
from tests.data.corpus.generate import generate


def _records(triages: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for triage in triages:
        record = triage.to_record()
        for check in record["checks"].values():
            check.pop("elapsed_ms")
        out[record["origin"]["corpus_id"]] = record
    return out


@pytest.fixture(scope="module")
def cluster_address() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1,
                                  processes=True, dashboard_address=None) as cluster:
        yield str(cluster.scheduler_address).removeprefix("tcp://")


@pytest.mark.toolchains
def test_dask_cluster_gives_the_same_records_as_the_local_pool(cluster_address: str) -> None:
    toolchains = load_toolchains()
    corpus = generate(40, seed=7)
    cases = [Case(source=str(c["source"]), edition=str(c["edition"]),
                  origin={"corpus_id": c["id"]}) for c in corpus]
    local = _records(scan_iter(cases, toolchains=toolchains, cache=False, batch_size=8))
    remote = _records(scan_iter(cases, toolchains=toolchains, cache=False, batch_size=8,
                                executor=f"dask://{cluster_address}"))
    assert remote == local
    assert len(remote) == len(cases)


@pytest.mark.toolchains
def test_unreachable_scheduler_exits_3_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "DASK_CONNECT_TIMEOUT", 0.5)
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler") as info:
        next(scan_iter([Case("fn a() {}\n")], toolchains=load_toolchains(),
                       executor="dask://127.0.0.1:9"))
    assert info.value.exit_code == 3


@pytest.mark.toolchains
def test_missing_distributed_exits_2_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError, match=r"polonius-triage\[cluster\]") as info:
        next(scan_iter([Case("fn a() {}\n")], toolchains=load_toolchains(),
                       executor="dask://127.0.0.1:8786"))
    assert info.value.exit_code == 2


@pytest.mark.toolchains
def test_unknown_executor_is_a_usage_error() -> None:
    with pytest.raises(ExecutorError, match="unknown executor"):
        next(scan_iter([Case("fn a() {}\n")], toolchains=load_toolchains(), executor="ray://x"))
