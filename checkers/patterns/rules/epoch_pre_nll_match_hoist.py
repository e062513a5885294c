"""`epoch-pre-nll-match-hoist`: Early return in a match arm, insert hoisted after it.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from checkers.patterns._scopes import Plan, _match_statement
from checkers.patterns._tree import (
    descendants,
    enclosing_fn,
    method_name,
    receiver,
    returns_borrow,
)
from checkers.patterns.catalog import _NLL_RFC, CatalogEntry
from checkers.patterns.detectors import MUTATORS, Captures, Context, _one, detector

ID = "epoch-pre-nll-match-hoist"

ENTRY = CatalogEntry(
        "epoch-pre-nll-match-hoist", "Early return in a match arm, insert hoisted after it",
        "epoch", "epoch", "pre-NLL lexical lifetimes (NLL problem case #2)",
        "`match map.get_mut(k) { Some(v) => { ..; return; } None => {} }` followed by "
        "`map.insert(..)` was needed before NLL; since NLL the insert can live in the None arm.",
        _NLL_RFC, parent="epoch-pre-nll-scope-block")

QUERY = r"""; epoch-pre-nll-match-hoist: `match m.get_mut(k) { Some(v) => { ..; return; } None => {} }`
; followed by the mutation that NLL would have allowed in the `None` arm.
(expression_statement
  (match_expression
    value: (call_expression
      function: (field_expression
        value: (_) @map
        field: (field_identifier) @method))
    body: (match_block))
  (#any-of? @method "get_mut" "get")) @stmt
"""

PLAN = Plan(_match_statement, (b"match",), root_only=True)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/checkers/patterns/data/positive/epoch_scope_and_rebind.rs",
)


@detector("epoch-pre-nll-match-hoist")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        stmt, coll = _one(caps, "stmt"), _one(caps, "map")
        if stmt is None or coll is None:
            continue
        match = stmt.named_children[0]
        body = match.child_by_field_name("body")
        arms = [a for a in (body.named_children if body is not None else [])
                if a.type == "match_arm"]
        returning = empty = False
        for arm in arms:
            value = arm.child_by_field_name("value")
            if value is None or value.type != "block":
                continue
            kids = [k for k in value.named_children if k.type not in ("line_comment",
                                                                      "block_comment")]
            if not kids:
                empty = True
            elif kids[-1].type == "expression_statement" and kids[-1].named_children and (
                    kids[-1].named_children[0].type == "return_expression"):
                ret = kids[-1].named_children[0]
                fn = enclosing_fn(ret)
                # `return v` of the looked-up borrow is problem case #3, which NLL did not fix.
                returning = not ret.named_children or fn is None or not returns_borrow(fn, src)
        if not (returning and empty):
            continue
        nxt = stmt.next_named_sibling
        while nxt is not None and nxt.type in ("line_comment", "block_comment"):
            nxt = nxt.next_named_sibling
        if nxt is None:
            continue
        place = src.norm(coll)
        if any(method_name(c, src) in MUTATORS and (rec := receiver(c)) is not None
               and src.norm(rec) == place
               for c in descendants(nxt, frozenset({"call_expression"}))):
            ctx.add("epoch-pre-nll-match-hoist", stmt, nxt)
