"""`peek-then-advance-cursor`: Peek first, then re-derive the cursor from itself.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    LOOP_KINDS,
    enclosing,
)
from checkers.patterns.catalog import _FULL_TAIL, CURSOR_UNCONFIRMABLE, CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector

ID = "peek-then-advance-cursor"

ENTRY = CatalogEntry(
        "peek-then-advance-cursor", "Peek first, then re-derive the cursor from itself", "FULL",
        "pattern", "flow-sensitive cursor iteration (#46859, #48001, #57165, #63908)",
        "A linked-list cursor is tested through a shared peek (as_ref().map_or(..)) and then "
        "advanced with `cursor = &mut cursor.as_mut().unwrap().next`, instead of advancing "
        "through the `while let Some(node) = cursor` binding with an early break. "
        + _FULL_TAIL,
        "https://github.com/rust-lang/rust-project-goals/blob/main/src/2025h2/polonius.md",
    unconfirmable=CURSOR_UNCONFIRMABLE)

QUERY = r"""; peek-then-advance-cursor (catalog 2.10): `cursor = &mut cursor.as_mut().unwrap().next`.
(assignment_expression
  left: (identifier) @cursor
  right: (reference_expression
    (mutable_specifier)
    value: (field_expression
      value: (call_expression
        function: (field_expression
          value: (call_expression
            function: (field_expression
              value: (identifier) @receiver
              field: (field_identifier) @as_mut))
          field: (field_identifier) @unwrap))))
  (#eq? @cursor @receiver)
  (#any-of? @as_mut "as_mut" "as_deref_mut")
  (#any-of? @unwrap "unwrap" "expect")) @assign
"""

PLAN = Plan(statement, (b"as_mut", b"as_deref_mut"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/peek-then-advance-cursor/",
    "tests/checkers/patterns/data/positive/peek_expect.rs",
)


@detector("peek-then-advance-cursor")
def detect(ctx: Context, matches: list[Captures]) -> None:
    for caps in matches:
        assign = _one(caps, "assign")
        if assign is None:
            continue
        loop = enclosing(assign, LOOP_KINDS, stop=frozenset({"function_item",
                                                            "closure_expression"}))
        if loop is not None:
            ctx.add("peek-then-advance-cursor", loop)
