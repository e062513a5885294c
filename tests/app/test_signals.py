"""Signals reach a running `ptriage` alone (not its process group), as process managers send them.

Each test starts a real `ptriage` on input that keeps rustc busy (a const that loops forever, with
a 60 s rustc timeout), sends one signal to that PID only, and checks the exit code, that the exit
comes long before rustc's timeout, and that no process the test started is left. The test's own
processes are found by a private TMPDIR (every scratch dir, so every rustc and bubblewrap argv,
lies under it), so unrelated rustc processes on the machine do not matter.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

LOOPER = textwrap.dedent("""
    #[allow(long_running_const_eval)]
    pub const SPIN: u64 = {
        let mut i: u64 = 0;
        loop { i = i.wrapping_add(1); if i == 0 { break; } }
        i
    };
""")
RUSTC_TIMEOUT = 60
#: Well under RUSTC_TIMEOUT: an exit within this proves the rustc runs were cancelled.
PROMPT = 20


def _own_processes(marker: str) -> list[tuple[int, str]]:
    """Live processes whose argv or environment mentions ``marker`` (our private TMPDIR), as
    (pid, comm); a rustc checking code (not probing the toolchain) has comm ``rustc*``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat[stat.rfind(")") + 2:].split()[0] == "Z":
                continue
            cmdline = (entry / "cmdline").read_bytes()
            blob = cmdline + (entry / "environ").read_bytes()
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if marker.encode() in blob:
            checking = comm == "rustc" and b"snippet.rs" in cmdline
            found.append((int(entry.name), "rustc*" if checking else comm))
    return found


def _wait_gone(marker: str, seconds: float = 10.0) -> list[tuple[int, str]]:
    deadline = time.monotonic() + seconds
    left = _own_processes(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _own_processes(marker)
    return left


@pytest.fixture
def busy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    for n in range(12):
        (folder / f"s{n:02}.rs").write_text(
            f"pub fn f{n}() {{ let mut v = vec![{n}]; let r = &v; v.push(1); r.len(); }}\n")
    (folder / "spin.rs").write_text(LOOPER)
    (tmp_path / "toolchains.toml").write_text(textwrap.dedent(f"""
        [limits]
        timeout = {RUSTC_TIMEOUT}
        cpu_seconds = {RUSTC_TIMEOUT * 2}
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    return folder


class Started:
    def __init__(self, proc: subprocess.Popen[bytes], marker: str) -> None:
        self.proc = proc
        self.marker = marker


@pytest.fixture
def start(tmp_path: Path) -> Iterator[object]:
    started: list[Started] = []

    def run(*args: str, ignore_sigint: bool = False, sandbox: str | None = None) -> Started:
        private = tmp_path / "private-tmp"
        private.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(private)}
        if sandbox is not None:
            env["PTRIAGE_SANDBOX"] = sandbox

        def preexec() -> None:
            # a terminal session's default, even when the suite itself runs under nohup
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            if ignore_sigint:
                # what a script's background job (`ptriage scan … &`) inherits
                signal.signal(signal.SIGINT, signal.SIG_IGN)

        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args, "--toolchains",
             str(tmp_path / "toolchains.toml")],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=preexec)
        handle = Started(proc, str(private))
        started.append(handle)
        # wait until rustc checks code (the looping const keeps one busy; the toolchain probes
        # that run first are rustc too, but compile no snippet.rs)
        deadline = time.monotonic() + 90
        while not any(comm == "rustc*" for _pid, comm in _own_processes(handle.marker)):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "rustc never started"
            time.sleep(0.1)
        time.sleep(0.5)
        return handle

    yield run
    for handle in started:
        if handle.proc.poll() is None:
            handle.proc.kill()
            handle.proc.wait()
        if handle.proc.stderr is not None:
            handle.proc.stderr.close()


def _stop(handle: Started, signum: int) -> tuple[int, float, str]:
    sent = time.monotonic()
    os.kill(handle.proc.pid, signum)  # the PID alone, not its process group
    try:
        code = handle.proc.wait(timeout=PROMPT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ptriage still running {PROMPT} s after signal {signum}")
    stderr = handle.proc.stderr.read().decode() if handle.proc.stderr else ""
    return code, time.monotonic() - sent, stderr


@pytest.mark.toolchains
@pytest.mark.parametrize(("signum", "expected"), [
    (signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_scan_stops_on_a_signal_to_its_pid(start: object, busy_folder: Path, tmp_path: Path,
                                           signum: int, expected: int) -> None:
    out = tmp_path / "records.jsonl"
    handle = start("scan", str(busy_folder), "--no-cache", "--no-patterns",  # type: ignore[operator]
                   "-o", str(out), ignore_sigint=signum == signal.SIGINT)
    code, _elapsed, stderr = _stop(handle, signum)
    assert code == expected, stderr
    assert _wait_gone(handle.marker) == []
    # whatever was written is whole lines
    text = out.read_text() if out.exists() else ""
    assert text == "" or text.endswith("\n")


@pytest.mark.toolchains
@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_check_cancels_at_once(start: object, busy_folder: Path, signum: int,
                               expected: int) -> None:
    handle = start("check", "--no-patterns", str(busy_folder / "spin.rs"))  # type: ignore[operator]
    code, _elapsed, stderr = _stop(handle, signum)
    assert code == expected, stderr
    assert "interrupted" in stderr
    assert _wait_gone(handle.marker) == []


@pytest.mark.toolchains
@pytest.mark.parametrize("sandbox", ["bwrap", "none"])
def test_children_die_with_a_killed_ptriage(start: object, busy_folder: Path, tmp_path: Path,
                                            sandbox: str) -> None:
    from checkers import sandbox as sandboxes

    if sandbox == "bwrap":
        sandboxes.reset_detection()
        box, note = sandboxes.detect()
        if not box.isolated:
            pytest.skip(note)
    handle = start("scan", str(busy_folder), "--no-cache", "--no-patterns",  # type: ignore[operator]
                   "-o", str(tmp_path / "r.jsonl"), sandbox=sandbox)
    assert any(comm == "rustc*" for _pid, comm in _own_processes(handle.marker))
    code, _elapsed, _stderr = _stop(handle, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert _wait_gone(handle.marker) == []
