"""`epoch-pre-nll-temp-rebind`: Move a &mut cursor into a temporary before using it.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _rebind_let
from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    descendants,
    enclosing,
    find_binding,
)
from checkers.patterns.catalog import _NLL_RFC, CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector

ID = "epoch-pre-nll-temp-rebind"

ENTRY = CatalogEntry(
        "epoch-pre-nll-temp-rebind", "Move a &mut cursor into a temporary before using it",
        "epoch", "epoch", "pre-NLL lexical lifetimes (NLL problem case #4)",
        "`let here = list;` moves a &mut cursor into a temporary before borrowing through it, the "
        "old workaround for reassigning the cursor later in the loop. Since NLL the cursor can be "
        "used directly.",
        _NLL_RFC, parent="epoch-pre-nll-scope-block")

QUERY = r"""; epoch-pre-nll-temp-rebind: `let here = list;` moving a `&mut` cursor into a temporary
; before borrowing through it (NLL problem case #4).
(let_declaration
  pattern: (identifier) @new
  value: (identifier) @old) @let
"""

PLAN = Plan(_rebind_let, (b"let",), root_only=True)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/checkers/patterns/data/positive/epoch_scope_and_rebind.rs",
)


@detector("epoch-pre-nll-temp-rebind")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        let, old = _one(caps, "let"), _one(caps, "old")
        if let is None or old is None:
            continue
        loop = enclosing(let, LOOP_KINDS, stop=frozenset({"function_item", "closure_expression"}))
        body = loop.child_by_field_name("body") if loop is not None else None
        if loop is None or body is None:
            continue
        name = src.text(old)
        reassigned = any(
            a.start_byte > let.end_byte and src.text(a.child_by_field_name("left")) == name
            for a in descendants(body, frozenset({"assignment_expression"})))
        if not reassigned:
            continue
        # Only a `&mut` cursor is problem case #4: integer swaps and moves of owned values are
        # ordinary code (measured on real crates), so an unknown binding is not reported.
        if _mut_ref_binding(name, loop, src, hops=2):
            ctx.add("epoch-pre-nll-temp-rebind", let)


def _mut_ref_binding(name: str, at: Node, src: Source, *, hops: int) -> bool:
    """Whether `name` is bound to a `&mut` reference (its type, its value, or a `&mut` param it
    was copied from, up to `hops` plain `let a = b;` steps)."""
    binding = find_binding(name, at, src)
    if binding is None:
        return False
    if binding.kind == "param":
        ty = binding.node.child_by_field_name("type")
        return ty is not None and ty.type == "reference_type" and "mut" in src.text(ty)
    if binding.kind != "let":
        return False
    ty = binding.node.child_by_field_name("type")
    value = binding.value
    if ty is not None:
        return ty.type == "reference_type" and "mut" in src.text(ty)
    if value is None:
        return False
    if value.type == "reference_expression":
        return "mut" in src.text(value).split()[0]
    if value.type == "identifier" and hops > 0:
        return _mut_ref_binding(src.text(value), binding.node, src, hops=hops - 1)
    return False
