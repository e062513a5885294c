"""An ICE is an ICE whether it came first or second: a compiler that reported an internal
compiler error and then hung until the time limit is an `ice`, not a `timeout` (cold and warm
scans, under load or not, must agree)."""

from __future__ import annotations

import dataclasses
import stat
import textwrap
from pathlib import Path

import pytest

from checkers.batch import Case, ScanStats, scan_iter
from checkers.engine import check_source
from checkers.toolchains import load_toolchains
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.toolchains

#: Answers -vV like a nightly, passes the flag probe, then on real work reports an ICE, writes
#: rustc's ICE file and hangs (as a panicking rustc printing its query stack can).
ICE_THEN_HANG = """#!/bin/sh
case "$1" in
  --print) dirname "$(dirname "$0")"; exit 0;;
  -vV) printf 'rustc 1.97.0-nightly (fake 2026-05-19)\\nbinary: rustc\\ncommit-hash: fake\\ncommit-date: 2026-05-19\\nhost: x86_64-unknown-linux-gnu\\nrelease: 1.97.0-nightly\\n'; exit 0;;
esac
for last; do :; done
case "$last" in
  *probe.rs) exit 0;;
  *pc3.rs) exit 1;;
esac
echo "error: internal compiler error: compiler/rustc_borrowck/src/polonius/legacy/mod.rs:7: boom" >&2
touch rustc-ice-2026-05-19T00_00_00-1.txt
sleep 30
exit 101
"""  # noqa: E501


def _toolchains(tmp_path: Path):  # type: ignore[no-untyped-def]
    fake = tmp_path / "ice-then-hang-rustc"
    fake.write_text(ICE_THEN_HANG)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    config = tmp_path / "toolchains.toml"
    config.write_text(textwrap.dedent(f"""
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
        [roles.polonius-legacy]
        rustc = "{fake}"
        polonius = "legacy"
        [roles.nightly]
        toolchain = "nightly"
        polonius = "off"
    """))
    tc = load_toolchains(config)
    return dataclasses.replace(tc, limits=dataclasses.replace(tc.limits, timeout=1.5))


def test_ice_before_the_time_limit_is_an_ice(tmp_path: Path) -> None:
    tc = _toolchains(tmp_path)
    source = (EXAMPLES / "entry-owned-key" / "direct.rs").read_text()
    legacy = check_source(source, toolchains=tc, patterns=False).checks["polonius-legacy"]
    assert legacy.status == "ice", legacy.error
    assert "boom" in legacy.error


def test_cold_and_warm_scans_agree_on_the_ice(tmp_path: Path) -> None:
    tc = _toolchains(tmp_path)
    source = (EXAMPLES / "entry-owned-key" / "direct.rs").read_text()
    statuses = []
    for _ in range(2):
        stats = ScanStats()
        (triage,) = scan_iter([Case(source)], toolchains=tc, patterns=False, stats=stats)
        statuses.append(triage.checks["polonius-legacy"].status)
    assert statuses == ["ice", "ice"]
