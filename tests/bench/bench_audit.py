"""Benchmark `ptriage audit` against the naive way, warm against cold, and a role's member re-check.

Prints, in one run, for one workspace (default `clap-app`: a one-member application on clap
with derive, i.e. a heavy dependency graph, from Debian's packaged sources; `clap`, `serde`,
`crossbeam`: upstream workspaces rebuilt from Debian's per-crate sources; `itertools`: one real
crate; `mixed`: the test workspace):
  (a) naive, as the issue defines it: four separate `cargo check` runs, one per role (stable,
      polonius, polonius-legacy, the nightly control), each in its own empty target dir,
      sequential. By default each run does exactly the audit's work for that role (same
      compiler, the role's flags on members through the same wrapper), so only the sharing of
      the dependency build differs; `--naive rustflags` instead runs toolchains.toml's compiler
      per role with the flags in RUSTFLAGS (Polonius on every dependency too);
  (b) a cold `run_audit` (default roles: stable + both Polonius analyses on the stable compiler,
      one dependency build; legacy Polonius only on packages where NLL or alpha reported an
      error), and (b') a cold `run_audit --nightly control` (the same four roles as the naive
      way), both with --no-confirm so the same work is compared; with --corroborate-all, (b'')
      a cold audit with legacy Polonius on every package;
  (c) a warm re-audit of the unchanged workspace (the result cache), and (c') a re-audit with the
      result cache off (cargo's own fingerprints and replayed messages);
  (d) after editing every member (a comment appended to src/lib.rs, src/main.rs, build.rs), the
      audit's re-check against one plain `cargo check` of the members with the dependencies
      built: its cargo work (dependency pass + roles side by side) per role, and each role's
      re-check alone (`--jobs 1`, against plain `cargo check -j1`) with its share of the pass.
All cargo processes run in the same sandbox (bubblewrap where available). Ratios: b/a, b'/a,
c/b, c'/b, d_role/d_plain. Goals (issue 10): cold ≤ 0.6× naive, warm ≤ 0.1× cold, per-role
member re-check ≤ 1.3× one plain `cargo check` of the members.

Usage: python tests/bench/bench_audit.py [--workspace clap-app|clap|serde|itertools|crossbeam|mixed]
       [--jobs N] [--corroborate-all]
       [--report FILE.html]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

DEBIAN = Path("/usr/share/cargo/registry")

#: Upstream workspaces rebuilt from Debian's per-crate sources: members (folder → crate dir
#: prefix) and the features that make the members depend on each other.
WORKSPACES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "clap": ({"clap": "clap-4", "clap_derive": "clap_derive-4", "clap_lex": "clap_lex-0.3"},
             ("clap/derive",)),
    "serde": ({"serde": "serde-1", "serde_derive": "serde_derive-1"}, ("serde/derive",)),
    "itertools": ({"itertools": "itertools-0.10"}, ()),
    "crossbeam": ({"crossbeam-channel": "crossbeam-channel-0.5", "crossbeam-deque":
                   "crossbeam-deque-0.8", "crossbeam-epoch": "crossbeam-epoch-0.9",
                   "crossbeam-utils": "crossbeam-utils-0.8"}, ()),
}


#: A small application on a heavy dependency graph (clap with derive: clap_derive, syn, …), the
#: shape where building the dependencies once matters most. Its one member is written here.
_APP_MAIN = """use clap::Parser;
use std::collections::HashMap;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    name: String,
}

fn lookup<'m>(map: &'m mut HashMap<String, u32>, key: &str) -> &'m mut u32 {
    if map.contains_key(key) {
        return map.get_mut(key).unwrap();
    }
    map.insert(key.to_owned(), 0);
    map.get_mut(key).unwrap()
}

fn main() {
    let args = Args::parse();
    let mut seen = HashMap::new();
    *lookup(&mut seen, &args.name) += 1;
}
"""


def app_workspace(dest: Path) -> tuple[Path, tuple[str, ...]]:
    (dest / "app" / "src").mkdir(parents=True)
    (dest / "Cargo.toml").write_text('[workspace]\nmembers = ["app"]\nresolver = "2"\n',
                                     encoding="utf-8")
    (dest / "app" / "Cargo.toml").write_text(
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        'clap = { version = "4", features = ["derive"] }\n', encoding="utf-8")
    (dest / "app" / "src" / "main.rs").write_text(_APP_MAIN, encoding="utf-8")
    return dest, ()


def debian_workspace(name: str, dest: Path) -> tuple[Path, tuple[str, ...]]:
    """An upstream-style workspace whose members are Debian's sources, patched to each other."""
    if name == "clap-app":
        return app_workspace(dest)
    members, features = WORKSPACES[name]
    dest.mkdir(parents=True)
    patch = []
    for folder, prefix in members.items():
        found = sorted(DEBIAN.glob(f"{prefix}*"))
        if not found:
            raise SystemExit(f"{prefix}* is not in {DEBIAN}: apt-get install "
                             f"librust-{folder.replace('_', '-')}-dev")
        shutil.copytree(found[-1], dest / folder)
        patch.append(f'{folder} = {{ path = "{folder}" }}')
    (dest / "Cargo.toml").write_text(
        "[workspace]\nmembers = [" + ", ".join(f'"{m}"' for m in members) + ']\nresolver = "2"\n\n'
        "[patch.crates-io]\n" + "\n".join(patch) + "\n", encoding="utf-8")
    return dest, features


def cargo_home(base: Path) -> Path:
    home = base / "cargo-home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "debian"\n\n'
        f'[source.debian]\ndirectory = "{DEBIAN}"\n', encoding="utf-8")
    return home


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", default="clap-app",
                        choices=[*WORKSPACES, "clap-app", "mixed"])
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--report", type=Path, help="also write the cold audit's report here")
    parser.add_argument("--corroborate-all", action="store_true",
                        help="also time a cold audit with legacy Polonius on every package "
                             "(by default it runs only where NLL or alpha reported an error)")
    parser.add_argument("--naive", choices=["wrapper", "rustflags"], default="wrapper",
                        help="wrapper (default): each role exactly as the audit runs it, in its "
                             "own target dir; rustflags: the role's compiler with its flags in "
                             "RUSTFLAGS for every crate (Polonius on the dependencies too)")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="ptriage-bench-audit-"))
    os.environ["PTRIAGE_CACHE_DIR"] = str(base / "cache")
    os.environ["CARGO_HOME"] = str(cargo_home(base))
    from checkers.audit import AuditOptions, run_audit
    from checkers.audit.runner import CargoEnv, compiler_of, plan_roles, run_cargo, wrapper_for
    from checkers.audit.workspace import read_tree, strip_dev_dependencies
    from checkers.sandbox import detect
    from checkers.toolchains import load_toolchains

    if args.workspace == "mixed":
        work = base / "mixed"
        shutil.copytree(REPO / "tests" / "data" / "workspaces" / "mixed", work)
        features: tuple[str, ...] = ()
    else:
        work, features = debian_workspace(args.workspace, base / args.workspace)
    tc = load_toolchains()
    sandbox, note = detect()
    print(f"workspace: {args.workspace} ({work}); sandbox: {sandbox.name} {note}".rstrip())
    print(f"stable: {tc.roles['stable'].version}; nightly: {tc.roles['nightly'].version}")

    # (a) naive: a plain copy (dev-dependencies dropped, as the audit does), four target dirs
    naive_ws = base / "naive-ws"
    shutil.copytree(work, naive_ws)
    for manifest in naive_ws.rglob("Cargo.toml"):
        manifest.write_text(strip_dev_dependencies(manifest.read_text()), encoding="utf-8")
    env = CargoEnv(sandbox=sandbox, cargo_home=Path(os.environ["CARGO_HOME"]),
                   scratch=base / "scratch", timeout=1800, memory_mb=8192, jobs=args.jobs)
    check = ["check", "--workspace", "--offline", "--message-format=json", "--keep-going"]
    if features:
        check += ["--features", ",".join(features)]
    naive_ms = 0
    plans, _problems = plan_roles(tc, nightly="control")
    for role in ("stable", "polonius", "polonius-legacy", "nightly"):
        if args.naive == "rustflags":
            # what a user would type: the role's compiler and flags for every crate
            info = tc.roles[role]
            compiler = compiler_of(info)
            assert compiler is not None, role
            extra = dict(info.env)
            extra["RUSTFLAGS"] = " ".join(info.flags)
            run = run_cargo(check, compiler=compiler, cwd=naive_ws, env_setup=env,
                            target_dir=base / f"naive-target-{role}", extra_env=extra)
        else:
            # the audit's own per-role work (same compiler, flags on members only), but each
            # role in its own empty target dir: only the dependency sharing differs
            plan = plans[role]
            run = run_cargo(check, compiler=plan.compiler, cwd=naive_ws, env_setup=env,
                            target_dir=base / f"naive-target-{role}", wrapper=wrapper_for(plan))
        naive_ms += run.elapsed_ms
        print(f"  naive {role:16} {run.elapsed_ms:7} ms  ({run.status})")
    print(f"(a) naive ({args.naive}), 4 roles:  {naive_ms:7} ms")

    opts = AuditOptions(offline=True, confirm=False, features=features, jobs=args.jobs)
    started = time.perf_counter()
    cold = run_audit(work, options=opts, toolchains=tc)
    cold_ms = int((time.perf_counter() - started) * 1000)
    print(f"(b) cold audit, 3 roles:         {cold_ms:7} ms   b/a = {cold_ms / naive_ms:.2f}"
          "   (goal ≤ 0.60)")
    print("     " + ", ".join(f"{k} {v} ms" for k, v in cold.phases.items()))
    ctl = AuditOptions(offline=True, confirm=False, features=features, jobs=args.jobs,
                       nightly="control")
    os.environ["PTRIAGE_CACHE_DIR"] = str(base / "cache-4-roles")  # cold: its own target dirs
    started = time.perf_counter()
    cold_ctl = run_audit(work, options=ctl, toolchains=tc)
    ctl_ms = int((time.perf_counter() - started) * 1000)
    os.environ["PTRIAGE_CACHE_DIR"] = str(base / "cache")
    print(f"(b') cold audit, 4 roles:        {ctl_ms:7} ms  b'/a = {ctl_ms / naive_ms:.2f}")
    if args.corroborate_all:
        every = dataclasses.replace(opts, corroborate="all")
        os.environ["PTRIAGE_CACHE_DIR"] = str(base / "cache-all")
        started = time.perf_counter()
        run_audit(work, options=every, toolchains=tc)
        all_ms = int((time.perf_counter() - started) * 1000)
        os.environ["PTRIAGE_CACHE_DIR"] = str(base / "cache")
        print(f"(b'') cold audit, 3 roles, legacy on every package (--corroborate all): "
              f"{all_ms} ms  b''/a = {all_ms / naive_ms:.2f}")

    started = time.perf_counter()
    warm = run_audit(work, options=opts, toolchains=tc)
    warm_ms = int((time.perf_counter() - started) * 1000)
    assert warm.cached and warm.records == cold.records
    print(f"(c) warm re-audit (result cache): {warm_ms:6} ms   c/b = {warm_ms / cold_ms:.3f}"
          "   (goal ≤ 0.10)")
    started = time.perf_counter()
    replay = run_audit(work, options=AuditOptions(offline=True, confirm=False, features=features,
                                                  jobs=args.jobs, cache=False), toolchains=tc)
    replay_ms = int((time.perf_counter() - started) * 1000)
    same = [r["verdict"] for r in replay.records] == [r["verdict"] for r in cold.records]
    print(f"(c') re-audit, no result cache:   {replay_ms:6} ms  c'/b = {replay_ms / cold_ms:.3f}"
          f"   (verdicts identical: {same})")

    # (d) every member edited; the audit re-checks members per role; plain cargo check once.
    tree = read_tree(work)
    members = sorted({p["manifest"].rsplit("/", 1)[0] if "/" in p["manifest"] else "."
                      for p in cold.packages})
    plain_target = base / "plain-target"
    stable = compiler_of(tc.roles["stable"])
    assert stable is not None
    run_cargo(check, compiler=stable, cwd=naive_ws, env_setup=env, target_dir=plain_target)

    def edit(mark: str) -> None:
        for folder in members:
            roots = [ws / folder for ws in (work, naive_ws)]
            for src in [root / name for root in roots
                        for name in ("src/lib.rs", "src/main.rs", "build.rs")]:
                if src.is_file():
                    src.write_text(src.read_text() + f"\n// edited by bench_audit {mark}\n",
                                   encoding="utf-8")

    edit("1")
    plain = run_cargo(check, compiler=stable, cwd=naive_ws, env_setup=env,
                      target_dir=plain_target)
    edited = run_audit(work, options=opts, toolchains=tc)
    assert read_tree(work).digest != tree.digest
    print(f"(d) every member edited (src/lib.rs, src/main.rs, build.rs); plain `cargo check` "
          f"(deps built): {plain.elapsed_ms} ms")
    phases = ", ".join(f"{k} {v} ms" for k, v in edited.phases.items())
    print(f"    audit re-check, roles side by side: {edited.elapsed_ms} ms ({phases})")
    n_roles = len(edited.roles)
    cargo_ms = edited.phases.get("dependency pass", 0) + edited.phases.get("roles", 0)
    print(f"    its cargo work per role (dependency pass + roles) / {n_roles}: "
          f"{cargo_ms / n_roles:.0f} ms   ratio {cargo_ms / n_roles / plain.elapsed_ms:.2f}"
          "   (goal ≤ 1.30)")
    for role, outcome in edited.roles.items():
        if outcome.status == "skipped":
            print(f"      {role:16} skipped: {outcome.errors[0] if outcome.errors else ''}")
            continue
        print(f"      {role:16} cargo run {outcome.elapsed_ms:6} ms   rustc in members "
              f"{outcome.member_ms} ms wall, {outcome.member_cpu_ms} ms CPU")
    # one cargo at a time: each role's own re-check, uncontended, against plain -j1
    edit("2")
    serial = dataclasses.replace(opts, jobs=1)
    env1 = dataclasses.replace(env, jobs=1)
    plain1 = run_cargo(check, compiler=stable, cwd=naive_ws, env_setup=env1,
                       target_dir=plain_target)
    alone = run_audit(work, options=serial, toolchains=tc)
    dep_pass = alone.phases.get("dependency pass", 0)
    print(f"    one cargo at a time (--jobs 1; plain -j1: {plain1.elapsed_ms} ms), the "
          f"dependency pass ({dep_pass} ms: the edited build scripts and proc macros, once for "
          "every role) shared out:")
    for role, outcome in alone.roles.items():
        if outcome.status == "skipped":
            print(f"      {role:16} skipped (not needed)")
            continue
        own = outcome.elapsed_ms + dep_pass / len(alone.roles)
        print(f"      {role:16} {outcome.elapsed_ms:6} ms + {dep_pass / len(alone.roles):.0f} ms"
              f"   ratio {own / plain1.elapsed_ms:.2f}   (goal ≤ 1.30)")
    print("verdicts (cold audit):", dict(sorted(
        {v: sum(1 for r in cold.records if r["verdict"] == v)
         for v in {r["verdict"] for r in cold.records}}.items())))
    print("4-role audit roles:", {r: o.status for r, o in cold_ctl.roles.items()})
    for role, outcome in cold_ctl.roles.items():
        for err in outcome.errors[:2]:
            print(f"  {role}: {err}")
    if args.report is not None:
        cold.write_report(args.report)
        print(f"report: {args.report}")
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
