"""Compatibility facade: many cases used to live here; each owner now has its own module.

- ``checkers.inputs``: input discovery (``Case``, folder walks with ``.gitignore`` and symlink
  rules, JSONL corpora, ``iter_cases_from_paths``, ``split_functions``);
- ``checkers.batching``: batch composition (placement rules, ``compose_batch``, attribution and
  trust of diagnostics, per-role scheduling and bisection, ``check_batch``);
- ``checkers.executors``: the local and Dask executor backends (``ExecutorError``);
- ``checkers.scan``: the scan loop (``WorkUnit``, ``process_unit``, ``scan_iter``, ``ScanStats``).

The names below are re-exported so existing imports keep working; new code imports from the
modules above. Patch a name in its own module (``checkers.batching.run_rustc``), not here.
"""

from __future__ import annotations

from checkers.batching import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_CHARS,
    MIN_GROUP,
    MODULE_PREFIX,
    SOLO_CHARS,
    TIMEOUT_SOLO_MAX,
    TINY_RERUN,
    _attribute,
    _Member,
    _root_reason,
    _run_role_many,
    _runs_alone,
    _schedule,
    _solo_reason,
    _trust,
    batch_placement,
    batch_refusal,
    check_batch,
    compose_batch,
    predicted_unresolved,
)
from checkers.executors import (
    DASK_CONNECT_TIMEOUT,
    ExecutorError,
    _DaskBackend,
    _LocalBackend,
)
from checkers.inputs import (
    Case,
    GitIgnore,
    SkipCallback,
    _cases_from_jsonl,
    _symlink_problem,
    iter_cases_from_paths,
    parse_gitignore,
    split_functions,
    walk_rust_files,
)
from checkers.scan import (
    Progress,
    ScanStats,
    UnitResult,
    WorkUnit,
    _process_unit_remote,
    _units,
    process_unit,
    record_key,
    require_runnable,
    scan_iter,
    triage_from_record,
)

__all__ = [
    "DASK_CONNECT_TIMEOUT",
    "DEFAULT_BATCH_SIZE",
    "MAX_BATCH_CHARS",
    "MIN_GROUP",
    "MODULE_PREFIX",
    "SOLO_CHARS",
    "TIMEOUT_SOLO_MAX",
    "TINY_RERUN",
    "Case",
    "ExecutorError",
    "GitIgnore",
    "Progress",
    "ScanStats",
    "SkipCallback",
    "UnitResult",
    "WorkUnit",
    "_DaskBackend",
    "_LocalBackend",
    "_Member",
    "_attribute",
    "_cases_from_jsonl",
    "_process_unit_remote",
    "_root_reason",
    "_run_role_many",
    "_runs_alone",
    "_schedule",
    "_solo_reason",
    "_symlink_problem",
    "_trust",
    "_units",
    "batch_placement",
    "batch_refusal",
    "check_batch",
    "compose_batch",
    "iter_cases_from_paths",
    "parse_gitignore",
    "predicted_unresolved",
    "process_unit",
    "record_key",
    "require_runnable",
    "scan_iter",
    "split_functions",
    "triage_from_record",
    "walk_rust_files",
]
