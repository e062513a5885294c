"""Batch bisection does not multiply timeouts: a looping snippet is isolated once, its siblings re-run
without it, and every sibling's result is what a check of it alone gives."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from checkers import batching
from checkers.batch import ScanStats, check_batch, iter_cases_from_paths, scan_iter
from checkers.engine import run_role
from checkers.snippet import prepare
from checkers.toolchains import Toolchains, load_toolchains

LOOPER = textwrap.dedent("""
    #[allow(long_running_const_eval)]
    pub const SPIN: u64 = {
        let mut i: u64 = 0;
        loop { i = i.wrapping_add(1); if i == 0 { break; } }
        i
    };
""")


def _siblings(count: int) -> list[str]:
    out = []
    for n in range(count):
        if n % 3 == 0:  # a borrow error
            out.append(f"pub fn f{n}() {{ let mut v = vec![{n}]; let r = &v; v.push(1); r.len(); }}\n")
        elif n % 3 == 1:  # a type error
            out.append(f"pub fn g{n}() -> u32 {{ \"{n}\" }}\n")
        else:
            out.append(f"pub fn h{n}(x: &mut Vec<u32>) {{ x.push({n}); }}\n")
    return out


@pytest.fixture
def short_timeout(tmp_path: Path) -> Toolchains:
    path = tmp_path / "toolchains.toml"
    path.write_text(textwrap.dedent("""
        [limits]
        timeout = 5
        [roles.stable]
        toolchain = "stable"
        [roles.polonius]
        toolchain = "nightly"
        polonius = "next"
    """))
    return load_toolchains(path)


def _outcome(result: object) -> tuple[str, bool | None, list[str | None]]:
    from checkers.model import CheckResult

    assert isinstance(result, CheckResult)
    return result.status, result.accepted, [d.code for d in result.errors]


@pytest.mark.toolchains
@pytest.mark.parametrize("heuristic", [True, False], ids=["suspect-first", "sqrt-split"])
def test_one_looping_snippet_times_out_a_bounded_number_of_times(
        short_timeout: Toolchains, heuristic: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not heuristic:
        # The looper is not recognisable from its text: the general path must stay bounded too.
        monkeypatch.setattr(batching, "_HANG_SUSPECT", re.compile(r"(?!x)x"))
    sources = _siblings(20)
    sources.insert(13, LOOPER)
    snippets = [prepare(s, edition="2021") for s in sources]
    info = short_timeout.roles["stable"]
    counters: dict[str, int] = {}
    results = check_batch(info, snippets, toolchains=short_timeout, counters=counters)
    assert results[13].status == "timeout"
    # halving would time out once per level (5 levels for 21 snippets) plus the solo run
    assert counters["timeouts"] == (2 if heuristic else 3), counters
    assert counters["rustc_runs"] <= (4 if heuristic else 16), counters
    for index, snippet in enumerate(snippets):
        if index != 13:
            alone = run_role(info, snippet, short_timeout)
            assert _outcome(results[index]) == _outcome(alone), index


@pytest.mark.toolchains
def test_folder_scan_with_a_looping_file(short_timeout: Toolchains, tmp_path: Path) -> None:
    folder = tmp_path / "snippets"
    folder.mkdir()
    for n, source in enumerate(_siblings(20)):
        (folder / f"s{n:02}.rs").write_text(source)
    (folder / "spin.rs").write_text(LOOPER)
    stats = ScanStats()
    cases = list(iter_cases_from_paths([folder]))
    triages = {t.origin["path"].rsplit("/", 1)[-1]: t  # type: ignore[index]
               for t in scan_iter(cases, toolchains=short_timeout, jobs=1, cache=False,
                                  patterns=False, stats=stats)}
    assert len(triages) == 21
    assert triages["spin.rs"].verdict == "toolchain-error"
    assert {c.status for c in triages["spin.rs"].checks.values()} == {"timeout"}
    roles = len(short_timeout.roles)
    # per role: the batch run and the solo run of the looper time out, nothing else
    assert stats.timeouts == 2 * roles, stats
    for n in range(20):
        expected = ("both-reject" if n % 3 == 0 else "other-error" if n % 3 == 1 else "clean")
        assert triages[f"s{n:02}.rs"].verdict == expected, n
