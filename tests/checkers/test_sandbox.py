"""The OS-level sandbox around rustc (bubblewrap) and the host fallback's dep-info refusal.

Every leak case runs twice: inside bubblewrap, and with ``PTRIAGE_SANDBOX=none`` (rlimits plus the
dep-info check). Either way no host file content, and no "does this file exist" difference, may
reach a record or the result cache.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checkers import sandbox
from checkers.batch import Case, scan_iter
from checkers.cache import default_cache_path
from checkers.engine import check_source
from checkers.toolchains import load_toolchains
from tests.conftest import require_toolchains

SECRET = "PTRIAGE_SECRET_4f1c"


def _bwrap_problem() -> str:
    os.environ.pop(sandbox.SANDBOX_ENV, None)
    sandbox.reset_detection()
    box, note = sandbox.detect()
    return "" if box.isolated else note


@pytest.fixture(params=["bwrap", "none"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test inside bubblewrap, then with the host fallback."""
    name = str(request.param)
    if name == "bwrap":
        problem = _bwrap_problem()
        if problem and not require_toolchains():
            pytest.skip(problem)
    monkeypatch.setenv(sandbox.SANDBOX_ENV, name)
    sandbox.reset_detection()
    yield name
    sandbox.reset_detection()


@pytest.fixture
def host_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    # a Rust parse error on the first line quotes the token: the secret reaches a message
    secret.write_text(f"{SECRET} {SECRET}\nroot:x:0:0:root:/root:/bin/bash\n")
    return secret


#: Each spelling gets past the text filter and, without a sandbox, quotes the file in a
#: diagnostic (``include!`` parses it as Rust: the first line lands in a span).
LEAKS = {
    "aliased include": 'use std::include as inc;\ninc!("{path}");\n',
    "'//' in a string before include!": 'pub const A: &str = "//"; include!("{path}");\n',
    "macro_rules! builds include!":
        'macro_rules! m {{ ($i:ident) => {{ $i!("{path}"); }} }}\nm!(include);\n',
    "cfg_attr(path)": '#[cfg_attr(all(), path = "{path}")]\nmod x;\n',
    "debugger_visualizer": '#![debugger_visualizer(gdb_script_file = "{path}")]\npub fn f() {{}}\n',
}


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


@pytest.mark.toolchains
@pytest.mark.parametrize("case", sorted(LEAKS))
def test_host_file_reads_leak_nothing(mode: str, case: str, host_secret: Path) -> None:
    for path in ("/etc/passwd", str(host_secret)):
        triage = check_source(LEAKS[case].format(path=path), patterns=False)
        text = _dump(triage.to_record())
        assert "root:x:0" not in text and SECRET not in text, (mode, case, path)
        # the text filter does not see these spellings: the sandbox (or the fallback) must
        assert "reads files outside the snippet and is refused" not in triage.reason
        if mode == "none":
            assert {c.status for c in triage.checks.values()} == {"refused"}
            assert all(not c.diagnostics for c in triage.checks.values())


def _shape(record: dict[str, Any], path: str) -> str:
    """A record without timings, with the probed path replaced: what an attacker can compare."""
    checks = {
        role: {"status": c["status"], "accepted": c["accepted"], "error": c.get("error", ""),
               "diagnostics": [(d["code"], d["level"], d["message"]) for d in c["diagnostics"]]}
        for role, c in record["checks"].items()
    }
    blob = json.dumps({"verdict": record["verdict"], "reason": record["reason"], "checks": checks})
    return blob.replace(path, "PATH")


@pytest.mark.toolchains
@pytest.mark.parametrize("case", ["debugger_visualizer", "cfg_attr(path)", "aliased include"])
def test_no_file_exists_oracle(mode: str, case: str, host_secret: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file.txt"
    present = check_source(LEAKS[case].format(path=host_secret), patterns=False).to_record()
    absent = check_source(LEAKS[case].format(path=missing), patterns=False).to_record()
    assert _shape(present, str(host_secret)) == _shape(absent, str(missing))


@pytest.mark.toolchains
def test_sandboxed_rustc_still_checks(mode: str) -> None:
    source = "pub fn f() { let mut v = vec![1]; let r = &v; v.push(2); r.len(); }\n"
    triage = check_source(source, patterns=False)
    assert triage.checks["stable"].status == "ok"
    assert [d.code for d in triage.checks["stable"].errors] == ["E0502"]


@pytest.mark.toolchains
def test_refused_results_are_never_cached(host_secret: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "none")
    sandbox.reset_detection()
    try:
        source = LEAKS["aliased include"].format(path=host_secret)
        cases = [Case(source=source, edition="2021", origin={"path": "leak.rs"}),
                 Case(source="pub fn ok() {}\n", edition="2021", origin={"path": "ok.rs"})]
        for _ in range(2):  # the second scan must not find the refused result in the cache
            triages = {t.origin["path"]: t for t in scan_iter(cases, jobs=1, cache=True,
                                                               patterns=False)}
            assert {c.status for c in triages["leak.rs"].checks.values()} == {"refused"}
            assert triages["ok.rs"].verdict == "clean"
    finally:
        sandbox.reset_detection()
    db = default_cache_path()
    with sqlite3.connect(db) as conn:
        results = [row[0] for row in conn.execute("SELECT value FROM results")]
        records = [row[0] for row in conn.execute("SELECT value FROM records")]
    assert results and records  # the clean case was cached
    assert not any('"refused"' in v for v in [*results, *records])
    assert not any(SECRET in v for v in [*results, *records])


# --- the sandbox itself, without rustc ------------------------------------------------------


@pytest.fixture
def bwrap() -> Iterator[sandbox.Sandbox]:
    problem = _bwrap_problem()
    if problem:
        if require_toolchains():
            pytest.fail(f"CI must test the real sandbox: {problem}")
        pytest.skip(problem)
    box, _note = sandbox.detect()
    yield box
    sandbox.reset_detection()


def _run(box: sandbox.Sandbox, script: str, tmp_path: Path,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    child_env = env if env is not None else {"PATH": "/usr/bin:/bin"}
    argv = box.wrap(["/bin/bash", "-c", script], cwd=tmp_path, env=child_env,
                    mounts=sandbox.Mounts(writable=(tmp_path,)))
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False,
                          env=box.popen_env(child_env), cwd=tmp_path)


def test_bubblewrap_is_usable_where_required() -> None:
    """CI (PTRIAGE_REQUIRE_TOOLCHAINS=1) must not silently fall back to the host runner."""
    problem = _bwrap_problem()
    if not require_toolchains() and problem:
        pytest.skip(problem)
    assert problem == ""
    assert sandbox.detect()[0].name == "bubblewrap"


def test_no_network_inside(bwrap: sandbox.Sandbox, tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        probe = f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo CONNECTED"
        outside = _run(sandbox.HostSandbox(), probe, tmp_path)
        assert "CONNECTED" in outside.stdout  # the probe can succeed: the test can fail
        inside = _run(bwrap, probe, tmp_path)
        assert "CONNECTED" not in inside.stdout
        assert inside.returncode != 0


def test_no_home_no_etc_no_host_tmp(bwrap: sandbox.Sandbox, tmp_path: Path) -> None:
    home = Path.home()
    outside_tmp = tmp_path.parent / "not-mounted.txt"
    outside_tmp.write_text(SECRET)
    script = (f"test -e {home} && echo HOME-VISIBLE; test -e /etc/passwd && echo ETC-VISIBLE; "
              f"cat {outside_tmp} 2>/dev/null; echo written > {tmp_path}/out.txt; echo done")
    outside = _run(sandbox.HostSandbox(), script, tmp_path)
    assert "ETC-VISIBLE" in outside.stdout and SECRET in outside.stdout
    inside = _run(bwrap, script, tmp_path)
    assert inside.stdout.strip().splitlines()[-1:] == ["done"], inside.stderr
    assert "HOME-VISIBLE" not in inside.stdout or home == Path("/")
    assert "ETC-VISIBLE" not in inside.stdout
    assert SECRET not in inside.stdout
    assert (tmp_path / "out.txt").read_text() == "written\n"  # the scratch dir is writable


def test_environment_is_cleared(bwrap: sandbox.Sandbox, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTRIAGE_TEST_SECRET", SECRET)
    inside = _run(bwrap, "env", tmp_path, env={"PATH": "/usr/bin:/bin", "ONLY": "this"})
    names = sorted(line.split("=", 1)[0] for line in inside.stdout.splitlines() if "=" in line)
    assert SECRET not in inside.stdout
    # bash itself adds PWD, SHLVL and _; nothing else from the host
    assert set(names) <= {"PATH", "ONLY", "PWD", "SHLVL", "_"}, names
    assert "ONLY" in names


def test_dep_info_outside_resolves_relative_names_against_scratch(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    (scratch / "out").mkdir(parents=True)
    dep = scratch / "out" / "snippet.d"
    dep.write_text("out/libsnippet.rmeta: snippet.rs ../escape.rs /etc/my\\ file\n\n"
                   "snippet.rs:\n../escape.rs:\n")
    outside = sandbox.dep_info_outside(dep, [scratch], base=scratch)
    assert outside == sorted(["../escape.rs", "/etc/my file"])


def _toolchains_file(tmp_path: Path, name: str, allow_include: bool) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(f"""
        [limits]
        allow_include = {str(allow_include).lower()}
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    return path


@pytest.mark.toolchains
def test_results_that_could_read_host_files_never_answer_a_confined_run(
        host_secret: Path, tmp_path: Path) -> None:
    allowing = load_toolchains(_toolchains_file(tmp_path, "allow.toml", True))
    confined = load_toolchains(_toolchains_file(tmp_path, "deny.toml", False))
    cases = [Case(source=LEAKS["aliased include"].format(path=host_secret), edition="2021",
                  origin={"path": "leak.rs"})]
    # the user allowed host reads: the file is read (its first line is quoted, by design)
    (allowed,) = scan_iter(cases, toolchains=allowing, jobs=1, cache=True, patterns=False)
    assert SECRET in _dump(allowed.to_record())
    # later, confined again: the cached answer must not come back
    (again,) = scan_iter(cases, toolchains=confined, jobs=1, cache=True, patterns=False)
    assert SECRET not in _dump(again.to_record())


def test_a_compiler_in_home_bin_mounts_only_that_directory() -> None:
    home = Path.home().resolve()
    assert sandbox.toolchain_roots([home / "bin" / "rustc"]) == (home / "bin",)
    rustup = home / ".rustup" / "toolchains" / "stable-x" / "bin" / "rustc"
    assert sandbox.toolchain_roots([rustup]) == (rustup.parent.parent,)
