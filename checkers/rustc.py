"""Running one rustc safely: argv, scratch dir, scrubbed env, limits, and parsing its JSON diagnostics."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkers import sandbox as sandboxes
from checkers.diagnostics import is_borrowck
from checkers.errors import CancelledError
from checkers.model import CancelFlag, CheckResult, Diagnostic
from checkers.toolchains import Limits, RoleInfo

SNIPPET_FILE = "snippet.rs"
#: What the scratch dir is called in the diagnostics kept: its real name is random per run, so
#: a message quoting it (`file!()`, `env!("HOME")`) would differ between roles and runs.
SCRATCH_NAME = "<scratch>"


@dataclass(frozen=True, slots=True)
class RawRun:
    """What one rustc process did, before diagnostics are mapped to user coordinates."""

    # ok | ice | timeout | memory-limit | cpu-limit | output-limit | crashed | missing | refused
    status: str
    returncode: int | None
    messages: tuple[dict[str, Any], ...]
    stderr_text: str
    elapsed_ms: int
    error: str = ""


def _limit_preexec(limits: Limits) -> Callable[[], None] | None:
    """Limits set in the child before exec: inherited by bwrap's children and so by rustc."""
    if sys.platform == "win32":
        return None
    import resource

    memory = limits.memory_mb * 1024 * 1024
    cpu = limits.cpu_seconds
    output = limits.output_kb * 1024

    def apply() -> None:
        # Runs in the child between fork and exec: only async-signal-safe-ish C calls here.
        sandboxes.set_parent_death_signal()
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


#: The one line a result gets when the host fallback saw it read outside its scratch dir. It
#: names no file, and is the same whether the file exists or not (no existence oracle).
HOST_READ_REFUSAL = (
    "refused: the code made rustc read a file outside the snippet, and no sandbox confines "
    "rustc here ({why}); the result is dropped"
)


def _mounts(info: RoleInfo, scratch: Path, limits: Limits) -> sandboxes.Mounts:
    assert info.binary is not None
    readonly = list(sandboxes.toolchain_roots([info.binary]))
    sysroot = Path(info.sysroot).resolve() if info.sysroot else None
    if sysroot is not None and sysroot not in readonly and not sandboxes.too_wide(sysroot):
        readonly.append(sysroot)
    return sandboxes.Mounts(writable=(scratch,), readonly=tuple(readonly),
                            host_readonly=limits.allow_include)


def _message_texts(message: dict[str, Any]) -> Iterator[str]:
    yield str(message.get("message", ""))
    for child in message.get("children", ()) or ():
        if isinstance(child, dict):
            yield from _message_texts(child)


def _message_files(message: dict[str, Any]) -> Iterator[str]:
    for span in message.get("spans", ()) or ():
        current = span
        while isinstance(current, dict):
            yield str(current.get("file_name", ""))
            expansion = current.get("expansion")
            current = expansion.get("span") if isinstance(expansion, dict) else None
    for child in message.get("children", ()) or ():
        if isinstance(child, dict):
            yield from _message_files(child)


def host_read_evidence(scratch: Path, messages: list[dict[str, Any]],
                       toolchain: tuple[Path, ...]) -> bool:
    """Whether an unsandboxed rustc run read (or tried to read) a file outside ``scratch``.

    Three signs, any one enough: the dep-info names a file outside the scratch dir or the
    toolchain; a diagnostic points into such a file (rustc aborted before writing dep-info, e.g.
    a parse error inside an included file); a diagnostic reports an I/O error (``os error``:
    a read of a missing file, which must look the same as a read of an existing one).
    """
    allowed = (scratch, *toolchain)
    dep_files = list((scratch / "out").glob("*.d"))
    for dep in dep_files:
        if sandboxes.dep_info_outside(dep, allowed, base=scratch):
            return True
    for message in messages:
        if any("(os error " in text for text in _message_texts(message)):
            return True
        for name in _message_files(message):
            if not name or name.startswith("<") or name.startswith("/rustc/"):
                continue
            path = Path(name) if Path(name).is_absolute() else scratch / name
            resolved = path.resolve()
            if not any(resolved == a or a in resolved.parents for a in allowed):
                return True
    return False


def scrubbed_env(info: RoleInfo, scratch: Path) -> dict[str, str]:
    """Only what rustc needs: no user variables leak into `env!` or into the compiler."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "LANG": "C.UTF-8",
        "RUST_BACKTRACE": "0",
        "RUSTC_ICE": str(scratch),
        "CARGO_TERM_COLOR": "never",
    }
    env.update(dict(info.env))
    return env


def rustc_argv(info: RoleInfo, *, edition: str, source_file: Path, out_dir: Path,
               crate_name: str = "snippet", dep_info: bool = False) -> list[str]:
    assert info.binary is not None
    return [
        info.binary,
        "--edition", edition,
        "--crate-type", "lib",
        "--crate-name", crate_name,
        "--emit=dep-info,metadata" if dep_info else "--emit=metadata",
        "--error-format=json",
        "-A", "warnings",
        "--out-dir", str(out_dir),
        *info.flags,
        str(source_file),
    ]


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (Linux ``/proc``; empty elsewhere), parents first."""
    children: dict[int, list[int]] = {}
    proc_root = Path("/proc")
    if not proc_root.is_dir():
        return []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(0), ()):
            out.append(child)
            todo.append(child)
    return out


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill everything ``proc`` started, then ``proc``'s whole process group.

    The grandchildren go first and ``proc`` gets a moment to reap them: killing bubblewrap
    before the namespace it watches would orphan that namespace's init (a zombie wherever
    PID 1 does not reap). rustc itself may run in its own session inside the sandbox, so
    ``killpg`` alone would not reach it.
    """
    below = descendants(proc.pid)
    for pid in reversed(below):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
    if below:
        try:
            proc.wait(timeout=2)
            return  # reaped: its pid (and so its group id) may already belong to someone else
        except subprocess.TimeoutExpired:
            pass  # it did not exit once its children died: the group kill below ends it
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        # The group is already gone (the leader exited and its children with it).
        return


def _parse_messages(text: str) -> tuple[list[dict[str, Any]], str]:
    messages: list[dict[str, Any]] = []
    other: list[str] = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                other.append(line)
                continue
            if isinstance(obj, dict) and obj.get("$message_type", "diagnostic") == "diagnostic":
                messages.append(obj)
        elif line.strip():
            other.append(line)
    return messages, "\n".join(other)


def run_rustc(
    info: RoleInfo,
    source: str,
    *,
    edition: str,
    limits: Limits,
    cancel: CancelFlag | None = None,
    scratch_root: Path | None = None,
) -> RawRun:
    """Run one rustc on ``source`` in a fresh scratch directory, killed on timeout or cancel.

    The process runs inside ``sandbox.detect()``'s sandbox (bubblewrap where it works). Without
    one, rustc also writes dep-info and a run that read outside its scratch dir is ``refused``
    (its diagnostics dropped: they may quote the file).
    """
    if not info.available or info.binary is None:
        return RawRun("missing", None, (), "", 0, error=info.problem or "toolchain not available")
    box, box_note = sandboxes.detect()
    scratch = Path(tempfile.mkdtemp(prefix="ptriage-", dir=scratch_root)).resolve()
    try:
        src = scratch / SNIPPET_FILE
        src.write_text(source, encoding="utf-8")
        out_dir = scratch / "out"
        out_dir.mkdir()
        stderr_path = scratch / "stderr.txt"
        check_reads = not box.isolated and not limits.allow_include
        argv = rustc_argv(info, edition=edition, source_file=src, out_dir=out_dir,
                          dep_info=check_reads)
        if box.isolated:
            # The sandbox mounts the toolchain where it really is, not where a symlink points.
            argv[0] = str(Path(argv[0]).resolve())
        mounts = _mounts(info, scratch, limits)
        env = scrubbed_env(info, scratch)
        started = time.perf_counter()
        with open(stderr_path, "wb") as stderr_file:
            try:
                proc = subprocess.Popen(
                    box.wrap(argv, cwd=scratch, env=env, mounts=mounts),
                    stdin=subprocess.DEVNULL,
                    stdout=stderr_file,
                    stderr=stderr_file,
                    cwd=scratch,
                    env=box.popen_env(env),
                    start_new_session=True,
                    preexec_fn=_limit_preexec(limits),
                )
            except OSError as exc:
                return RawRun("missing", None, (), "", 0, error=f"cannot start {info.binary}: {exc}")
            timed_out = False
            cancelled = False
            deadline = started + limits.timeout
            try:
                while True:
                    remaining = deadline - time.perf_counter()
                    if remaining <= 0:
                        timed_out = True
                        break
                    try:
                        proc.wait(timeout=min(remaining, 0.05 if cancel is not None else remaining))
                        break
                    except subprocess.TimeoutExpired:
                        if cancel is not None and cancel.is_set():
                            cancelled = True
                            break
            finally:
                # Always reap the whole group: rustc may have spawned helpers.
                if proc.poll() is None or timed_out or cancelled:
                    _kill_group(proc)
                proc.wait()
        elapsed = int((time.perf_counter() - started) * 1000)
        if cancelled:
            raise CancelledError("check cancelled")
        raw = stderr_path.read_bytes()
        text = raw.decode("utf-8", errors="replace")
        messages, other = _parse_messages(text)
        rc = proc.returncode
        if check_reads and host_read_evidence(scratch, messages, mounts.readonly):
            return RawRun("refused", rc, (), "", elapsed,
                          error=HOST_READ_REFUSAL.format(why=box_note or "no sandbox"))
        status, error = _classify_exit(rc, timed_out, messages, other, scratch, limits,
                                       len(raw))
        if box.isolated and status == "crashed" and rc == 1 and not messages and "bwrap:" in other:
            error = f"the sandbox could not start rustc: {other.strip()[:300]}"
        if str(scratch) in text:
            # Checked above with the real name (reads outside it, ICE files); kept without it.
            messages, other = _parse_messages(text.replace(str(scratch), SCRATCH_NAME))
            error = error.replace(str(scratch), SCRATCH_NAME)
        return RawRun(status, rc, tuple(messages), other, elapsed, error=error)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _classify_exit(
    rc: int | None,
    timed_out: bool,
    messages: list[dict[str, Any]],
    other: str,
    scratch: Path,
    limits: Limits,
    output_size: int,
) -> tuple[str, str]:
    # An ICE that rustc reported before the time limit killed it (a panicking rustc can hang
    # printing its query stack) is an ICE: the evidence is deterministic, the kill is not.
    ice_files = list(scratch.glob("rustc-ice-*.txt"))
    ice_text = any("internal compiler error" in str(m.get("message", "")) for m in messages) or (
        "internal compiler error" in other
    )
    if timed_out and not (ice_files or ice_text):
        return "timeout", f"rustc did not finish within {limits.timeout:g} s and was killed"
    if rc == 101 or ice_files or ice_text:
        first = next((str(m.get("message")) for m in messages
                      if "internal compiler error" in str(m.get("message", ""))), "")
        all_lines = other.strip().splitlines()
        lines = [ln for ln in all_lines if "internal compiler error" in ln]
        detail = first or (lines or all_lines or ["rustc panicked"])[0]
        detail = detail.split("internal compiler error:", 1)[-1].strip()
        if detail.endswith(":") and detail in all_lines:
            # "thread 'rustc' panicked at FILE:LINE:COL:" — the message is on the next line
            following = all_lines[all_lines.index(detail) + 1 : all_lines.index(detail) + 2]
            detail = f"{detail} {following[0].strip()}" if following else detail
        return "ice", f"internal compiler error: {detail[:300]}"
    if any("more memory than available to compiler" in str(m.get("message", ""))
           for m in messages):
        return "memory-limit", (f"rustc hit the memory limit ({limits.memory_mb} MiB) "
                                "while evaluating constants")
    if rc is not None and rc < 0:
        sig = -rc
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and not timed_out):
            return "cpu-limit", f"rustc exceeded the CPU limit ({limits.cpu_seconds} s)"
        if sig == signal.SIGXFSZ:
            return "output-limit", f"rustc wrote more than {limits.output_kb} KiB"
        if sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) and (
            "memory allocation" in other or "out of memory" in other.lower() or sig == signal.SIGABRT
        ):
            return "memory-limit", (
                f"rustc ran out of memory (limit {limits.memory_mb} MiB): "
                f"{(other.strip().splitlines() or [''])[-1][:200]}"
            )
        return "crashed", f"rustc was killed by signal {sig}"
    if output_size >= limits.output_kb * 1024:
        return "output-limit", f"rustc wrote more than {limits.output_kb} KiB"
    if "memory allocation of" in other and "failed" in other:
        return "memory-limit", f"rustc ran out of memory (limit {limits.memory_mb} MiB)"
    if rc not in (0, 1):
        return "crashed", f"rustc exited with status {rc}: {_first_line(other)}"
    if rc == 1 and not any(m.get("level") == "error" for m in messages):
        return "crashed", f"rustc failed without a diagnostic: {_first_line(other)}"
    return "ok", ""


def _first_line(text: str) -> str:
    """What a crashed rustc said first (its backtrace after it is no message for a user)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]


def _span_in_file(span: dict[str, Any], file_name: str) -> dict[str, Any] | None:
    """Follow macro expansions outward until the span lies in the snippet file."""
    current: dict[str, Any] | None = span
    while current is not None:
        if Path(str(current.get("file_name", ""))).name == file_name:
            return current
        expansion = current.get("expansion")
        current = expansion.get("span") if isinstance(expansion, dict) else None
    return None


LineMapper = Callable[[int], int | None]


def iter_spans(message: dict[str, Any], file_name: str) -> Iterator[tuple[dict[str, Any], bool]]:
    for span in message.get("spans", ()):
        located = _span_in_file(span, file_name)
        if located is not None:
            yield located, bool(span.get("is_primary"))


def to_diagnostic(message: dict[str, Any], *, map_line: LineMapper,
                  file_name: str = SNIPPET_FILE) -> Diagnostic:
    """Turn one rustc JSON diagnostic into a Diagnostic in the user's coordinates."""
    code_obj = message.get("code")
    code = code_obj.get("code") if isinstance(code_obj, dict) else None
    level = str(message.get("level", "error"))
    text = str(message.get("message", ""))
    primary: dict[str, Any] | None = None
    labels: list[dict[str, Any]] = []
    for span, is_primary in iter_spans(message, file_name):
        if is_primary and primary is None:
            primary = span
        elif span.get("label"):
            line = map_line(int(span["line_start"]))
            if line is not None:
                label_end = map_line(int(span["line_end"]))
                labels.append({"line": line, "column": int(span["column_start"]),
                               "end_line": label_end if label_end is not None else line,
                               "end_column": int(span["column_end"]) if label_end is not None
                               else int(span["column_start"]),
                               "label": str(span["label"])})
    line = column = end_line = end_column = None
    if primary is not None:
        line = map_line(int(primary["line_start"]))
        end_line = map_line(int(primary["line_end"]))
        if line is not None:
            column = int(primary["column_start"])
            end_column = int(primary["column_end"])
            if end_line is None:
                end_line, end_column = line, column
    return Diagnostic(
        code=code,
        level=level,
        message=text,
        borrowck=level == "error" and is_borrowck(code, text) and not _compile_error(message),
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        labels=tuple(labels),
        rendered=str(message.get("rendered") or ""),
    )


def _compile_error(message: dict[str, Any]) -> bool:
    """Whether the primary span is a `compile_error!(…)` call: its text is the user's, even when
    it copies a borrow-check message."""
    for span in message.get("spans", ()):
        if not span.get("is_primary"):
            continue
        for line in (span.get("text") or ())[:1]:
            start = max(int(line.get("highlight_start", 1)) - 1, 0)
            if str(line.get("text", ""))[start:].lstrip().startswith("compile_error!"):
                return True
    return False


def is_noise(message: dict[str, Any]) -> bool:
    """Summary lines that are not diagnostics of the code ("aborting due to …")."""
    text = str(message.get("message", ""))
    level = message.get("level")
    if level in ("failure-note", "note", "help"):
        return True
    return level == "error" and text.startswith("aborting due to") and not message.get("spans")


def to_check_result(info: RoleInfo, raw: RawRun, *, map_line: LineMapper) -> CheckResult:
    diagnostics = tuple(
        to_diagnostic(m, map_line=map_line) for m in raw.messages if not is_noise(m)
    )
    accepted: bool | None
    if raw.status == "ok":
        accepted = raw.returncode == 0 and not any(d.level == "error" for d in diagnostics)
    else:
        accepted = None
    return CheckResult(
        role=info.role,
        status=raw.status,
        accepted=accepted,
        diagnostics=diagnostics,
        rustc=info.version,
        flags=info.flags,
        elapsed_ms=raw.elapsed_ms,
        error=raw.error,
        bootstrap=info.bootstrap,
    )
