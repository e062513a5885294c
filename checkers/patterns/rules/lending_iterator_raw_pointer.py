"""`lending-iterator-raw-pointer`: Filtering a GAT lending iterator through a raw pointer.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import _GAT, Plan, _gat_owner
from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    descendants,
    enclosing_fn,
)
from checkers.patterns.catalog import _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    _unsafe_of,
    detector,
    pointer_binding,
    pointer_origin,
)
from checkers.patterns.rewrite import Edit, _detach, rewriter

ID = "lending-iterator-raw-pointer"

ENTRY = CatalogEntry(
        "lending-iterator-raw-pointer", "Filtering a GAT lending iterator through a raw pointer",
        "P3", "pattern", "NLL problem case #3 in a loop with GAT items (#92985)",
        "A lending-iterator adapter (a trait with `type Item<'a>`) calls the inner lender through "
        "a raw pointer so each loop iteration's item is not tied to &mut self. Polonius accepts "
        "the plain `while let Some(item) = self.inner.next() { .. return Some(item) .. }` body "
        "(the separate GAT limitation on the predicate's bound remains). " + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/92985")

QUERY = r"""; lending-iterator-raw-pointer (catalog 2.8): an impl or trait with a generic associated
; type (the lending-iterator shape); Python looks for a raw-pointer loop in its methods.
(impl_item
  body: (declaration_list
    (type_item type_parameters: (type_parameters (lifetime_parameter))))) @owner

(trait_item
  body: (declaration_list
    (associated_type type_parameters: (type_parameters (lifetime_parameter))))) @owner
"""

PLAN = Plan(_gat_owner, regex=_GAT, root_only=True)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/lending-iterator-raw-pointer/",
    "tests/checkers/patterns/data/positive/adv_lending_while.rs",
)


@detector("lending-iterator-raw-pointer")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        owner = _one(caps, "owner")
        body = owner.child_by_field_name("body") if owner is not None else None
        if body is None:
            continue
        for fn in body.named_children:
            if fn.type != "function_item":
                continue
            for loop in descendants(fn, LOOP_KINDS):
                start = _lending_pointer(loop, src)
                if start is not None:
                    ctx.add("lending-iterator-raw-pointer", start, loop)
                    break
                if any(src.text(m.child_by_field_name("macro")) == "polonius_loop"
                       for m in descendants(loop, frozenset({"macro_invocation"}))):
                    ctx.add("lending-iterator-raw-pointer", loop)
                    break


def _lending_pointer(loop: Node, src: Source) -> Node | None:
    """The `let p: *mut I = &mut self.inner;` whose pointer the loop dereferences unsafely."""
    for deref in descendants(loop, frozenset({"unary_expression"})):
        kids = deref.named_children
        if not kids or kids[0].type != "identifier" or not src.text(deref).startswith("*"):
            continue
        if _unsafe_of(deref) is None:
            continue
        let = pointer_binding(kids[0], src)
        origin = pointer_origin(let.child_by_field_name("value"), src) if let else None
        if let is not None and origin is not None and src.text(origin).startswith("self"):
            return let
    return None


@rewriter("lending-iterator-raw-pointer")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    start = src.tree.root_node.descendant_for_byte_range(hit.start, hit.start)
    fn = enclosing_fn(start) if start is not None else None
    if fn is None:
        return None
    blocks = [b for b in descendants(fn, frozenset({"unsafe_block"}))
              if hit.start <= b.start_byte and b.end_byte <= hit.end]
    return _detach(src, fn, blocks) if blocks else None
