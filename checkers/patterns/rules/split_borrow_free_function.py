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
    method_name,
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


_NOT_A_SPLIT = re.compile(r"(^|::)(swap|replace|take|polonius|drop|forget|read|write|from|new|"
                          r"new_unchecked|addr_of|addr_of_mut)$")


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


#: Methods whose result does not borrow the receiver (a Copy or owned value). A `let` bound to
#: one of them, or to a plain field read, holds no borrow of the other field (measured on real
#: code, those made most false candidates).
_OWNED_RESULTS = frozenset({"len", "is_empty", "capacity", "count", "clone", "cloned", "copied",
                            "to_owned", "to_string", "to_vec", "hash", "min", "max", "sum",
                            "unwrap_or_default", "is_some", "is_none", "contains", "contains_key",
                            "swap_remove", "remove", "pop", "pop_front", "pop_back", "take",
                            "replace", "split_off"})


def _borrows(value: Node | None, src: Source) -> bool:
    """Whether a `let` value may keep a borrow of the field it reads (`&self.f`, `self.f.iter()`,
    `self.f.notified()`); not a Copy read (`self.f[i].hash`, `self.f.len()`)."""
    if value is None:
        return False
    if value.type == "reference_expression":
        return True
    if value.type == "try_expression" and value.named_children:
        value = value.named_children[0]
    if value.type != "call_expression":
        return False
    return method_name(value, src) not in _OWNED_RESULTS


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
                value = stmt.child_by_field_name("value")
                m = other.match(src.norm(value))
                pattern = stmt.child_by_field_name("pattern")
                if not m or m.group(2) == mine or pattern is None or not _borrows(value, src):
                    continue
                name = src.text(pattern).removeprefix("mut ").strip()
                later = src.data[call.end_byte:anc.end_byte].decode("utf-8", "replace")
                if re.search(r"(?<![\w.])" + re.escape(name) + r"\b", later):
                    return True
        if anc.id == fn.id:
            return False
        child = anc
    return False
