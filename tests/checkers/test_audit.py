"""`checkers.audit`: Cargo workspaces checked in their own context with real cargo and real bubblewrap."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checkers import sandbox
from checkers.audit import AuditOptions, AuditResult, TrustRequired, run_audit
from checkers.audit.runner import plan_roles, run_cargo, wrapper_for
from checkers.audit.workspace import strip_dev_dependencies
from checkers.errors import CancelledError, InputError, ToolchainError
from checkers.rustc import descendants
from checkers.toolchains import load_toolchains

WORKSPACES = Path(__file__).resolve().parents[1] / "data" / "workspaces"
MIXED = WORKSPACES / "mixed"
DEPFAIL = WORKSPACES / "depfail"

pytestmark = pytest.mark.toolchains


def tree_hash(root: Path) -> dict[str, str]:
    """Every file and folder under root, with the digest of each file's bytes."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[str(Path(dirpath, d).relative_to(root)) + "/"] = "dir"
        for f in filenames:
            full = Path(dirpath, f)
            out[str(full.relative_to(root))] = hashlib.sha256(full.read_bytes()).hexdigest()
    return out


def by_path(result: AuditResult) -> dict[str, dict[str, Any]]:
    return {r["origin"]["path"]: r for r in result.records}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AuditResult, dict[str, str],
                                                                      dict[str, str], Path]]:
    """One cold audit of the mixed workspace (in its own cache dir), with the tree hashed around it."""
    cache = tmp_path_factory.mktemp("audit-cache")
    before = tree_hash(MIXED)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTRIAGE_CACHE_DIR", str(cache))
        result = run_audit(MIXED, options=AuditOptions(offline=True))
    yield result, before, tree_hash(MIXED), cache


def test_module_that_needs_its_crate_gets_its_true_verdict(mixed: Any) -> None:
    result = mixed[0]
    store = by_path(result)["wscore/src/store.rs"]
    assert store["verdict"] == "clean", store["reason"]
    assert {f["name"]: f["verdict"] for f in store["functions"]}["Store::put"] == "clean"
    assert store["origin"] == {"path": "wscore/src/store.rs", "package": "wscore",
                               "target": "lib", "line": 1}
    # The same file checked alone, as a snippet, cannot resolve `crate::` and `super::`.
    from checkers.engine import check_source

    alone = check_source((MIXED / "wscore/src/store.rs").read_text(), patterns=False)
    assert alone.verdict == "other-error"


def test_problem_case_3_function_is_polonius_accepts_in_an_otherwise_clean_file(mixed: Any) -> None:
    lookup = by_path(mixed[0])["wsleaf/src/lookup.rs"]
    assert lookup["verdict"] == "polonius-accepts" and lookup["corroborated"] is True
    assert {f["name"]: f["verdict"] for f in lookup["functions"]} == {
        "get_default": "polonius-accepts", "count": "clean"}
    stable = lookup["checks"]["stable"]
    assert [(d["code"], d["line"]) for d in stable["diagnostics"]] == [("E0499", 8), ("E0499", 9)]
    assert [d["change"] for d in lookup["diff"]] == ["removed", "removed"]


def test_polonius_roles_say_which_compiler_ran(mixed: Any) -> None:
    result = mixed[0]
    record = by_path(result)["wsleaf/src/lookup.rs"]
    stable = load_toolchains().roles["stable"]
    for role, flag in (("polonius", "-Zpolonius=next"), ("polonius-legacy", "-Zpolonius=legacy")):
        check = record["checks"][role]
        assert check["rustc"] == stable.version and check["bootstrap"] is True
        assert flag in check["flags"]
    assert "bootstrap" not in record["checks"]["stable"]
    assert set(result.roles) == {"stable", "polonius", "polonius-legacy"}
    # the wrapper measured every role's member rustc runs (the report's borrow-check cost)
    assert all(o.member_cpu_ms > 0 and o.member_ms > 0 for o in result.roles.values())
    assert result.roles["stable"].packages == {"wsbuild": "ok", "wscore": "ok",
                                               "wsleaf": "rejected", "wsmacros": "ok"}


def test_code_cfg_test_removes_is_not_compiled(mixed: Any) -> None:
    types = by_path(mixed[0])["wscore/src/types.rs"]
    verdicts = {f["name"]: f["verdict"] for f in types["functions"]}
    assert verdicts == {"Key::new": "clean", "keys_compare": "not-compiled"}


def test_build_script_and_proc_macro_members_are_checked(mixed: Any) -> None:
    records = by_path(mixed[0])
    assert records["wsbuild/build.rs"]["origin"]["target"] == "build-script"
    assert records["wsbuild/src/lib.rs"]["verdict"] == "clean"
    assert records["wsmacros/src/lib.rs"]["verdict"] == "clean"
    assert records["wscore/src/bin/wstool.rs"]["origin"]["target"] == "bin:wstool"


def test_check_then_relookup_is_confirmed_in_the_crate(mixed: Any) -> None:
    cache = by_path(mixed[0])["wscore/src/cache.rs"]
    assert cache["verdict"] == "clean"
    found = {p["id"]: p for p in cache["patterns"]}
    relookup = found["check-then-relookup"]
    assert relookup["confirmed"] is True, relookup["reason"]
    assert "fn Cache::bytes_for rejected by NLL (E0499)" in relookup["reason"]
    assert "if let Some(found) = self.slots.get_mut(key)" in relookup["rewrite"]


def test_rewrites_share_a_recheck_and_fall_back_to_one_at_a_time(mixed: Any) -> None:
    """wscore's and wsleaf's rewrites share the first re-check; wscore's direct form breaks NLL
    for wscore, so wsleaf (which depends on it) is not checked by NLL there and its rewrite
    cannot be attributed: it is re-checked alone, and confirmed."""
    result = mixed[0]
    names = by_path(result)["wsleaf/src/names.rs"]
    [finding] = names["patterns"]
    assert finding["id"] == "check-then-relookup"
    assert finding["confirmed"] is True, finding["reason"]
    assert "fn Names::name_mut rejected by NLL" in finding["reason"]
    # one re-check per round (a round holds at most one rewrite per file), plus names.rs alone
    per_file = Counter(r["origin"]["path"] for r in result.records for p in r["patterns"]
                       if p.get("rewrite") is not None)
    assert per_file["wscore/src/cache.rs"] == 2
    assert result.rechecks == max(per_file.values()) + 1


def test_unsafe_pointer_cast_that_is_no_workaround_is_never_confirmed(mixed: Any) -> None:
    cache = by_path(mixed[0])["wscore/src/cache.rs"]
    casts = [p for p in cache["patterns"] if p["id"] == "unsafe-lifetime-extension"]
    assert [p["line"] for p in casts] == [26], "the pointer cast should be a candidate"
    assert casts[0]["confirmed"] is False
    assert "fn Cache::size_or_grow rejected by NLL and by Polonius" in casts[0]["reason"]
    # the pointer dance of last_size (it only reads a length) is not even a candidate
    assert all(p["confirmed"] is not True for p in cache["patterns"] if p["line"] > 26)


def test_workspace_is_byte_identical_after_the_audit(mixed: Any) -> None:
    _result, before, after, _cache = mixed
    assert after == before
    assert not (MIXED / "target").exists() and not (MIXED / "Cargo.lock").exists()


def test_html_report_names_the_functions_and_shows_the_diff(mixed: Any, tmp_path: Path) -> None:
    out = mixed[0].write_report(tmp_path / "audit.html")
    text = out.read_text()
    assert "get_default" in text and "wsleaf/src/lookup.rs:4" in text
    assert "wscore/src/cache.rs:16" in text
    assert ('<span class="add">+        if let Some(found) = self.slots.get_mut(key) {</span>'
            in text)
    assert ('<span class="del">-        if self.slots.contains_key(key) {</span>' in text)
    assert "<script" not in text and "<link" not in text and "src=" not in text
    md = mixed[0].write_report(tmp_path / "audit.md").read_text()
    assert "```diff" in md and "+        if let Some(found) = self.slots.get_mut(key) {" in md
    assert "| wsleaf | rejected | ok | ok |" in md


def test_records_validate_against_the_record_contract(mixed: Any) -> None:
    from app.jsonl import validate_record

    for record in mixed[0].records:
        assert validate_record(record) is None, record["origin"]


def test_second_audit_reuses_everything_and_a_recheck_is_not_stale(mixed: Any,
                                                                   monkeypatch: Any) -> None:
    result, _before, _after, cache = mixed
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(cache))
    warm = run_audit(MIXED, options=AuditOptions(offline=True))
    assert warm.cached and warm.records == result.records
    # Without the result cache, cargo re-runs every role on the same target dirs (NLL after
    # both Polonius roles and after the proof overlays): NLL must still reject.
    again = run_audit(MIXED, options=AuditOptions(offline=True, cache=False, confirm=False))
    assert not again.cached
    records = by_path(again)
    assert records["wsleaf/src/lookup.rs"]["verdict"] == "polonius-accepts"
    assert records["wscore/src/cache.rs"]["verdict"] == "clean"


@pytest.mark.parametrize("corroborate", ["needed", "all"])
def test_re_audits_without_the_result_cache_never_replay_another_roles_result(
        tmp_path: Path, monkeypatch: Any, corroborate: str) -> None:
    """Every role's target dir is mirrored from the dependency pass before each audit: what the
    roles built there for the members must never reach another role (a replayed NLL error
    would turn polonius-accepts into alpha-only-accepts, a replayed success hide an error)."""
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "mixed"
    shutil.copytree(MIXED, work)
    opts = AuditOptions(offline=True, confirm=False, cache=False, corroborate=corroborate)
    lookup = work / "wsleaf" / "src" / "lookup.rs"
    original = lookup.read_text(encoding="utf-8")

    def verdicts() -> dict[str, tuple[str, dict[str, int]]]:
        result = run_audit(work, options=opts)
        return {path: (r["verdict"], {role: len(c.get("diagnostics") or ())
                                      for role, c in r["checks"].items()})
                for path, r in by_path(result).items()}

    first = verdicts()
    legacy_errors = 0
    assert first["wsleaf/src/lookup.rs"] == ("polonius-accepts", {
        "stable": 2, "polonius": 0, "polonius-legacy": legacy_errors})
    assert verdicts() == first
    # the NLL error fixed: every role accepts (no replayed E0499)
    lookup.write_text(original.replace(
        "    match map.get_mut(&key) {\n        Some(value) => value,\n        None => {\n"
        "            map.insert(key, String::new());\n            map.get_mut(&key).unwrap()\n"
        "        }\n    }\n", "    map.entry(key).or_default()\n"), encoding="utf-8")
    fixed = verdicts()
    assert fixed["wsleaf/src/lookup.rs"][1]["stable"] == 0, fixed["wsleaf/src/lookup.rs"]
    assert fixed["wsleaf/src/lookup.rs"][0] == "clean"
    # and back: NLL rejects again, both Polonius analyses still accept (no replayed success)
    lookup.write_text(original, encoding="utf-8")
    assert verdicts() == first


def test_a_target_dir_is_never_shared_between_roles(tmp_path: Path) -> None:
    """The stale-replay trap: cargo does not fingerprint the role (the wrapper reads it from the
    env, and its path is the same for every role), so each role has target dirs of its own."""
    plans, _ = plan_roles(load_toolchains(), nightly="none")
    work = tmp_path / "ws"
    shutil.copytree(DEPFAIL, work)
    from checkers.audit.runner import OWNER_FILE, CargoEnv

    env = CargoEnv(sandbox=sandbox.detect()[0], cargo_home=tmp_path / "cargo-home",
                   scratch=tmp_path / "scratch", timeout=300, memory_mb=8192, jobs=None)
    env.cargo_home.mkdir()
    args = ["check", "--message-format=json", "--offline", "-p", "base"]

    def errors(role: str, target: Path) -> list[str]:
        plan = plans[role]
        run = run_cargo(args, compiler=plan.compiler, cwd=work, env_setup=env, target_dir=target,
                        wrapper=wrapper_for(plan))
        return [m["message"]["code"]["code"] for m in run.messages
                if m.get("reason") == "compiler-message" and m["message"].get("code")]

    shared = tmp_path / "target"
    assert errors("polonius", shared) == []
    with pytest.raises(ToolchainError, match="never shared between roles"):
        errors("stable", shared)
    # NLL after next, each in its own target dir: NLL still rejects, next still accepts
    assert errors("stable", tmp_path / "target-stable") == ["E0499", "E0499"]
    assert errors("polonius", shared) == []
    assert errors("stable", tmp_path / "target-stable") == ["E0499", "E0499"]
    # the trap is real: without the owner mark, cargo replays next's success for NLL
    (shared / OWNER_FILE).unlink()
    assert errors("stable", shared) == []


def test_member_host_units_are_built_once_for_the_roles_of_a_compiler(tmp_path: Path,
                                                                      monkeypatch: Any) -> None:
    """A member's build script and proc macro are built by the dependency pass, and every role's
    target dir has that very build (mirrored, not rebuilt: same name, same mtime)."""
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path))
    result = run_audit(MIXED, options=AuditOptions(offline=True, confirm=False))
    assert by_path(result)["wsleaf/src/lookup.rs"]["verdict"] == "polonius-accepts"
    targets = tmp_path / "audit" / "targets"
    passes = [d for d in targets.iterdir() if d.name.endswith("-deps")]
    assert len(passes) == 1
    dep_pass = passes[0]
    built = sorted((dep_pass / "debug" / "deps").glob("libwsmacros-*.so")) + sorted(
        p for p in (dep_pass / "debug" / "build").glob("wsbuild-*/build_script_build-*")
        if not p.suffix)
    assert [p.name.split("-")[0] for p in built] == ["libwsmacros", "build_script_build"], built
    primary = dep_pass.name.removesuffix("-deps")
    for role_dir in (primary, f"{primary}-polonius"):
        for path in built:
            twin = targets / role_dir / path.relative_to(dep_pass)
            assert twin.stat().st_mtime_ns == path.stat().st_mtime_ns, twin
    # legacy was not needed on wsbuild or wsmacros: it never checked them (see the records)
    assert result.roles["polonius-legacy"].packages["wsmacros"] == "skipped"


def test_a_build_script_built_once_is_still_checked_by_every_role(tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    """The dependency pass builds a build script once (under NLL) and borrow-checks it for the
    Polonius roles too: a role that rejects it says so, and an edit is never answered by the
    old check."""
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    ws = tmp_path / "hostrole"
    (ws / "src").mkdir(parents=True)
    (ws / "Cargo.toml").write_text('[package]\nname = "hostrole"\nversion = "0.1.0"\n'
                                   'edition = "2021"\n', encoding="utf-8")
    (ws / "src" / "lib.rs").write_text("pub fn answer() -> u32 { 42 }\n", encoding="utf-8")
    # The Polonius roles run the stable compiler with RUSTC_BOOTSTRAP=1: this build script
    # compiles only without it, so the roles disagree on it.
    (ws / "build.rs").write_text(
        'const _: () = assert!(option_env!("RUSTC_BOOTSTRAP").is_none(), "bootstrapped");\n'
        "fn main() {}\n", encoding="utf-8")
    opts = AuditOptions(offline=True, confirm=False, cache=False)

    def codes(result: AuditResult) -> dict[str, list[str | None]]:
        checks = by_path(result)["build.rs"]["checks"]
        return {role: [d.get("code") for d in check.get("diagnostics") or ()]
                for role, check in checks.items()}

    first = run_audit(ws, options=opts)
    # legacy was needed (alpha rejects), ran last and rebuilt the build script itself
    assert codes(first) == {"stable": [], "polonius": ["E0080"], "polonius-legacy": ["E0080"]}
    assert first.roles["polonius"].packages == {"hostrole": "rejected"}
    assert first.roles["stable"].packages == {"hostrole": "ok"}
    (ws / "build.rs").write_text("fn main() {}\n", encoding="utf-8")
    second = run_audit(ws, options=opts)
    assert codes(second) == {"stable": [], "polonius": [], "polonius-legacy": []}
    assert {r: o.packages["hostrole"] for r, o in second.roles.items()} == {
        "stable": "ok", "polonius": "ok", "polonius-legacy": "skipped"}
    # with --corroborate all, the pass borrow-checks the build script for legacy too
    third = run_audit(ws, options=dataclasses.replace(opts, corroborate="all"))
    assert {r: o.packages["hostrole"] for r, o in third.roles.items()} == {
        "stable": "ok", "polonius": "ok", "polonius-legacy": "ok"}


def test_a_dependency_failing_under_a_role_is_a_toolchain_error_naming_it(tmp_path: Path) -> None:
    result = run_audit(DEPFAIL, options=AuditOptions(offline=True, confirm=False))
    user = by_path(result)["user/src/lib.rs"]
    assert user["verdict"] == "toolchain-error"
    stable = user["checks"]["stable"]
    assert stable["status"] == "dependency-failed" and stable["accepted"] is None
    assert "workspace member base v0.1.0 (lib): E0499" in stable["error"]
    assert user["checks"]["polonius"]["status"] == "ok"
    assert result.roles["stable"].packages == {"base": "rejected", "user": "dependency-failed"}
    assert by_path(result)["base/src/lib.rs"]["verdict"] == "polonius-accepts"


def test_a_file_inside_a_package_audits_that_package() -> None:
    result = run_audit(MIXED / "wsleaf" / "src" / "lookup.rs",
                       options=AuditOptions(offline=True, confirm=False))
    assert [p["name"] for p in result.packages] == ["wsleaf"]
    assert {r["origin"]["package"] for r in result.records} == {"wsleaf"}


def test_not_a_package_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not inside a Cargo package"):
        run_audit(tmp_path, options=AuditOptions(offline=True))
    with pytest.raises(InputError, match="no workspace member named nope"):
        run_audit(MIXED, options=AuditOptions(offline=True, packages=("nope",)))


def test_without_a_sandbox_build_scripts_need_trust(monkeypatch: Any) -> None:
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "none")
    sandbox.reset_detection()
    before = tree_hash(MIXED)
    try:
        with pytest.raises(TrustRequired, match=r"wsbuild \(build script\).*--trust") as info:
            run_audit(MIXED, options=AuditOptions(offline=True))
        assert info.value.runs_code == ("wsbuild (build script)", "wsmacros (proc macro)")
    finally:
        sandbox.reset_detection()
    assert tree_hash(MIXED) == before


def _ours(names: tuple[str, ...] = ("cargo", "rustc", "bwrap", "build-script-b", "sh")) -> list[str]:
    found = []
    for pid in descendants(os.getpid()):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm in names or comm.startswith("build_script"):
            found.append(f"{pid}:{comm}")
    return found


def test_cancel_leaves_no_process() -> None:
    cancel = threading.Event()
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            run_audit(MIXED, options=AuditOptions(offline=True, cache=False), cancel=cancel)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 60
    while not _ours(("cargo", "rustc")) and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.01)
    assert _ours(("cargo", "rustc")), "cargo never started"
    cancel.set()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledError)
    assert _ours() == []


def test_a_cargo_run_over_its_time_limit_is_killed_with_its_tree(tmp_path: Path) -> None:
    """A build script that never ends: the run is a timeout, and nothing it started is left."""
    plans, _ = plan_roles(load_toolchains(), nightly="none")
    work = tmp_path / "ws"
    (work / "src").mkdir(parents=True)
    (work / "Cargo.toml").write_text('[package]\nname = "sleeper"\nversion = "0.1.0"\n'
                                     'edition = "2021"\n', encoding="utf-8")
    (work / "src" / "lib.rs").write_text("pub fn f() {}\n", encoding="utf-8")
    (work / "build.rs").write_text(
        "fn main() { std::thread::sleep(std::time::Duration::from_secs(600)); }\n",
        encoding="utf-8")
    from checkers.audit.runner import CargoEnv

    env = CargoEnv(sandbox=sandbox.detect()[0], cargo_home=tmp_path / "cargo-home",
                   scratch=tmp_path / "scratch", timeout=5, memory_mb=8192, jobs=None)
    env.cargo_home.mkdir()
    plan = plans["polonius-legacy"]
    run = run_cargo(["check", "--workspace", "--offline", "--message-format=json"],
                    compiler=plan.compiler, cwd=work, env_setup=env,
                    target_dir=tmp_path / "target", wrapper=wrapper_for(plan))
    assert run.status == "timeout", (run.status, run.elapsed_ms, run.stderr[-500:])
    assert 5000 <= run.elapsed_ms < 60_000
    assert _ours() == []


def test_mirrored_target_dir_is_copied_skips_unchanged_files_and_keeps_mtimes(
        tmp_path: Path) -> None:
    from checkers.audit.runner import mirror_target_dir

    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "debug" / "deps").mkdir(parents=True)
    (src / "debug" / "incremental" / "x").mkdir(parents=True)
    (src / "debug" / "deps" / "liba.rmeta").write_bytes(b"a" * 10)
    (src / "debug" / ".cargo-lock").write_bytes(b"")
    (src / "debug" / "incremental" / "x" / "s.bin").write_bytes(b"s")
    os.utime(src / "debug" / "deps" / "liba.rmeta", ns=(1_000_000_000, 1_000_000_000))
    assert mirror_target_dir(src, dest) == 1
    copied = dest / "debug" / "deps" / "liba.rmeta"
    assert copied.read_bytes() == b"a" * 10 and copied.stat().st_mtime_ns == 1_000_000_000
    assert copied.stat().st_ino != (src / "debug" / "deps" / "liba.rmeta").stat().st_ino
    assert not (dest / "debug" / ".cargo-lock").exists()
    assert not (dest / "debug" / "incremental").exists()
    assert mirror_target_dir(src, dest) == 0  # unchanged: nothing copied again


def test_dev_dependencies_are_dropped_only_from_tables_that_are_theirs() -> None:
    manifest = (
        '[package]\nname = "x"\n\n[dependencies.either]\nversion = "1"\n\n'
        '[dev-dependencies.criterion]\nversion = "0.3"\n\n[dev-dependencies]\nrand = "0.8"\n\n'
        "[target.'cfg(unix)'.dev-dependencies]\nlibc = \"0.2\"\n\n[features]\ndefault = []\n")
    out = strip_dev_dependencies(manifest)
    assert "criterion" not in out and "rand" not in out and "libc" not in out
    assert '[dependencies.either]\nversion = "1"' in out and "[features]\ndefault = []" in out


DEBIAN_REGISTRY = Path("/usr/share/cargo/registry")


def _debian_crate(name: str) -> Path | None:
    found = sorted(DEBIAN_REGISTRY.glob(f"{name}-[0-9]*")) if DEBIAN_REGISTRY.is_dir() else []
    return found[-1] if found else None


def test_real_published_crate_with_its_real_dependencies_from_debian(
        tmp_path: Path, monkeypatch: Any) -> None:
    crate = _debian_crate("itertools")
    if crate is None:
        if os.environ.get("PTRIAGE_REQUIRE_TOOLCHAINS"):
            pytest.fail("librust-itertools-dev is not installed (.ci/run installs it)")
        pytest.skip("librust-itertools-dev is not installed (apt-get install librust-itertools-dev)")
    home = tmp_path / "cargo-home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "debian"\n\n'
        f'[source.debian]\ndirectory = "{DEBIAN_REGISTRY}"\n', encoding="utf-8")
    monkeypatch.setenv("CARGO_HOME", str(home))
    work = tmp_path / crate.name
    shutil.copytree(crate, work)
    before = tree_hash(work)
    # every role over every package, legacy too, so that every role can agree
    result = run_audit(work, options=AuditOptions(offline=True, corroborate="all"))
    assert tree_hash(work) == before
    assert {r: o.status for r, o in result.roles.items()} == {
        "stable": "ok", "polonius": "ok", "polonius-legacy": "ok"}
    assert [p["name"] for p in result.packages] == ["itertools"]
    verdicts = {r["origin"]["path"]: r["verdict"] for r in result.records}
    assert "src/lib.rs" in verdicts and len(verdicts) > 20
    assert set(verdicts.values()) == {"clean"}, {k: v for k, v in verdicts.items() if v != "clean"}
    assert all(r["corroborated"] and r["reason"] == "accepted by every checker"
               for r in result.records)
    # by default legacy Polonius is not needed on a crate NLL and alpha accept: the records say so
    lazy = run_audit(work, options=AuditOptions(offline=True))
    assert lazy.roles["polonius-legacy"].status == "skipped"
    assert lazy.roles["polonius-legacy"].packages == {"itertools": "skipped"}
    assert {r["origin"]["path"]: r["verdict"] for r in lazy.records} == verdicts
    legacy = lazy.records[0]["checks"]["polonius-legacy"]
    assert legacy["status"] == "skipped" and legacy["error"].startswith("not needed: NLL and")
    report = lazy.report("md")
    assert "| itertools | ok | ok | skipped |" in report
    assert "| -Zpolonius=legacy | not run (not needed) | not run (not needed) | – |" in report


def test_nightly_control_runs_on_the_nightly_compiler() -> None:
    result = run_audit(DEPFAIL, options=AuditOptions(offline=True, confirm=False,
                                                     nightly="control", packages=("base",)))
    nightly = load_toolchains().roles["nightly"]
    record = by_path(result)["base/src/lib.rs"]
    assert list(record["checks"]) == ["stable", "polonius", "polonius-legacy", "nightly"]
    control = record["checks"]["nightly"]
    assert control["rustc"] == nightly.version and "bootstrap" not in control
    assert [d["code"] for d in control["diagnostics"]] == ["E0499", "E0499"]
    assert record["drift"] is False and record["verdict"] == "polonius-accepts"
    assert result.roles["nightly"].packages == {"base": "rejected"}


OUTSIDE = WORKSPACES / "outside"


def test_path_dependencies_outside_the_workspace_root_are_built_not_reviewed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`app = { foo = { path = "../../shared/foo" } }`: foo (and its own path dependency bar)
    lie beside the workspace root; the overlay holds them, cargo builds them, only members
    become records, and neither tree is touched."""
    before = tree_hash(OUTSIDE)
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    result = run_audit(OUTSIDE / "ws", options=AuditOptions(offline=True))
    assert tree_hash(OUTSIDE) == before
    assert not (OUTSIDE / "ws" / "Cargo.lock").exists()
    assert not (OUTSIDE / "ws" / "target").exists()
    assert {o.status for o in result.roles.values()} <= {"ok", "failed"}
    assert [r["origin"]["path"] for r in result.records] == ["app/src/lib.rs"]
    record = result.records[0]
    assert record["origin"]["package"] == "app"
    assert record["verdict"] == "polonius-accepts", record["reason"]
    assert {f["name"]: f["verdict"] for f in record["functions"]} == {
        "get_default": "polonius-accepts", "total": "clean", "bytes_for": "clean"}
    assert [p["name"] for p in result.packages] == ["app"]
    assert result.roles["polonius"].packages == {"app": "ok"}
    # the proof overlay copies the path dependencies too
    relookup = {p["id"]: p for p in record["patterns"]}["check-then-relookup"]
    assert relookup["confirmed"] is True, relookup["reason"]
    # roles ran side by side, each in its own target dir; the dependencies were built once
    # (by the dependency pass) and the other roles' dirs hold copies, never hard links
    targets = sorted(t for t in (tmp_path / "cache" / "audit" / "targets").iterdir()
                     if not t.name.endswith("-deps"))  # the dependency pass's own dir
    assert len(targets) == 3, targets
    primary_deps = targets[0] / "debug" / "deps"
    main_foo = [f.name for f in primary_deps.glob("libfoo-*.rmeta")
                if "/proof/" not in (primary_deps / f"{f.name[3:-6]}.d").read_text()]
    assert len(main_foo) == 1, main_foo  # the main overlay's foo (a proof overlay has its own)
    shared = set(main_foo)
    stats = [(t / "debug" / "deps" / min(shared)).stat() for t in targets]
    assert len({(st.st_mtime_ns, st.st_size) for st in stats}) == 1
    # (cargo may hard-link inside a target dir; the mirrors' copies are files of their own)
    assert len({st.st_ino for st in stats}) == 3
    assert all(st.st_nlink == 1 for st in stats)
    # a second audit of the unchanged trees is served from the cache; a change in the
    # outside dependency is part of the key
    assert run_audit(OUTSIDE / "ws", options=AuditOptions(offline=True)).cached
    from checkers.audit.workspace import read_tree

    tree = read_tree(OUTSIDE / "ws")
    assert tree.root_rel == "ws"
    assert sorted(tree.external) == ["shared/bar/Cargo.toml", "shared/bar/src/lib.rs",
                                     "shared/foo/Cargo.toml", "shared/foo/src/lib.rs"]


def test_a_proof_overlay_is_never_reused_for_changed_sources(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rewrite in a tree where another file changed gets a fresh proof overlay: the old
    one holds the old sources, and a re-check there would prove the old code."""
    ws = tmp_path / "outside"
    shutil.copytree(OUTSIDE, ws)
    monkeypatch.setenv("PTRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    opts = AuditOptions(offline=True, cache=False)

    def proof_overlays() -> set[str]:
        return {p.name for p in (tmp_path / "cache").rglob("proof/*") if p.is_dir()}

    first = run_audit(ws / "ws", options=opts)
    assert {p["id"]: p for p in first.records[0]["patterns"]}["check-then-relookup"]["confirmed"]
    made = proof_overlays()
    assert made
    # another file the package builds changes (an outside path dependency): new overlay
    foo = next((ws / "shared").rglob("lib.rs"))
    foo.write_text(foo.read_text() + "\npub fn added_later() -> u32 { 7 }\n")
    second = run_audit(ws / "ws", options=opts)
    assert {p["id"]: p for p in second.records[0]["patterns"]}["check-then-relookup"]["confirmed"]
    assert proof_overlays() - made, "the changed tree reused the old proof overlay"
