"""`split-borrow-free-function`: Split a method into a free function over one field.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checkers.patterns._scopes import _MUT_SELF_FIELD, Plan, _mut_self
from checkers.patterns._tree import (
    Source,
    ancestors,
    enclosing_fn,
    has_mut_self,
    same,
)
from checkers.patterns.catalog import _NLL_RFC, _NONE_TAIL, CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector

ID = "split-borrow-free-function"

ENTRY = CatalogEntry(
        "split-borrow-free-function", "Split a method into a free function over one field",
        "NONE", "pattern", "disjoint fields across functions (NLL RFC appendix)",
        "A free or associated function receives `&mut self.field` so the borrow of another field "
        "stays visibly disjoint; a &mut self method would borrow all of self. " + _NONE_TAIL,
        _NLL_RFC,
    unconfirmable="no mechanical direct form: turning the free function back into a `&mut self` method "
        "changes its signature and every caller")

QUERY = r"""; split-borrow-free-function (catalog 2.14, NONE): a free/associated function handed
; `&mut self.field` while another field of `self` is borrowed.
(call_expression
  function: [(identifier) (scoped_identifier)] @func
  arguments: (arguments
    (reference_expression
      (mutable_specifier)
      value: (field_expression value: (self) field: (field_identifier) @field)))) @call
"""

PLAN = Plan(per_fn=_mut_self, regex=_MUT_SELF_FIELD)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/split-borrow-free-function/",
    "tests/checkers/patterns/data/positive/split_assoc_fn.rs",
)


_NOT_A_SPLIT = re.compile(r"(^|::)(swap|replace|take|polonius|drop|forget|read|write)$")


@detector("split-borrow-free-function")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        call, func, fld = _one(caps, "call"), _one(caps, "func"), _one(caps, "field")
        if call is None or func is None or fld is None or _NOT_A_SPLIT.search(src.norm(func)):
            continue
        fn = enclosing_fn(call)
        if fn is None or not has_mut_self(fn, src):
            continue
        mine = src.text(fld)
        if _other_field_live(call, mine, fn, src):
            ctx.add("split-borrow-free-function", call)


def _other_field_live(call: Node, mine: str, fn: Node, src: Source) -> bool:
    other = re.compile(r"^&?(mut)?self\.(\w+)")
    child = call
    for anc in ancestors(call):
        if anc.type == "for_expression" and same(anc.child_by_field_name("body"), child):
            m = other.match(src.norm(anc.child_by_field_name("value")))
            if m and m.group(2) != mine:
                return True
        if anc.type == "block":
            for stmt in anc.named_children:
                if stmt.start_byte >= child.start_byte or stmt.type != "let_declaration":
                    continue
                m = other.match(src.norm(stmt.child_by_field_name("value")))
                pattern = stmt.child_by_field_name("pattern")
                if not m or m.group(2) == mine or pattern is None:
                    continue
                name = src.text(pattern).removeprefix("mut ").strip()
                later = src.data[call.end_byte:anc.end_byte].decode("utf-8", "replace")
                if re.search(r"(?<![\w.])" + re.escape(name) + r"\b", later):
                    return True
        if anc.id == fn.id:
            return False
        child = anc
    return False
