"""`cursor-reindex-in-loop`: Descend a tree by index instead of through iter_mut().

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from checkers.patterns._scopes import _REINDEX, Plan, statement
from checkers.patterns._tree import (
    LOOP_KINDS,
    enclosing,
    find_binding,
)
from checkers.patterns.catalog import _FULL_TAIL, CURSOR_UNCONFIRMABLE, CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, _statement_of, detector

ID = "cursor-reindex-in-loop"

ENTRY = CatalogEntry(
        "cursor-reindex-in-loop", "Descend a tree by index instead of through iter_mut()", "FULL",
        "pattern", "cursor reassignment to a child found by iter_mut() in a loop (#108704)",
        "The child's index is found with a shared borrow and the cursor re-borrowed by index "
        "(`level = &mut level[i].children`), because reassigning the cursor to the element found "
        "by iter_mut() inside a loop with break is rejected. " + _FULL_TAIL,
        "https://github.com/rust-lang/rust/issues/108704",
    unconfirmable=CURSOR_UNCONFIRMABLE)

QUERY = r"""; cursor-reindex-in-loop (catalog 2.11): `cursor = &mut cursor[i].children` in a loop.
(assignment_expression
  left: (identifier) @cursor
  right: (reference_expression
    (mutable_specifier)
    value: (field_expression
      value: (index_expression . (identifier) @receiver (_) @index)))
  (#eq? @cursor @receiver)) @assign
"""

PLAN = Plan(statement, regex=_REINDEX)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/cursor-reindex-in-loop/",
    "tests/checkers/patterns/data/positive/reindex_enumerate.rs",
)


_INDEX_SOURCE = re.compile(r"\.(position|rposition|binary_search\w*|enumerate)\s*\(")


@detector("cursor-reindex-in-loop")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        assign, index = _one(caps, "assign"), _one(caps, "index")
        if assign is None or index is None or index.type != "identifier":
            continue
        if enclosing(assign, LOOP_KINDS, stop=frozenset({"function_item"})) is None:
            continue
        binding = find_binding(src.text(index), assign, src)
        if binding is None or binding.value is None:
            continue
        value = binding.value
        if value.type == "identifier":
            # `let found = v.iter().position(..); match found { Some(i) => .. }`
            outer = find_binding(src.text(value), value, src)
            value = outer.value if outer is not None and outer.value is not None else value
        if not _INDEX_SOURCE.search(src.text(value)):
            continue
        start = _statement_of(binding.node) if binding.kind != "for" else binding.node
        if start.start_byte > assign.start_byte:
            start = assign
        ctx.add("cursor-reindex-in-loop", start, max(start.end_byte, assign.end_byte))
