"""Cargo's JSON messages of every role → one record per workspace source file, in the one record shape."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkers import patterns as pattern_mod
from checkers.audit.runner import CargoRun, RolePlan, first_error_line
from checkers.cfg import Removed, cfg_flags, removed_for
from checkers.model import ROLES, CheckResult, Diagnostic, Triage, case_id
from checkers.rustc import is_noise, to_diagnostic
from checkers.snippet import function_spans
from checkers.toolchains import RoleInfo
from checkers.verdict import drift_of, function_verdicts, triage_verdict

_KIND_ORDER = {"lib": 0, "rlib": 0, "proc-macro": 1, "bin": 2, "custom-build": 3, "test": 4,
               "example": 5, "bench": 6}


@dataclass(frozen=True, slots=True)
class Target:
    package: str
    package_id: str
    kind: str  # lib | proc-macro | bin | test | example | bench | custom-build
    name: str
    src_path: str  # relative to the workspace root

    @property
    def label(self) -> str:
        if self.kind in ("lib", "proc-macro"):
            return "lib"
        if self.kind == "custom-build":
            return "build-script"
        return f"{self.kind}:{self.name}"

    @property
    def crate_name(self) -> str:
        return "build_script_build" if self.kind == "custom-build" else self.name.replace("-", "_")


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    id: str
    version: str
    edition: str
    manifest: str  # relative to the workspace root
    targets: tuple[Target, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.id, "version": self.version, "edition": self.edition,
                "manifest": self.manifest, "targets": [t.label for t in self.targets]}


@dataclass(slots=True)
class UnitState:
    """What one role did with one member target."""

    ran: bool = False
    #: cargo reported the target's artifact: rustc finished it (even if the run later timed out)
    done: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    #: cargo features the target was compiled with, and cfgs its package's build script set
    features: set[str] = field(default_factory=set)
    cfgs: set[str] = field(default_factory=set)
    #: the same diagnostic from two units of one target (lib and lib --test) is kept once
    seen: set[str] = field(default_factory=set)


def _target_kind(kinds: Sequence[str]) -> str:
    if "proc-macro" in kinds:
        return "proc-macro"
    if "custom-build" in kinds:
        return "custom-build"
    if any(k in ("lib", "rlib", "dylib", "cdylib", "staticlib") for k in kinds):
        return "lib"
    return kinds[0] if kinds else "lib"


def members_of(metadata: Mapping[str, Any], root: Path) -> list[Package]:
    """Workspace members from ``cargo metadata`` (paths made relative to ``root``)."""
    member_ids = set(metadata.get("workspace_members") or ())
    out: list[Package] = []
    for pkg in metadata.get("packages") or ():
        if pkg.get("id") not in member_ids:
            continue
        targets = []
        for t in pkg.get("targets") or ():
            src = Path(str(t.get("src_path", "")))
            rel = src.relative_to(root).as_posix() if src.is_absolute() and root in src.parents \
                else src.as_posix()
            targets.append(Target(pkg["name"], pkg["id"], _target_kind(t.get("kind") or ()),
                                  str(t.get("name", pkg["name"])), rel))
        targets.sort(key=lambda t: (_KIND_ORDER.get(t.kind, 9), t.name))
        manifest = Path(str(pkg.get("manifest_path", "")))
        out.append(Package(
            name=str(pkg["name"]), id=str(pkg["id"]), version=str(pkg.get("version", "")),
            edition=str(pkg.get("edition", "2021")),
            manifest=manifest.relative_to(root).as_posix() if root in manifest.parents
            else manifest.as_posix(),
            targets=tuple(targets)))
    out.sort(key=lambda p: p.name)
    return out


def _relative(name: str, root: Path) -> str | None:
    path = Path(name)
    if path.is_absolute():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return None
    return path.as_posix()


def _dep_info_files(artifact: Mapping[str, Any], root: Path) -> set[str]:
    """Source files of a member unit, from the dep-info rustc wrote beside its artifact."""
    out: set[str] = set()
    for filename in artifact.get("filenames") or ():
        path = Path(str(filename))
        stem = path.stem
        if stem.startswith("lib"):
            stem = stem[3:]
        dep = path.with_name(stem + ".d")
        if not dep.is_file():
            continue
        for line in dep.read_text(encoding="utf-8", errors="replace").splitlines():
            head, sep, deps = line.partition(": ")
            if not sep or not head.endswith((".d", ".rmeta", ".so", ".rlib")):
                continue
            for token in deps.replace("\\ ", "\0").split():
                rel = _relative(token.replace("\0", " "), root)
                if rel is not None and rel.endswith(".rs") and not rel.startswith(".."):
                    out.add(rel)
    return out


def _unit_key(message: Mapping[str, Any]) -> tuple[str, str, str]:
    target = message.get("target") or {}
    return (str(message.get("package_id", "")), _target_kind(target.get("kind") or ()),
            str(target.get("name", "")))


def collect_units(run: CargoRun, targets: Sequence[Target], root: Path) -> dict[Target, UnitState]:
    by_key = {(t.package_id, t.kind, t.name): t for t in targets}
    units = {t: UnitState() for t in targets}
    build_cfgs: dict[str, set[str]] = {}
    for msg in run.messages:
        reason = msg.get("reason")
        if reason == "build-script-executed":
            build_cfgs.setdefault(str(msg.get("package_id", "")), set()).update(
                str(c) for c in msg.get("cfgs") or ())
            continue
        if reason not in ("compiler-message", "compiler-artifact"):
            continue
        target = by_key.get(_unit_key(msg))
        if target is None:
            continue
        unit = units[target]
        unit.ran = True
        if reason == "compiler-message":
            inner = msg.get("message")
            if isinstance(inner, dict):
                if str(inner.get("message", "")).startswith("aborting due to"):
                    unit.done = True  # rustc's last word on a crate it rejected
                key = json.dumps([inner.get("rendered"), inner.get("spans")], sort_keys=True)
                if key not in unit.seen:
                    unit.seen.add(key)
                    unit.messages.append(inner)
        elif target.kind == "custom-build":
            unit.done = True
            unit.files.add(target.src_path)
        else:
            unit.done = True
            unit.features.update(str(f) for f in msg.get("features") or ())
            unit.files |= _dep_info_files(msg, root)
    for target, unit in units.items():
        unit.cfgs = build_cfgs.get(target.package_id, set())
    return units


def _located(span: Mapping[str, Any], rel: str, root: Path) -> Mapping[str, Any] | None:
    current: Mapping[str, Any] | None = span
    while current is not None:
        if _relative(str(current.get("file_name", "")), root) == rel:
            return current
        expansion = current.get("expansion")
        current = expansion.get("span") if isinstance(expansion, dict) else None
    return None


def _primary_file(message: Mapping[str, Any], files: set[str], root: Path) -> str | None:
    spans = list(message.get("spans") or ())
    for span in sorted(spans, key=lambda s: not s.get("is_primary")):
        current: Mapping[str, Any] | None = span
        while current is not None:
            rel = _relative(str(current.get("file_name", "")), root)
            if rel in files:
                return rel
            expansion = current.get("expansion")
            current = expansion.get("span") if isinstance(expansion, dict) else None
    return None


def _diagnostic_in(message: Mapping[str, Any], rel: str, root: Path) -> Diagnostic:
    """``to_diagnostic`` on a copy of ``message`` whose spans are those located in ``rel``."""
    spans = []
    for span in message.get("spans") or ():
        located = _located(span, rel, root)
        if located is not None:
            spans.append({**located, "file_name": Path(rel).name,
                          "is_primary": bool(span.get("is_primary"))})
    return to_diagnostic({**message, "spans": spans}, map_line=lambda n: n,
                         file_name=Path(rel).name)


def _first_error(messages: Sequence[Mapping[str, Any]]) -> str:
    for m in messages:
        if m.get("level") == "error" and not is_noise(dict(m)):
            code = m.get("code")
            code_s = code.get("code") if isinstance(code, dict) else None
            span = next((s for s in m.get("spans") or () if s.get("is_primary")), None)
            where = f" at {span.get('file_name')}:{span.get('line_start')}" if span else ""
            return f"{code_s + ' ' if code_s else ''}{m.get('message', '')}{where}"
    return ""


def failed_dependencies(run: CargoRun, member_ids: set[str]) -> list[str]:
    """Failed units of a cargo run, members and dependencies alike, each with its first error."""
    errors: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for msg in run.messages:
        if msg.get("reason") != "compiler-message":
            continue
        inner = msg.get("message")
        if not isinstance(inner, dict) or inner.get("level") != "error" or is_noise(inner):
            continue
        pid = str(msg.get("package_id", ""))
        target = msg.get("target") or {}
        names[pid] = f"{_package_label(pid)} ({_target_kind(target.get('kind') or ())})"
        errors.setdefault(pid, []).append(inner)
    out = []
    for pid, msgs in errors.items():
        what = "workspace member" if pid in member_ids else "dependency"
        out.append(f"{what} {names[pid]}: {_first_error(msgs)}")
    if "failed to run custom build command" in run.stderr:
        out.append(f"build script: {first_error_line(run.stderr)}")
    return out


def _package_label(package_id: str) -> str:
    """``path+file:///x/y#name@1.0`` or ``registry+…#name@1.0`` → ``name v1.0``."""
    head, _, tail = package_id.rpartition("#")
    if "@" in tail:
        name, _, version = tail.partition("@")
        return f"{name} v{version}"
    if head:  # the name is the folder's: path+file:///x/name#1.0
        return f"{head.rstrip('/').rsplit('/', 1)[-1]} v{tail}"
    if " " in package_id:  # older format: "name 1.0 (source)"
        name, version = package_id.split(" ")[:2]
        return f"{name} v{version}"
    return tail


@dataclass(frozen=True, slots=True)
class FileUnit:
    path: str
    package: Package
    target: Target


def assign_files(packages: Sequence[Package], units_by_role: Mapping[str, Mapping[Target, UnitState]],
                 root: Path, *, built_kinds: frozenset[str] = frozenset()) -> list[FileUnit]:
    """Each compiled source file of a member, with the member target that compiles it."""
    claimed: dict[str, FileUnit] = {}
    for pkg in packages:
        for target in pkg.targets:
            files: set[str] = set()
            for units in units_by_role.values():
                state = units.get(target)
                if state is None:
                    continue
                files |= state.files
                for m in state.messages:
                    for span in m.get("spans") or ():
                        rel = _relative(str(span.get("file_name", "")), root)
                        if rel is not None and rel.endswith(".rs") and not rel.startswith(".."):
                            files.add(rel)
            if not files and target.kind in built_kinds:
                # Never compiled in any role (its dependencies failed everywhere): its root
                # file still gets a record, whose checks say why.
                files.add(target.src_path)
            for rel in sorted(files):
                if rel not in claimed and (root / rel).is_file():
                    claimed[rel] = FileUnit(rel, pkg, target)
    return [claimed[k] for k in sorted(claimed)]


def check_for_file(fu: FileUnit, plan: RolePlan, run: CargoRun | None,
                   units: Mapping[Target, UnitState], files: set[str], root: Path,
                   member_ids: set[str], member_ms: int) -> CheckResult:
    """One role's result for one file."""
    info = plan.info

    def result(status: str, accepted: bool | None, error: str = "",
               diagnostics: tuple[Diagnostic, ...] = ()) -> CheckResult:
        return CheckResult(role=plan.role, status=status, accepted=accepted,
                           diagnostics=diagnostics, rustc=info.version, flags=info.flags,
                           elapsed_ms=member_ms, error=error, bootstrap=info.bootstrap)

    if run is None:
        return result("missing", None, "role did not run")
    state = units.get(fu.target)
    if run.status in ("timeout", "crashed") and (state is None or not state.done):
        why = ("did not finish within the time limit and was killed" if run.status == "timeout"
               else f"crashed: {first_error_line(run.stderr)}")
        return result(run.status, None, f"cargo {why}")
    if state is None or not state.ran:
        failed = failed_dependencies(run, member_ids)
        why = "; ".join(failed) if failed else first_error_line(run.stderr)
        return result("dependency-failed", None,
                      f"{fu.target.package} ({fu.target.label}) was not checked under "
                      f"{plan.role}: {why}")
    diagnostics: list[Diagnostic] = []
    for message in state.messages:
        if is_noise(message) or message.get("level") not in ("error",):
            continue
        primary = _primary_file(message, files, root)
        if primary is None and fu.path == fu.target.src_path:
            diagnostics.append(to_diagnostic({**message, "spans": []}, map_line=lambda n: n))
        elif primary == fu.path:
            diagnostics.append(_diagnostic_in(message, fu.path, root))
    accepted = not any(d.level == "error" for d in diagnostics)
    return result("ok", accepted, diagnostics=tuple(diagnostics))


_FEATURE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+.-]*$")
_MAY_REMOVE = re.compile(r"#!?\s*\[\s*(?:cfg\s*\(|test\s*\])")


def removed_regions(source: str, infos: Sequence[RoleInfo], *, features: set[str],
                    cfgs: set[str], cfg_test: bool) -> list[Removed]:
    """Code `#[cfg]`/`#[test]` removed from this file in the crate as cargo compiled it (its
    features, its build script's cfgs, `--test` for test targets)."""
    if not _MAY_REMOVE.search(source):
        return []
    extra = list(cfg_flags(cfg_test=cfg_test, features=sorted(
        f for f in features if _FEATURE_NAME.match(f))))
    for cfg in sorted(cfgs):
        extra += ["--cfg", cfg]
    return removed_for(source, [dataclasses.replace(i, flags=(*i.flags, *extra)) for i in infos])


def analyse_source(source: str, edition: str) -> tuple[list[Any], Any]:
    """The compiler-independent part of a record: function spans and pattern findings.

    ``run_audit`` computes it for the members' files while cargo runs (see ``build_record``'s
    ``prepared``).
    """
    return function_spans(source), pattern_mod.detect(source, edition=edition)


def build_record(fu: FileUnit, source: str, checks: dict[str, CheckResult], *,
                 notes: Sequence[str], detect: bool = True,
                 removed: Sequence[Removed] = (),
                 prepared: tuple[list[Any], Any] | None = None) -> Triage:
    """``prepared``: ``analyse_source(source, fu.package.edition)`` if already computed."""
    decision, diff = triage_verdict(checks)
    spans = prepared[0] if prepared is not None else function_spans(source)
    functions = function_verdicts(checks, spans, removed)
    found = None
    if detect:
        found = (prepared[1] if prepared is not None
                 else pattern_mod.detect(source, edition=fu.package.edition))
    origin = {"path": fu.path, "package": fu.package.name, "target": fu.target.label, "line": 1}
    ordered = {r: checks[r] for r in ROLES if r in checks}
    return Triage(
        id=case_id(source, fu.package.edition), source=source, edition=fu.package.edition,
        checks=ordered, verdict=decision.verdict, corroborated=decision.corroborated,
        drift=drift_of(ordered), reason=decision.reason, diff=tuple(diff),
        functions=tuple(functions), patterns=found.patterns if found else (),
        epochs=found.epochs if found else (), origin=origin, notes=tuple(notes))
