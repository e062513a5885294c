"""The scan loop: cases → work units → triages, with the result cache, on a local or Dask executor.

``scan_iter`` groups cases into picklable ``WorkUnit``s (one edition each), submits them to an
executor backend and yields each ``Triage`` as its unit completes; ``process_unit`` (the same
function locally and on a Dask worker) checks a unit's cases under every role: whole records and
per-role results from the cache first, then batches (``checkers.batching``), then proof by
rewrite of the findings in the same batches.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from checkers.batching import DEFAULT_BATCH_SIZE, _run_role_many, _runs_alone, batch_placement
from checkers.cache import CACHE_VERSION, ResultCache, cache_key, code_fingerprint, shared_cache
from checkers.cfg import parse_features, with_cfg
from checkers.engine import build_triage, refused_result, run_role
from checkers.errors import CancelledError, CheckerError, InputError, ToolchainError
from checkers.executors import ExecutorError, _Backend, _DaskBackend, _Future, _LocalBackend
from checkers.inputs import Case, SkipCallback
from checkers.model import ROLES, CancelFlag, CheckResult, Finding, Triage
from checkers.snippet import Snippet, host_file_access, prepare
from checkers.toolchains import BASELINE, REQUIRED_ROLES, Toolchains, load_toolchains

Progress = Callable[[float, str], None]


@dataclass(slots=True)
class ScanStats:
    """Counters a scan fills in as it runs (for summaries and benchmarks)."""

    cases: int = 0
    skipped: int = 0
    cache_hits: int = 0
    record_hits: int = 0
    role_checks: int = 0
    rustc_runs: int = 0
    batch_runs: int = 0
    solo_runs: int = 0
    bisections: int = 0
    reruns: int = 0
    timeouts: int = 0

    def add(self, other: dict[str, int]) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _STAT_FIELDS}


_STAT_FIELDS = ("cases", "skipped", "cache_hits", "record_hits", "role_checks", "rustc_runs",
                "batch_runs", "solo_runs", "bisections", "reruns", "timeouts")


# ---------------------------------------------------------------------------------------------
# Work units: a picklable batch of cases → triages (the same function runs locally and on Dask)


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """A picklable batch of cases and how to check them; ``process_unit`` turns it into results."""

    cases: tuple[Case, ...]
    toolchains_file: str | None
    fingerprint: str
    cache: bool = True
    patterns: bool = True
    confirm: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    #: cfg options (``--cfg-test``, ``--features``): a worker that loads its own toolchains
    #: applies them (they are in the role flags, so in the fingerprint).
    cfg_test: bool = False
    features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitResult:
    """The triages of one unit, the cases it could not check, and counters."""

    triages: tuple[Triage, ...]
    skipped: tuple[tuple[str, str], ...]
    counters: dict[str, int]


def _where(case: Case) -> str:
    origin = case.origin or {}
    path = origin.get("path")
    if path is None:
        return case.id or case.record_id[:12]
    line = origin.get("line")
    return f"{path}:{line}" if line is not None else str(path)


def _findings(source: str, edition: str) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    from checkers import patterns as pattern_mod

    found = pattern_mod.detect(source, edition=edition)
    return tuple(found.patterns), tuple(found.epochs)


def _confirm(snippet: Snippet, found: tuple[Finding, ...], toolchains: Toolchains,
             cancel: CancelFlag | None, *, batched: Callable[[str], Triage | None] | None = None,
             original: Triage | None = None) -> tuple[Finding, ...]:
    """Prove findings by rewrite exactly as ``check_source(confirm=True)`` does.

    ``batched`` returns the triage of a direct form that already ran in the unit's role batches
    (None when it did not: then it is checked alone, as before)."""
    from checkers import patterns as pattern_mod
    from checkers.engine import check_source

    if not found:
        return found

    def check_rewrite(rewritten: str) -> Triage:
        done = batched(rewritten) if batched is not None else None
        if done is not None:
            return done
        return check_source(rewritten, edition=snippet.edition, toolchains=toolchains,
                            patterns=False, cancel=cancel)

    return tuple(pattern_mod.confirm(snippet.user_source, found, check=check_rewrite,
                                     original=original))


def _direct_forms(snippet: Snippet, found: tuple[Finding, ...]) -> list[str]:
    """The direct form of every workaround finding that has a mechanical rewrite."""
    from checkers import patterns as pattern_mod

    out = []
    for finding in found:
        if finding.kind == "pattern":
            direct = pattern_mod.rewrite(snippet.user_source, finding)
            if direct is not None and direct not in out:
                out.append(direct)
    return out


#: Role statuses that make a whole record safe to reuse (the same inputs give the same record).
#: Records whose every role has one of these statuses are cached whole. Not ``refused``: a
#: refusal is cheap to recompute, and one from the host fallback's dep-info check must never be
#: stored (the run read a host file).
#: A ``timeout`` counts too: the record key holds the time limit it ran under.
_STABLE_STATUSES = frozenset({"ok", "ice", "missing", "timeout"})


def record_key(case: Case, toolchains: Toolchains, *, patterns: bool, confirm: bool) -> str:
    """Key of a whole record: engine code, every role's identity, options, edition, exact source."""
    digest = hashlib.sha256()
    digest.update(json.dumps([CACHE_VERSION, code_fingerprint(), toolchains.fingerprint(),
                              toolchains.limits.allow_include, toolchains.limits.max_input_kb,
                              toolchains.limits.timeout,
                              list(toolchains.notes), case.edition, patterns, confirm]).encode())
    digest.update(b"\0")
    digest.update(case.source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def triage_from_record(record: dict[str, Any], *, origin: dict[str, Any] | None) -> Triage:
    """Rebuild a Triage from its record (``to_record`` round-trips through this)."""
    return Triage.from_record(record, origin=origin)


def process_unit(unit: WorkUnit, *, toolchains: Toolchains | None = None,
                 cancel: CancelFlag | None = None,
                 cache: ResultCache | None = None) -> UnitResult:
    """Check every case of ``unit`` under every role: cache first, then batches, then singles."""
    tc = toolchains if toolchains is not None else with_cfg(
        load_toolchains(unit.toolchains_file), cfg_test=unit.cfg_test, features=unit.features)
    if tc.fingerprint() != unit.fingerprint:
        raise ToolchainError(
            "this worker's toolchains differ from the client's (fingerprint "
            f"{tc.fingerprint()} vs {unit.fingerprint}): install the same rustc versions on "
            "every worker (`ptriage toolchains` shows them)")
    store = cache if cache is not None else (shared_cache() if unit.cache else None)
    counters: dict[str, int] = {"cache_hits": 0, "role_checks": 0, "record_hits": 0}
    skipped: list[tuple[str, str]] = []
    limit = tc.limits.max_input_kb * 1024
    reused: list[Triage] = []
    todo_cases: list[tuple[Case, str | None]] = [(case, None) for case in unit.cases]
    if store is not None:
        keyed = [(case, record_key(case, tc, patterns=unit.patterns, confirm=unit.confirm))
                 for case in unit.cases]
        records = store.get_records(key for _case, key in keyed)
        todo_cases = []
        for case, key in keyed:
            record = records.get(key)
            if record is None:
                todo_cases.append((case, key))
            else:
                reused.append(triage_from_record(record, origin=case.origin))
        counters["record_hits"] = len(reused)
        counters["cache_hits"] = len(reused) * len(tc.roles)
    prepared: list[tuple[Case, Snippet, str | None]] = []
    record_keys: list[str | None] = []
    for case, rkey in todo_cases:
        try:
            size = len(case.source.encode("utf-8", "surrogatepass"))
            if size > limit:
                raise InputError(f"input is {size:,} bytes, over the {limit:,}-byte limit "
                                 "(raise limits.max_input_kb in toolchains.toml)")
            if "\x00" in case.source:
                raise InputError("input contains NUL bytes: not Rust source")
            snippet = prepare(case.source, edition=case.edition)
        except InputError as exc:
            skipped.append((_where(case), str(exc)))
            continue
        refusal = None if tc.limits.allow_include else host_file_access(snippet.user_source)
        prepared.append((case, snippet, refusal))
        record_keys.append(rkey)

    # Proof by rewrite rides in the same per-role batches: each finding's direct form is one
    # more snippet after the cases (index >= n_cases), checked, cached and batched like them.
    n_cases = len(prepared)
    found_by_case: list[tuple[tuple[Finding, ...], tuple[Finding, ...]]] = []
    direct_at: dict[tuple[str, str], int] = {}
    if unit.patterns:
        found_by_case = [_findings(s.user_source, s.edition) for _c, s, _r in prepared]
        if unit.confirm:
            for index in range(n_cases):
                case, snippet, refusal = prepared[index]
                if refusal is not None:
                    continue
                for direct in _direct_forms(snippet, found_by_case[index][0]):
                    if (snippet.edition, direct) in direct_at:
                        continue
                    try:
                        direct_snippet = prepare(direct, edition=snippet.edition)
                    except InputError:
                        continue  # checked alone later, which reports it as the engine does
                    direct_at[(snippet.edition, direct)] = len(prepared)
                    prepared.append((case, direct_snippet, None if tc.limits.allow_include
                                     else host_file_access(direct_snippet.user_source)))
                    record_keys.append(None)

    roles = [r for r in ROLES if r in tc.roles]
    checks: list[dict[str, CheckResult]] = [{} for _ in prepared]
    keys: dict[tuple[int, str], str] = {}
    for index, (_case, snippet, refusal) in enumerate(prepared):
        for role in roles:
            info = tc.roles[role]
            if refusal is not None:
                checks[index][role] = refused_result(info, refusal)
            elif info.available:
                keys[(index, role)] = cache_key(info, snippet)
    cached = (store.get_many(keys.values(), timeout=tc.limits.timeout)
              if store is not None and keys else {})
    for (index, role), key in keys.items():
        hit = cached.get(key)
        if hit is not None:
            checks[index][role] = hit
            counters["cache_hits"] += 1

    placement = [batch_placement(snippet)[0] if unit.batch_size > 1 and refusal is None
                 else "solo" for _case, snippet, refusal in prepared]

    def run_one_role(role: str, hints: list[bool] | None) -> tuple[dict[int, CheckResult],
                                                                   dict[str, int]]:
        info = tc.roles[role]
        mine: dict[str, int] = {"role_checks": 0}
        todo = [i for i, (_c, _s, refusal) in enumerate(prepared)
                if refusal is None and role not in checks[i]]
        if not todo:
            return {}, mine
        mine["role_checks"] = len(todo)
        if not info.available:
            return {i: run_role(info, prepared[i][1], tc, cancel) for i in todo}, mine
        results = _run_role_many(info, [prepared[i][1] for i in todo],
                                 [placement[i] for i in todo],
                                 None if hints is None else [hints[i] for i in todo],
                                 tc, cancel, mine, unit.batch_size)
        return dict(zip(todo, results, strict=True)), mine

    fresh: dict[str, CheckResult] = {}

    def merge(role: str, done: dict[int, CheckResult], mine: dict[str, int]) -> None:
        for name, value in mine.items():
            counters[name] = counters.get(name, 0) + value
        for i, result in done.items():
            checks[i][role] = result
            fresh[keys[(i, role)]] = result

    # The baseline runs first: which snippets it accepts predicts, for the other roles, which
    # ones share an error-free batch (fewer re-runs). The other roles then run side by side.
    first = [r for r in roles if r == BASELINE]
    for role in first:
        merge(role, *run_one_role(role, None))
    hints = [bool(checks[i].get(BASELINE) is not None and checks[i][BASELINE].accepted)
             for i in range(len(prepared))]
    rest = [r for r in roles if r not in first]
    if rest:
        with ThreadPoolExecutor(max_workers=len(rest), thread_name_prefix="ptriage-role") as pool:
            futures = {role: pool.submit(run_one_role, role, hints) for role in rest}
            for role, future in futures.items():
                merge(role, *future.result())
    if store is not None and fresh:
        store.put_many(fresh, timeout=tc.limits.timeout)

    triages: list[Triage] = reused
    new_records: dict[str, dict[str, Any]] = {}
    def batched(edition: str) -> Callable[[str], Triage | None]:
        def lookup(direct: str) -> Triage | None:
            at = direct_at.get((edition, direct))
            if at is None:
                return None
            done = {r: checks[at][r] for r in roles if r in checks[at]}
            return build_triage(prepared[at][1], done, toolchains=tc)
        return lookup

    for index, (case, snippet, _refusal) in enumerate(prepared[:n_cases]):
        found_patterns: tuple[Finding, ...] = ()
        found_epochs: tuple[Finding, ...] = ()
        ordered = {r: checks[index][r] for r in roles if r in checks[index]}
        if unit.patterns:
            found_patterns, found_epochs = found_by_case[index]
            if unit.confirm and found_patterns:
                found_patterns = _confirm(
                    snippet, found_patterns, tc, cancel, batched=batched(snippet.edition),
                    original=build_triage(snippet, ordered, toolchains=tc, origin=case.origin))
        triage = build_triage(snippet, ordered, toolchains=tc, origin=case.origin,
                              patterns=found_patterns, epochs=found_epochs)
        triages.append(triage)
        rkey = record_keys[index]
        if rkey is not None and all(c.status in _STABLE_STATUSES for c in ordered.values()):
            record = triage.to_record()
            record.pop("origin")
            new_records[rkey] = record
    if store is not None and new_records:
        store.put_records(new_records)
    return UnitResult(tuple(triages), tuple(skipped), counters)


def _process_unit_remote(unit: WorkUnit) -> UnitResult:
    """Entry point on a Dask worker: it loads its own toolchains (and uses its own cache)."""
    return process_unit(unit)


def _units(cases: Iterable[Case], batch_size: int, toolchains_file: str | None, fingerprint: str,
           *, cache: bool, patterns: bool, confirm: bool, cfg_test: bool = False,
           features: tuple[str, ...] = ()) -> Iterator[WorkUnit]:
    """Units of one edition each (an edition is crate-wide, so only those share rustc runs).

    A case that will run alone anyway (a large whole file, or one whose imports cannot resolve
    alone: see ``batch_placement``) is a unit of its own, so such files spread over the workers
    exactly as with ``--batch-size 1`` instead of queueing one after another inside a unit.
    """
    buckets: dict[str, list[Case]] = {}
    for case in cases:
        if batch_size > 1 and _runs_alone(case.source):
            yield WorkUnit((case,), toolchains_file, fingerprint, cache, patterns, confirm,
                           batch_size, cfg_test, features)
            continue
        bucket = buckets.setdefault(case.edition, [])
        bucket.append(case)
        if len(bucket) >= batch_size:
            yield WorkUnit(tuple(bucket), toolchains_file, fingerprint, cache, patterns, confirm,
                           batch_size, cfg_test, features)
            bucket.clear()
    for bucket in buckets.values():
        if bucket:
            yield WorkUnit(tuple(bucket), toolchains_file, fingerprint, cache, patterns, confirm,
                           batch_size, cfg_test, features)


def _unit_size(batch_size: int, total: int | None, workers: int) -> int:
    """Smaller units when the whole scan is small, so every worker gets a share."""
    if total is None or total <= 0:
        return batch_size
    return min(batch_size, max(16, -(-total // (2 * workers))))


def require_runnable(toolchains: Toolchains) -> None:
    missing = [r for r in REQUIRED_ROLES if not toolchains.roles[r].available]
    if missing:
        info = toolchains.roles[missing[0]]
        raise ToolchainError(
            f"toolchain role {info.role!r} cannot run: {info.problem}"
            + (f"; fix: {info.fix}" if info.fix else "")
            + " (see `ptriage toolchains`)")


def scan_iter(
    cases: Iterable[Case],
    *,
    toolchains: Toolchains | None = None,
    jobs: int | None = None,
    cache: bool = True,
    cancel: CancelFlag | None = None,
    progress: Progress | None = None,
    executor: str | None = None,
    patterns: bool = True,
    confirm: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    total: int | None = None,
    on_skip: SkipCallback | None = None,
    stats: ScanStats | None = None,
    cfg_test: bool = False,
    features: tuple[str, ...] | list[str] = (),
) -> Iterator[Triage]:
    """Check many cases, yielding each Triage as soon as its batch completes (order may differ).

    Each Triage carries its case's ``origin``; its verdict, diagnostics and findings equal those
    of ``check_source(case.source, edition=case.edition, patterns=patterns, confirm=confirm)``.
    Cases are pulled lazily and at most two units per worker are in flight, so memory stays
    bounded however long ``cases`` is.

    ``executor`` is None (a local thread pool of ``jobs`` workers, default: CPU count) or
    ``"dask://HOST:PORT"`` (raises ExecutorError: ``exit_code`` 2 without `distributed`, 3 when
    the scheduler cannot be reached). ``cache`` reads and writes the result cache in
    ``checkers.paths.cache_dir()``. Setting ``cancel`` stops the scan: running rustc processes
    are killed and the iterator simply ends. ``progress(fraction, message)`` is called on the
    consuming thread after each result (``fraction`` is 0 while ``total`` is unknown; a sized
    ``cases`` gives it). ``cfg_test``/``features`` compile `#[cfg(test)]`/`#[test]` and
    `feature="…"` code as ``check_source`` does. ``on_skip(where, reason)`` hears of cases that
    cannot be checked (empty, too large, NUL bytes); ``stats`` is filled with counters as the
    scan runs. Raises ToolchainError when the stable or polonius role cannot run at all.
    """
    tc = toolchains if toolchains is not None else load_toolchains()
    features = parse_features(features)
    tc = with_cfg(tc, cfg_test=cfg_test, features=features)
    require_runnable(tc)
    workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    batch_size = max(1, batch_size)
    if total is None and isinstance(cases, Sized):
        total = len(cases)
    stop = threading.Event()
    backend: _Backend
    if executor is None or executor in ("local", ""):
        backend = _LocalBackend(workers, functools.partial(process_unit, toolchains=tc,
                                                           cancel=stop))
    elif executor.startswith("dask://"):
        backend = _DaskBackend(executor, jobs, _process_unit_remote)
    else:
        raise ExecutorError(f"unknown executor {executor!r}: use dask://HOST:PORT or omit it")
    units = _units(cases, _unit_size(batch_size, total, workers), str(tc.source_path),
                   tc.fingerprint(), cache=cache, patterns=patterns, confirm=confirm,
                   cfg_test=cfg_test, features=features)
    done: queue.Queue[_Future] = queue.Queue()
    in_flight: list[_Future] = []
    exhausted = False
    finished = 0
    started = time.monotonic()
    try:
        while True:
            while not exhausted and len(in_flight) < backend.slots * 2 and not stop.is_set():
                unit = next(units, None)
                if unit is None:
                    exhausted = True
                    break
                future = backend.submit(unit)
                future.add_done_callback(done.put)
                in_flight.append(future)
            if not in_flight:
                return
            try:
                future = done.get(timeout=0.1)
            except queue.Empty:
                if cancel is not None and cancel.is_set():
                    stop.set()
                    return
                continue
            in_flight.remove(future)
            if cancel is not None and cancel.is_set():
                stop.set()
                return
            try:
                result: UnitResult = future.result()
            except CancelledError:
                if stop.is_set() or (cancel is not None and cancel.is_set()):
                    return
                raise
            except CheckerError:
                raise
            except Exception as exc:
                if isinstance(backend, _DaskBackend):
                    # A lost worker or a worker that cannot import the engine: not a bug here.
                    raise ExecutorError(f"a Dask task failed: {exc!r} (check the workers' logs; "
                                        "they need polonius-triage and the same toolchains)",
                                        exit_code=3) from exc
                raise
            if stats is not None:
                stats.add(result.counters)
                stats.skipped += len(result.skipped)
            for where, reason in result.skipped:
                if on_skip is not None:
                    on_skip(where, reason)
            for triage in result.triages:
                finished += 1
                if stats is not None:
                    stats.cases += 1
                yield triage
                if progress is not None:
                    elapsed = max(time.monotonic() - started, 1e-9)
                    fraction = finished / total if total else 0.0
                    progress(min(fraction, 1.0), f"{finished} checked, {finished / elapsed:.1f}/s")
    finally:
        stop.set()
        for future in in_flight:
            future.cancel()
        backend.close()
