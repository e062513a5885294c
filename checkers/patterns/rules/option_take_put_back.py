"""`option-take-put-back`: Take a field out, call self methods, put it back.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _mut_self
from checkers.patterns._tree import (
    Source,
    ancestors,
    descendants,
    enclosing_fn,
    has_mut_self,
    receiver,
    same,
)
from checkers.patterns.catalog import _NLL_RFC, _NONE_TAIL, CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, _statement_of, detector

ID = "option-take-put-back"

ENTRY = CatalogEntry(
        "option-take-put-back", "Take a field out, call self methods, put it back", "NONE",
        "pattern", "whole-self method call while a field is borrowed (disjoint fields across "
        "functions)",
        "The field is moved out with Option::take / mem::take so &mut self methods can be called "
        "while working on it, then restored. " + _NONE_TAIL,
        _NLL_RFC,
    unconfirmable="no mechanical direct form: the direct form calls a `&mut self` method while a field is "
        "borrowed, which every checker rejects; nothing for the compiler to prove removable")

QUERY = r"""; option-take-put-back (catalog 2.12, NONE): move a field out, call `self` methods, put it back.
(call_expression
  function: (field_expression
    value: (field_expression value: (self) field: (field_identifier) @field)
    field: (field_identifier) @take)
  arguments: (arguments) @args
  (#eq? @take "take")) @take_call

(call_expression
  function: [(identifier) @func (scoped_identifier name: (identifier) @func)]
  arguments: (arguments
    .
    (reference_expression
      (mutable_specifier)
      value: (field_expression value: (self) field: (field_identifier) @field)))
  (#any-of? @func "take" "replace")) @take_call
"""

PLAN = Plan(per_fn=_mut_self, tokens=(b"take", b"replace"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/option-take-put-back/",
    "tests/checkers/patterns/data/positive/take_mem_take.rs",
)


@detector("option-take-put-back")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        take, fld = _one(caps, "take_call"), _one(caps, "field")
        args = _one(caps, "args")
        if take is None or fld is None or (args is not None and args.named_children):
            continue
        fn = enclosing_fn(take)
        if fn is None or not has_mut_self(fn, src) or not _is_bound(take):
            continue
        place = f"self.{src.text(fld)}"
        body = fn.child_by_field_name("body")
        if body is None:
            continue
        # put back: the field is assigned the value taken out (a name bound from the take),
        # not a fresh value (measured on real code: state machines replace fields that way)
        names = _bound_names(take, src)
        restore = next((a for a in descendants(body, frozenset({"assignment_expression"}))
                        if a.start_byte > take.end_byte
                        and src.norm(a.child_by_field_name("left")) == place
                        and _mentions(a.child_by_field_name("right"), names, src)), None)
        if restore is None:
            continue
        between = any(
            (rec := receiver(c)) is not None and rec.type == "self"
            and take.end_byte <= c.start_byte < restore.start_byte
            for c in descendants(body, frozenset({"call_expression"})))
        if between:
            ctx.add("option-take-put-back", _statement_of(take), restore)


def _is_bound(node: Node) -> bool:
    """Whether the value of `node` is bound by `let`, `if let`/`while let` or a `match`."""
    cur = node
    for anc in ancestors(node):
        if anc.type in ("let_declaration", "let_condition", "match_expression"):
            return same(anc.child_by_field_name("value"), cur)
        if anc.type not in ("call_expression", "field_expression", "try_expression",
                            "arguments"):
            return False
        cur = anc
    return False


def _bound_names(take: Node, src: Source) -> set[str]:
    """The names the taken value is bound to (`let subcommands = mem::take(..)` → subcommands)."""
    cur = take
    for anc in ancestors(take):
        if anc.type in ("let_declaration", "let_condition") and same(
                anc.child_by_field_name("value"), cur):
            pattern = anc.child_by_field_name("pattern")
            return {src.text(n) for n in descendants(pattern, frozenset({"identifier"}))} \
                if pattern is not None else set()
        if anc.type == "match_expression":
            body = anc.child_by_field_name("body")
            return {src.text(n) for arm in (body.named_children if body is not None else [])
                    for n in descendants(arm.child_by_field_name("pattern") or arm,
                                         frozenset({"identifier"}))}
        cur = anc
    return set()


def _mentions(node: Node | None, names: set[str], src: Source) -> bool:
    return node is not None and any(src.text(n) in names
                                    for n in descendants(node, frozenset({"identifier"})))
