"""One home per catalog id: each rule module holds its entry, query, plan, detector, rewrite and
fixture references, and the registries are filled from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from tree_sitter import Query

from checkers.patterns import CATALOG, EPOCH_IDS, PATTERN_IDS
from checkers.patterns._scopes import PLANS
from checkers.patterns._tree import QUERIES, language
from checkers.patterns.detectors import DETECTORS
from checkers.patterns.rewrite import REWRITERS
from checkers.patterns.rules import RULES

REPO = Path(__file__).resolve().parents[3]


def test_every_catalog_id_has_exactly_one_module() -> None:
    assert [rule.ID for rule in RULES] == list(CATALOG)
    assert set(PATTERN_IDS) | set(EPOCH_IDS) == set(CATALOG)
    for rule in RULES:
        assert rule.__name__.rsplit(".", 1)[-1] == rule.ID.replace("-", "_")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_a_rule_module_registers_everything_it_owns(rule: object) -> None:
    id_ = rule.ID  # type: ignore[attr-defined]
    assert CATALOG[id_] is rule.ENTRY  # type: ignore[attr-defined]
    assert QUERIES[id_] == rule.QUERY and PLANS[id_] is rule.PLAN  # type: ignore[attr-defined]
    Query(language(), rule.QUERY)  # type: ignore[attr-defined]
    assert DETECTORS[id_] is rule.detect  # type: ignore[attr-defined]
    direct_form = getattr(rule, "direct_form", None)
    assert REWRITERS.get(id_) is direct_form
    if rule.ENTRY.kind == "pattern":  # type: ignore[attr-defined]
        # an id without a mechanical direct form says why its findings stay candidates
        assert bool(rule.ENTRY.unconfirmable) == (direct_form is None)  # type: ignore[attr-defined]
    assert rule.FIXTURES  # type: ignore[attr-defined]
    for path in rule.FIXTURES:  # type: ignore[attr-defined]
        assert (REPO / path).exists(), path
