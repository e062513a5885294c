"""The new-style fixtures (issue 11): each is a real workaround, proven by the compiler."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkers.engine import check_source
from checkers.patterns import CATALOG, detect
from checkers.toolchains import load_toolchains
from tests.checkers.patterns.pattern_fixtures import expected_ids, style_fixtures

STYLES = style_fixtures()


def test_there_are_at_least_thirty_style_fixtures() -> None:
    assert len(STYLES) >= 30
    for id_, workaround, direct in STYLES:
        assert direct.is_file(), f"{workaround} has no direct form"
        assert expected_ids(workaround.read_text()) == {id_}


@pytest.mark.parametrize("direct", [d for _i, _w, d in STYLES], ids=lambda p: p.stem)
def test_direct_forms_report_nothing(direct: Path) -> None:
    assert detect(direct.read_text()).all == ()


@pytest.mark.toolchains
@pytest.mark.parametrize(("id_", "workaround", "direct"), STYLES,
                         ids=[w.stem for _i, w, _d in STYLES])
def test_style_fixture_is_a_real_workaround(id_: str, workaround: Path, direct: Path) -> None:
    toolchains = load_toolchains()
    kept = check_source(workaround.read_text(), edition="2021", toolchains=toolchains,
                        patterns=False)
    assert kept.verdict == "clean", kept.reason
    triage = check_source(direct.read_text(), edition="2021", toolchains=toolchains,
                          patterns=False)
    assert not triage.checks["stable"].accepted
    assert all(d.borrowck for d in triage.checks["stable"].errors)
    if CATALOG[id_].cls == "P3":
        assert triage.verdict == "polonius-accepts" and triage.corroborated
    else:
        assert triage.verdict == "both-reject"


@pytest.mark.parametrize(("id_", "workaround"), [(i, w) for i, w, _d in STYLES],
                         ids=[w.stem for _i, w, _d in STYLES])
def test_style_fixture_is_detected(id_: str, workaround: Path) -> None:
    """Recall on shapes the first fixtures never showed (written before the detectors changed:
    20/36 then; tests/bench/bench_patterns_real.py prints the figure)."""
    assert id_ in {f.id for f in detect(workaround.read_text()).all}
