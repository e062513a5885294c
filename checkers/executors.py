"""Executor backends for a scan: a local thread pool, or tasks on a Dask cluster.

A backend runs one work function over work units and hands back futures; it knows nothing of
what a unit holds. The Dask backend pickles the function by reference, so it must be a
module-level function its workers can import (``checkers.scan._process_unit_remote``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from checkers.errors import CheckerError

#: Seconds to wait for a Dask scheduler before giving up (exit 3).
DASK_CONNECT_TIMEOUT = 10.0


class ExecutorError(CheckerError):
    """The requested executor cannot be used; ``exit_code`` is what the CLI returns."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Future(Protocol):
    def result(self, timeout: float | None = ...) -> Any: ...
    def add_done_callback(self, fn: Callable[[Any], object]) -> None: ...
    def cancel(self) -> Any: ...


class _Backend(Protocol):
    slots: int

    def submit(self, unit: Any) -> _Future: ...
    def close(self) -> None: ...


class _LocalBackend:
    """A thread pool over work units: rustc runs are subprocesses, so threads overlap them well.

    ``work(unit)`` runs on a pool thread for each submitted unit."""

    def __init__(self, jobs: int, work: Callable[[Any], Any]) -> None:
        self.slots = jobs
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ptriage-scan")
        self._work = work

    def submit(self, unit: Any) -> _Future:
        return self._pool.submit(self._work, unit)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _DaskBackend:
    """Units as tasks on a Dask cluster through ``distributed.Client``.

    ``work(unit)`` runs on a worker: a module-level function (pickled by reference, so the
    workers import it from the same module)."""

    def __init__(self, address: str, jobs: int | None, work: Callable[[Any], Any]) -> None:
        try:
            import distributed
        except ImportError as exc:
            raise ExecutorError(
                "--executor dask:// needs the `distributed` package: install it with "
                "`pip install 'polonius-triage[cluster]'`", exit_code=2) from exc
        target = address.removeprefix("dask://")
        if not target:
            raise ExecutorError("--executor dask://HOST:PORT needs a scheduler address")
        try:
            client_cls: Any = distributed.Client
            self._client: Any = client_cls(f"tcp://{target}", timeout=DASK_CONNECT_TIMEOUT,
                                           set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {target}: {exc} (start one with "
                "`dask scheduler` and workers with `dask worker tcp://HOST:PORT`, or drop "
                "--executor to scan locally)", exit_code=3) from exc
        threads = sum(self._client.nthreads().values()) or 1
        self.slots = max(2, jobs or threads * 2)
        self._work = work

    def submit(self, unit: Any) -> _Future:
        future: _Future = self._client.submit(self._work, unit, pure=False)
        return future

    def close(self) -> None:
        self._client.close()
