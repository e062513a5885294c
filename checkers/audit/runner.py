"""Running cargo for the audit: one target dir per role, one generated member wrapper, all sandboxed.

Dependencies are checked by NLL in every role, so each compiler builds them once, in a
dependency pass with a target dir of its own; the roles then run side by side, each in a
target dir of its own (cargo locks a whole build dir) mirrored from the pass's, so what the
pass built is fresh there. Workspace members go through
``RUSTC_WORKSPACE_WRAPPER``: one generated script whose path is the same for every role (cargo
mixes a workspace wrapper's path into its members' metadata hashes), so the units a member
builds for the host (its build script, its proc macro, and the member libraries they link) are
built once too, by the pass; the pass borrow-checks each of them for the other roles as well
(metadata only) and the roles' replayed messages for them are replaced by their own.

The role (its flags and environment) reaches the script through a config file named in an
environment variable. Cargo does not fingerprint that: a target dir built under one role would
replay its results for another (NLL replaying Polonius's success). So each role config owns its
target dirs, marked on first use, and ``run_cargo`` refuses a target dir another config built.
The script also logs each member rustc's wall and CPU time (the borrow-check cost), and caps the
members' lints (``--cap-lints=allow``, as cargo does for dependencies): a crate's
``#![deny(...)]`` meeting a newer compiler's lint is not a borrow-check answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers.errors import CancelledError, ToolchainError
from checkers.model import CancelFlag
from checkers.paths import cache_dir
from checkers.rustc import descendants
from checkers.sandbox import Mounts, Sandbox, set_parent_death_signal, toolchain_roots
from checkers.toolchains import BASELINE, CANDIDATE, CONTROL, CORROBORATOR, RoleInfo, Toolchains

TIMING_ENV = "PTRIAGE_AUDIT_TIMING"
_BASH = "/usr/bin/bash"


def audit_cache() -> Path:
    return cache_dir() / "audit"


@dataclass(frozen=True, slots=True)
class Compiler:
    """One rustc and the cargo next to it (never the rustup proxy)."""

    rustc: str
    cargo: str
    version: str
    identity: str


@dataclass(frozen=True, slots=True)
class RolePlan:
    """How one role runs in the audit: its compiler, member flags and environment."""

    role: str
    info: RoleInfo
    compiler: Compiler

    @property
    def bootstrap(self) -> bool:
        return self.info.bootstrap


@dataclass(frozen=True, slots=True)
class CargoRun:
    """What one cargo process did."""

    status: str  # ok | failed | timeout | crashed
    returncode: int | None
    messages: tuple[dict[str, Any], ...]
    stderr: str
    elapsed_ms: int
    #: crate name → wall time (ms) of its member rustc runs in this cargo run
    member_ms: dict[str, int]
    #: crate name → CPU time (ms, user + system) of those rustc runs
    member_cpu_ms: dict[str, int] = dataclasses.field(default_factory=dict)


def compiler_of(info: RoleInfo) -> Compiler | None:
    if not info.available or info.binary is None:
        return None
    cargo = Path(info.binary).parent / "cargo"
    if not cargo.is_file():
        return None
    return Compiler(rustc=info.binary, cargo=str(cargo), version=info.version,
                    identity=f"{info.binary}|{info.version}|{info.commit}|{info.host}")


def plan_roles(toolchains: Toolchains, *, nightly: str) -> tuple[dict[str, RolePlan], dict[str, str]]:
    """The roles of an audit and, for roles that cannot run, why.

    ``nightly``: ``none`` runs baseline + both Polonius analyses on the stable compiler
    (``RUSTC_BOOTSTRAP=1``, one dependency build); ``control`` adds the nightly NLL control;
    ``all`` also runs the Polonius roles on the nightly compiler as toolchains.toml says.
    """
    problems: dict[str, str] = {}
    stable = toolchains.roles.get(BASELINE)
    if stable is None or not stable.available:
        why = stable.problem if stable is not None else "no [roles.stable] in toolchains.toml"
        raise ToolchainError(f"the stable baseline cannot run: {why} (see `ptriage toolchains`)")
    stable_compiler = compiler_of(stable)
    if stable_compiler is None:
        raise ToolchainError(f"no cargo next to {stable.binary}: install the toolchain with rustup")
    plans: dict[str, RolePlan] = {BASELINE: RolePlan(BASELINE, stable, stable_compiler)}
    for role, mode in ((CANDIDATE, "next"), (CORROBORATOR, "legacy")):
        if nightly == "all":
            info = toolchains.roles.get(role)
            compiler = compiler_of(info) if info is not None else None
            if info is None or compiler is None:
                problems[role] = (info.problem if info is not None and info.problem
                                  else f"role {role} has no compiler with a cargo beside it")
                continue
            plans[role] = RolePlan(role, info, compiler)
            continue
        env = dict(stable.env)
        env["RUSTC_BOOTSTRAP"] = "1"
        info = dataclasses.replace(
            stable, role=role, flags=(*stable.flags, f"-Zpolonius={mode}"),
            env=tuple(sorted(env.items())), bootstrap=True)
        plans[role] = RolePlan(role, info, stable_compiler)
    if nightly in ("control", "all"):
        control = toolchains.roles.get(CONTROL)
        compiler = compiler_of(control) if control is not None else None
        if control is None or compiler is None:
            problems[CONTROL] = (control.problem if control is not None and control.problem
                                 else "the nightly control has no compiler with a cargo beside it")
        else:
            plans[CONTROL] = RolePlan(CONTROL, control, compiler)
    return plans, problems


@dataclass(frozen=True, slots=True)
class Wrapper:
    """How one cargo run compiles the workspace members: the generated script and the role's config.

    The script's path is the same for every role of an audit (cargo mixes a workspace wrapper's
    path into its members' metadata hashes, so the roles' units get the same file names and the
    units the dependency pass builds once are fresh in every role's target dir). The role comes
    from ``config``, a generated shell snippet named by its content, through an environment
    variable, which cargo does not fingerprint: so each target dir belongs to one role config
    (``owner``), and ``run_cargo`` refuses a target dir that another config built (the stale
    replay the audit must never see).
    """

    script: Path
    config: Path
    role: str
    #: digest of the config: the one role configuration a target dir may be built by
    owner: str
    #: ``role``: members compiled with the role's flags; ``deps``: the dependency pass
    mode: str = "role"
    #: where the dependency pass leaves the other roles' borrow check of the units it builds
    stash: Path | None = None

    def env(self) -> dict[str, str]:
        out = {"RUSTC_WORKSPACE_WRAPPER": str(self.script),
               CONFIG_ENV: str(self.config), MODE_ENV: self.mode}
        if self.stash is not None:
            out[STASH_ENV] = str(self.stash)
        return out


CONFIG_ENV = "PTRIAGE_AUDIT_CONFIG"
MODE_ENV = "PTRIAGE_AUDIT_MODE"
STASH_ENV = "PTRIAGE_AUDIT_STASH"
#: the file in a target dir naming the role config that owns it
OWNER_FILE = "ptriage-owner"
#: the folder in the dependency pass's target dir holding the other roles' borrow check of
#: the host units it built: ``<role>/<crate><extra-filename>.json`` (rustc's stderr) and ``.rc``
STASH_DIR = "ptriage-stash"


def _role_call(plan: RolePlan) -> str:
    """A subshell that runs ``"$@"`` (rustc and its arguments) with the role's env and flags."""
    exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in plan.info.env)
    flags = " ".join(shlex.quote(f) for f in plan.info.flags)
    return f'( {exports}exec "$@" $cap {flags} )'


def wrapper_for(plan: RolePlan, *, tag: str = "", mode: str = "role",
                others: Sequence[RolePlan] = (), stash: Path | None = None) -> Wrapper:
    """The member wrapper for ``plan``'s role.

    ``tag`` gives a proof overlay a script of its own: cargo hashes path packages relative to
    the workspace root, so an overlay copy's members would otherwise share (and overwrite) the
    fingerprints of the audited workspace's members. ``others``: the roles on the same compiler
    whose target dirs are mirrored from this one; in ``deps`` mode each unit the pass builds
    for the host (a member's build script or proc macro, and what they link) is borrow-checked
    for them too, into ``stash``.
    """
    if mode not in ("role", "deps"):
        raise ValueError(f"unknown wrapper mode {mode!r}")
    lines = [f"# ptriage audit: role {plan.role} on {plan.compiler.version} (generated)",
             f"role_run() {{ {_role_call(plan)}; }}",
             "others_run() {"]
    for other in others:
        folder = f'"${STASH_ENV}"/{shlex.quote(other.role)}'
        lines.append(f'  mkdir -p {folder} && {_role_call(other)} 2> {folder}/"$unit.json"; '
                     f'echo $? > {folder}/"$unit.rc"')
    lines += ["  :", "}", ""]
    config_text = "\n".join(lines)
    owner = hashlib.sha256(
        f"{plan.compiler.identity}\n{config_text}".encode()).hexdigest()[:16]
    config = _install_wrapper(f"role-{plan.role}", config_text, name="config.sh")
    return Wrapper(script=_member_script(tag), config=config, role=plan.role, owner=owner,
                   mode=mode, stash=stash)


def _member_script(tag: str) -> Path:
    if Path(_BASH).is_file():
        # bash's $EPOCHREALTIME: no `date` processes around every member rustc
        shell, now = _BASH, '"${EPOCHREALTIME/./}"'
        elapsed = '$(( (${EPOCHREALTIME/./} - start) * 1000 ))'
    else:
        shell, now, elapsed = "/bin/sh", "$(date +%s%N)", "$(( $(date +%s%N) - start ))"
    text = (
        f"#!{shell}\n"
        f"# ptriage audit: the members' rustc wrapper (generated) {tag}\n"
        f"# ${CONFIG_ENV}: the role (its flags and env); ${MODE_ENV}=deps: the dependency\n"
        "# pass, where members are skipped except the units built for the host (build scripts,\n"
        "# proc macros and what they link: --emit with link), built once for every role and\n"
        f"# borrow-checked for the other roles into ${STASH_ENV}.\n"
        f'. "${CONFIG_ENV}" || exit 1\n'
        "name=; prev=; unit=; host=; cap=--cap-lints=allow\n"
        'for a in "$@"; do\n'
        '  [ "$prev" = "--crate-name" ] && name=$a\n'
        '  case "$prev $a" in "-C extra-filename="*) unit=${a#extra-filename=};; esac\n'
        '  case "$a" in\n'
        "    --cap-lints*) cap=;;\n"
        "    -Cextra-filename=*) unit=${a#-Cextra-filename=};;\n"
        "    --emit=*link*) host=1;;\n"
        "  esac\n"
        "  prev=$a\n"
        "done\n"
        "unit=$name$unit\n"
        # a function has its own positional parameters: "$@" (the rustc command) stays
        "cpu_of() { set -- $1; shift 13; cpu=$(( $1 + $2 )); }\n"
        f'if [ "${MODE_ENV}" = deps ] && [ -n "$name" ] && [ "$name" != ___ ]; then\n'
        '  if [ -z "$host" ]; then\n'
        # named, so that nothing cargo leaves of this unit is ever mirrored to a role
        f'    mkdir -p "${STASH_ENV}/skipped" && : > "${STASH_ENV}/skipped/$unit"\n'
        '    echo "ptriage: workspace member $name skipped in the dependency pass" >&2\n'
        "    exit 1\n"
        "  fi\n"
        f'  rm -f "${STASH_ENV}"/*/"$unit".json "${STASH_ENV}"/*/"$unit".rc\n'
        # which package each host unit belongs to (a role run later may need to rebuild it)
        f'  mkdir -p "${STASH_ENV}/units" && echo "$CARGO_PKG_NAME" > "${STASH_ENV}/units/$unit"\n'
        "fi\n"
        f"start={now}\n"
        'role_run "$@"\n'
        "rc=$?\n"
        f'if [ -n "${TIMING_ENV}" ] && [ -n "$name" ]; then\n'
        # CPU time of the finished rustc: this shell's cutime + cstime (clock ticks), read
        # without a fork; steadier than wall time on a loaded machine
        "  cpu=-1\n"
        "  if [ -r /proc/$$/stat ]; then\n"
        "    read -r stat < /proc/$$/stat; cpu_of \"${stat##*) }\"\n"
        "  fi\n"
        f'  echo "$name {elapsed} $cpu" >> "${TIMING_ENV}"\n'
        "fi\n"
        f'if [ "${MODE_ENV}" = deps ] && [ -n "$host" ] && [ $rc -eq 0 ] && [ -n "$name" ] \\\n'
        f'   && [ "$name" != ___ ] && [ -n "${STASH_ENV}" ]; then\n'
        # the other roles' borrow check of this unit: metadata only, into a scratch out dir,
        # no incremental session (the real build's stays untouched)
        f'  out="${STASH_ENV}/tmp-$$"; mkdir -p "$out"\n'
        "  n=$#; drop=; held=\n"
        '  for a in "$@"; do\n'
        '    if [ -n "$drop" ]; then drop=; continue; fi\n'
        '    if [ -n "$held" ]; then\n'
        "      held=\n"
        '      case "$a" in incremental=*) continue;; esac\n'
        '      set -- "$@" -C "$a"; continue\n'
        "    fi\n"
        '    case "$a" in\n'
        "      -C) held=1;;\n"
        '      --out-dir) drop=1; set -- "$@" --out-dir "$out";;\n'
        '      --out-dir=*) set -- "$@" "--out-dir=$out";;\n'
        "      --emit=*) set -- \"$@\" --emit=metadata;;\n"
        "      -Cincremental=*) ;;\n"
        '      *) set -- "$@" "$a";;\n'
        "    esac\n"
        "  done\n"
        "  shift $n\n"
        '  others_run "$@"\n'
        '  rm -rf "$out"\n'
        "fi\n"
        "exit $rc\n"
    )
    return _install_wrapper("members", text)


def _install_wrapper(kind: str, text: str, *, name: str = "rustc-wrapper") -> Path:
    """Write a generated script into a folder named by its content (so its path, which cargo
    fingerprints, changes exactly when the script does), atomically, once."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = audit_cache() / "wrappers" / f"{kind}-{digest}"
    path = folder / name
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, path)
    return path


def user_cargo_home() -> Path:
    env = os.environ.get("CARGO_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cargo"


def _limits_preexec(memory_mb: int) -> Any:
    import resource

    memory = memory_mb * 1024 * 1024

    def apply() -> None:
        set_parent_death_signal()
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


@dataclass(frozen=True, slots=True)
class CargoEnv:
    """Where one audit's cargo processes live: sandbox, cargo home, scratch home."""

    sandbox: Sandbox
    cargo_home: Path
    scratch: Path
    timeout: float
    memory_mb: int
    jobs: int | None


def run_cargo(
    args: Sequence[str],
    *,
    compiler: Compiler,
    cwd: Path,
    env_setup: CargoEnv,
    target_dir: Path | None = None,
    wrapper: Wrapper | None = None,
    network: bool = False,
    cancel: CancelFlag | None = None,
    extra_env: Mapping[str, str] | None = None,
    mount: Path | None = None,
) -> CargoRun:
    """One cargo process inside the sandbox; killed with its whole tree on timeout or cancel.

    ``mount``: the writable folder holding ``cwd`` (an overlay whose path dependencies lie
    beside the workspace root); ``cwd`` itself when not given.
    """
    if cancel is not None and cancel.is_set():
        raise CancelledError("audit cancelled")
    scratch = env_setup.scratch
    scratch.mkdir(parents=True, exist_ok=True)
    cargo_home = env_setup.cargo_home
    bin_dir = str(Path(compiler.cargo).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "CARGO_HOME": str(cargo_home),
        "RUSTC": compiler.rustc,
        "CARGO_TERM_COLOR": "never",
        "CARGO_TERM_PROGRESS_WHEN": "never",
        "RUST_BACKTRACE": "0",
    }
    # unique per process and thread: an audit runs several roles' cargo at once
    stamp = f"{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    timing = scratch / f"timing-{stamp}.log"
    if target_dir is not None:
        target_dir.mkdir(parents=True, exist_ok=True)
        env["CARGO_TARGET_DIR"] = str(target_dir)
    if wrapper is not None:
        if target_dir is None:
            raise ValueError("a member wrapper needs a target dir of its own")
        claim_target_dir(target_dir, wrapper)
        env.update(wrapper.env())
        env[TIMING_ENV] = str(timing)
    if env_setup.jobs:
        env["CARGO_BUILD_JOBS"] = str(env_setup.jobs)
    if extra_env:
        env.update(extra_env)
    writable = [mount if mount is not None else cwd, scratch]
    if target_dir is not None:
        writable.append(target_dir)
    readonly = [*toolchain_roots([compiler.rustc, compiler.cargo])]
    if wrapper is not None:
        readonly += [wrapper.script.parent, wrapper.config.parent]
    if network:
        writable.append(cargo_home)
    else:
        readonly.append(cargo_home)
    mounts = Mounts(writable=tuple(writable), readonly=tuple(readonly), linker=True,
                    network=network)
    sandbox = env_setup.sandbox
    argv = sandbox.wrap([compiler.cargo, *args], cwd=cwd, env=env, mounts=mounts)
    out_path = scratch / f"cargo-{stamp}.out"
    err_path = out_path.with_suffix(".err")
    started = time.perf_counter()
    with open(out_path, "wb") as out_file, open(err_path, "wb") as err_file:
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file, cwd=cwd,
                env=sandbox.popen_env(env), start_new_session=True,
                preexec_fn=_limits_preexec(env_setup.memory_mb),
            )
        except OSError as exc:
            raise ToolchainError(f"cannot start {argv[0]}: {exc}") from exc
        timed_out = cancelled = False
        deadline = started + env_setup.timeout
        try:
            while True:
                try:
                    proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    if cancel is not None and cancel.is_set():
                        cancelled = True
                        break
                    if time.perf_counter() > deadline:
                        timed_out = True
                        break
        finally:
            if proc.poll() is None or timed_out or cancelled:
                kill_tree(proc)
            proc.wait()
    elapsed = int((time.perf_counter() - started) * 1000)
    raw_out = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    member_ms, member_cpu_ms = _read_timing(timing)
    if cancelled:
        raise CancelledError("audit cancelled")
    messages: list[dict[str, Any]] = []
    for line in raw_out.splitlines():
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                messages.append(obj)
    rc = proc.returncode
    if timed_out:
        status = "timeout"
    elif rc == 0:
        status = "ok"
    elif rc in (101, 1):
        status = "failed"
    else:
        status = "crashed"
    return CargoRun(status, rc, tuple(messages), stderr, elapsed, member_ms, member_cpu_ms)


def claim_target_dir(target_dir: Path, wrapper: Wrapper) -> None:
    """Mark ``target_dir`` as built by ``wrapper``'s role config; refuse one another config built.

    Cargo does not fingerprint the role (an environment variable names it), so a target dir
    built under one role would replay that role's results for another: each role config has
    target dirs of its own, and this is where that rule is enforced rather than trusted.
    """
    marker = target_dir / OWNER_FILE
    try:
        owner = marker.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        marker.write_text(f"{wrapper.owner}\n", encoding="utf-8")
        return
    if owner != wrapper.owner:
        raise ToolchainError(
            f"{target_dir} holds another role's builds (owner {owner}, not {wrapper.role} "
            f"{wrapper.owner}): a target dir is never shared between roles; delete it")


#: Never copied between target dirs: cargo's lock file, per-unit incremental state (only
#: workspace members use it, and a role's members have outputs of their own) and the owner.
_MIRROR_SKIP = frozenset({".cargo-lock", "incremental", OWNER_FILE, STASH_DIR})


#: cargo's metadata hash of a unit, as it ends a file or folder name (``libfoo-<hash>.rmeta``,
#: ``.fingerprint/foo-<hash>``, ``build/foo-<hash>``) or a stash entry (``foo-<hash>``)
_UNIT_HASH = re.compile(r"-([0-9a-f]{16})(?:\.|$)")


def unit_hash(name: str) -> str | None:
    found = _UNIT_HASH.search(name)
    return found.group(1) if found is not None else None


def forget_host_units(stash: Path, target_dir: Path, packages: set[str]) -> int:
    """Make ``target_dir`` rebuild the host units the dependency pass built for ``packages``.

    A role run after the others (legacy Polonius, where it is needed) borrow-checks those
    units itself: their fingerprints, mirrored from the pass's target dir, are removed, so cargo
    compiles them again through the role's wrapper. → how many units were forgotten.
    """
    forgotten = 0
    try:
        units = sorted((stash / "units").iterdir())
    except OSError:
        return 0
    for unit in units:
        try:
            package = unit.read_text(encoding="utf-8").strip()
        except OSError:
            continue
        digest = unit_hash(unit.name)
        if package not in packages or digest is None:
            continue
        for fingerprint in (target_dir / "debug" / ".fingerprint").glob(f"*-{digest}"):
            try:
                shutil.rmtree(fingerprint)
            except OSError as exc:
                raise ToolchainError(f"cannot reset {fingerprint} ({exc}): delete "
                                     f"{target_dir} and audit again") from exc
            forgotten += 1
    return forgotten


def take_stashed_diagnostics(run: CargoRun, stash: Path, member_ids: set[str]) -> CargoRun:
    """``run`` with the role's own borrow check of the member units it found fresh.

    In a role's target dir mirrored from the dependency pass, a member's build script or proc
    macro (and what they link) is fresh, so cargo replays the diagnostics of the pass's role.
    The pass borrow-checked those units for this role too (``stash``): their replayed messages
    are replaced by this role's. A unit the role compiled itself keeps its own messages.
    """
    replaced: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for msg in run.messages:
        if (msg.get("reason") != "compiler-artifact" or not msg.get("fresh")
                or msg.get("package_id") not in member_ids):
            continue
        target = msg.get("target") or {}
        # the unit's metadata hash ends its file names (libNAME-HASH.so) or, for a build
        # script, its folder (build/PKG-HASH/build-script-build)
        crate = str(target.get("name", "")).replace("-", "_")
        hashes = {unit_hash(part) for filename in msg.get("filenames") or ()
                  for part in (Path(str(filename)).name, Path(str(filename)).parent.name)}
        found = sorted(stash / f"{crate}-{h}.json" for h in hashes - {None}
                       if (stash / f"{crate}-{h}.json").is_file())
        if found:
            replaced[(str(msg["package_id"]), str(target.get("name")))] = _stashed(found[0], msg)
    if not replaced:
        return run
    messages: list[dict[str, Any]] = []
    for msg in run.messages:
        key = (str(msg.get("package_id")), str((msg.get("target") or {}).get("name")))
        if key in replaced:
            if msg.get("reason") == "compiler-message":
                continue  # the dependency pass's role's diagnostics, replayed
            if msg.get("reason") == "compiler-artifact":
                messages += replaced[key]
        messages.append(msg)
    return dataclasses.replace(run, messages=tuple(messages))


def _stashed(path: Path, artifact: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The diagnostics in a stashed stderr, as cargo's ``compiler-message`` of ``artifact``'s unit."""
    envelope = {"reason": "compiler-message", "package_id": artifact.get("package_id"),
                "manifest_path": artifact.get("manifest_path"), "target": artifact.get("target")}
    out: list[dict[str, Any]] = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            diag = json.loads(line)
        except ValueError:
            continue
        if isinstance(diag, dict) and diag.get("$message_type", "diagnostic") == "diagnostic":
            out.append({**envelope, "message": diag})
    try:
        rc = int(path.with_suffix(".rc").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        rc = 0
    if rc != 0 and not any(m["message"].get("level") == "error" for m in out):
        crate = (artifact.get("target") or {}).get("name")
        tail = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("{")][-1:]
        out.append({**envelope, "message": {
            "$message_type": "diagnostic", "level": "error", "code": None, "spans": [],
            "children": [], "message": f"rustc exited with {rc} checking {crate}"
                                       f"{': ' + tail[0][:200] if tail else ''}",
            "rendered": f"error: rustc exited with {rc} checking {crate}\n"}})
    return out


def mirror_target_dir(source: Path, dest: Path) -> int:
    """Make ``dest`` hold every build output of the dependency pass in ``source`` (copies, never
    links); → files copied.

    A role's own target dir starts from the pass's: the dependencies, build scripts and proc
    macros it built are then fresh in ``dest`` too (same sizes and modification times; cargo
    keys registry crates by version and path crates by their sources' mtimes), so roles that
    run side by side (cargo locks a whole build dir) still build them only once. What cargo
    left of the members the pass skipped (its ``skipped`` list: their hash names every file and
    folder of theirs) is never copied: members have the same file names in every role, and a
    timestamp or stored output of the pass's would make cargo replay it for the role. Real
    copies, not hard links: cargo rewrites fingerprint files in place. Files already the same
    (size and mtime) are left alone, so a warm mirror costs one walk.
    """
    try:
        skipped = {unit_hash(name) for name in os.listdir(source / STASH_DIR / "skipped")}
    except OSError:
        skipped = set()
    skipped.discard(None)

    def members(name: str) -> bool:
        return unit_hash(name) in skipped

    copied = 0
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = [d for d in dirnames if d not in _MIRROR_SKIP and not members(d)]
        rel_dir = Path(dirpath).relative_to(source)
        out_dir = dest / rel_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name in _MIRROR_SKIP or members(name):
                continue
            src = Path(dirpath) / name
            dst = out_dir / name
            try:
                st = src.stat()
            except OSError:
                continue
            try:
                dt = dst.stat()
                if dt.st_size == st.st_size and dt.st_mtime_ns == st.st_mtime_ns:
                    continue
            except OSError:
                pass
            tmp = out_dir / f".{name}.ptriage-tmp"
            try:
                shutil.copyfile(src, tmp)
                os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
                os.chmod(tmp, st.st_mode & 0o7777)
                os.replace(tmp, dst)
            except OSError:
                tmp.unlink(missing_ok=True)
                continue  # cargo rebuilds what is missing
            copied += 1
    return copied


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill cargo, rustc, build scripts and bwrap: descendants first, then the process group.

    Descendants go first so that bubblewrap can reap its namespace's init; rustc or a build
    script may have left cargo's process group, so ``killpg`` alone would not reach them.
    """
    for pid in reversed(descendants(proc.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
    try:
        proc.wait(timeout=2)
        return  # reaped: its group id may already belong to another process
    except subprocess.TimeoutExpired:
        pass  # still there: the group kill below ends it
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return  # the group already exited with its leader


def _read_timing(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The wrapper's log: ``crate wall_ns cpu_ticks`` per member rustc → ms per crate."""
    wall: dict[str, int] = {}
    cpu: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return wall, cpu
    path.unlink(missing_ok=True)
    tick_ms = 1000 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or not fields[1].isdigit():
            continue
        name = fields[0]
        wall[name] = wall.get(name, 0) + int(fields[1]) // 1_000_000
        if len(fields) > 2 and fields[2].isdigit():
            cpu[name] = cpu.get(name, 0) + int(int(fields[2]) * tick_ms)
    return wall, cpu


def first_error_line(stderr: str) -> str:
    """The first `error…` line of cargo's own stderr (one line, for a user-facing message)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for index, line in enumerate(lines):
        if line.startswith("error"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if line.endswith(":") and following:
                return f"{line} {following}"[:400]
            return line[:400]
    return (lines[-1] if lines else "cargo failed without a message")[:400]
