"""The engine's entry point: one case → every toolchain role in parallel → a Triage."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from checkers.cfg import (
    Removed,
    compiled_initialisers,
    parse_features,
    removed_for,
    role_cfg,
    whole_file_removed,
    with_cfg,
)
from checkers.errors import InputError, ToolchainError
from checkers.model import DEFAULT_EDITION, ROLES, CancelFlag, CheckResult, Finding, Triage, case_id
from checkers.rustc import run_rustc, to_check_result
from checkers.snippet import Snippet, detect_edition, function_spans, host_file_access, prepare
from checkers.toolchains import (
    BASELINE,
    CANDIDATE,
    REQUIRED_ROLES,
    RoleInfo,
    Toolchains,
    load_toolchains,
)
from checkers.verdict import drift_of, function_verdicts, triage_verdict

Progress = Callable[[float, str], None]

_POOL_LOCK = threading.Lock()
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ptriage-rustc")
        return _POOL


def refused_result(info: RoleInfo, reason: str) -> CheckResult:
    return CheckResult(role=info.role, status="refused", accepted=None, rustc=info.version,
                       flags=info.flags, error=reason, bootstrap=info.bootstrap)


_FEATURE_GATE = re.compile(r"#!\s*\[\s*feature\s*\(")


def uses_feature_gates(source: str) -> bool:
    return bool(_FEATURE_GATE.search(source))


_REVISIONS = re.compile(r"^[ \t]*//@[ \t]*revisions[ \t]*:(.*)$", re.M)
#: compiletest revision names that mean each role, in order of preference.
_ROLE_REVISIONS: dict[str, tuple[str, ...]] = {
    "stable": ("nll", "base", "stable"),
    "nightly": ("nll", "base", "nightly"),
    "polonius": ("polonius", "next", "polonius_next", "alpha"),
    "polonius-legacy": ("legacy", "polonius_legacy", "datalog"),
}


def compiletest_revisions(source: str) -> tuple[str, ...]:
    """Revision names a rustc UI test declares (`//@ revisions: nll polonius legacy`)."""
    match = _REVISIONS.search(source[:8192])
    return tuple(match.group(1).split()) if match else ()


def role_revision(role: str, source: str) -> str | None:
    """The revision a role stands for in a rustc UI test, if the test declares one."""
    declared = compiletest_revisions(source)
    return next((name for name in _ROLE_REVISIONS.get(role, ()) if name in declared), None)


def effective_role(info: RoleInfo, source: str) -> RoleInfo:
    """The role as it must run for this source.

    A stable compiler refuses `#![feature(...)]` outright (E0554), which would hide every
    borrow-check answer; such code runs on stable with RUSTC_BOOTSTRAP=1 (same borrow checker),
    and the result says so through ``bootstrap``. A rustc UI test that declares revisions gets
    ``--cfg <revision>`` for the revision each role stands for, as compiletest would pass it, so
    `#[cfg(legacy)]`-guarded code means what the test's authors meant.
    """
    revision = role_revision(info.role, source)
    if revision is not None:
        info = dataclasses.replace(info, flags=(*info.flags, "--cfg", revision))
    if info.bootstrap or "nightly" in info.release or "dev" in info.release:
        return info
    if not uses_feature_gates(source):
        return info
    return dataclasses.replace(info, env=(*info.env, ("RUSTC_BOOTSTRAP", "1")), bootstrap=True)


def run_role(info: RoleInfo, snippet: Snippet, toolchains: Toolchains,
             cancel: CancelFlag | None = None) -> CheckResult:
    """One role on one prepared snippet (also the unit of work for batch executors)."""
    info = effective_role(info, snippet.source)
    raw = run_rustc(info, snippet.source, edition=snippet.edition, limits=toolchains.limits,
                    cancel=cancel)
    return to_check_result(info, raw, map_line=snippet.map_line)


def check_roles(
    snippet: Snippet,
    *,
    toolchains: Toolchains,
    roles: tuple[str, ...] = ROLES,
    cancel: CancelFlag | None = None,
    progress: Progress | None = None,
    sequential: bool = False,
) -> dict[str, CheckResult]:
    """Run the given roles (concurrently unless ``sequential``); a failing role spares the others."""
    infos = [toolchains.roles[r] for r in roles if r in toolchains.roles]
    refusal = None if toolchains.limits.allow_include else host_file_access(snippet.user_source)
    if refusal is not None:
        return {info.role: refused_result(info, refusal) for info in infos}
    if sequential:
        return {info.role: run_role(info, snippet, toolchains, cancel) for info in infos}
    futures = {info.role: _pool().submit(run_role, info, snippet, toolchains, cancel)
               for info in infos}
    results: dict[str, CheckResult] = {}
    for done, (role, future) in enumerate(futures.items(), 1):
        results[role] = future.result()
        if progress is not None:
            progress(done / len(futures), role)
    return {r: results[r] for r in roles if r in results}


def build_triage(
    snippet: Snippet,
    checks: dict[str, CheckResult],
    *,
    toolchains: Toolchains,
    origin: dict[str, Any] | None = None,
    patterns: tuple[Finding, ...] = (),
    epochs: tuple[Finding, ...] = (),
) -> Triage:
    """Combine role results into the verdict, the diff and per-function verdicts."""
    decision, diff = triage_verdict(checks)
    removed, whole = _not_compiled(snippet, toolchains)
    functions = function_verdicts(checks, function_spans(snippet.user_source), removed)
    notes = list(toolchains.notes)
    refused = next((c.error for c in checks.values() if c.status == "refused"), "")
    reason = refused or decision.reason
    verdict = decision.verdict
    skipped = [f for f in functions if not f.compiled]
    every_fn_removed = (bool(functions) and len(skipped) == len(functions) and not snippet.wrapped
                        and not compiled_initialisers(snippet.user_source, removed))
    if verdict == "clean" and (whole is not None or every_fn_removed):
        # Nothing rustc accepted was ever compiled: "clean" would claim what nobody checked.
        # (Loose statements, wrapped in a function of our own, were compiled.)
        why = whole or skipped[0].reason.removeprefix("removed by ")
        verdict = "not-compiled"
        reason = (f"rustc compiled nothing here: {why} removes "
                  f"{'the whole file' if whole else 'every function'}{_cfg_hint(why)}")
    elif verdict == "other-error" and not refused:
        missing = needs_crate(checks)
        if missing:
            reason = (f"{NEEDS_CRATE}: {missing} (unresolved imports, modules or crates); check "
                      "the file inside its crate with `ptriage audit`")
    if skipped and verdict != "not-compiled":
        notes.append(f"{len(skipped)} of {len(functions)} functions were not compiled "
                     f"(removed by cfg, e.g. {skipped[0].reason.removeprefix('removed by ')})"
                     f"{_cfg_hint(skipped[0].reason)}")
    if any(c.bootstrap for c in checks.values()) and uses_feature_gates(snippet.source) and not notes:
        notes.append("the code uses #![feature(...)]: stable ran with RUSTC_BOOTSTRAP=1")
    if compiletest_revisions(snippet.source):
        notes.append("a rustc UI test with revisions: each role compiled it with --cfg <revision>")
    if drift_of(checks):
        notes.append("stable and the nightly control disagree: part of the difference comes from "
                     "the compiler version, not from Polonius")
    return Triage(
        id=case_id(snippet.user_source, snippet.edition),
        source=snippet.user_source,
        edition=snippet.edition,
        checks=checks,
        verdict=verdict,
        corroborated=decision.corroborated,
        drift=drift_of(checks),
        reason=reason,
        diff=tuple(diff),
        functions=tuple(functions),
        patterns=patterns,
        epochs=epochs,
        origin=origin,
        notes=tuple(notes),
    )


#: The reason prefix of a case that cannot be judged alone: it uses its crate's other modules or
#: its dependencies (the scan summary counts these and points to `ptriage audit`).
NEEDS_CRATE = "needs its crate"
#: Resolution errors that mean "this file is part of a crate that is not here": unresolved
#: imports (E0432), paths (E0433), out-of-line modules (E0583), extern crates (E0463) and the
#: other crate-loading failures.
NEEDS_CRATE_CODES = frozenset({"E0432", "E0433", "E0583", "E0463", "E0460", "E0461", "E0462",
                               "E0464", "E0514", "E0519"})


_TYPE_NOT_FOUND = re.compile(r"cannot find type|undeclared type")


def needs_crate(checks: dict[str, CheckResult]) -> str:
    """The crate-resolution error codes the baseline reports ("" when there are none).

    E0433 counts for a missing module or crate, not for a misspelt type ("use of undeclared
    type `Vecc`"), which the file itself can fix.
    """
    stable = checks.get(BASELINE)
    if stable is None or not stable.ok:
        return ""
    codes = sorted({d.code for d in stable.errors if d.code in NEEDS_CRATE_CODES and d.code
                    and not (d.code == "E0433" and _TYPE_NOT_FOUND.search(d.message))})
    return ", ".join(codes)


_MAY_REMOVE = re.compile(r"#!?\s*\[\s*(?:cfg(?:_attr)?\s*\(|test\s*\])")


def _not_compiled(snippet: Snippet, toolchains: Toolchains) -> tuple[list[Removed], str | None]:
    """Regions cfg removed for the baseline or the candidate, and the crate-level `#![cfg]`
    that removed the whole file (None when the file was compiled)."""
    if not _MAY_REMOVE.search(snippet.user_source):
        return [], None
    infos = [effective_role(toolchains.roles[r], snippet.source)
             for r in (BASELINE, CANDIDATE) if r in toolchains.roles]
    removed = removed_for(snippet.user_source, infos)
    whole = None
    if not snippet.wrapped:
        for info in infos:
            cfgs = role_cfg(info)
            whole = whole_file_removed(snippet.user_source, cfgs) if cfgs is not None else None
            if whole is not None:
                break
    return removed, whole


def _cfg_hint(why: str) -> str:
    if "feature" in why:
        return " (pass --features NAME to compile it)"
    if "test" in why:
        return " (pass --cfg-test to compile it)"
    return " (its cfg is false for this target)"


def _detect(source: str, edition: str) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    from checkers import patterns as pattern_mod

    found = pattern_mod.detect(source, edition=edition)
    return tuple(found.patterns), tuple(found.epochs)


def check_source(
    source: str,
    *,
    edition: str | None = "2021",
    toolchains: Toolchains | None = None,
    origin: dict[str, Any] | None = None,
    patterns: bool = True,
    confirm: bool = False,
    cancel: CancelFlag | None = None,
    progress: Progress | None = None,
    cfg_test: bool = False,
    features: tuple[str, ...] | list[str] = (),
) -> Triage:
    """Check one case under every role and say what Polonius changes.

    ``cfg_test`` compiles as `cargo test` would (rustc ``--test``: `#[cfg(test)]` code and
    `#[test]` functions); ``features`` sets ``feature="…"`` cfgs. Code a cfg removes is
    ``not-compiled``, never ``clean``.

    Raises InputError for input that cannot be checked, ToolchainError when the baseline or the
    candidate cannot run at all. ``edition=None`` honours a compiletest header
    (`//@ edition:2018`) and defaults to 2021. Role failures at run time (ICE, timeout, limits) become
    ``toolchain-error`` results, never exceptions.
    """
    tc = with_cfg(toolchains if toolchains is not None else load_toolchains(),
                  cfg_test=cfg_test, features=parse_features(features))
    limit = tc.limits.max_input_kb * 1024
    encoded_len = len(source.encode("utf-8", "surrogatepass"))
    if encoded_len > limit:
        raise InputError(f"input is {encoded_len:,} bytes, over the {limit:,}-byte limit "
                         "(raise limits.max_input_kb in toolchains.toml)")
    if "\x00" in source:
        raise InputError("input contains NUL bytes: not Rust source")
    missing = [r for r in REQUIRED_ROLES if not tc.roles[r].available]
    if missing:
        info = tc.roles[missing[0]]
        raise ToolchainError(
            f"toolchain role {info.role!r} cannot run: {info.problem}"
            + (f"; fix: {info.fix}" if info.fix else "")
            + " (see `ptriage toolchains`)"
        )
    snippet = prepare(source, edition=detect_edition(source) if edition is None else edition)
    checks = check_roles(snippet, toolchains=tc, cancel=cancel, progress=progress)
    found_patterns: tuple[Finding, ...] = ()
    found_epochs: tuple[Finding, ...] = ()
    if patterns:
        found_patterns, found_epochs = _detect(snippet.user_source, snippet.edition)
        if confirm and found_patterns:
            from checkers import patterns as pattern_mod

            def check_rewrite(rewritten: str) -> Triage:
                return check_source(rewritten, edition=snippet.edition, toolchains=tc,
                                    patterns=False, cancel=cancel)

            original = build_triage(snippet, checks, toolchains=tc, origin=origin)
            found_patterns = tuple(pattern_mod.confirm(snippet.user_source, found_patterns,
                                                       check=check_rewrite, original=original))
    return build_triage(snippet, checks, toolchains=tc, origin=origin, patterns=found_patterns,
                        epochs=found_epochs)


def check_file(path: str | Path, *, edition: str | None = "2021", toolchains: Toolchains | None = None,
               **options: Any) -> Triage:
    """Read a file (or ``-``) and check it; origin records the path."""
    from checkers.snippet import package_edition, read_source_file

    tc = toolchains if toolchains is not None else load_toolchains()
    source = read_source_file(path, max_bytes=tc.limits.max_input_kb * 1024)
    origin = {"path": str(path), "line": 1}
    if edition is None and str(path) != "-":
        # A file of a Cargo package compiles with the package's edition (a compiletest header
        # still wins).
        edition = detect_edition(source, default=package_edition(path) or DEFAULT_EDITION)
    return check_source(source, edition=edition, toolchains=tc, origin=origin, **options)
