"""`epoch-ellipsis-range-pattern`: `...` range pattern.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    Source,
)
from checkers.patterns.catalog import _EDITION_2021, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, rewriter

ID = "epoch-ellipsis-range-pattern"

ENTRY = CatalogEntry(
        "epoch-ellipsis-range-pattern", "`...` range pattern", "epoch", "epoch",
        "pre-1.26 pattern syntax",
        "`a...b` inclusive range patterns are a hard error since edition 2021 (E0783). Write "
        "`a..=b`.", _EDITION_2021)

QUERY = r"""; epoch-ellipsis-range-pattern: `a...b` inclusive range patterns (error since edition 2021).
(range_pattern "...") @hit
"""

PLAN = Plan(statement, (b"...",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-ellipsis-range-pattern/",
    "tests/checkers/patterns/data/positive/epoch_adv_2015_fn_ref.rs",
    "tests/checkers/patterns/data/positive/epoch_mix_2015.rs",
)


@detector("epoch-ellipsis-range-pattern")
def detect(ctx: Context, matches: list[Captures]) -> None:
    for caps in matches:
        hit = _one(caps, "hit")
        if hit is not None:
            ctx.add("epoch-ellipsis-range-pattern", hit)


@rewriter("epoch-ellipsis-range-pattern")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    node = _find(src, hit.start, {"range_pattern"}, hit.end)
    if node is None:
        return None
    dots = next((c for c in node.children if c.type == "..."), None)
    return [(dots.start_byte, dots.end_byte, "..=")] if dots is not None else None
