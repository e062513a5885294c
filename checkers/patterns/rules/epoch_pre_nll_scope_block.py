"""`epoch-pre-nll-scope-block`: Scope block that only ends a borrow.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _block_of_reference_let
from checkers.patterns._tree import (
    Source,
    descendants,
    method_name,
    root_path,
)
from checkers.patterns.catalog import _NLL_RFC, CatalogEntry
from checkers.patterns.detectors import MUTATORS, Captures, Context, _one, detector

ID = "epoch-pre-nll-scope-block"

ENTRY = CatalogEntry(
        "epoch-pre-nll-scope-block", "Scope block that only ends a borrow", "epoch", "epoch",
        "pre-NLL lexical lifetimes (NLL problem case #1)",
        "A bare `{ .. }` block ends a borrow before the borrowed value is used again. Since NLL "
        "(Rust 2018 / 1.31) borrows end at their last use, so the block is unnecessary, unless a "
        "binding has a Drop impl that holds the borrow (guards, writers), where it is still "
        "required.",
        _NLL_RFC)

QUERY = r"""; epoch-pre-nll-scope-block: a bare `{ .. }` statement that only exists to end a borrow.
(expression_statement (block) @block) @stmt
"""

PLAN = Plan(_block_of_reference_let, (b"let",), root_only=True)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-pre-nll-scope-block/",
    "tests/checkers/patterns/data/positive/epoch_scope_and_rebind.rs",
)


def _reference_let(let: Node) -> bool:
    value = let.child_by_field_name("value")
    ty = let.child_by_field_name("type")
    return (value is not None and value.type == "reference_expression") or (
        ty is not None and ty.type == "reference_type")


#: Calls whose result is a guard (or borrows from a temporary guard): a block ending it is
#: needed with any borrow checker, so it is no pre-NLL scope.
_GUARD_CALLS = frozenset({"lock", "read", "write", "try_lock", "try_read", "try_write",
                          "borrow", "borrow_mut", "pin", "enter", "upgradable_read", "lock_arc",
                          "read_arc", "write_arc", "guard", "span"})


def _holds_guard(let: Node, src: Source) -> bool:
    pattern = let.child_by_field_name("pattern")
    if pattern is not None and re.match(r"(mut\s+)?_\w", src.text(pattern)):
        return True  # `let _guard = ..` is kept alive on purpose
    value = let.child_by_field_name("value")
    if value is None:
        return False
    return any(method_name(c, src) in _GUARD_CALLS
               for c in descendants(value, frozenset({"call_expression"})))


def _conflict(place: str) -> str:
    """A use of `place` that a live shared borrow of it would forbid."""
    p = re.escape(place)
    return (rf"(?<![\w.])(?:&\s*mut\s+{p}\b|{p}\s*(?:[-+*/%|&^]|<<|>>)?=(?!=)|"
            rf"drop\s*\(\s*{p}\s*\)|{p}\s*\.\s*(?:{'|'.join(sorted(MUTATORS))})\s*\(|"
            rf"[(,]\s*{p}\s*[),]|{p}\s*(?:\[[^\]]*\]|\.\s*\w+)(?:\s*\.\s*\w+|\s*\[[^\]]*\])*"
            rf"\s*(?:[-+*/%|&^]|<<|>>)?=(?!=))")


@detector("epoch-pre-nll-scope-block")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        stmt, block = _one(caps, "stmt"), _one(caps, "block")
        if stmt is None or block is None or stmt.parent is None or stmt.parent.type != "block":
            continue
        if any(c.type == "label" for c in block.named_children):
            continue
        lets = [c for c in block.named_children if c.type == "let_declaration"]
        refs = [let for let in lets if _reference_let(let)]
        if not refs or any(_holds_guard(let, src) for let in lets):
            continue
        places: dict[str, bool] = {}  # place -> borrowed mutably
        for let in refs:
            value = let.child_by_field_name("value")
            if value is not None and value.type == "reference_expression":
                place = root_path(value, src)
                key = place.split(".")[0] if not place.startswith("self.") else place
                places[key] = places.get(key, False) or "mut" in src.text(value).split()[0]
        later = src.data[stmt.end_byte:stmt.parent.end_byte].decode("utf-8", "replace")
        # The block is pre-NLL only if code after it conflicts with the borrow it ends: any use
        # after a `&mut` borrow; a write, `&mut`, move or drop after a shared one (a later read
        # never conflicted, so such a block is just grouping).
        if not any(p and re.search(
                (r"(?<![\w.])" + re.escape(p) + r"\b") if mutable else _conflict(p), later)
                for p, mutable in places.items()):
            continue
        # A non-reference binding may be a guard whose Drop holds the borrow: then the block is
        # still needed, which tree-sitter cannot rule out.
        ctx.add("epoch-pre-nll-scope-block", stmt,
                confidence="high" if len(refs) == len(lets) else "low")
