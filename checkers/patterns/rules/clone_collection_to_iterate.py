"""`clone-collection-to-iterate`: Clone a collection field to iterate it.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _mut_self_copying
from checkers.patterns._tree import (
    Source,
    call_args,
    contains,
    descendants,
    enclosing_fn,
    find_binding,
    has_mut_self,
    method_name,
    receiver,
)
from checkers.patterns.catalog import _NLL_RFC, _NONE_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    _statement_of,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, rewriter

ID = "clone-collection-to-iterate"

ENTRY = CatalogEntry(
        "clone-collection-to-iterate", "Clone a collection field to iterate it", "NONE",
        "pattern", "iterating a field while calling a &mut self method",
        "The loop iterates a clone of self.field so its body may call &mut self methods; "
        "iterating by reference conflicts with those calls. " + _NONE_TAIL,
        _NLL_RFC)

QUERY = r"""; clone-collection-to-iterate (catalog 2.13, NONE): iterate a copy of a field so the loop
; body may call `&mut self` methods.
(for_expression
  value: (call_expression
    function: (field_expression
      value: (field_expression value: (self) field: (field_identifier) @field)
      field: (field_identifier) @method))
  body: (block) @body
  (#any-of? @method "clone" "to_vec" "to_owned")) @for

(for_expression
  value: (call_expression
    function: [
      (field_expression field: (field_identifier) @method)
      (generic_function function: (field_expression field: (field_identifier) @method))])
  body: (block) @body
  (#eq? @method "collect")) @for_collect

(for_expression
  value: (identifier) @local
  body: (block) @body) @for_local

; the copy bound to a local, iterated by reference or through an iterator adapter
(for_expression
  value: (reference_expression value: (identifier) @local)
  body: (block) @body) @for_local

(for_expression
  value: (call_expression
    function: (field_expression value: (identifier) @local field: (field_identifier) @iter))
  body: (block) @body
  (#any-of? @iter "iter" "iter_mut" "into_iter" "drain")) @for_local

; `copy.into_iter().for_each(|x| self.m(x))`
(call_expression
  function: (field_expression
    value: (call_expression
      function: (field_expression value: (identifier) @local field: (field_identifier) @iter))
    field: (field_identifier) @each)
  arguments: (arguments (closure_expression body: (_) @body))
  (#any-of? @iter "iter" "iter_mut" "into_iter" "drain")
  (#eq? @each "for_each")) @for_local
"""

PLAN = Plan(per_fn=_mut_self_copying, tokens=(b"for",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/clone-collection-to-iterate/",
    "tests/checkers/patterns/data/positive/clone_iter_collect.rs",
)


_COPY_ENDS = frozenset({"clone", "to_vec", "to_owned"})


_COPY_STEPS = frozenset({"cloned", "copied", "to_owned", "to_string", "clone"})


def _copied_field(value: Node | None, src: Source) -> bool:
    """A copy of a `self` field made to be iterated: `self.F.clone()`, `self.F[a..].to_vec()`,
    or any adapter chain over `self.F` that copies its items and ends in `collect()`
    (`self.F.keys().cloned().collect()`, `self.F.iter().filter(..).cloned().collect()`,
    `self.F.iter().map(|x| x.name.clone()).collect()`)."""
    if value is None or value.type != "call_expression":
        return False
    method = method_name(value, src)
    if method in _COPY_ENDS:
        base = _field_base(receiver(value), src)
        return base is not None
    if method != "collect":
        return False
    seen_copy = False
    cur = receiver(value)
    while cur is not None and cur.type == "call_expression":
        step = method_name(cur, src)
        if step in _COPY_STEPS or (step in ("map", "filter_map", "flat_map")
                                   and ".clone()" in src.text(cur)):
            seen_copy = True
        cur = receiver(cur)
    return seen_copy and _field_base(cur, src) is not None


def _field_base(node: Node | None, src: Source) -> Node | None:
    """`self.F` itself, or sliced (`self.F[1..]`, `&self.F[..n]`): the field being copied."""
    while node is not None and node.type in ("reference_expression", "parenthesized_expression",
                                             "index_expression"):
        node = node.named_children[0] if node.named_children else None
    if node is not None and node.type == "field_expression" and src.text(node).startswith(
            "self.") and src.norm(node).count(".") == 1:
        return node
    return None


@detector("clone-collection-to-iterate")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        loop = _one(caps, "for") or _one(caps, "for_collect") or _one(caps, "for_local")
        body = _one(caps, "body")
        if loop is None or body is None:
            continue
        fn = enclosing_fn(loop)
        if fn is None or not has_mut_self(fn, src):
            continue
        value = loop.child_by_field_name("value")
        if "for_local" in caps:
            local = _one(caps, "local")
            binding = find_binding(src.text(local), loop, src) if local is not None else None
            value = binding.value if binding is not None and binding.kind == "let" else None
        if not _copied_field(value, src):
            continue
        if _calls_mut_self_method(ctx, body, src):
            ctx.add("clone-collection-to-iterate", _statement_of(loop) if loop.type ==
                    "call_expression" else loop)


def _calls_mut_self_method(ctx: Context, body: Node, src: Source) -> bool:
    for call in descendants(body, frozenset({"call_expression"})):
        rec = receiver(call)
        if rec is None or rec.type != "self":
            continue
        defs = ctx.functions_named(method_name(call, src))
        if defs and all(not has_mut_self(d, src) for d in defs):
            continue  # only `&self` methods of that name: iterating by reference would do
        return True
    return False


@rewriter("clone-collection-to-iterate")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    """Iterate the field itself instead of its copy (the compiler then shows whether the copy is
    needed: a real conflict every checker rejects, class NONE).

    `for x in self.F.clone()` / `.to_vec()` / `.to_owned()` → `for x in self.F.iter().cloned()`
    (same item type); `let L = <chain over self.F>.collect(); for x in L` → the chain inlined
    into the loop; iterated by reference (`&L`, `L.iter()`) with a `.cloned()`/`.copied()` step
    → the chain without that step (items stay references)."""
    loop = _find(src, hit.start, {"for_expression", "expression_statement"})
    if loop is None or loop.type != "for_expression":
        return None
    value = loop.child_by_field_name("value")
    if value is None:
        return None
    if value.type == "call_expression" and method_name(value, src) in ("clone", "to_vec",
                                                                         "to_owned"):
        rec = receiver(value)
        if rec is None:
            return None
        return [(value.start_byte, value.end_byte, f"{src.text(rec)}.iter().cloned()")]
    by_ref = False
    local = value
    if value.type == "reference_expression" and "mut" not in src.text(value).split()[0]:
        local, by_ref = value.named_children[-1], True
    elif value.type == "call_expression" and method_name(value, src) == "iter" and \
            not call_args(value):
        rec = receiver(value)
        if rec is None:
            return None
        local, by_ref = rec, True
    elif value.type == "call_expression" and method_name(value, src) == "into_iter":
        rec = receiver(value)
        if rec is None:
            return None
        local = rec
    if local.type != "identifier":
        return None
    fn = enclosing_fn(loop)
    let = _single_use_let(src.text(local), loop, fn, src)
    if let is None:
        return None
    chain = let.child_by_field_name("value")
    if chain is None or chain.type != "call_expression":
        return None
    if method_name(chain, src) in ("clone", "to_vec", "to_owned"):
        rec = receiver(chain)
        if rec is None:
            return None
        inline = f"{src.text(rec)}.iter()" + ("" if by_ref else ".cloned()")
    elif method_name(chain, src) == "collect":
        inner = receiver(chain)
        if inner is None:
            return None
        if by_ref:
            # drop the copying step: `.cloned()` / `.copied()` right before collect
            if inner.type != "call_expression" or method_name(inner, src) not in ("cloned",
                                                                                  "copied"):
                return None
            base = receiver(inner)
            if base is None:
                return None
            inline = src.text(base)
        else:
            inline = src.text(inner)
    else:
        return None
    return [(let.start_byte, let.end_byte, ""), (value.start_byte, value.end_byte, inline)]


def _single_use_let(name: str, loop: Node, fn: Node | None, src: Source) -> Node | None:
    """The `let name = ..;` right before `loop` in the same block, `name` used by the loop only."""
    if fn is None:
        return None
    prev = loop.parent.prev_named_sibling if loop.parent is not None and \
        loop.parent.type == "expression_statement" else loop.prev_named_sibling
    while prev is not None and prev.type in ("line_comment", "block_comment"):
        prev = prev.prev_named_sibling
    if prev is None or prev.type != "let_declaration":
        return None
    pattern = prev.child_by_field_name("pattern")
    if pattern is None or pattern.type != "identifier" or src.text(pattern) != name:
        return None
    body = fn.child_by_field_name("body")
    uses = [n for n in descendants(body, frozenset({"identifier"}))
            if src.text(n) == name and n.start_byte > prev.end_byte] if body is not None else []
    if len(uses) != 1 or not contains(loop.child_by_field_name("value") or loop, uses[0]):
        return None
    return prev
