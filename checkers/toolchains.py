"""Toolchain matrix: reading toolchains.toml, resolving each role's rustc once, probing it, the doctor."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import re
import subprocess
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkers.errors import ConfigError
from checkers.model import ROLES
from checkers.paths import cache_dir, config_dir

#: The shipped default matrix lives at the repository top level.
DEFAULT_TOOLCHAINS_FILE = Path(__file__).resolve().parents[1] / "toolchains.toml"

BASELINE = "stable"
CANDIDATE = "polonius"
CORROBORATOR = "polonius-legacy"
CONTROL = "nightly"
REQUIRED_ROLES = (BASELINE, CANDIDATE)

_ROLE_KEYS = {"toolchain", "rustc", "flags", "env", "polonius"}
_LIMIT_KEYS: dict[str, type | tuple[type, ...]] = {
    "timeout": (int, float),
    "memory_mb": int,
    "cpu_seconds": int,
    "output_kb": int,
    "max_input_kb": int,
    "allow_include": bool,
    "bootstrap_fallback": bool,
}
_POLONIUS_MODES = ("next", "legacy", "off")
#: How rustc spells "plain NLL" in ``-Zpolonius=``: nightlies from 2026-08-06 say ``nll``, some
#: builds also take ``off`` or ``no``; older ones take none of them (NLL is their default).
NLL_SPELLINGS = ("nll", "off", "no")
#: What the doctor suggests when a stable compiler runs alpha and offers no way back to NLL.
PINNED_BASELINE = "1.95.0"


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits for one rustc run, and input policy."""

    timeout: float = 10.0
    memory_mb: int = 2048
    cpu_seconds: int = 30
    output_kb: int = 8192
    max_input_kb: int = 1024
    allow_include: bool = False
    bootstrap_fallback: bool = True


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """One role as written in toolchains.toml."""

    role: str
    toolchain: str | None
    rustc: str | None
    flags: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    polonius: str | None


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """One role resolved against this machine: the binary, its identity and the final argv flags."""

    role: str
    spec: RoleSpec
    available: bool
    binary: str | None = None
    version: str = ""  # first line of `rustc -vV` minus the "rustc " prefix
    release: str = ""
    commit: str = ""
    commit_date: str = ""
    host: str = ""
    flags: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    bootstrap: bool = False
    #: ``rustc --print sysroot``: mounted read-only into the sandbox (a wrapper script's real
    #: compiler lives there, not next to the script).
    sysroot: str = ""
    #: ``limits.allow_include``: this role's runs may read host files (the sandbox mounts the
    #: host read-only). Part of the identity, so such results never answer a confined run.
    host_reads: bool = False
    problem: str = ""
    fix: str = ""
    notes: tuple[str, ...] = ()

    def identity(self) -> str:
        """What a cache key needs to know about this role."""
        parts: list[Any] = [self.version, self.commit, self.host, list(self.flags),
                            [list(e) for e in self.env], self.bootstrap]
        if self.host_reads:
            parts.append("host-reads")
        return json.dumps(parts, separators=(",", ":"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "available": self.available,
            "binary": self.binary,
            "version": self.version,
            "release": self.release,
            "commit": self.commit,
            "commit_date": self.commit_date,
            "host": self.host,
            "flags": list(self.flags),
            "env": dict(self.env),
            "bootstrap": self.bootstrap,
            "sysroot": self.sysroot,
            "toolchain": self.spec.toolchain,
            "polonius": self.spec.polonius,
            "problem": self.problem,
            "fix": self.fix,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Toolchains:
    """The resolved matrix: every role, the limits, and which file it came from."""

    roles: dict[str, RoleInfo]
    limits: Limits
    source_path: Path
    notes: tuple[str, ...] = field(default=())

    def role(self, name: str) -> RoleInfo:
        return self.roles[name]

    @property
    def runnable(self) -> bool:
        """True when the baseline and the candidate can run (else exit code 3)."""
        return all(self.roles[r].available for r in REQUIRED_ROLES if r in self.roles)

    def fingerprint(self) -> str:
        """A digest of every role identity: part of each result-cache key."""
        blob = json.dumps({r: i.identity() for r, i in sorted(self.roles.items())})
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Reading toolchains.toml


def _line_of(text: str, section: str, key: str | None = None) -> int:
    """Best-effort line number of ``[section]`` (and ``key`` inside it) for error messages."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*" + re.escape(section).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
    start = None
    for number, line in enumerate(lines, 1):
        if header.match(line):
            start = number
            break
    if start is None:
        return 1
    if key is None:
        return start
    key_re = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
    for number in range(start, len(lines)):
        line = lines[number]
        if line.lstrip().startswith("["):
            break
        if key_re.match(line):
            return number + 1
    return start


def user_toolchains_file() -> Path:
    return config_dir() / "toolchains.toml"


def toolchains_file(path: Path | None = None) -> Path:
    """Which file is in effect: an explicit path, else the user copy, else the shipped default."""
    if path is not None:
        return Path(path)
    user = user_toolchains_file()
    if user.is_file():
        return user
    return DEFAULT_TOOLCHAINS_FILE


def read_config(path: Path) -> tuple[dict[str, RoleSpec], Limits]:
    """Parse and validate a toolchains.toml; every problem names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: toolchains file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read toolchains file: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "1"
        raise ConfigError(f"{path}:{line}: invalid TOML: {exc}") from exc

    for key in data:
        if key not in ("roles", "limits"):
            raise ConfigError(
                f"{path}:{_line_of(text, key)}: unknown table [{key}] (expected [limits] or [roles.NAME])"
            )
    limits_data = data.get("limits", {})
    if not isinstance(limits_data, dict):
        raise ConfigError(f"{path}:{_line_of(text, 'limits')}: [limits] must be a table")
    limit_values: dict[str, Any] = {}
    for key, value in limits_data.items():
        where = f"{path}:{_line_of(text, 'limits', key)}"
        if key not in _LIMIT_KEYS:
            raise ConfigError(f"{where}: unknown key limits.{key} (known: {', '.join(_LIMIT_KEYS)})")
        expected = _LIMIT_KEYS[key]
        if isinstance(value, bool) and expected is not bool:
            raise ConfigError(f"{where}: limits.{key} must be a number, not {value!r}")
        if not isinstance(value, expected):
            raise ConfigError(f"{where}: limits.{key} has the wrong type: {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool) and value <= 0:
            raise ConfigError(f"{where}: limits.{key} must be positive, got {value!r}")
        limit_values[key] = float(value) if key == "timeout" and isinstance(value, int | float) else value
    limits = Limits(**limit_values)

    roles_data = data.get("roles", {})
    if not isinstance(roles_data, dict) or not roles_data:
        raise ConfigError(f"{path}:1: no [roles.NAME] tables; expected {', '.join(ROLES)}")
    specs: dict[str, RoleSpec] = {}
    for role, entry in roles_data.items():
        section = f"roles.{role}"
        where = f"{path}:{_line_of(text, section)}"
        if role not in ROLES:
            raise ConfigError(f"{where}: unknown role {role!r} (known roles: {', '.join(ROLES)})")
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: [roles.{role}] must be a table")
        for key in entry:
            if key not in _ROLE_KEYS:
                raise ConfigError(
                    f"{path}:{_line_of(text, section, key)}: unknown key {key!r} in [roles.{role}] "
                    f"(known: {', '.join(sorted(_ROLE_KEYS))})"
                )

        def _where(key: str, section: str = section) -> str:
            return f"{path}:{_line_of(text, section, key)}"

        toolchain = entry.get("toolchain")
        rustc = entry.get("rustc")
        if toolchain is not None and (not isinstance(toolchain, str) or not toolchain.strip()):
            raise ConfigError(f"{_where('toolchain')}: roles.{role}.toolchain must be a non-empty string")
        if rustc is not None and (not isinstance(rustc, str) or not rustc.strip()):
            raise ConfigError(f"{_where('rustc')}: roles.{role}.rustc must be a path string")
        if toolchain is None and rustc is None:
            raise ConfigError(f"{where}: [roles.{role}] needs `toolchain = \"...\"` or `rustc = \"/path\"`")
        flags = entry.get("flags", [])
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise ConfigError(f"{_where('flags')}: roles.{role}.flags must be a list of strings")
        env = entry.get("env", {})
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise ConfigError(f"{_where('env')}: roles.{role}.env must be a table of strings")
        polonius = entry.get("polonius")
        if polonius is not None and polonius not in _POLONIUS_MODES:
            raise ConfigError(
                f"{_where('polonius')}: roles.{role}.polonius must be one of "
                f"{', '.join(_POLONIUS_MODES)}, got {polonius!r}"
            )
        specs[role] = RoleSpec(
            role=role,
            toolchain=toolchain,
            rustc=os.path.expanduser(rustc) if rustc else None,
            flags=tuple(flags),
            env=tuple(sorted(env.items())),
            polonius=polonius,
        )
    for required in REQUIRED_ROLES:
        if required not in specs:
            raise ConfigError(f"{path}:1: role [roles.{required}] is required")
    return specs, limits


# ---------------------------------------------------------------------------------------------
# Resolving binaries


def _rustup_home() -> Path:
    env = os.environ.get("RUSTUP_HOME")
    return Path(env) if env else Path.home() / ".rustup"


def _host_triple() -> str:
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    system = platform.system()
    if system == "Darwin":
        return f"{arch}-apple-darwin"
    if system == "Windows":
        return f"{arch}-pc-windows-msvc"
    return f"{arch}-unknown-linux-gnu"


def _toolchain_binary(name: str) -> Path | None:
    """The real rustc of a rustup toolchain (not the proxy), or None when not installed."""
    base = _rustup_home() / "toolchains"
    exe = "rustc.exe" if os.name == "nt" else "rustc"
    for candidate in (base / name / "bin" / exe, base / f"{name}-{_host_triple()}" / "bin" / exe):
        if candidate.is_file():
            return candidate
    if base.is_dir():
        # `nightly-2026-05-19` style names, or a different host suffix
        for entry in sorted(base.iterdir()):
            if entry.name.startswith(f"{name}-") and (entry / "bin" / exe).is_file():
                rest = entry.name[len(name) + 1 :]
                if not re.match(r"\d{4}-\d{2}-\d{2}", rest):
                    return entry / "bin" / exe
    return None


_PROBE_LOCK = threading.Lock()
_PROBE_MEMO: dict[str, dict[str, Any]] = {}
_PROBE_CACHE_VERSION = 4


def _probe_key(binary: Path, bootstrap: bool) -> str:
    stat = binary.stat()
    return f"{binary}|{stat.st_mtime_ns}|{stat.st_size}|{int(bootstrap)}|v{_PROBE_CACHE_VERSION}"


def _probe_env(bootstrap: bool) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C"}
    if bootstrap:
        env["RUSTC_BOOTSTRAP"] = "1"
    return env


def _probe_binary(binary: Path, *, bootstrap: bool) -> dict[str, Any]:
    """`rustc -vV` and which `-Zpolonius=` values this rustc accepts (one tiny trial each)."""
    key = _probe_key(binary, bootstrap)
    with _PROBE_LOCK:
        if key in _PROBE_MEMO:
            return _PROBE_MEMO[key]
        disk = cache_dir() / "toolchain-probes.json"
        try:
            stored = json.loads(disk.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        cached = stored.get(key) if isinstance(stored, dict) else None
        if isinstance(cached, dict):
            _PROBE_MEMO[key] = cached
            return cached

        env = _probe_env(bootstrap)
        result: dict[str, Any] = {"ok": False}
        try:
            out = subprocess.run(
                [str(binary), "-vV"], capture_output=True, text=True, timeout=30, env=env,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            result["error"] = f"cannot run `{binary} -vV`: {exc}"
            _PROBE_MEMO[key] = result
            return result
        if out.returncode != 0:
            result["error"] = f"`{binary} -vV` failed: {out.stderr.strip()[:300]}"
            _PROBE_MEMO[key] = result
            return result
        info: dict[str, str] = {}
        lines = out.stdout.splitlines()
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                info[k.strip()] = v.strip()
        result.update(
            ok=True,
            version=lines[0].removeprefix("rustc ").strip() if lines else "",
            release=info.get("release", ""),
            commit=info.get("commit-hash", ""),
            commit_date=info.get("commit-date", ""),
            host=info.get("host", ""),
        )
        try:
            sysroot = subprocess.run(
                [str(binary), "--print", "sysroot"], capture_output=True, text=True, timeout=30,
                env=env, check=False,
            )
            result["sysroot"] = sysroot.stdout.strip() if sysroot.returncode == 0 else ""
        except (OSError, subprocess.TimeoutExpired):
            result["sysroot"] = ""
        accepted: dict[str, bool] = {}
        with tempfile.TemporaryDirectory(prefix="ptriage-probe-") as tmp:
            src = Path(tmp) / "probe.rs"
            src.write_text("pub fn probe() {}\n", encoding="utf-8")
            def compiles(file: Path, *flags: str, trial_env: dict[str, str] = env) -> bool:
                trial = subprocess.run(
                    [str(binary), *flags, "--crate-type", "lib", "--emit=metadata",
                     "--out-dir", tmp, str(file)],
                    capture_output=True, text=True, timeout=60, env=trial_env, cwd=tmp,
                    check=False,
                )
                return trial.returncode == 0

            for mode in ("next", "legacy", *NLL_SPELLINGS):
                accepted[mode] = compiles(src, f"-Zpolonius={mode}")
            # Does this rustc run Polonius alpha by default? Decided by a snippet only alpha accepts.
            pc3 = Path(tmp) / "pc3.rs"
            pc3.write_text(_PC3_PROBE, encoding="utf-8")
            alpha = compiles(pc3)
            # If so, which spelling really turns it back into NLL (pc3 rejected again), and
            # whether that needs RUSTC_BOOTSTRAP=1 (a stable compiler refuses -Z without it).
            optout: str | None = None
            optout_bootstrap = False
            if alpha:
                for spelling in NLL_SPELLINGS:
                    flag = f"-Zpolonius={spelling}"
                    if accepted[spelling] and not compiles(pc3, flag):
                        optout = spelling
                        break
                if optout is None and not bootstrap:
                    boot = {**env, "RUSTC_BOOTSTRAP": "1"}
                    for spelling in NLL_SPELLINGS:
                        flag = f"-Zpolonius={spelling}"
                        if (compiles(src, flag, trial_env=boot)
                                and not compiles(pc3, flag, trial_env=boot)):
                            optout, optout_bootstrap = spelling, True
                            break
        result["polonius_values"] = accepted
        result["alpha_by_default"] = alpha
        result["nll_optout"] = optout
        result["nll_optout_bootstrap"] = optout_bootstrap
        _PROBE_MEMO[key] = result
        try:
            disk.parent.mkdir(parents=True, exist_ok=True)
            stored = stored if isinstance(stored, dict) else {}
            stored[key] = result
            tmp_file = disk.with_suffix(f".{os.getpid()}.tmp")
            tmp_file.write_text(json.dumps(stored, indent=1), encoding="utf-8")
            os.replace(tmp_file, disk)
        except OSError:
            # The probe cache only saves ~0.3 s per start; a read-only cache dir is not an error.
            pass
        return result


#: NLL problem case #3: rejected by NLL, accepted by Polonius alpha. Tells whether a rustc runs
#: alpha by default (nightlies from 2026-08-06 do).
_PC3_PROBE = """
pub fn get_or_insert(map: &mut std::collections::HashMap<u32, String>) -> &String {
    if let Some(v) = map.get(&1) {
        return v;
    }
    map.insert(1, String::new());
    map.get(&1).unwrap()
}
"""


def _resolve_role(spec: RoleSpec, *, stable_binary: Path | None) -> RoleInfo:
    notes: list[str] = []
    bootstrap = False
    binary: Path | None = None
    fix = ""
    if spec.rustc:
        candidate = Path(spec.rustc)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            binary = candidate
        else:
            return RoleInfo(
                role=spec.role, spec=spec, available=False,
                problem=f"rustc path {spec.rustc} does not exist or is not executable",
                fix=f"fix `rustc = ...` for [roles.{spec.role}] in toolchains.toml",
            )
    else:
        assert spec.toolchain is not None
        found = _toolchain_binary(spec.toolchain)
        if found is not None:
            binary = found
        else:
            fix = f"rustup toolchain install {spec.toolchain}"
            needs_nightly = spec.polonius is not None or any(f.startswith("-Z") for f in spec.flags)
            if needs_nightly and stable_binary is not None:
                binary = stable_binary
                bootstrap = True
                notes.append(
                    f"toolchain {spec.toolchain!r} is not installed: running on stable with "
                    f"RUSTC_BOOTSTRAP=1 (install it with `{fix}`)"
                )
            else:
                return RoleInfo(
                    role=spec.role, spec=spec, available=False,
                    problem=f"rustup toolchain {spec.toolchain!r} is not installed",
                    fix=fix,
                )
    probe = _probe_binary(binary, bootstrap=bootstrap)
    if not probe.get("ok"):
        return RoleInfo(role=spec.role, spec=spec, available=False, binary=str(binary),
                        problem=str(probe.get("error", "probe failed")),
                        fix=fix or f"check that {binary} runs")
    flags = list(spec.flags)
    env = list(spec.env)
    if bootstrap:
        env.append(("RUSTC_BOOTSTRAP", "1"))
    values: dict[str, bool] = probe.get("polonius_values", {})
    problem = ""
    if spec.polonius in ("next", "legacy"):
        if values.get(spec.polonius):
            flags.append(f"-Zpolonius={spec.polonius}")
        else:
            problem = (f"this rustc ({probe.get('version')}) does not accept -Zpolonius={spec.polonius}"
                       " (is it a stable compiler without RUSTC_BOOTSTRAP?)")
            fix = fix or "rustup toolchain install nightly"
    elif spec.polonius == "off" or (spec.polonius is None and spec.role == BASELINE):
        # This role must be plain NLL (the baseline, or the nightly control).
        version = probe.get("version", "")
        if probe.get("alpha_by_default"):
            optout = probe.get("nll_optout")
            if optout:
                flags.append(f"-Zpolonius={optout}")
                extra = ""
                if probe.get("nll_optout_bootstrap") and not bootstrap:
                    env.append(("RUSTC_BOOTSTRAP", "1"))
                    bootstrap = True
                    extra = " and RUSTC_BOOTSTRAP=1"
                notes.append(f"rustc {version} runs Polonius alpha by default: the {spec.role} "
                             f"role runs it with -Zpolonius={optout}{extra} to stay NLL")
            else:
                spellings = "/".join(NLL_SPELLINGS)
                problem = (f"this rustc ({version}) runs Polonius alpha by default and accepts "
                           f"no NLL opt-out (-Zpolonius={spellings}): it cannot be the "
                           f"{'NLL baseline' if spec.role == BASELINE else 'NLL control'}")
                pinned = PINNED_BASELINE if spec.role == BASELINE else "nightly-2026-08-05"
                fix = (f"the {spec.role} role needs an older pinned toolchain: in toolchains.toml "
                       f"set [roles.{spec.role}] toolchain = \"{pinned}\" (and run "
                       f"`rustup toolchain install {pinned}`)")
        elif spec.polonius == "off":
            # NLL is already the default: spell the opt-out only where this rustc knows it.
            spelled = next((v for v in NLL_SPELLINGS if values.get(v)), None)
            if spelled is not None:
                flags.append(f"-Zpolonius={spelled}")
    if problem:
        return RoleInfo(role=spec.role, spec=spec, available=False, binary=str(binary),
                        version=probe.get("version", ""), problem=problem, fix=fix)
    return RoleInfo(
        role=spec.role,
        spec=spec,
        available=True,
        binary=str(binary),
        version=probe.get("version", ""),
        release=probe.get("release", ""),
        commit=probe.get("commit", ""),
        commit_date=probe.get("commit_date", ""),
        host=probe.get("host", ""),
        flags=tuple(flags),
        env=tuple(sorted(env)),
        bootstrap=bootstrap,
        sysroot=str(probe.get("sysroot", "")),
        fix=fix,
        notes=tuple(notes),
    )


_LOAD_LOCK = threading.Lock()
_LOADED: dict[tuple[str, int, str], Toolchains] = {}


def load_toolchains(path: Path | str | None = None) -> Toolchains:
    """Read the matrix and resolve every role (memoised per file content and rustup state)."""
    file = toolchains_file(Path(path) if path is not None else None)
    try:
        stat = file.stat()
        stamp = stat.st_mtime_ns
    except OSError as exc:
        raise ConfigError(f"{file}: toolchains file not found") from exc
    key = (str(file.resolve()), stamp, str(_rustup_home()))
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
    specs, limits = read_config(file)
    stable_spec = specs.get(BASELINE)
    stable_binary: Path | None = None
    if stable_spec is not None:
        if stable_spec.rustc and Path(stable_spec.rustc).is_file():
            stable_binary = Path(stable_spec.rustc)
        elif stable_spec.toolchain:
            stable_binary = _toolchain_binary(stable_spec.toolchain)
    fallback = stable_binary if limits.bootstrap_fallback else None
    roles = {role: _resolve_role(specs[role], stable_binary=fallback)
             for role in ROLES if role in specs}
    if limits.allow_include:
        roles = {role: dataclasses.replace(info, host_reads=True) for role, info in roles.items()}
    notes = tuple(n for info in roles.values() for n in info.notes)
    result = Toolchains(roles=roles, limits=limits, source_path=file, notes=notes)
    with _LOAD_LOCK:
        _LOADED[key] = result
    return result


def sandbox_status() -> dict[str, Any]:
    """Which sandbox runs rustc here, or why none does and how to get one."""
    from checkers import sandbox

    box, note = sandbox.detect()
    fix = ""
    if not box.isolated:
        fix = (f"unset {sandbox.SANDBOX_ENV}" if sandbox.SANDBOX_ENV in note
               else sandbox.INSTALL_HINT)
    return {"name": box.name, "isolated": box.isolated, "problem": note, "fix": fix}


def doctor(toolchains: Toolchains) -> dict[str, Any]:
    """The doctor's report as data (``ptriage toolchains --json``)."""
    user = user_toolchains_file()
    return {
        "toolchains_file": str(toolchains.source_path),
        "user_file": str(user),
        "user_file_exists": user.is_file(),
        "sandbox": sandbox_status(),
        "runnable": toolchains.runnable,
        "limits": {
            "timeout": toolchains.limits.timeout,
            "memory_mb": toolchains.limits.memory_mb,
            "cpu_seconds": toolchains.limits.cpu_seconds,
            "output_kb": toolchains.limits.output_kb,
            "max_input_kb": toolchains.limits.max_input_kb,
            "allow_include": toolchains.limits.allow_include,
            "bootstrap_fallback": toolchains.limits.bootstrap_fallback,
        },
        "roles": {role: info.to_dict() for role, info in toolchains.roles.items()},
        "notes": list(toolchains.notes),
    }


def doctor_report(toolchains: Toolchains) -> str:
    """The doctor's report as text: each role's binary, version, flags, status and fix."""
    user = user_toolchains_file()
    state = "exists, in use" if user.is_file() and user == toolchains.source_path else (
        "exists, not in use (--toolchains given)" if user.is_file()
        else "not present: copy the toolchains file there to override it")
    box = sandbox_status()
    if box["isolated"]:
        sandbox_line = f"{box['name']} (rustc sees only the toolchain and its scratch dir)"
    else:
        sandbox_line = (f"NONE: {box['problem']}; rustc runs on the host with limits, and results "
                        "that read files outside the snippet are refused")
        if box["fix"] and box["fix"] not in box["problem"]:
            sandbox_line += f"; to sandbox it, {box['fix']}"
    lines = [f"toolchains file: {toolchains.source_path}",
             f"user override:   {user} ({state})",
             f"sandbox:         {sandbox_line}"]
    for role, info in toolchains.roles.items():
        status = "ok" if info.available else "MISSING"
        if info.available and info.bootstrap:
            status = "ok (stable + RUSTC_BOOTSTRAP=1)"
        lines.append("")
        lines.append(f"[{role}]  {status}")
        lines.append(f"  binary:  {info.binary or '-'}")
        lines.append(f"  version: {info.version or '-'}")
        lines.append(f"  commit:  {info.commit or '-'} {info.commit_date}".rstrip())
        lines.append(f"  flags:   {' '.join(info.flags) or '(none)'}")
        if info.env:
            lines.append("  env:     " + " ".join(f"{k}={v}" for k, v in info.env))
        if info.problem:
            lines.append(f"  problem: {info.problem}")
        if info.fix and (not info.available or info.bootstrap):
            lines.append(f"  fix:     {info.fix}")
        for note in info.notes:
            lines.append(f"  note:    {note}")
    if not toolchains.runnable:
        lines.append("")
        lines.append("The baseline (stable) or the candidate (polonius) role cannot run.")
    return "\n".join(lines)
