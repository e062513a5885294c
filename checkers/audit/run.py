"""`run_audit`: a Cargo workspace checked in its own context under every role, as per-file records."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkers.audit import mapping, proof
from checkers.audit.runner import (
    STASH_DIR,
    CargoEnv,
    CargoRun,
    RolePlan,
    Wrapper,
    audit_cache,
    first_error_line,
    forget_host_units,
    mirror_target_dir,
    plan_roles,
    run_cargo,
    take_stashed_diagnostics,
    user_cargo_home,
    wrapper_for,
)
from checkers.audit.workspace import (
    SourceTree,
    copy_overlay,
    find_manifest,
    read_tree,
    sync_overlay,
    workspace_root_of,
)
from checkers.errors import CheckerError, InputError, ToolchainError
from checkers.model import ROLES, CancelFlag, CheckResult, Triage
from checkers.rustc import is_noise
from checkers.sandbox import detect as detect_sandbox
from checkers.toolchains import (
    BASELINE,
    CANDIDATE,
    CONTROL,
    CORROBORATOR,
    Toolchains,
    load_toolchains,
)

#: Bumped when the records an audit produces change shape or meaning (invalidates the cache).
AUDIT_VERSION = 2

#: (package label, role or step, done, total)
AuditProgress = Callable[[str, str, int, int], None]


class AuditError(CheckerError):
    """The workspace cannot be audited (cargo cannot read it, dependencies are missing)."""


class TrustRequired(CheckerError):
    """No sandbox here, and the workspace would run build scripts or proc macros.

    ``runs_code`` names them ("pkg (build script)", "pkg (proc macro)") for a confirmation
    dialog; run again with ``AuditOptions(trust=True)`` once the user agrees.
    """

    def __init__(self, message: str, *, runs_code: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.runs_code = tuple(runs_code)


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """What to audit and how (the CLI flags of `ptriage audit`)."""

    packages: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False
    all_targets: bool = False
    offline: bool = False
    jobs: int | None = None
    #: Run build scripts and proc macros even without a sandbox.
    trust: bool = False
    #: none: Polonius roles on stable + RUSTC_BOOTSTRAP=1; control: + nightly NLL control;
    #: all: + the Polonius roles on nightly as toolchains.toml says.
    nightly: str = "none"
    confirm: bool = True
    #: needed: legacy Polonius (the corroborator) checks only the packages where NLL or Polonius
    #: alpha reported an error or did not run (elsewhere it could only agree, at 4x NLL's cost
    #: and more); all: every package, like the other roles.
    corroborate: str = "needed"
    cache: bool = True
    timeout: float = 900.0
    memory_mb: int = 8192

    def key(self) -> dict[str, Any]:
        return {"packages": sorted(self.packages), "features": sorted(self.features),
                "all_features": self.all_features, "no_default": self.no_default_features,
                "all_targets": self.all_targets, "nightly": self.nightly,
                "confirm": self.confirm, "corroborate": self.corroborate}


@dataclass(frozen=True, slots=True)
class RoleOutcome:
    """One role over the audited packages: did cargo run, how long the members took."""

    role: str
    compiler: str
    flags: tuple[str, ...]
    bootstrap: bool
    status: str  # ok | failed | timeout | crashed | missing
    elapsed_ms: int
    member_ms: int
    errors: tuple[str, ...] = ()
    #: CPU time of the members' rustc runs (the borrow-check cost the report compares)
    member_cpu_ms: int = 0
    #: package name → ok | rejected | dependency-failed | not-run
    packages: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "compiler": self.compiler, "flags": list(self.flags),
                "bootstrap": self.bootstrap, "status": self.status,
                "elapsed_ms": self.elapsed_ms, "member_ms": self.member_ms,
                "member_cpu_ms": self.member_cpu_ms,
                "errors": list(self.errors), "packages": dict(self.packages)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoleOutcome:
        return cls(role=d["role"], compiler=d["compiler"], flags=tuple(d["flags"]),
                   bootstrap=bool(d["bootstrap"]), status=d["status"],
                   elapsed_ms=int(d["elapsed_ms"]), member_ms=int(d["member_ms"]),
                   member_cpu_ms=int(d.get("member_cpu_ms", 0)),
                   errors=tuple(d.get("errors", ())), packages=dict(d.get("packages", {})))


@dataclass(frozen=True, slots=True)
class AuditResult:
    """An audit: the records (one per source file), the packages and every role's outcome."""

    root: str
    records: list[dict[str, Any]]
    packages: list[dict[str, Any]]
    roles: dict[str, RoleOutcome]
    sandbox: str
    notes: tuple[str, ...] = ()
    cached: bool = False
    rechecks: int = 0
    elapsed_ms: int = 0
    #: where the time went (ms): metadata, dependency pass (with the mirrors), roles, records,
    #: proof
    phases: dict[str, int] = field(default_factory=dict)

    def triages(self) -> list[Triage]:
        return [Triage.from_record(r) for r in self.records]

    def report(self, fmt: str = "html") -> str:
        from checkers.audit.report import render

        return render(self, fmt=fmt)

    def write_report(self, path: Path | str) -> Path:
        """Write the report; ``.md`` gives Markdown, anything else self-contained HTML."""
        out = Path(path)
        fmt = "md" if out.suffix.lower() in (".md", ".markdown") else "html"
        out.write_text(self.report(fmt), encoding="utf-8")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"version": AUDIT_VERSION, "root": self.root, "records": self.records,
                "packages": self.packages,
                "roles": {r: o.to_dict() for r, o in self.roles.items()},
                "sandbox": self.sandbox, "notes": list(self.notes), "rechecks": self.rechecks,
                "elapsed_ms": self.elapsed_ms, "phases": dict(self.phases)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, cached: bool = False) -> AuditResult:
        return cls(root=d["root"], records=list(d["records"]), packages=list(d["packages"]),
                   roles={r: RoleOutcome.from_dict(o) for r, o in d["roles"].items()},
                   sandbox=d["sandbox"], notes=tuple(d.get("notes", ())), cached=cached,
                   rechecks=int(d.get("rechecks", 0)), elapsed_ms=int(d.get("elapsed_ms", 0)),
                   phases={str(k): int(v) for k, v in (d.get("phases") or {}).items()})


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class _Session:
    """State shared by the main check and the proof re-checks of one audit."""

    root: Path
    overlay: Path
    tree: SourceTree
    plans: dict[str, RolePlan]
    cargo_env: CargoEnv
    options: AuditOptions
    members: list[mapping.Package]
    member_ids: set[str]
    cancel: CancelFlag | None
    #: whether a dependency pass builds anything (a package that is not a member, or a member's
    #: build script or proc macro); else each role builds its members from an empty target dir
    has_dependencies: bool = True
    #: set once the roles' cargo processes have started (the meanwhile-work may begin)
    roles_started: threading.Event = field(default_factory=threading.Event)
    #: wall time (ms) of the audited overlay's steps: dependency pass, roles
    phases: dict[str, int] = field(default_factory=dict)
    #: package → why the corroborator did not check it (``corroborate="needed"``)
    skipped: dict[str, str] = field(default_factory=dict)
    #: the dependency pass, started beside ``cargo metadata`` where build scripts may run
    early_pass: Future[dict[str, CargoRun]] | None = None
    #: set to stop that pass (the audit ended before it was needed)
    pass_stop: threading.Event = field(default_factory=threading.Event)
    #: (role, overlay, mode) → its wrapper (written once; target dirs are named by them)
    _wrappers: dict[tuple[str, Path, str], Wrapper] = field(default_factory=dict)

    def dependency_pass(self, roles: Sequence[str], cancel: CancelFlag) -> dict[str, CargoRun]:
        """Each compiler's dependency pass (members skipped, but for what they build for the
        host), side by side, in the pass's own target dir."""
        args = self.cargo_args(self.options.packages)
        primaries = sorted({self.primary_of(self.plans[r]) for r in roles}, key=ROLES.index)
        mount = self.tree.overlay_base(self.overlay)
        stop = threading.Event()
        with ThreadPoolExecutor(max_workers=len(primaries),
                                thread_name_prefix="audit-pass") as pool:
            return _gather(pool, stop, {r: functools.partial(
                run_cargo, args, compiler=self.plans[r].compiler, cwd=self.overlay,
                env_setup=self.cargo_env, wrapper=self.wrapper(r, self.overlay, "deps"),
                target_dir=self.pass_dir(self.plans[r]), cancel=_AnyFlag(cancel, stop),
                mount=mount) for r in primaries})

    @property
    def lazy_corroborator(self) -> bool:
        """Whether legacy Polonius runs after the other roles, on the packages that need it."""
        return (self.options.corroborate == "needed" and CORROBORATOR in self.plans
                and BASELINE in self.plans and CANDIDATE in self.plans)

    def pass_dir(self, plan: RolePlan) -> Path:
        """The compiler's dependency pass builds here, and nothing else: every role's target dir
        is mirrored from it."""
        shared = self.target_dir(plan)
        return shared.with_name(f"{shared.name}-deps")

    def target_dir(self, plan: RolePlan) -> Path:
        """The compiler's primary role's target dir (the others are named after it).

        Named by the overlay, the compiler and the primary's role config (which holds the other
        roles' flags for the pass's borrow check of host units): a changed role config never
        meets the builds of the old one.
        """
        owner = self.wrapper(self.primary_of(plan), self.overlay).owner
        return audit_cache() / "targets" / _digest(str(self.overlay), plan.compiler.identity,
                                                   owner)[:20]

    def primary_of(self, plan: RolePlan) -> str:
        """The first role (in display order) on ``plan``'s compiler: it owns the target dir."""
        return next(r for r in ROLES if r in self.plans
                    and self.plans[r].compiler.identity == plan.compiler.identity)

    def role_target_dir(self, role: str) -> Path:
        """A role's own target dir (cargo locks a whole build dir, so roles that run side by
        side need one each); the other roles' are mirrors of the primary's dependencies."""
        plan = self.plans[role]
        shared = self.target_dir(plan)
        return shared if self.primary_of(plan) == role else shared.with_name(
            f"{shared.name}-{role}")

    def wrapper(self, role: str, overlay: Path, mode: str = "role") -> Wrapper:
        """``role``'s member wrapper; the primary's names the other roles on its compiler (the
        dependency pass borrow-checks the host units it builds for them too)."""
        key = (role, overlay, mode)
        if key in self._wrappers:
            return self._wrappers[key]
        plan = self.plans[role]
        others: list[RolePlan] = []
        stash = None
        if self.primary_of(plan) == role:
            # a corroborator that runs later, where needed, borrow-checks host units itself
            others = [self.plans[r] for r in ROLES if r in self.plans and r != role
                      and self.plans[r].compiler.identity == plan.compiler.identity
                      and not (r == CORROBORATOR and self.lazy_corroborator)]
        if mode == "deps":
            stash = self.pass_dir(plan) / STASH_DIR
        wrapper = wrapper_for(plan, tag=self.tag_of(overlay), mode=mode, others=others,
                              stash=stash)
        self._wrappers[key] = wrapper
        return wrapper

    def tag_of(self, overlay: Path) -> str:
        return "" if overlay == self.overlay else f"overlay {overlay.name}"

    def cargo_args(self, packages: Sequence[str]) -> list[str]:
        args = ["check", "--message-format=json", "--keep-going", "--offline"]
        if packages:
            for name in packages:
                args += ["-p", name]
        else:
            args.append("--workspace")
        if self.options.all_features:
            args.append("--all-features")
        if self.options.no_default_features:
            args.append("--no-default-features")
        if self.options.features:
            args += ["--features", ",".join(self.options.features)]
        if self.options.all_targets:
            args.append("--all-targets")
        return args

    def check(self, overlay: Path, packages: Sequence[str], roles: Sequence[str],
              step: Callable[[str], None] | None = None) -> dict[str, CargoRun]:
        """Every role's cargo over ``packages``, roles side by side (at most ``--jobs`` or the
        CPU count at once), each in its own target dir; → role → its cargo run.

        On the audited overlay, a dependency pass per compiler comes first (members skipped, but
        for the units they build for the host), then each non-primary role's target dir is
        mirrored from it: the dependencies, build scripts and proc macros are built once per
        compiler, and only the members are checked per role (a host unit's borrow check for a
        role comes from the pass's stash). With a lazy corroborator, legacy Polonius runs last,
        on the packages where NLL or Polonius alpha said anything (``self.skipped`` names the
        others; no run at all when none needs it). Proof overlays reuse those target dirs as
        they are, every role over the rewritten packages. A failure or cancel stops every
        other cargo (their whole process trees) before this returns.
        """
        main = overlay == self.overlay
        lazy = main and self.lazy_corroborator and CORROBORATOR in roles
        first = [r for r in roles if not (lazy and r == CORROBORATOR)]
        args = self.cargo_args(packages)
        limit = max(1, min(len(first), self.options.jobs or os.cpu_count() or 1))
        stop = threading.Event()
        cancel = _AnyFlag(self.cancel, stop)
        mount = self.tree.overlay_base(overlay)
        started = time.perf_counter()

        def mirror(role: str) -> None:
            mirror_target_dir(self.pass_dir(self.plans[role]), self.role_target_dir(role))

        def cargo(role: str, cargo_args: list[str]) -> Callable[[], CargoRun]:
            return functools.partial(
                run_cargo, cargo_args, compiler=self.plans[role].compiler, cwd=overlay,
                env_setup=self.cargo_env, wrapper=self.wrapper(role, overlay),
                target_dir=self.role_target_dir(role), cancel=cancel, mount=mount)

        with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="audit-cargo") as pool:
            if main and (self.early_pass is not None or self.has_dependencies):
                early, self.early_pass = self.early_pass, None
                if early is not None:
                    early.result()  # started beside `cargo metadata`
                else:
                    self.dependency_pass(roles, cancel)
                _gather(pool, stop, {r: functools.partial(mirror, r) for r in first})
            elif main:
                # nothing to share: each role builds its members from an empty target dir
                for r in roles:
                    self.role_target_dir(r).mkdir(parents=True, exist_ok=True)
            roles_at = time.perf_counter()
            runs: dict[str, CargoRun] = _gather(
                pool, stop, {r: cargo(r, args) for r in sorted(first, key=_RUN_ORDER.index)},
                done=step, started=self.roles_started)
            if main and self.has_dependencies:
                for r in first:
                    if self.primary_of(self.plans[r]) != r:
                        runs[r] = take_stashed_diagnostics(
                            runs[r], self.pass_dir(self.plans[r]) / STASH_DIR / r,
                            self.member_ids)
            if lazy:
                needed = self._needs_corroboration(runs, overlay, packages)
                self.skipped = {
                    p.name: f"not needed: NLL and Polonius alpha accept all of {p.name}"
                    for p in self.members
                    if p.name not in needed and (not packages or p.name in packages)}
                if needed:
                    if self.has_dependencies:
                        mirror(CORROBORATOR)
                        if self.primary_of(self.plans[CORROBORATOR]) != CORROBORATOR:
                            forget_host_units(
                                self.pass_dir(self.plans[CORROBORATOR]) / STASH_DIR,
                                self.role_target_dir(CORROBORATOR), set(needed))
                    runs.update(_gather(pool, stop, {
                        CORROBORATOR: cargo(CORROBORATOR, self.cargo_args(needed))}))
                if step is not None:
                    step(CORROBORATOR)
            if main:
                self.phases["dependency pass"] = int((roles_at - started) * 1000)
                self.phases["roles"] = int((time.perf_counter() - roles_at) * 1000)
        if not main:
            # A proof overlay's members are the same packages at another path.
            here, there = overlay.as_uri(), self.overlay.as_uri()
            for run in runs.values():
                for msg in run.messages:
                    pid = msg.get("package_id")
                    if isinstance(pid, str) and here in pid:
                        msg["package_id"] = pid.replace(here, there)
        return {r: runs[r] for r in roles if r in runs}

    def _needs_corroboration(self, runs: Mapping[str, CargoRun], overlay: Path,
                             packages: Sequence[str]) -> list[str]:
        """The packages legacy Polonius must check: where NLL or Polonius alpha reported an
        error, or did not check the package at all (a dependency failed, a timeout)."""
        targets = [t for p in self.members for t in p.targets]
        units = [mapping.collect_units(runs[r], targets, overlay)
                 for r in (BASELINE, CANDIDATE) if r in runs]
        needed = []
        for pkg in self.members:
            if packages and pkg.name not in packages:
                continue
            for by_target in units:
                ran = [by_target[t] for t in pkg.targets if t in by_target and by_target[t].ran]
                if not ran or any(m.get("level") == "error" and not is_noise(dict(m))
                                  for state in ran for m in state.messages):
                    needed.append(pkg.name)
                    break
        return needed

    def triages(self, overlay: Path, runs: Mapping[str, CargoRun],
                sources: Mapping[str, str], *, detect: bool,
                prepared: Mapping[tuple[str, str], tuple[str, Any]] | None = None,
                ) -> tuple[list[Triage], dict[
                    str, dict[mapping.Target, mapping.UnitState]]]:
        targets = [t for p in self.members for t in p.targets]
        units_by_role = {role: mapping.collect_units(run, targets, overlay)
                         for role, run in runs.items()}
        kinds = {"lib", "proc-macro", "bin", "custom-build"}
        if self.options.all_targets:
            kinds |= {"test", "example", "bench"}
        files = mapping.assign_files(self.members, units_by_role, overlay,
                                     built_kinds=frozenset(kinds))
        file_set = {fu.path for fu in files}
        notes = []
        if any(p.bootstrap and p.compiler.rustc == self.plans[BASELINE].compiler.rustc
               for r, p in self.plans.items() if r != BASELINE):
            notes.append("checked in crate context by cargo; the Polonius roles ran on the "
                         "stable compiler with RUSTC_BOOTSTRAP=1")
        else:
            notes.append("checked in crate context by cargo")
        only = set(self.options.packages)
        out: list[Triage] = []
        for fu in files:
            source = sources.get(fu.path)
            if source is None or (only and fu.package.name not in only):
                continue
            checks: dict[str, CheckResult] = {}
            for role, plan in self.plans.items():
                skipped = self.skipped.get(fu.package.name) if (
                    role == CORROBORATOR and overlay == self.overlay) else None
                if skipped is not None:
                    checks[role] = CheckResult(
                        role=role, status="skipped", accepted=None, rustc=plan.info.version,
                        flags=plan.info.flags, error=skipped, bootstrap=plan.info.bootstrap)
                    continue
                run = runs.get(role)
                units = units_by_role.get(role, {})
                crate_ms = run.member_ms.get(fu.target.crate_name, 0) if run else 0
                checks[role] = mapping.check_for_file(fu, plan, run, units, file_set, overlay,
                                                      self.member_ids, crate_ms)
            states = [u[fu.target] for u in units_by_role.values() if fu.target in u]
            removed = mapping.removed_regions(
                source, [self.plans[r].info for r in (BASELINE, CANDIDATE) if r in self.plans],
                features={f for st in states for f in st.features},
                cfgs={c for st in states for c in st.cfgs},
                cfg_test=fu.target.kind in ("test", "bench") or self.options.all_targets)
            ready = (prepared or {}).get((fu.path, fu.package.edition))
            triage = mapping.build_record(fu, source, checks, notes=notes, detect=detect,
                                          prepared=ready[1] if ready and ready[0] is source
                                          else None,
                                          removed=removed)
            out.append(triage)
        return out, units_by_role


#: The order roles' cargo runs start in when not all fit at once: the slowest analysis
#: (Polonius' datalog) first, so it does not run alone at the end.
_RUN_ORDER = (CORROBORATOR, CANDIDATE, BASELINE, CONTROL)


class _AnyFlag:
    """Set when the user cancels or when another cargo of the same step failed."""

    def __init__(self, *flags: CancelFlag | None) -> None:
        self._flags = [f for f in flags if f is not None]

    def is_set(self) -> bool:
        return any(f.is_set() for f in self._flags)


def _gather(pool: ThreadPoolExecutor, stop: threading.Event, jobs: Mapping[str, Callable[[], Any]],
            done: Callable[[str], None] | None = None,
            started: threading.Event | None = None) -> dict[str, Any]:
    """Run ``jobs`` on ``pool``; → role → result once all ended.

    The first exception sets ``stop`` (the other cargo runs see it as a cancel and kill their
    process trees) and is raised once every job has ended; so is an interrupt of the waiting
    thread. ``done`` is called here, on the calling thread, as each job ends.
    """
    futures = {pool.submit(job): role for role, job in jobs.items()}
    if started is not None:
        started.set()
    results: dict[str, Any] = {}
    error: BaseException | None = None
    try:
        for fut in as_completed(futures):
            try:
                results[futures[fut]] = fut.result()
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after the others
                if error is None:
                    error = exc
                stop.set()
                continue
            if done is not None and error is None:
                done(futures[fut])
    except BaseException:
        stop.set()
        wait(futures)
        raise
    if error is not None:
        raise error
    return results


def _prepare(sources: Mapping[str, str], members: Sequence[mapping.Package],
             out: dict[tuple[str, str], tuple[str, Any]], stop: threading.Event,
             cancel: CancelFlag | None, go: threading.Event) -> None:
    """``analyse_source`` for every member's Rust file into ``out`` until ``stop`` is set.

    Runs beside the roles' cargo; whatever it has not reached when they end is computed as
    before, when the records are built (so stopping early costs nothing but time).
    """
    while not go.wait(0.05):  # not before the roles' cargo have started (the GIL, the CPU)
        if stop.is_set():
            return
    time.sleep(0.1)
    try:
        # below the compilers: it only fills time they leave idle
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
    homes = sorted(((p.manifest.rsplit("/", 1)[0] + "/" if "/" in p.manifest else "", p.edition)
                    for p in members), key=lambda h: -len(h[0]))
    try:
        for path, source in sources.items():
            if stop.is_set() or (cancel is not None and cancel.is_set()):
                return
            edition = next((e for home, e in homes if path.startswith(home)), None)
            if edition is not None:
                out[(path, edition)] = (source, mapping.analyse_source(source, edition))
    except Exception:  # noqa: BLE001 - the records are built without it (and raise there)
        return


def _sources(tree: SourceTree) -> dict[str, str]:
    out: dict[str, str] = {}
    for rel, data in tree.files.items():
        if rel.endswith(".rs"):
            try:
                out[rel] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return out


def _metadata(session: _Session, plan: RolePlan) -> dict[str, Any]:
    run = run_cargo(["metadata", "--format-version", "1", "--offline"],
                    compiler=plan.compiler, cwd=session.overlay, env_setup=session.cargo_env,
                    cancel=session.cancel, mount=session.tree.overlay_base(session.overlay))
    if run.status == "timeout":
        raise AuditError(f"cargo metadata did not finish within {session.options.timeout:g} s "
                         f"for {session.root} (raise --timeout)")
    if run.status != "ok" or not run.messages:
        raise AuditError(f"cargo cannot read the workspace {session.root}: "
                         f"{first_error_line(run.stderr)} (are its dependencies available "
                         "offline? run without --offline to fetch them)")
    data = run.messages[-1]
    return data


def _runs_code(metadata: Mapping[str, Any]) -> list[str]:
    out = []
    for pkg in metadata.get("packages") or ():
        for t in pkg.get("targets") or ():
            kinds = t.get("kind") or ()
            if "custom-build" in kinds or "proc-macro" in kinds:
                out.append(f"{pkg['name']} ({'build script' if 'custom-build' in kinds else 'proc macro'})")
    return sorted(set(out))


def _role_outcome(role: str, plan: RolePlan, run: CargoRun | None, units: Mapping[
        mapping.Target, mapping.UnitState], members: Sequence[mapping.Package],
        selected: set[str], member_ids: set[str], skipped: Mapping[str, str]) -> RoleOutcome:
    """``skipped``: the packages the role did not check as they needed no check (the lazy
    corroborator); a role with no run at all skipped every package."""
    if run is None:
        return RoleOutcome(
            role=role, compiler=plan.info.version, flags=plan.info.flags,
            bootstrap=plan.bootstrap, status="skipped", elapsed_ms=0, member_ms=0,
            errors=("not needed: NLL and Polonius alpha accept every audited file "
                    "(--corroborate all checks them anyway)",),
            packages=dict.fromkeys(sorted(skipped), "skipped"))
    packages: dict[str, str] = {}
    for pkg in members:
        if selected and pkg.name not in selected:
            continue
        if pkg.name in skipped:
            packages[pkg.name] = "skipped"
            continue
        states = [units[t] for t in pkg.targets if t in units]
        ran = [s for s in states if s.ran]
        if not ran:
            packages[pkg.name] = "dependency-failed" if run.status == "failed" else "not-run"
        elif any(m.get("level") == "error" for s in ran for m in s.messages):
            packages[pkg.name] = "rejected"
        else:
            packages[pkg.name] = "ok"
    errors = tuple(mapping.failed_dependencies(run, member_ids)) if run.status != "ok" else ()
    if run.status in ("timeout", "crashed"):
        errors = (*errors, first_error_line(run.stderr))
    return RoleOutcome(role=role, compiler=plan.info.version, flags=plan.info.flags,
                       bootstrap=plan.bootstrap, status=run.status, elapsed_ms=run.elapsed_ms,
                       member_ms=sum(run.member_ms.values()),
                       member_cpu_ms=sum(run.member_cpu_ms.values()), errors=errors,
                       packages=packages)


def run_audit(
    path: Path | str,
    *,
    options: AuditOptions | None = None,
    toolchains: Toolchains | None = None,
    cancel: CancelFlag | None = None,
    progress: AuditProgress | None = None,
) -> AuditResult:
    """Audit the Cargo workspace or package at ``path`` (a folder, a Cargo.toml, a file inside).

    Every cargo process runs in the sandbox on an overlay copy in the cache dir: nothing is
    written inside the workspace. Raises InputError (not a package), ToolchainError (stable
    cannot run), TrustRequired (no sandbox and code would run), AuditError (cargo cannot read
    the workspace), CancelledError.
    """
    started = time.perf_counter()
    opts = options if options is not None else AuditOptions()
    if opts.nightly not in ("none", "control", "all"):
        raise InputError(f"unknown nightly mode {opts.nightly!r} (none, control or all)")
    tc = toolchains if toolchains is not None else load_toolchains()
    manifest = find_manifest(Path(path))
    root = workspace_root_of(manifest)
    tree = read_tree(root)
    if "Cargo.toml" not in tree.files:
        raise InputError(f"{root}: no Cargo.toml")
    plans, problems = plan_roles(tc, nightly=opts.nightly)
    sandbox, sandbox_note = detect_sandbox()
    packages_opt = opts.packages
    if not packages_opt and manifest.parent != root:
        import tomllib

        try:
            name = tomllib.loads(manifest.read_text(encoding="utf-8"))["package"]["name"]
        except (KeyError, OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{manifest}: no [package] name: {exc}") from exc
        packages_opt = (str(name),)
    opts = dataclasses.replace(opts, packages=packages_opt)
    cargo_config = ""
    for name in ("config.toml", "config"):
        try:
            cargo_config += (user_cargo_home() / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # no such file: cargo's defaults
    key = _digest(json.dumps({
        "v": AUDIT_VERSION, "tree": tree.digest, "opts": opts.key(), "sandbox": sandbox.name,
        "cargo_config": cargo_config,
        "roles": {r: [p.info.identity(), p.compiler.identity] for r, p in sorted(plans.items())},
        "problems": problems,
    }, sort_keys=True))
    cache_file = audit_cache() / "results" / f"{key}.json"
    if opts.cache and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if data.get("version") == AUDIT_VERSION and data.get("root") == str(root):
                return AuditResult.from_dict(data, cached=True)
        except (OSError, ValueError, KeyError):
            # an unreadable cache entry is recomputed (and rewritten below)
            pass

    overlay = sync_overlay(tree, audit_cache() / "overlays" / _digest(str(root))[:20] / "ws",
                           drop_dev_deps=not opts.all_targets)
    cargo_home = user_cargo_home()
    if not cargo_home.is_dir():
        cargo_home = audit_cache() / "empty-cargo-home"
        cargo_home.mkdir(parents=True, exist_ok=True)
    cargo_env = CargoEnv(sandbox=sandbox, cargo_home=cargo_home,
                         scratch=audit_cache() / "scratch", timeout=opts.timeout,
                         memory_mb=opts.memory_mb, jobs=opts.jobs)
    session = _Session(root=root, overlay=overlay, tree=tree, plans=plans, cargo_env=cargo_env,
                       options=opts, members=[], member_ids=set(), cancel=cancel)
    baseline = plans[BASELINE]
    if not opts.offline:
        fetch = run_cargo(["fetch"], compiler=baseline.compiler, cwd=overlay,
                          env_setup=cargo_env, network=True, cancel=cancel,
                          mount=tree.overlay_base(overlay))
        if fetch.status != "ok":
            raise AuditError(f"cargo fetch failed for {root}: {first_error_line(fetch.stderr)} "
                             "(use --offline when the dependencies are already available)")
    roles = [r for r in ROLES if r in plans]
    early_pool: ThreadPoolExecutor | None = None
    if sandbox.isolated or opts.trust:
        # The dependency pass needs nothing from `cargo metadata`: it starts beside it. (Without
        # a sandbox, only once the trust check below has named the build scripts.)
        early_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-early")
        session.early_pass = early_pool.submit(session.dependency_pass, roles,
                                               _AnyFlag(cancel, session.pass_stop))
    try:
        at = time.perf_counter()
        metadata = _metadata(session, baseline)
        session.phases["metadata"] = int((time.perf_counter() - at) * 1000)
        risky = _runs_code(metadata)
        if not sandbox.isolated and risky and not opts.trust:
            raise TrustRequired(
                f"no sandbox ({sandbox_note}) and building {root.name} runs code from "
                f"{', '.join(risky[:5])}{' …' if len(risky) > 5 else ''}: install bubblewrap, or "
                "pass --trust if you trust this workspace", runs_code=risky)
        members = mapping.members_of(metadata, overlay)
        known = {p.name for p in members}
        unknown = [p for p in opts.packages if p not in known]
        if unknown:
            raise InputError(f"no workspace member named {', '.join(unknown)} in {root} "
                             f"(members: {', '.join(sorted(known))})")
        session.members = members
        session.member_ids = {p.id for p in members}
        label = ", ".join(opts.packages) if opts.packages else "workspace"
        total = len(roles)
        done = [0]

        def step(role: str) -> None:
            done[0] += 1
            if progress is not None:
                progress(label, role, done[0], total)

        sources = _sources(tree)
        # Spans and pattern findings of the members' files need no compiler: computed meanwhile,
        # on a core the roles' cargo leave idle once the fastest role is done.
        prepared: dict[tuple[str, str], tuple[str, Any]] = {}
        prep_stop = threading.Event()
        session.has_dependencies = bool(risky) or any(
            p.get("id") not in session.member_ids for p in metadata.get("packages") or ())
        prep = threading.Thread(target=_prepare, args=(sources, members, prepared, prep_stop,
                                                       cancel, session.roles_started),
                                name="audit-prepare", daemon=True)
        prep.start()
        try:
            runs = session.check(overlay, opts.packages, roles, step)
        finally:
            prep_stop.set()
            prep.join()
        at = time.perf_counter()
        triages, units_by_role = session.triages(overlay, runs, sources, detect=True,
                                                 prepared=prepared)
        selected = set(opts.packages)
        outcomes = {r: _role_outcome(r, plans[r], runs.get(r), units_by_role.get(r, {}),
                                     members, selected, session.member_ids,
                                     session.skipped if r == CORROBORATOR else {})
                    for r in roles}
        session.phases["records"] = int((time.perf_counter() - at) * 1000)
        for role, why in problems.items():
            outcomes[role] = RoleOutcome(role=role, compiler="", flags=(), bootstrap=False,
                                         status="missing", elapsed_ms=0, member_ms=0, errors=(why,))
        rechecks = 0
        proof_note = ""
        slow = [r for r in (BASELINE, CANDIDATE, CORROBORATOR) if r in runs
                and runs[r].status == "timeout"]
        if opts.confirm and slow:
            # The re-checks would hit the same limit: say so rather than spend it again.
            proof_note = (f"findings not proved by rewrite: {', '.join(slow)} did not finish within "
                          f"{opts.timeout:g} s (raise --timeout)")
        elif opts.confirm and all(r in plans for r in (BASELINE, CANDIDATE, CORROBORATOR)):
            at = time.perf_counter()
            triages, rechecks = _prove(session, triages, progress, label)
            session.phases["proof"] = int((time.perf_counter() - at) * 1000)
        records = [t.to_record() for t in triages
                   if t.diff or t.functions or t.patterns or t.epochs
                   or any(c.diagnostics or c.status not in ("ok", "skipped")
                       for c in t.checks.values())]
        notes = [sandbox_note] if sandbox_note else []
        notes += [f"{role}: {why}" for role, why in problems.items()]
        notes += [proof_note] if proof_note else []
        result = AuditResult(
            root=str(root), records=records, packages=[p.to_dict() for p in members
                                                       if not selected or p.name in selected],
            roles=outcomes, sandbox=sandbox.name, notes=tuple(notes), rechecks=rechecks,
            elapsed_ms=int((time.perf_counter() - started) * 1000), phases=dict(session.phases))
        if opts.cache:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(result.to_dict()), encoding="utf-8")
            tmp.replace(cache_file)
        return result
    finally:
        if early_pool is not None:
            session.pass_stop.set()  # a no-op once the roles used it
            early_pool.shutdown(wait=True)


def _prove(session: _Session, triages: list[Triage], progress: AuditProgress | None,
           label: str) -> tuple[list[Triage], int]:
    roles = (BASELINE, CANDIDATE, CORROBORATOR)
    base_sources = _sources(session.tree)

    def check(batch: Sequence[proof.Rewrite]) -> dict[str, Triage]:
        # Named by the whole tree (members and outside path deps) and the rewrites: a proof overlay
        # made before another file changed is never reused for the new sources.
        name = _digest(session.tree.digest, *sorted(rw.key() for rw in batch))[:20]
        tree = session.tree
        base = tree.overlay_base(session.overlay).parent / "proof" / name
        overlay = base if tree.root_rel == "." else base / tree.root_rel
        if not base.is_dir():
            tmp = base.with_name(name + ".tmp")
            copy_overlay(tree.overlay_base(session.overlay), tmp)
            for rw in batch:
                (tmp / (tree.root_rel if tree.root_rel != "." else "") / rw.path).write_text(
                    rw.source, encoding="utf-8")
            tmp.rename(base)
        packages = sorted({rw.package for rw in batch})
        runs = session.check(overlay, packages, roles)
        sources = dict(base_sources)
        for rw in batch:
            sources[rw.path] = rw.source
        wanted = {rw.path for rw in batch}
        plans = session.plans
        session.plans = {r: plans[r] for r in roles}
        try:
            found, _units = session.triages(overlay, runs, {p: sources[p] for p in wanted},
                                            detect=False)
        finally:
            session.plans = plans
        by_path = {str((t.origin or {}).get("path")): t for t in found}
        out: dict[str, Triage] = {}
        for rw in batch:
            triage = by_path.get(rw.path)
            if triage is None:
                missing = CheckResult(role=BASELINE, status="dependency-failed", accepted=None,
                                      error=f"{rw.path} was not compiled in the re-check")
                triage = Triage(id="0" * 64, source=rw.source, edition="2021",
                                checks={BASELINE: missing}, verdict="toolchain-error",
                                corroborated=False, drift=False, reason=missing.error)
            out[rw.key()] = triage
        return out

    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(label, "proof", done, total)

    return proof.prove(triages, check=check, progress=step)


__all__ = ["AuditError", "AuditOptions", "AuditProgress", "AuditResult", "RoleOutcome",
           "ToolchainError", "TrustRequired", "run_audit"]
