"""Where untrusted compilation runs: an OS-level sandbox around rustc, cargo, build scripts, proc macros.

Code under review is hostile. A text filter on the source (refusing ``include_str!``) is only a
friendly early message: aliases, macros and ``cfg_attr`` get past any of them. The defence is here:
every compiler process runs inside a :class:`Sandbox` that can only see the toolchain, the system
libraries, the scratch directory (read-write) and what the caller explicitly allows read-only.

* :class:`BwrapSandbox` (Linux, bubblewrap, the tool Flatpak uses): ``--unshare-all`` (no network,
  private PID/IPC/UTS namespaces), ``--die-with-parent``, a cleared environment, ``/usr`` and the
  toolchain read-only, the scratch dir read-write, a private ``/tmp``, no ``/etc`` (only
  ``/etc/alternatives`` when a linker is needed), no home directory. Killing the ``bwrap`` process
  kills the whole tree inside it (it is PID 1 of its namespace).
* :class:`HostSandbox`: the fallback where no sandbox exists. It runs the process as is; callers
  must then apply the dep-info check (:func:`dep_info_outside`) and drop any result that read a
  file outside the scratch dir.

A runner for another OS (macOS ``sandbox-exec``, Windows AppContainer) implements the same
:class:`Sandbox` protocol.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

#: Environment switch for tests and for users who must run without bubblewrap:
#: ``PTRIAGE_SANDBOX=none`` forces the host fallback (with the dep-info check),
#: ``PTRIAGE_SANDBOX=bwrap`` requires bubblewrap (an error if it cannot run).
SANDBOX_ENV = "PTRIAGE_SANDBOX"
#: Where bubblewrap is, when not on the usual system paths.
BWRAP_ENV = "PTRIAGE_BWRAP"

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install bubblewrap`)"
)


@dataclass(frozen=True, slots=True)
class Mounts:
    """What a sandboxed process may see besides the system libraries."""

    writable: tuple[Path, ...] = ()
    readonly: tuple[Path, ...] = ()
    #: Needed to link build scripts and proc macros (``cc`` is an ``/etc/alternatives`` symlink).
    linker: bool = False
    #: Network access (only ``cargo fetch``, which runs no project code, may ask for it).
    network: bool = False
    extra_readonly: tuple[Path, ...] = field(default_factory=tuple)
    #: The whole host file system read-only (``limits.allow_include = true``: the user asked for
    #: host files to be readable). Still no network, no host ``/tmp`` writes, a cleared env.
    host_readonly: bool = False


class Sandbox(Protocol):
    """Turns an argv into one that runs confined. ``isolated`` is False for the host fallback."""

    name: str
    isolated: bool

    def wrap(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str],
             mounts: Mounts) -> list[str]: ...

    def popen_env(self, env: Mapping[str, str]) -> dict[str, str]: ...


def too_wide(path: Path) -> bool:
    """A directory that must never be mounted as "the toolchain": it would expose the host."""
    return path in (Path("/"), Path.home().resolve(), Path("/home"), Path("/root"))


def _toolchain_root(binary: Path) -> Path:
    """``…/toolchains/NAME/bin/rustc`` → ``…/toolchains/NAME`` (what the dynamic loader needs).

    A compiler straight in ``/bin`` or ``~/bin`` gets only its own directory, never ``/`` or
    the home directory.
    """
    resolved = binary.resolve()
    if resolved.parent.name == "bin" and not too_wide(resolved.parent.parent):
        return resolved.parent.parent
    return resolved.parent


def toolchain_roots(binaries: Iterable[str | Path]) -> tuple[Path, ...]:
    roots: list[Path] = []
    for b in binaries:
        root = _toolchain_root(Path(b))
        if root not in roots:
            roots.append(root)
    return tuple(roots)


class BwrapSandbox:
    name = "bubblewrap"
    isolated = True

    def __init__(self, bwrap: str) -> None:
        self.bwrap = bwrap

    def wrap(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str],
             mounts: Mounts) -> list[str]:
        out: list[str] = [self.bwrap, "--die-with-parent", "--unshare-all", "--new-session"]
        if mounts.network:
            out.append("--share-net")
        if mounts.host_readonly:
            out += ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
            for p in mounts.writable:
                out += ["--bind", str(p), str(p)]
            return self._finish(out, argv, cwd=cwd, env=env)
        out += ["--ro-bind", "/usr", "/usr"]
        # usrmerge: /bin, /lib, /lib64, /sbin are symlinks into /usr on current distributions.
        for top in ("bin", "lib", "lib64", "lib32", "libx32", "sbin"):
            p = Path("/") / top
            if p.is_symlink():
                out += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                out += ["--ro-bind", str(p), str(p)]
        out += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/etc"]
        if mounts.linker and Path("/etc/alternatives").is_dir():
            out += ["--ro-bind", "/etc/alternatives", "/etc/alternatives"]
        if mounts.network:
            for name in ("resolv.conf", "hosts", "ssl", "ca-certificates"):
                p = Path("/etc") / name
                if p.exists():
                    out += ["--ro-bind", str(p), str(p)]
        for p in (*mounts.readonly, *mounts.extra_readonly):
            if p.exists():
                out += ["--ro-bind", str(p), str(p)]
        for p in mounts.writable:
            out += ["--bind", str(p), str(p)]
        return self._finish(out, argv, cwd=cwd, env=env)

    @staticmethod
    def _finish(out: list[str], argv: Sequence[str], *, cwd: Path,
                env: Mapping[str, str]) -> list[str]:
        out += ["--chdir", str(cwd), "--clearenv"]
        for key, value in env.items():
            out += ["--setenv", key, value]
        out += ["--", *argv]
        return out

    def popen_env(self, env: Mapping[str, str]) -> dict[str, str]:
        # bwrap itself needs nothing; the child's environment is set with --setenv.
        return {"PATH": "/usr/bin:/bin"}


class HostSandbox:
    """No isolation: the caller must apply the dep-info check and today's rlimits."""

    name = "none"
    isolated = False

    def wrap(self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str],
             mounts: Mounts) -> list[str]:
        return list(argv)

    def popen_env(self, env: Mapping[str, str]) -> dict[str, str]:
        return dict(env)


def set_parent_death_signal() -> None:
    """In a child between fork and exec: SIGKILL it when its parent dies (even by SIGKILL).

    Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere a no-op. The signal follows the
    *thread* that forked, so callers fork from threads that outlive the child (they wait on it).
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, 9, 0, 0, 0)


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl: Callable[..., int] = libc.prctl
    return prctl


_PR_SET_PDEATHSIG = 1
_PRCTL = _load_prctl()


_LOCK = threading.Lock()
_MEMO: dict[str, tuple[Sandbox, str]] = {}


def _bwrap_works(bwrap: str) -> str:
    """Empty string if ``bwrap`` can create its namespaces here, else why not (one line)."""
    try:
        proc = subprocess.run(
            [bwrap, "--die-with-parent", "--unshare-all", "--ro-bind", "/usr", "/usr",
             "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
             "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
             "--", "/usr/bin/true"],
            capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {bwrap}: {exc}"
    if proc.returncode != 0:
        return f"{bwrap} cannot create a sandbox here: {proc.stderr.strip().splitlines()[-1:] or ['?']}"
    return ""


def detect() -> tuple[Sandbox, str]:
    """The best sandbox on this machine, and a note (empty when isolated) saying what is missing."""
    wanted = os.environ.get(SANDBOX_ENV, "").strip().lower()
    memo_key = f"{wanted}|{os.environ.get(BWRAP_ENV, '')}"
    with _LOCK:
        if memo_key in _MEMO:
            return _MEMO[memo_key]
        result: tuple[Sandbox, str]
        if wanted == "none":
            result = (HostSandbox(), f"sandbox disabled by {SANDBOX_ENV}=none")
        elif sys.platform != "linux":
            result = (HostSandbox(), f"no sandbox runner for {sys.platform} yet")
        else:
            explicit = os.environ.get(BWRAP_ENV, "").strip()
            if explicit:
                bwrap = explicit if os.access(explicit, os.X_OK) else None
            else:
                bwrap = shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")
            if bwrap is None:
                where = f" at {BWRAP_ENV}={explicit}" if explicit else ""
                result = (HostSandbox(),
                          f"bubblewrap (bwrap) is not installed{where}: {INSTALL_HINT}")
            else:
                problem = _bwrap_works(bwrap)
                result = (HostSandbox(), problem) if problem else (BwrapSandbox(bwrap), "")
        if wanted == "bwrap" and not result[0].isolated:
            from checkers.errors import ToolchainError

            raise ToolchainError(f"{SANDBOX_ENV}=bwrap but {result[1]}")
        _MEMO[memo_key] = result
        return result


def reset_detection() -> None:
    """Forget the memoised detection (tests switch ``PTRIAGE_SANDBOX``)."""
    with _LOCK:
        _MEMO.clear()


def dep_info_outside(dep_file: Path, allowed: Sequence[Path], *,
                     base: Path | None = None) -> list[str]:
    """Files a ``--emit=dep-info`` file names that lie outside every ``allowed`` directory.

    rustc writes make-style rules ``target: dep dep …`` (spaces in names escaped as ``\\ ``),
    relative names relative to its working directory: pass it as ``base`` (default: the first
    allowed directory). Missing dep-info is treated as suspicious by the caller, not here.
    """
    anchor = base if base is not None else (allowed[0] if allowed else Path.cwd())
    text = dep_file.read_text(encoding="utf-8", errors="replace")
    roots = [a.resolve() for a in allowed]
    outside: list[str] = []
    for line in text.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        _, _, deps = line.partition(": ")
        token = ""
        names: list[str] = []
        i = 0
        while i < len(deps):
            ch = deps[i]
            if ch == "\\" and i + 1 < len(deps) and deps[i + 1] == " ":
                token += " "
                i += 2
                continue
            if ch == " ":
                if token:
                    names.append(token)
                token = ""
            else:
                token += ch
            i += 1
        if token:
            names.append(token)
        for name in names:
            p = Path(name) if Path(name).is_absolute() else anchor / name
            try:
                resolved = p.resolve()
            except (OSError, RuntimeError):
                outside.append(name)
                continue
            if not any(resolved == r or r in resolved.parents for r in roots):
                outside.append(name)
    return sorted(set(outside))
