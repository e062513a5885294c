"""`clone-to-end-borrow`: Return owned copies so no borrow crosses an early return.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _owned_with_mut
from checkers.patterns._tree import (
    Source,
    call_args,
    descendants,
    enclosing_fn,
    find_binding,
    flows_to_return,
    has_mut_ref_param,
    has_mut_self,
    method_name,
    receiver,
    returns_borrow,
    root_path,
    strip_wrappers,
)
from checkers.patterns.catalog import _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    LOOKUPS,
    MUTATORS,
    Captures,
    Context,
    Hit,
    _collection,
    _one,
    _statement_of,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, rewriter

ID = "clone-to-end-borrow"

ENTRY = CatalogEntry(
        "clone-to-end-borrow", "Return owned copies so no borrow crosses an early return", "P3",
        "pattern", "NLL problem case #3, including `?` with a borrowed error (#123839)",
        "A &mut self method returns String/Vec/clones (or turns a borrowed error into an owned "
        "one with map_err) only so that no borrow is live across its early return. Under "
        "Polonius it can return the borrow itself (&str, &T, Result<_, &E>) and drop the clones. "
        + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/123839")

QUERY = r"""; clone-to-end-borrow (catalog 2.6).
; Form A: an early `return v.clone()` (or cloned/to_owned/to_string/to_vec).
(return_expression
  (call_expression
    function: (field_expression
      value: (_) @cloned
      field: (field_identifier) @method)
    (#any-of? @method "clone" "cloned" "to_owned" "to_string" "to_vec"))) @early_return

; Form B: `self.m().map_err(|e| e.to_owned())?` turning a borrowed error into an owned one.
(try_expression
  (call_expression
    function: (field_expression
      value: (call_expression) @inner
      field: (field_identifier) @map_err)
    arguments: (arguments . (closure_expression) @closure .))
  (#eq? @map_err "map_err")) @try
"""

PLAN = Plan(per_fn=_owned_with_mut, tokens=(b"clone", b"to_owned", b"to_string",
                                                            b"to_vec", b"map_err"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/clone-to-end-borrow/",
    "tests/checkers/patterns/data/positive/adv_clone_btree_getter.rs",
    "tests/checkers/patterns/data/positive/adv_clone_try_map_err.rs",
    "tests/checkers/patterns/data/positive/clone_vec_early.rs",
)


CLONES = frozenset({"clone", "cloned", "to_owned", "to_string", "to_vec"})


@detector("clone-to-end-borrow")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        early = _one(caps, "early_return")
        if early is not None:
            _ctb_early_return(ctx, early, _one(caps, "cloned"), src)
            continue
        try_node = _one(caps, "try")
        if try_node is not None:
            _ctb_try(ctx, try_node, _one(caps, "inner"), _one(caps, "closure"), src)


def _ctb_early_return(ctx: Context, early: Node, cloned: Node | None, src: Source) -> None:
    fn = enclosing_fn(early)
    if (cloned is None or fn is None or fn.child_by_field_name("return_type") is None
            or returns_borrow(fn, src) or not has_mut_ref_param(fn, src)):
        return
    base = strip_wrappers(cloned, src)
    if base.type == "unary_expression" and base.named_children:
        base = base.named_children[-1]
    if base.type != "identifier":
        return
    binding = find_binding(src.text(base), early, src)
    if binding is None or binding.value is None or binding.kind not in (
            "let_condition", "let", "match_arm"):
        return
    lookup = strip_wrappers(binding.value, src)
    if lookup.type != "call_expression" or method_name(lookup, src) not in LOOKUPS:
        return
    coll = _collection(lookup, src)
    if coll is None:
        return
    place = src.norm(coll)
    holder = _statement_of(binding.node)
    body = fn.child_by_field_name("body")
    if body is None:
        return
    mutated = False
    final: Node | None = None
    for node in descendants(body, frozenset({"call_expression", "assignment_expression",
                                             "compound_assignment_expr"})):
        if node.start_byte < holder.end_byte:
            continue
        if node.type == "call_expression":
            rec = receiver(node)
            if rec is None:
                continue
            if method_name(node, src) in MUTATORS and src.norm(rec) == place:
                mutated = True
            elif (method_name(node, src) in CLONES and root_path(rec, src) == place
                  and flows_to_return(node, fn, src)):
                final = node
        else:
            left = node.child_by_field_name("left")
            if left is not None and root_path(left, src) == place:
                mutated = True
    if mutated and final is not None:
        ctx.add("clone-to-end-borrow", holder, final, variant="clone")


def _ctb_try(ctx: Context, try_node: Node, inner: Node | None, closure: Node | None,
             src: Source) -> None:
    fn = enclosing_fn(try_node)
    if inner is None or closure is None or fn is None or returns_borrow(fn, src):
        return
    if not has_mut_self(fn, src):
        return
    rec = receiver(inner)
    if rec is None or rec.type != "self":
        return
    params = closure.child_by_field_name("parameters")
    body = closure.child_by_field_name("body")
    if params is None or body is None or len(params.named_children) != 1:
        return
    name = src.text(params.named_children[0])
    body_text = src.norm(body)
    if body_text not in {f"{name}.{m}()" for m in ("to_owned", "to_string", "into", "clone")} | {
            f"String::from({name})", f"{name}.to_string().into()"}:
        return
    method = method_name(inner, src)
    if not any(_returns_borrowed_error(m, src) for m in ctx.functions_named(method)):
        return
    stmt = _statement_of(try_node)
    block = stmt.parent
    if block is None:
        return
    later = src.data[stmt.end_byte:block.end_byte].decode("utf-8", "replace")
    if re.search(r"\bself\b", later):
        ctx.add("clone-to-end-borrow", try_node, variant="map_err")


def _returns_borrowed_error(fn: Node, src: Source) -> bool:
    ret = fn.child_by_field_name("return_type")
    if ret is None or ret.type != "generic_type":
        return False
    args = ret.child_by_field_name("type_arguments")
    kids = [k for k in args.named_children] if args is not None else []
    return len(kids) == 2 and kids[1].type == "reference_type"


def _borrowed_type(ty: Node, src: Source) -> str:
    text = src.text(ty)
    if text == "String":
        return "&str"
    if text == "PathBuf":
        return "&Path"
    if ty.type == "generic_type" and src.text(ty.child_by_field_name("type")) == "Vec":
        args = ty.child_by_field_name("type_arguments")
        if args is not None and len(args.named_children) == 1:
            return f"&[{src.text(args.named_children[0])}]"
    return f"&{text}"


@rewriter("clone-to-end-borrow")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    fn = enclosing_fn(src.tree.root_node.descendant_for_byte_range(hit.start, hit.start)
                      or src.tree.root_node)
    ret = fn.child_by_field_name("return_type") if fn is not None else None
    if fn is None or ret is None:
        return None
    if hit.variant == "map_err":
        return _map_err_variant(src, hit, fn, ret)
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    clones = [c for c in descendants(body, frozenset({"call_expression"}))
              if method_name(c, src) in CLONES and not call_args(c)
              and flows_to_return(c, fn, src)]
    if not clones:
        return None
    edits: list[Edit] = []
    all_cloned = all(method_name(c, src) == "cloned" for c in clones)
    for call in clones:
        rec = receiver(call)
        if rec is None:
            return None
        if method_name(call, src) == "cloned" or rec.type not in ("index_expression",
                                                                  "field_expression"):
            edits.append((call.start_byte, call.end_byte, src.text(rec)))
        else:
            edits.append((call.start_byte, call.end_byte, f"&{src.text(rec)}"))
    if all_cloned and ret.type == "generic_type" and src.text(
            ret.child_by_field_name("type")) == "Option":
        args = ret.child_by_field_name("type_arguments")
        if args is None or len(args.named_children) != 1:
            return None
        inner = args.named_children[0]
        edits.append((inner.start_byte, inner.end_byte, f"&{src.text(inner)}"))
    else:
        edits.append((ret.start_byte, ret.end_byte, _borrowed_type(ret, src)))
    return edits


def _map_err_variant(src: Source, hit: Hit, fn: Node, ret: Node) -> list[Edit] | None:
    try_node = _find(src, hit.start, {"try_expression"}, hit.end)
    if try_node is None or ret.type != "generic_type":
        return None
    call = try_node.named_children[0]
    inner = receiver(call)
    if inner is None:
        return None
    args = ret.child_by_field_name("type_arguments")
    if args is None or len(args.named_children) != 2:
        return None
    from checkers.patterns.detectors import Context

    ctx = Context(src, "2021")
    error_type = None
    for definition in ctx.functions_named(method_name(inner, src)):
        def_ret = definition.child_by_field_name("return_type")
        def_args = def_ret.child_by_field_name("type_arguments") if def_ret is not None else None
        if def_args is not None and len(def_args.named_children) == 2:
            error_type = src.text(def_args.named_children[1])
            break
    if error_type is None:
        return None
    err = args.named_children[1]
    return [(call.start_byte, call.end_byte, src.text(inner)),
            (err.start_byte, err.end_byte, error_type)]
