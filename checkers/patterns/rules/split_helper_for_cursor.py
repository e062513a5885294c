"""`split-helper-for-cursor`: Move get-or-create out of a cursor loop into a helper.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import _SELF_CALL, Plan, _self_reassignment
from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    descendants,
    enclosing,
    enclosing_fn,
    has_mut_self,
    method_name,
)
from checkers.patterns.catalog import _FULL_TAIL, CURSOR_UNCONFIRMABLE, CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector

ID = "split-helper-for-cursor"

ENTRY = CatalogEntry(
        "split-helper-for-cursor", "Move get-or-create out of a cursor loop into a helper", "FULL",
        "pattern", "NLL problem case #3 inside a loop that reassigns the cursor (#47680)",
        "The loop only assigns `node = node.child_or_insert(..)`, and the helper re-finds the "
        "child by index, because inlining the get-or-create match into the cursor loop is "
        "rejected. Polonius alpha accepts a helper with the direct match inside (so the index "
        "trick in the helper can go), but the split itself must stay. " + _FULL_TAIL,
        "https://github.com/rust-lang/rust/issues/47680",
    unconfirmable=CURSOR_UNCONFIRMABLE)

QUERY = r"""; split-helper-for-cursor (catalog 2.9): `cursor = cursor.helper(..)` in a loop, where the
; helper (Python finds its definition) re-finds the child and returns `&mut`.
(assignment_expression
  left: (identifier) @cursor
  right: (call_expression
    function: (field_expression
      value: (identifier) @receiver
      field: (field_identifier) @helper))
  (#eq? @cursor @receiver)) @assign
"""

PLAN = Plan(_self_reassignment, regex=_SELF_CALL)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/split-helper-for-cursor/",
)


REFIND = frozenset({"position", "rposition", "binary_search", "binary_search_by",
                    "binary_search_by_key", "contains_key", "contains", "is_some", "is_none",
                    "any"})


@detector("split-helper-for-cursor")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        assign, helper = _one(caps, "assign"), _one(caps, "helper")
        if assign is None or helper is None:
            continue
        fn = enclosing_fn(assign)
        loop = enclosing(assign, LOOP_KINDS, stop=frozenset({"function_item"}))
        if fn is None or loop is None:
            continue
        for definition in ctx.functions_named(src.text(helper)):
            if definition.id == fn.id or not has_mut_self(definition, src):
                continue
            ret = definition.child_by_field_name("return_type")
            if ret is None or ret.type != "reference_type" or "mut" not in src.text(ret):
                continue
            if _refinds(definition, src):
                ctx.add("split-helper-for-cursor", assign)
                break


def _refinds(fn: Node, src: Source) -> bool:
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    for call in descendants(body, frozenset({"call_expression"})):
        name = method_name(call, src)
        if name in REFIND or name.startswith(("push", "insert", "entry", "or_insert")):
            return True
    return False
