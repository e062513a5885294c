"""Running cargo for the audit: one target dir per compiler, one generated wrapper per role, all sandboxed.

Dependencies are checked by NLL in every role, so each compiler builds them once into its own
target dir (a dependency pass whose wrapper skips the members); the roles then run side by
side, each in a target dir of its own (cargo locks a whole build dir), the non-primary roles'
mirrored from the primary's, so the dependencies are fresh there. Workspace members go through
``RUSTC_WORKSPACE_WRAPPER``: a tiny generated script per role that adds the role's flags.
Cargo mixes the wrapper's *path* into the metadata hash of workspace members (the hook clippy
relies on), so each role's member outputs and fingerprints are its own in any target dir.
Cargo does not fingerprint environment variables a wrapper
reads, so the role is never passed that way: switching roles through a variable would replay a
cached success. The wrapper also logs each member rustc's wall time (the borrow-check cost),
and caps the members' lints (``--cap-lints=allow``, as cargo does for dependencies): a crate's
``#![deny(...)]`` meeting a newer compiler's lint is not a borrow-check answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
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


def wrapper_for(plan: RolePlan, *, tag: str = "") -> Path:
    """The role's generated ``RUSTC_WORKSPACE_WRAPPER``; its folder is named by its content.

    ``tag`` gives a proof overlay its own wrapper: cargo hashes path packages relative to the
    workspace root, so an overlay copy's members would otherwise share (and overwrite) the
    fingerprints of the audited workspace's members in the shared target dir.
    """
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in plan.info.env)
    flags = " ".join(shlex.quote(f) for f in plan.info.flags)
    if Path(_BASH).is_file():
        # bash's $EPOCHREALTIME: no `date` processes around every member rustc
        shell, now = _BASH, '"${EPOCHREALTIME/./}"'
        elapsed = '$(( (${EPOCHREALTIME/./} - start) * 1000 ))'
    else:
        shell, now, elapsed = "/bin/sh", "$(date +%s%N)", "$(( $(date +%s%N) - start ))"
    text = (
        f"#!{shell}\n"
        f"# ptriage audit: role {plan.role} on {plan.compiler.version} (generated) {tag}\n"
        f"{exports}"
        "name=; prev=; cap=--cap-lints=allow\n"
        'for a in "$@"; do\n'
        '  [ "$prev" = "--crate-name" ] && name=$a\n'
        '  case "$a" in --cap-lints*) cap=;; esac\n'
        "  prev=$a\n"
        "done\n"
        f"start={now}\n"
        f'"$@" $cap {flags}\n'
        "rc=$?\n"
        f'if [ -n "${TIMING_ENV}" ] && [ -n "$name" ]; then\n'
        # CPU time of the finished rustc: this shell's cutime + cstime (clock ticks), read
        # without a fork; steadier than wall time on a loaded machine
        "  cpu=-1\n"
        "  if [ -r /proc/$$/stat ]; then\n"
        "    read -r stat < /proc/$$/stat; stat=${stat##*) }; set -- $stat\n"
        "    shift 13; cpu=$(( $1 + $2 ))\n"
        "  fi\n"
        f'  echo "$name {elapsed} $cpu" >> "${TIMING_ENV}"\n'
        "fi\n"
        "exit $rc\n"
    )
    return _install_wrapper(plan.role, text)


def _install_wrapper(kind: str, text: str) -> Path:
    """Write a generated wrapper script into a folder named by its content (so its path, which
    cargo fingerprints, changes exactly when the script does), atomically, once."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = audit_cache() / "wrappers" / f"{kind}-{digest}"
    path = folder / "rustc-wrapper"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "rustc-wrapper.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, path)
    return path


def deps_only_wrapper() -> Path:
    """A ``RUSTC_WORKSPACE_WRAPPER`` that fails every workspace member at once: the dependency pass.

    Run with ``--keep-going``, cargo then builds every dependency (and only those) into the
    target dir, which the roles' own target dirs are mirrored from before they run side by side.
    Cargo's own probes (``--crate-name ___``) go through.
    """
    text = (
        "#!/bin/sh\n"
        "# ptriage audit: dependency pass, workspace members skipped (generated)\n"
        "prev=\n"
        'for a in "$@"; do\n'
        '  if [ "$prev" = "--crate-name" ] && [ "$a" != "___" ]; then\n'
        "    echo \"ptriage: workspace member $a skipped in the dependency pass\" >&2\n"
        "    exit 1\n"
        "  fi\n"
        "  prev=$a\n"
        "done\n"
        'exec "$@"\n'
    )
    return _install_wrapper("deps-only", text)


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
    wrapper: Path | None = None,
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
        env["RUSTC_WORKSPACE_WRAPPER"] = str(wrapper)
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
        readonly.append(wrapper.parent)
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


#: Never copied between target dirs: cargo's lock file and per-unit incremental state (only
#: workspace members use it, and a role's members have outputs of their own).
_MIRROR_SKIP = frozenset({".cargo-lock", "incremental"})


def mirror_target_dir(source: Path, dest: Path) -> int:
    """Make ``dest`` hold every build output of ``source`` (copies, never links); → files copied.

    A role's own target dir starts from the primary role's: the dependencies it built are then
    fresh in ``dest`` too (same sizes and modification times; cargo keys registry crates by
    version and path crates by their sources' mtimes), so a role that runs beside others (cargo
    locks a whole build dir) still builds them only once. Real copies, not hard links: cargo
    rewrites fingerprint files in place, which must never reach the primary's files. Files
    already the same (size and mtime) are left alone, so a warm mirror costs one walk.
    """
    copied = 0
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = [d for d in dirnames if d not in _MIRROR_SKIP]
        rel_dir = Path(dirpath).relative_to(source)
        out_dir = dest / rel_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in filenames:
            if name in _MIRROR_SKIP:
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
