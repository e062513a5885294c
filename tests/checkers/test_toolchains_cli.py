"""toolchains.toml validation, the doctor, and `ptriage check` exit codes and bad-input messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checkers.errors import ConfigError
from checkers.toolchains import DEFAULT_TOOLCHAINS_FILE, load_toolchains, read_config
from tests.conftest import EXAMPLES


def ptriage(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin, capture_output=True, env={**os.environ, **(env or {})}, cwd=cwd,
        check=False, timeout=120,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))


def write(tmp_path: Path, name: str, body: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(textwrap.dedent(body))
    return path


# --- toolchains.toml ------------------------------------------------------------------------


def test_shipped_default_has_the_four_roles() -> None:
    specs, limits = read_config(DEFAULT_TOOLCHAINS_FILE)
    assert list(specs) == ["stable", "polonius", "polonius-legacy", "nightly"]
    assert specs["polonius"].polonius == "next"
    assert specs["polonius-legacy"].polonius == "legacy"
    assert specs["nightly"].polonius == "off"
    assert limits.timeout == 10 and limits.memory_mb == 2048 and limits.max_input_kb == 1024
    assert limits.allow_include is False and limits.bootstrap_fallback is True


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("[roles.stable]\ntoolchain = \"stable\"\nflavour = 1\n", 3, "unknown key 'flavour'"),
        ("[roles.stable]\ntoolchain = \"stable\"\n[roles.polonius]\ntoolchain = \"nightly\"\n"
         "polonius = \"maybe\"\n", 5, "polonius must be one of"),
        ("[limits]\ntimeout = -1\n[roles.stable]\ntoolchain = \"s\"\n", 2, "must be positive"),
        ("[limits]\ntimeout = \"fast\"\n", 2, "wrong type"),
        ("[roles.beta]\ntoolchain = \"beta\"\n", 1, "unknown role 'beta'"),
        ("[roles.stable\n", 1, "invalid TOML"),
        ("[roles.stable]\nflags = \"-Z\"\ntoolchain = \"stable\"\n", 2, "flags must be a list"),
    ],
)
def test_bad_toolchains_file_names_file_and_line(tmp_path: Path, body: str, line: int,
                                                 needle: str) -> None:
    path = write(tmp_path, "toolchains.toml", body)
    with pytest.raises(ConfigError) as info:
        read_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert needle in message


def test_bad_toolchains_file_is_exit_2_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "toolchains.toml", "[roles.stable]\ntoolchain = \"stable\"\nbogus = 1\n")
    result = ptriage("toolchains", "--toolchains", str(path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"{path}:3:" in result.stderr


def test_user_copy_overrides_default(tmp_path: Path) -> None:
    config = Path(os.environ["PTRIAGE_CONFIG_DIR"])
    write(config, "toolchains.toml", """
        [limits]
        timeout = 4.5
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """)
    tc = load_toolchains()
    assert tc.source_path == config / "toolchains.toml"
    assert tc.limits.timeout == 4.5
    assert set(tc.roles) == {"stable", "polonius"}


# --- doctor -----------------------------------------------------------------------------------


def test_missing_toolchains_doctor_says_how_to_fix_and_exits_3(tmp_path: Path) -> None:
    empty_rustup = tmp_path / "rustup"
    (empty_rustup / "toolchains").mkdir(parents=True)
    env = {"RUSTUP_HOME": str(empty_rustup)}
    result = ptriage("toolchains", env=env)
    assert result.returncode == 3
    assert "rustup toolchain install nightly" in result.stdout
    assert "rustup toolchain install stable" in result.stdout
    assert "MISSING" in result.stdout
    as_json = ptriage("toolchains", "--json", env=env)
    assert as_json.returncode == 3
    report = json.loads(as_json.stdout)
    assert report["runnable"] is False
    assert report["roles"]["polonius"]["fix"] == "rustup toolchain install nightly"
    src = write(tmp_path, "a.rs", "pub fn f() {}\n")
    check = ptriage("check", str(src), env=env)
    assert check.returncode == 3
    assert "rustup toolchain install" in check.stderr


@pytest.mark.toolchains
def test_missing_nightly_runs_polonius_on_stable_with_bootstrap(tmp_path: Path) -> None:
    rustup = Path(os.environ.get("RUSTUP_HOME", Path.home() / ".rustup"))
    stable_dirs = [p for p in (rustup / "toolchains").iterdir() if p.name.startswith("stable")]
    fake_home = tmp_path / "rustup"
    (fake_home / "toolchains").mkdir(parents=True)
    for directory in stable_dirs:
        (fake_home / "toolchains" / directory.name).symlink_to(directory)
    env = {"RUSTUP_HOME": str(fake_home)}
    doctor = ptriage("toolchains", "--json", env=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout)
    assert report["roles"]["polonius"]["bootstrap"] is True
    assert report["roles"]["polonius"]["flags"] == ["-Zpolonius=next"]
    assert "rustup toolchain install nightly" in report["roles"]["polonius"]["fix"]
    src = EXAMPLES / "entry-owned-key" / "direct.rs"
    result = ptriage("check", "--json", "--no-patterns", str(src), env=env)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["verdict"] == "polonius-accepts"
    assert record["checks"]["polonius"]["bootstrap"] is True
    assert any("RUSTC_BOOTSTRAP=1" in note for note in record["notes"])


@pytest.mark.toolchains
def test_doctor_reports_every_role() -> None:
    result = ptriage("toolchains", "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    for role in ("stable", "polonius", "polonius-legacy", "nightly"):
        info = report["roles"][role]
        assert info["available"] and info["binary"] and info["version"] and info["commit"]
        assert "/bin/rustc" in info["binary"] and "cargo/bin" not in info["binary"]


# --- check: bad input → exit 2, one line --------------------------------------------------------


BAD_INPUTS = {
    "empty": (b"", "input is empty"),
    "blank": (b"   \n\n", "input is empty"),
    "binary": (b"\x7fELF\x00\x01\x02", "binary"),
    "latin1": ("fn f() { let s = \"caf\xe9\"; }".encode("latin-1"), "not valid UTF-8"),
    "huge": (b"// " + b"x" * (1024 * 1024 + 10), "over the 1,048,576-byte limit"),
}


@pytest.mark.toolchains
@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_file_exit_2_one_line(tmp_path: Path, kind: str) -> None:
    data, needle = BAD_INPUTS[kind]
    path = write(tmp_path, f"{kind}.rs", data)
    result = ptriage("check", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0] and str(path) in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.toolchains
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["/no/such/file.rs"], "no such file"),
        (["--edition", "2019", "x.rs"], "invalid choice"),
        (["-", "-"], "only once"),
        ([], "the following arguments are required"),
    ],
)
def test_usage_errors_exit_2(args: list[str], needle: str) -> None:
    result = ptriage("check", *args)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.toolchains
def test_directory_is_exit_2(tmp_path: Path) -> None:
    result = ptriage("check", str(tmp_path))
    assert result.returncode == 2
    assert "is a directory" in result.stderr


@pytest.mark.toolchains
def test_bad_stdin_exit_2() -> None:
    result = ptriage("check", "-", stdin=b"\xff\xfe\x00garbage")
    assert result.returncode == 2
    assert result.stderr.startswith("ptriage: <stdin>:")


# --- check: output ----------------------------------------------------------------------------


@pytest.mark.toolchains
def test_check_table_output() -> None:
    result = ptriage("check", "--no-patterns", str(EXAMPLES / "entry-owned-key" / "direct.rs"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "polonius-accepts  (corroborated)" in out
    assert "stable (NLL)" in out and "reject E0499" in out
    assert "polonius (next)" in out and "accept" in out
    assert "- removed E0499" in out
    assert "tally (lines 5-11): polonius-accepts" in out


@pytest.mark.toolchains
def test_check_json_from_stdin_with_loose_statements() -> None:
    source = b"let mut s = String::new();\nlet r = &s;\ns.push('x');\nr.len();\n"
    result = ptriage("check", "--json", "--no-patterns", "-", stdin=source)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["verdict"] == "both-reject"
    (diag,) = record["checks"]["stable"]["diagnostics"]
    assert (diag["code"], diag["line"], diag["column"]) == ("E0502", 3, 1)
    assert record["origin"] == {"path": "-", "line": 1}


@pytest.mark.toolchains
def test_check_keeps_going_after_a_bad_file(tmp_path: Path) -> None:
    good = write(tmp_path, "good.rs", "pub fn f() {}\n")
    bad = write(tmp_path, "bad.rs", b"")
    result = ptriage("check", "--json", "--no-patterns", str(bad), str(good))
    assert result.returncode == 2
    assert json.loads(result.stdout)["verdict"] == "clean"
    assert "bad.rs: input is empty" in result.stderr


@pytest.mark.toolchains
@pytest.mark.parametrize("edition", ["2015", "2018", "2021", "2024"])
def test_every_edition_runs(edition: str) -> None:
    result = ptriage("check", "--json", "--no-patterns", "--edition", edition, "-",
                     stdin=b"pub fn f(x: &mut Vec<u8>) { x.push(1); }\n")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["edition"] == edition and record["verdict"] == "clean"


@pytest.mark.toolchains
def test_missing_nightly_without_fallback_is_exit_3_with_the_fix(tmp_path: Path) -> None:
    rustup = Path(os.environ.get("RUSTUP_HOME", Path.home() / ".rustup"))
    fake_home = tmp_path / "rustup"
    (fake_home / "toolchains").mkdir(parents=True)
    for directory in (rustup / "toolchains").iterdir():
        if directory.name.startswith("stable"):
            (fake_home / "toolchains" / directory.name).symlink_to(directory)
    config = DEFAULT_TOOLCHAINS_FILE.read_text().replace("bootstrap_fallback = true",
                                                          "bootstrap_fallback = false")
    toml = write(tmp_path, "toolchains.toml", config)
    env = {"RUSTUP_HOME": str(fake_home)}
    result = ptriage("toolchains", "--toolchains", str(toml), env=env)
    assert result.returncode == 3
    assert "[stable]  ok" in result.stdout
    assert "[polonius]  MISSING" in result.stdout
    assert "fix:     rustup toolchain install nightly" in result.stdout
    src = write(tmp_path, "a.rs", "pub fn f() {}\n")
    check = ptriage("check", "--toolchains", str(toml), str(src), env=env)
    assert check.returncode == 3
    assert "rustup toolchain install nightly" in check.stderr


# --- toolchains that moved on (fake compilers wrapping the real ones) -----------------------

#: Shared head of every fake: the real compiler, and the arguments split into -Zpolonius= and rest.
_FAKE_HEAD = """#!/bin/bash
REAL={real}
spelling=""
args=()
for a in "$@"; do
  case "$a" in
    -Zpolonius=*) spelling="${{a#-Zpolonius=}}" ;;
    *) args+=("$a") ;;
  esac
done
case " $* " in *" -vV "*|*" --print "*) exec "$REAL" "$@" ;; esac
"""

#: A nightly from 2026-08-06 on: alpha by default; the opt-out is spelled `nll` (not `off`/`no`).
FAKE_NEW_NIGHTLY = _FAKE_HEAD + """
case "$spelling" in
  "") exec "$REAL" -Zpolonius=next "${{args[@]}}" ;;
  nll) exec "$REAL" "${{args[@]}}" ;;
  next|legacy) exec "$REAL" -Zpolonius="$spelling" "${{args[@]}}" ;;
  *) echo "error: incorrect value \\`$spelling\\` for unstable option \\`polonius\\`" >&2; exit 1 ;;
esac
"""

#: A stable that runs alpha by default; -Z needs RUSTC_BOOTSTRAP=1; the opt-out is `nll`.
FAKE_ALPHA_STABLE = _FAKE_HEAD + """
if [ -n "$spelling" ] && [ "$RUSTC_BOOTSTRAP" != 1 ]; then
  echo "error: the option \\`Z\\` is only accepted on the nightly compiler" >&2; exit 1
fi
case "$spelling" in
  "") RUSTC_BOOTSTRAP=1 exec "$REAL" -Zpolonius=next "${{args[@]}}" ;;
  {optout}) exec "$REAL" "${{args[@]}}" ;;
  next|legacy) exec "$REAL" -Zpolonius="$spelling" "${{args[@]}}" ;;
  *) echo "error: incorrect value \\`$spelling\\` for unstable option \\`polonius\\`" >&2; exit 1 ;;
esac
"""


def _real_rustc(channel: str) -> Path:
    rustup = Path(os.environ.get("RUSTUP_HOME", Path.home() / ".rustup"))
    found = sorted((rustup / "toolchains").glob(f"{channel}-*/bin/rustc"))
    if not found:
        pytest.skip(f"no {channel} toolchain")
    return found[0]


def _fake(tmp_path: Path, name: str, template: str, channel: str, **extra: str) -> Path:
    path = tmp_path / name
    path.write_text(template.format(real=_real_rustc(channel), **extra))
    path.chmod(0o755)
    return path


def _fake_matrix(tmp_path: Path, *, stable: str, polonius: str, nightly: str) -> Path:
    return write(tmp_path, "toolchains.toml", f"""
        [roles.stable]
        {stable}
        [roles.polonius]
        {polonius}
        polonius = "next"
        [roles.nightly]
        {nightly}
        polonius = "off"
    """)


PC3_EXAMPLE = EXAMPLES / "entry-owned-key" / "direct.rs"


@pytest.mark.toolchains
def test_new_nightly_spells_the_nll_opt_out_nll(tmp_path: Path) -> None:
    fake = _fake(tmp_path, "rustc-nightly-2026-08-06", FAKE_NEW_NIGHTLY, "nightly")
    toml = _fake_matrix(tmp_path, stable='toolchain = "stable"', polonius=f'rustc = "{fake}"',
                        nightly=f'rustc = "{fake}"')
    doctor = ptriage("toolchains", "--json", "--toolchains", str(toml))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    roles = json.loads(doctor.stdout)["roles"]
    assert roles["nightly"]["available"] is True
    assert roles["nightly"]["flags"] == ["-Zpolonius=nll"]
    assert roles["polonius"]["flags"] == ["-Zpolonius=next"]
    result = ptriage("check", "--json", "--no-patterns", "--toolchains", str(toml), str(PC3_EXAMPLE))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    # the control really ran NLL: it rejects what alpha accepts
    assert record["checks"]["nightly"]["accepted"] is False
    assert record["checks"]["polonius"]["accepted"] is True
    assert record["verdict"] == "polonius-accepts"


@pytest.mark.toolchains
def test_stable_running_alpha_keeps_an_nll_baseline(tmp_path: Path) -> None:
    fake = _fake(tmp_path, "rustc-stable-alpha", FAKE_ALPHA_STABLE, "stable", optout="nll")
    toml = _fake_matrix(tmp_path, stable=f'rustc = "{fake}"', polonius='toolchain = "nightly"',
                        nightly='toolchain = "nightly"')
    doctor = ptriage("toolchains", "--json", "--toolchains", str(toml))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    stable = json.loads(doctor.stdout)["roles"]["stable"]
    assert stable["flags"] == ["-Zpolonius=nll"]
    assert stable["env"] == {"RUSTC_BOOTSTRAP": "1"} and stable["bootstrap"] is True
    assert any("runs Polonius alpha by default" in note for note in stable["notes"])
    text = ptriage("toolchains", "--toolchains", str(toml)).stdout
    assert "runs Polonius alpha by default" in text and "-Zpolonius=nll" in text
    result = ptriage("check", "--json", "--no-patterns", "--toolchains", str(toml), str(PC3_EXAMPLE))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["checks"]["stable"]["accepted"] is False  # NLL, not alpha
    assert record["checks"]["stable"]["bootstrap"] is True
    assert any("-Zpolonius=nll" in note for note in record["notes"])
    assert record["verdict"] == "polonius-accepts"


@pytest.mark.toolchains
def test_stable_running_alpha_without_opt_out_needs_a_pinned_baseline(tmp_path: Path) -> None:
    fake = _fake(tmp_path, "rustc-stable-alpha-only", FAKE_ALPHA_STABLE, "stable",
                 optout="__none__")
    toml = _fake_matrix(tmp_path, stable=f'rustc = "{fake}"', polonius='toolchain = "nightly"',
                        nightly='toolchain = "nightly"')
    doctor = ptriage("toolchains", "--toolchains", str(toml))
    assert doctor.returncode == 3, doctor.stdout + doctor.stderr
    assert "runs Polonius alpha by default and accepts no NLL opt-out" in doctor.stdout
    assert 'toolchain = "1.95.0"' in doctor.stdout and "older pinned toolchain" in doctor.stdout


# --- the doctor: sandbox and user override ----------------------------------------------------


def test_doctor_says_whether_the_user_override_exists(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    env = {"PTRIAGE_CONFIG_DIR": str(config)}
    absent = ptriage("toolchains", "--json", env=env)
    assert json.loads(absent.stdout)["user_file_exists"] is False
    assert "(not present" in ptriage("toolchains", env=env).stdout
    (config / "toolchains.toml").write_text(DEFAULT_TOOLCHAINS_FILE.read_text())
    present = ptriage("toolchains", "--json", env=env)
    assert json.loads(present.stdout)["user_file_exists"] is True
    assert "(exists, in use)" in ptriage("toolchains", env=env).stdout


def test_doctor_names_the_sandbox_or_how_to_install_it() -> None:
    missing = ptriage("toolchains", env={"PTRIAGE_BWRAP": "/nonexistent/bwrap"})
    assert "sandbox:         NONE: bubblewrap (bwrap) is not installed" in missing.stdout
    assert "apt-get install bubblewrap" in missing.stdout
    report = json.loads(ptriage("toolchains", "--json").stdout)["sandbox"]
    if report["isolated"]:
        assert report["name"] == "bubblewrap"
        assert "sandbox:         bubblewrap" in ptriage("toolchains").stdout
    else:
        assert "apt-get install bubblewrap" in report["fix"]


# --- check: non-.rs files, the diagnostics table ----------------------------------------------


@pytest.mark.toolchains
def test_check_refuses_a_non_rs_file_unless_forced(tmp_path: Path) -> None:
    notes = write(tmp_path, "notes.txt", "pub fn f() {}\n")
    refused = ptriage("check", "--no-patterns", str(notes))
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert str(notes) in line and "not a .rs file" in line and "--force" in line
    assert refused.stdout == ""
    forced = ptriage("check", "--json", "--no-patterns", "--force", str(notes))
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["verdict"] == "clean"


@pytest.mark.toolchains
def test_check_table_lists_every_diagnostic_and_the_first_other_error(tmp_path: Path) -> None:
    source = write(tmp_path, "mixed.rs", 'pub fn f() -> u32 { "x" }\n'
                   "pub fn g() { let mut v = vec![1]; let r = &v; v.push(2); r.len(); }\n")
    result = ptriage("check", "--no-patterns", str(source))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # nothing changes, and the kept diagnostics are still listed with line:column and message
    assert "Polonius changes nothing" in out
    assert "= kept    E0502  2:47     cannot borrow `v` as mutable" in out
    assert "= kept    E0308  1:21     mismatched types" in out
    assert "first error that is not borrow-check (stable (NLL)): E0308 1:21 mismatched types" in out
