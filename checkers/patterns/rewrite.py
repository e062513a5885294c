"""Mechanical rewrites of a found workaround back into its direct form (the proof by rewrite).

Each rewriter returns byte edits on the original source; `rewrite` applies them. Edits keep the
line count where they can (deleted statements leave their line behind), so diagnostics on the
rewritten source point at the user's lines. A rewriter returns None when the shape at hand has
no safe mechanical direct form; the compile check, not this module, decides whether it holds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from tree_sitter import Node

from checkers.model import Finding
from checkers.patterns._tree import (
    Source,
    call_args,
    contains,
    descendants,
    enclosing,
    enclosing_fn,
    flows_to_return,
    function_path,
    is_tail,
    method_name,
    receiver,
    same,
)
from checkers.patterns.detectors import CLONES, Hit, pointer_binding, pointer_origin

Edit = tuple[int, int, str]
Rewriter = Callable[[Source, Hit], list[Edit] | None]
REWRITERS: dict[str, Rewriter] = {}


def rewriter(id_: str) -> Callable[[Rewriter], Rewriter]:
    def register(func: Rewriter) -> Rewriter:
        REWRITERS[id_] = func
        return func
    return register


def rewrite(source: str, finding: Finding) -> str | None:
    """The full source with `finding`'s workaround turned back into the direct form, or None
    when no mechanical rewrite exists for it (or the finding is not in `source`)."""
    func = REWRITERS.get(finding.id)
    if func is None:
        return None
    from checkers.patterns import run_detectors, to_finding

    src, hits = run_detectors(source)
    hit = next((h for h in hits if h.id == finding.id and _same_span(to_finding(src, h), finding)),
               None)
    if hit is None:
        return None
    edits = func(src, hit)
    if not edits:
        return None
    out = _apply(src.data, edits)
    if out is None or out == src.data:
        return None
    return out.decode("utf-8", "surrogatepass")


def _same_span(a: Finding, b: Finding) -> bool:
    return (a.line, a.column, a.end_line, a.end_column) == (b.line, b.column, b.end_line,
                                                            b.end_column)


def _apply(data: bytes, edits: list[Edit]) -> bytes | None:
    ordered = sorted(set(edits), key=lambda e: (e[0], e[1]))
    for (_s1, e1, _), (s2, _, _) in itertools.pairwise(ordered):
        if s2 < e1:
            return None  # overlapping edits: the rewriter's assumptions do not hold here
    out = data
    for start, end, text in reversed(ordered):
        out = out[:start] + text.encode("utf-8", "surrogatepass") + out[end:]
    return out


def _find(src: Source, start: int, kinds: set[str], end: int | None = None) -> Node | None:
    """The node of one of `kinds` that starts at byte `start` (and ends at `end` if given)."""
    node: Node | None = src.tree.root_node.descendant_for_byte_range(start, start)
    while node is not None:
        if node.type in kinds and node.start_byte == start and (end is None
                                                                or node.end_byte == end):
            return node
        node = node.parent
    return None


def _fresh(name: str, scope: Node, src: Source) -> str:
    """`name`, or a variant not already used as an identifier inside `scope`."""
    used = {src.text(n) for n in descendants(scope, frozenset({"identifier"}))}
    candidate = name
    while candidate in used:
        candidate += "_"
    return candidate


def _unwrap_call(node: Node, src: Source) -> Node:
    """`x.unwrap()` / `x.expect(..)` around `node`, or `node` itself."""
    parent = node.parent
    if parent is not None and parent.type == "field_expression":
        call = parent.parent
        if call is not None and call.type == "call_expression" and method_name(
                call, src) in ("unwrap", "expect"):
            return call
    return node


# ------------------------------------------------------------------------- check-then-relookup

@rewriter("check-then-relookup")
def _check_then_relookup(src: Source, hit: Hit) -> list[Edit] | None:
    if_node = _find(src, hit.start, {"if_expression"})
    if if_node is None:
        return None
    cond = if_node.child_by_field_name("condition")
    then = if_node.child_by_field_name("consequence")
    if cond is None or then is None:
        return None
    if hit.variant == "recall":
        return _recall(src, if_node, cond, then)
    negated = False
    guard = cond
    if guard.type == "unary_expression" and src.text(guard).startswith("!"):
        negated, guard = True, guard.named_children[0]
    if guard.type != "call_expression":
        return None
    method = method_name(guard, src)
    rec = receiver(guard)
    if rec is None:
        return None
    if method == "contains_key" and len(call_args(guard)) == 1:
        place, key = rec, call_args(guard)[0]
    elif method in ("is_some", "is_none") and rec.type == "call_expression" and method_name(
            rec, src) in ("get", "get_mut") and receiver(rec) is not None:
        if method == "is_none":
            negated = not negated
        place, key = receiver(rec), call_args(rec)[0]  # type: ignore[assignment]
    elif method in ("is_some", "is_none") and rec.type == "call_expression":
        return _recall(src, if_node, cond, then) if not negated else None
    else:
        return None
    if hit.variant == "insert" or negated:
        return _insert_variant(src, hit, if_node, then, place, key)
    return _guard_variant(src, if_node, cond, then, place, key)


def _lookups(block: Node, place: str, key: str, src: Source) -> list[Node]:
    out = []
    for node in descendants(block, frozenset({"call_expression", "index_expression"})):
        if node.type == "call_expression":
            rec = receiver(node)
            args = call_args(node)
            if (method_name(node, src) in ("get", "get_mut") and rec is not None
                    and src.norm(rec) == place and len(args) == 1 and src.norm(args[0]) == key):
                out.append(node)
        else:
            kids = node.named_children
            if len(kids) == 2 and src.norm(kids[0]) == place and src.norm(kids[1]) in (
                    key, "&" + key, key.removeprefix("&")):
                out.append(node)
    return out


def _guard_variant(src: Source, if_node: Node, cond: Node, then: Node, place_node: Node,
                   key_node: Node) -> list[Edit] | None:
    place, key = src.norm(place_node), src.norm(key_node)
    found = _lookups(then, place, key, src)
    if not found:
        return None
    mutable = any(
        (n.type == "call_expression" and method_name(n, src) == "get_mut")
        or (n.type == "index_expression" and n.parent is not None
            and n.parent.type == "reference_expression" and "mut" in src.text(n.parent).split()[0])
        for n in found)
    name = ""
    edits: list[Edit] = []
    for node in found:
        outer = _unwrap_call(node, src) if node.type == "call_expression" else node
        let = outer.parent
        if (not name and let is not None and let.type == "let_declaration"
                and same(let.child_by_field_name("value"), outer)
                and (pat := let.child_by_field_name("pattern")) is not None
                and pat.type == "identifier" and let.parent is not None and same(let.parent, then)):
            name = src.text(pat)
            edits.append((let.start_byte, let.end_byte, ""))
            continue
    name = name or _fresh("found", if_node, src)
    for node in found:
        outer = _unwrap_call(node, src) if node.type == "call_expression" else node
        if any(e[0] == outer.parent.start_byte for e in edits if outer.parent is not None):
            continue
        if node.type == "index_expression":
            parent = node.parent
            if parent is not None and parent.type == "reference_expression":
                edits.append((parent.start_byte, parent.end_byte, name))
            else:
                edits.append((node.start_byte, node.end_byte, f"(*{name})"))
        elif outer.id != node.id:
            edits.append((outer.start_byte, outer.end_byte, name))
        else:
            return None  # an Option-valued lookup used as such: no mechanical equivalent
    getter = "get_mut" if mutable else "get"
    edits.append((cond.start_byte, cond.end_byte,
                  f"let Some({name}) = {src.text(place_node)}.{getter}({src.text(key_node)})"))
    return edits


def _insert_variant(src: Source, hit: Hit, if_node: Node, then: Node, place_node: Node,
                    key_node: Node) -> list[Edit] | None:
    if if_node.child_by_field_name("alternative") is not None:
        return None
    fn = enclosing_fn(if_node)
    if fn is None:
        return None
    place, key = src.norm(place_node), src.norm(key_node)
    body = fn.child_by_field_name("body")
    later = [n for n in _lookups(body, place, key, src) if n.start_byte >= if_node.end_byte
             and flows_to_return(n, fn, src)] if body is not None else []
    if not later:
        return None
    last = later[-1]
    mutable = (last.type == "call_expression" and method_name(last, src) == "get_mut") or (
        last.parent is not None and last.parent.type == "reference_expression"
        and "mut" in src.text(last.parent).split()[0])
    name = _fresh("found", if_node, src)
    getter = "get_mut" if mutable else "get"
    head = (f"if let Some({name}) = {src.text(place_node)}.{getter}({src.text(key_node)}) "
            f"{{ return {name}; }} ")
    return [(if_node.start_byte, then.start_byte, head)]


def _recall(src: Source, if_node: Node, cond: Node, then: Node) -> list[Edit] | None:
    fn = enclosing_fn(if_node)
    stmt = if_node.parent
    if fn is None or stmt is None or stmt.type != "expression_statement":
        return None
    returned = {src.norm(c) for c in descendants(then, frozenset({"call_expression"}))
                if flows_to_return(c, fn, src)}
    target = next((c for c in descendants(cond, frozenset({"call_expression"}))
                   if src.norm(c) in returned and receiver(c) is not None), None)
    if target is None:
        return None
    text = src.norm(target)
    name = _fresh("found", if_node, src)
    edits: list[Edit] = [(stmt.start_byte, stmt.start_byte, f"let {name} = {src.text(target)}; ")]
    seen: list[Node] = []
    for scope in (cond, then):
        for call in descendants(scope, frozenset({"call_expression"})):
            if src.norm(call) == text and not any(contains(s, call) for s in seen):
                seen.append(call)
                edits.append((call.start_byte, call.end_byte, name))
    return edits


# ---------------------------------------------------------------------------- entry-owned-key

@rewriter("entry-owned-key")
def _entry_owned_key(src: Source, hit: Hit) -> list[Edit] | None:
    chain = _find(src, hit.start, {"call_expression"}, hit.end)
    fn = enclosing_fn(chain) if chain is not None else None
    if chain is None or fn is None:
        return None
    entry = receiver(chain)
    if entry is None or entry.type != "call_expression":
        return None
    coll = receiver(entry)
    key = call_args(entry)[0] if len(call_args(entry)) == 1 else None
    if coll is None or key is None or coll.type not in ("identifier", "field_expression", "self"):
        return None
    if method_name(key, src) in ("to_owned", "to_string", "clone", "into", "to_vec"):
        borrowed = receiver(key)
    elif function_path(key, src).endswith("::from"):
        borrowed = call_args(key)[0]
    else:
        return None
    if borrowed is None:
        return None
    args = call_args(chain)
    method = method_name(chain, src)
    if method == "or_insert" and len(args) == 1:
        value = src.text(args[0])
    elif method == "or_insert_with" and len(args) == 1:
        value = f"({src.text(args[0])})()" if args[0].type not in (
            "identifier", "scoped_identifier") else f"{src.text(args[0])}()"
    elif method == "or_default" and not args:
        value = "Default::default()"
    else:
        return None
    m, k = src.text(coll), src.text(borrowed)
    name = _fresh("found", fn, src)
    steps = (f"if let Some({name}) = {m}.get_mut({k}) {{ return {name}; }} "
             f"{m}.insert({src.text(key)}, {value}); ")
    parent = chain.parent
    body = fn.child_by_field_name("body")
    if parent is not None and parent.type == "return_expression":
        return [(parent.start_byte, parent.end_byte,
                 f"{{ {steps}return {m}.get_mut({k}).unwrap() }}")]
    holder = parent if parent is not None and parent.type == "expression_statement" else chain
    if body is not None and same(holder.parent, body) and is_tail(holder, body):
        return [(chain.start_byte, chain.end_byte, f"{steps}{m}.get_mut({k}).unwrap()")]
    return None


# ------------------------------------------------------------------ index-instead-of-reference

@rewriter("index-instead-of-reference")
def _index_instead_of_reference(src: Source, hit: Hit) -> list[Edit] | None:
    stmt = _find(src, hit.start, {"expression_statement", "let_declaration", "if_expression"})
    if stmt is None:
        return None
    head = stmt.named_children[0] if stmt.type == "expression_statement" else stmt
    if head.type == "for_expression":
        return _enumerate_found(src, hit, stmt, head)
    shape = _position_branch(head, src)
    if shape is None:
        return None
    index, search, then = shape
    iter_call = receiver(search)
    if iter_call is None or iter_call.type != "call_expression" or method_name(
            iter_call, src) not in ("iter", "iter_mut"):
        return None
    coll = receiver(iter_call)
    closure = call_args(search)[0] if len(call_args(search)) == 1 else None
    if coll is None or closure is None or closure.type != "closure_expression":
        return None
    params = closure.child_by_field_name("parameters")
    body = closure.child_by_field_name("body")
    if params is None or body is None:
        return None
    plain = len(params.named_children) == 1 and params.named_children[0].type == "identifier"
    elem = src.text(params.named_children[0]) if plain else _fresh("elem", head, src)
    if plain:
        pred = src.text(body) if body.type != "block" else f"({src.text(body)})"
    else:
        pred = f"({src.text(closure)})(&*{elem})"
    reborrowed = _reborrow_by_element(src, then, src.norm(coll), index, elem,
                                      mutable=method_name(iter_call, src) == "iter_mut")
    if reborrowed is None:
        return None
    new_then, mutable = reborrowed
    iterator = f"{src.text(coll)}.{'iter_mut' if mutable else 'iter'}()"
    if method_name(search, src) == "rposition":
        iterator += ".rev()"
    text = f"for {elem} in {iterator} {{ if {pred} {new_then} }}"
    text += "\n" * max(0, src.text(head).count("\n") - text.count("\n"))  # keep the lines
    return [(head.start_byte, head.end_byte, text)]


def _position_branch(head: Node, src: Source) -> tuple[str, Node, Node] | None:
    """(index name, `X.iter().position(..)` call, branch) for the two shapes that branch on a
    found index and leave the branch only by returning:
    `if let Some(i) = X.iter().position(..) { .. }` and
    `match X.iter().position(..) { Some(i) => .., None => {} }`."""
    if head.type == "if_expression" and head.child_by_field_name("alternative") is None:
        cond = head.child_by_field_name("condition")
        then = head.child_by_field_name("consequence")
        if cond is None or then is None or cond.type != "let_condition":
            return None
        pattern, search = cond.child_by_field_name("pattern"), cond.child_by_field_name("value")
    elif head.type == "match_expression":
        search = head.child_by_field_name("value")
        body = head.child_by_field_name("body")
        arms = [a for a in (body.named_children if body is not None else [])
                if a.type == "match_arm"]
        if len(arms) != 2:
            return None
        some = next((a for a in arms if src.norm(a.child_by_field_name("pattern")).startswith(
            "Some(")), None)
        other = next((a for a in arms if a is not some), None)
        if some is None or other is None or src.norm(other.child_by_field_name(
                "pattern")) not in ("None", "_") or src.norm(other.child_by_field_name(
                "value")) not in ("{}", "()"):
            return None
        pattern, then = some.child_by_field_name("pattern"), some.child_by_field_name("value")
        if then is None:
            return None
    else:
        return None
    if (pattern is None or search is None or search.type != "call_expression"
            or method_name(search, src) not in ("position", "rposition")):
        return None
    names = [n for n in descendants(pattern, frozenset({"identifier"})) if src.text(n) != "Some"]
    if len(names) != 1 or src.norm(pattern) != f"Some({src.text(names[0])})":
        return None
    if then.type == "block" and then.named_children and is_tail(then.named_children[-1], then):
        return None  # the branch yields a value instead of returning: not a loop body
    if then.type != "block" and then.type != "return_expression":
        return None
    return src.text(names[0]), search, then


def _reborrow_by_element(src: Source, branch: Node, place: str, index: str, elem: str, *,
                         mutable: bool) -> tuple[str, bool] | None:
    """`branch` with every `X[index]` turned into the element `elem` (None when `index` is used
    any other way), as block text, and whether the element must be a mutable borrow."""
    edits: list[Edit] = []
    base = branch.start_byte
    for ident in descendants(branch, frozenset({"identifier"})):
        if src.text(ident) != index:
            continue
        idx = ident.parent
        if idx is None or idx.type != "index_expression" or src.norm(
                idx.named_children[0]) != place or not same(idx.named_children[1], ident):
            return None
        ref = idx.parent
        if ref is not None and ref.type == "reference_expression":
            mutable = mutable or "mut" in src.text(ref).split()[0]
            edits.append((ref.start_byte - base, ref.end_byte - base, elem))
        else:
            mutable = True
            edits.append((idx.start_byte - base, idx.end_byte - base, f"(*{elem})"))
    new = _apply(src.data[branch.start_byte:branch.end_byte], edits)
    if new is None:
        return None
    text = new.decode("utf-8", "surrogatepass")
    return (text if branch.type == "block" else f"{{ {text}; }}"), mutable


def _blank(src: Source, node: Node) -> Edit:
    """Delete `node` but keep its line breaks (diagnostics keep pointing at the user's lines)."""
    return node.start_byte, node.end_byte, "\n" * src.text(node).count("\n")


def _enumerate_found(src: Source, hit: Hit, stmt: Node, loop: Node) -> list[Edit] | None:
    """`let mut found = None; for (i, x) in X.iter().enumerate() { if c { found = Some(i);
    break; } } if let Some(j) = found { return &mut X[j]; }` → `for x in X.iter_mut() { if c
    { return x; } }`."""
    pattern, value, body = (loop.child_by_field_name(f) for f in ("pattern", "value", "body"))
    if pattern is None or value is None or body is None or pattern.type != "tuple_pattern":
        return None
    parts = pattern.named_children
    if len(parts) != 2 or parts[0].type != "identifier" or parts[1].type != "identifier":
        return None
    index, elem = src.text(parts[0]), src.text(parts[1])
    enum_rec = receiver(value)
    if method_name(value, src) != "enumerate" or enum_rec is None or call_args(value):
        return None
    if enum_rec.type == "call_expression" and method_name(enum_rec, src) in ("iter", "iter_mut"):
        coll = receiver(enum_rec)
    else:
        return None
    stmts = [c for c in body.named_children if c.type not in ("line_comment", "block_comment")]
    guard = stmts[0].named_children[0] if len(stmts) == 1 and stmts[0].named_children else None
    if guard is None or guard.type != "if_expression" or guard.child_by_field_name("alternative"):
        return None
    cond, then = guard.child_by_field_name("condition"), guard.child_by_field_name("consequence")
    if cond is None or then is None or coll is None:
        return None
    found = _found_holder(then, index, src)
    if found is None or any(src.text(n) == index for n in descendants(
            cond, frozenset({"identifier"}))):
        return None
    fn = enclosing_fn(loop)
    block = stmt.parent
    if fn is None or block is None:
        return None
    decl = next((c for c in block.named_children if c.type == "let_declaration"
                 and c.end_byte <= stmt.start_byte
                 and src.norm(c.child_by_field_name("pattern")).removeprefix("mut") == found
                 and src.norm(c.child_by_field_name("value")) == "None"), None)
    later = [c for c in block.named_children if c.start_byte >= stmt.end_byte
             and c.start_byte < hit.end]
    use = later[-1] if later else None
    head = use.named_children[0] if use is not None and use.named_children else None
    shape = _found_branch(head, found, src) if head is not None else None
    if decl is None or use is None or shape is None:
        return None
    j, branch = shape
    uses = [n for n in descendants(fn, frozenset({"identifier"})) if src.text(n) == found]
    if len(uses) != 3:  # the declaration, the assignment in the loop, the later `if let`
        return None
    reborrowed = _reborrow_by_element(src, branch, src.norm(coll), j, elem,
                                      mutable=method_name(enum_rec, src) == "iter_mut")
    if reborrowed is None:
        return None
    new_then, mutable = reborrowed
    iterator = f"{src.text(coll)}.{'iter_mut' if mutable else 'iter'}()"
    loop_text = f"for {elem} in {iterator} {{ if {src.text(cond)} {new_then} }}"
    # keep the line count: the loop absorbs the branch's lines, the blanked `if let` gives back
    excess = loop_text.count("\n") - src.text(stmt).count("\n")
    loop_text += "\n" * max(0, -excess)
    use_lines = max(0, src.text(use).count("\n") - max(0, excess))
    edits: list[Edit] = [_blank(src, decl), (use.start_byte, use.end_byte, "\n" * use_lines),
                         (stmt.start_byte, stmt.end_byte, loop_text)]
    if any(n.end_byte > stmt.end_byte for n in later[:-1]):
        return None  # statements between the loop and the use: keep their order, do not merge
    return edits


def _found_holder(then: Node, index: str, src: Source) -> str | None:
    """`found` for a branch that is exactly `{ found = Some(i); break; }`."""
    stmts = [c for c in then.named_children if c.type not in ("line_comment", "block_comment")]
    if len(stmts) != 2 or src.norm(stmts[1]) not in ("break;", "break"):
        return None
    assign = stmts[0].named_children[0] if stmts[0].named_children else None
    if assign is None or assign.type != "assignment_expression":
        return None
    left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
    if left is None or right is None or left.type != "identifier" or src.norm(
            right) != f"Some({index})":
        return None
    return src.text(left)


def _found_branch(head: Node, found: str, src: Source) -> tuple[str, Node] | None:
    """(index name, branch) for `if let Some(j) = found { .. }` whose branch only returns."""
    if head.type != "if_expression" or head.child_by_field_name("alternative") is not None:
        return None
    cond, then = head.child_by_field_name("condition"), head.child_by_field_name("consequence")
    if cond is None or then is None or cond.type != "let_condition":
        return None
    pattern = cond.child_by_field_name("pattern")
    if src.norm(cond.child_by_field_name("value")) != found or pattern is None:
        return None
    names = [n for n in descendants(pattern, frozenset({"identifier"})) if src.text(n) != "Some"]
    if len(names) != 1 or src.norm(pattern) != f"Some({src.text(names[0])})":
        return None
    if then.named_children and is_tail(then.named_children[-1], then):
        return None
    return src.text(names[0]), then


# -------------------------------------------------------------------------- clone-to-end-borrow

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
def _clone_to_end_borrow(src: Source, hit: Hit) -> list[Edit] | None:
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


# ------------------------------------------------- unsafe-lifetime-extension / lending iterator

#: Where an `unsafe { e }` block is an operand: its unwrapped `e` needs parentheses there.
_OPERAND_PARENTS = frozenset({
    "field_expression", "index_expression", "unary_expression", "type_cast_expression",
    "binary_expression", "try_expression", "reference_expression", "range_expression",
})


def _detach(src: Source, fn: Node, blocks: list[Node]) -> list[Edit] | None:
    """Undo a raw-pointer / transmute detachment inside `blocks` (unsafe blocks of `fn`)."""
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    inner_edits: dict[int, list[Edit]] = {}
    outer_edits: list[Edit] = []
    pointer_lets: dict[int, Node] = {}
    derefs: list[tuple[Node, Node]] = []
    for block in blocks:
        for node in descendants(block, frozenset({"unary_expression"})):
            kids = node.named_children
            if kids and kids[0].type == "identifier" and src.text(node).startswith("*"):
                let = pointer_binding(kids[0], src)
                if let is not None and pointer_origin(let.child_by_field_name("value"), src):
                    pointer_lets[let.id] = let
    # every use of a removed pointer anywhere in the function must be a deref we rewrite
    for let in pointer_lets.values():
        name = src.text(let.child_by_field_name("pattern"))
        for ident in descendants(body, frozenset({"identifier"})):
            if src.text(ident) != name or ident.start_byte < let.end_byte:
                continue
            deref = ident.parent
            if deref is None or deref.type != "unary_expression" or not src.text(
                    deref).startswith("*"):
                return None
            derefs.append((deref, let))
    handled = {b.id for b in blocks}
    for deref, _ in derefs:
        outer = enclosing(deref, frozenset({"unsafe_block"}), stop=frozenset({"function_item"}))
        if outer is not None and outer.id not in handled:
            handled.add(outer.id)
            blocks = [*blocks, outer]
    for deref, let in derefs:
        value = let.child_by_field_name("value")
        origin = pointer_origin(value, src)
        if value is None or origin is None:
            return None
        stripped = value
        while stripped.type == "type_cast_expression":
            stripped = stripped.child_by_field_name("value") or stripped
        place_like = stripped.type == "reference_expression"
        target = deref
        parent = deref.parent
        if parent is not None and parent.type == "parenthesized_expression":
            target = parent
        grand = target.parent
        as_receiver = grand is not None and grand.type == "field_expression" and same(
            grand.child_by_field_name("value"), target)
        text = src.text(origin) if place_like or as_receiver else f"(*{src.text(origin)})"
        holder = enclosing(target, frozenset({"unsafe_block"}), stop=frozenset({"function_item"}))
        if holder is None:
            return None
        inner_edits.setdefault(holder.id, []).append((target.start_byte, target.end_byte, text))
    for block in blocks:
        for call in descendants(block, frozenset({"call_expression"})):
            path = function_path(call, src)
            if path.split("::")[-1] == "transmute" and len(call_args(call)) == 1:
                arg = call_args(call)[0]
                inner_edits.setdefault(block.id, []).append(
                    (call.start_byte, call.end_byte, src.text(arg)))
        for ref in descendants(block, frozenset({"reference_expression"})):
            casts = [c for c in descendants(ref, frozenset({"type_cast_expression"}))
                     if c.parent is not None and c.parent.type == "parenthesized_expression"]
            if not casts or not src.text(ref).replace(" ", "").startswith(("&mut*(", "&*(")):
                continue
            origin = pointer_origin(casts[0], src)
            value = casts[0].child_by_field_name("value")
            while value is not None and value.type == "type_cast_expression":
                value = value.child_by_field_name("value")
            if origin is None or value is None:
                return None
            mut = "mut " if "mut" in src.text(ref).split("*")[0] else ""
            text = src.text(value) if value.type == "reference_expression" else (
                f"&{mut}*{src.text(value)}")
            inner_edits.setdefault(block.id, []).append((ref.start_byte, ref.end_byte, text))
    for block in blocks:
        edits = inner_edits.get(block.id)
        if not edits:
            continue
        inner = block.named_children[0] if block.named_children else None
        if inner is None:
            return None
        rel = [(s - inner.start_byte, e - inner.start_byte, t) for s, e, t in edits]
        new_inner = _apply(src.data[inner.start_byte:inner.end_byte], rel)
        if new_inner is None:
            return None
        text = new_inner.decode("utf-8", "surrogatepass")
        stmts = [k for k in inner.named_children if k.type not in ("line_comment",
                                                                   "block_comment")]
        if len(stmts) == 1 and is_tail(stmts[0], inner):
            # a single-expression block: the expression itself, without `unsafe { }`
            text = text.strip()[1:-1].strip()
            if block.parent is not None and block.parent.type in _OPERAND_PARENTS and not (
                    text.isidentifier()):
                text = f"({text})"  # `unsafe { &mut *p }.field`: keep the operand whole
        outer_edits.append((block.start_byte, block.end_byte, text))
    for let in pointer_lets.values():
        outer_edits.append((let.start_byte, let.end_byte, ""))
    return outer_edits or None


@rewriter("unsafe-lifetime-extension")
def _unsafe_lifetime_extension(src: Source, hit: Hit) -> list[Edit] | None:
    block = _find(src, hit.start, {"unsafe_block"}, hit.end)
    fn = enclosing_fn(block) if block is not None else None
    if block is None or fn is None:
        return None
    return _detach(src, fn, [block])


@rewriter("lending-iterator-raw-pointer")
def _lending_iterator(src: Source, hit: Hit) -> list[Edit] | None:
    start = src.tree.root_node.descendant_for_byte_range(hit.start, hit.start)
    fn = enclosing_fn(start) if start is not None else None
    if fn is None:
        return None
    blocks = [b for b in descendants(fn, frozenset({"unsafe_block"}))
              if hit.start <= b.start_byte and b.end_byte <= hit.end]
    return _detach(src, fn, blocks) if blocks else None


# ------------------------------------------------------------------------------------ epochs

_SIMPLE_OPERAND = re.compile(r"[\w.:<>\[\]]*(\([^()]*\))?([\w.:<>\[\]]*(\([^()]*\))?)*")


@rewriter("epoch-try-macro")
def _try_macro(src: Source, hit: Hit) -> list[Edit] | None:
    text = src.data[hit.start:hit.end].decode("utf-8", "surrogatepass")
    open_at = text.find("(")
    if open_at < 0 or not text.endswith(")"):
        return None
    inner = text[open_at + 1:-1].strip()
    operand = inner if _SIMPLE_OPERAND.fullmatch(inner) else f"({inner})"
    return [(hit.start, hit.end, f"{operand}?")]


@rewriter("epoch-ellipsis-range-pattern")
def _ellipsis(src: Source, hit: Hit) -> list[Edit] | None:
    node = _find(src, hit.start, {"range_pattern"}, hit.end)
    if node is None:
        return None
    dots = next((c for c in node.children if c.type == "..."), None)
    return [(dots.start_byte, dots.end_byte, "..=")] if dots is not None else None


@rewriter("epoch-bare-trait-object")
def _bare_trait(src: Source, hit: Hit) -> list[Edit] | None:
    return [(hit.start, hit.start, "dyn ")]


@rewriter("epoch-extern-crate")
def _extern_crate(src: Source, hit: Hit) -> list[Edit] | None:
    decl = _find(src, hit.start, {"extern_crate_declaration"}, hit.end)
    if decl is None:
        return None  # attributes (`#[macro_use]`) in front: macros would need `use` lines
    name = decl.child_by_field_name("name")
    alias = decl.child_by_field_name("alias")
    if alias is not None:
        vis = next((c for c in decl.named_children if c.type == "visibility_modifier"), None)
        prefix = f"{src.text(vis)} " if vis is not None else ""
        return [(decl.start_byte, decl.end_byte,
                 f"{prefix}use {src.text(name)} as {src.text(alias)};")]
    return [(decl.start_byte, decl.end_byte, "")]



# ----------------------------------------------------------------- clone-collection-to-iterate

@rewriter("clone-collection-to-iterate")
def _clone_collection(src: Source, hit: Hit) -> list[Edit] | None:
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


# -------------------------------------------------------------- cps-callback-instead-of-return

@rewriter("cps-callback-instead-of-return")
def _cps_callback(src: Source, hit: Hit) -> list[Edit] | None:
    """Return the borrow instead of passing it to the callback.

    The callback parameter goes; the function returns the callback's parameter type (with a
    named lifetime on the first `&mut` parameter when elision would not pick it); each callback
    call `f(x)` that produces the function's value becomes `x`; every caller in the file gets
    the borrow back and applies its closure itself (`{ let p = with_x(..); body }`)."""
    fn = _find(src, hit.start, {"function_item"})
    if fn is None:
        return None
    callback = _callback_param(fn, src)
    if callback is None:
        return None
    param, name, signature, generic = callback
    sig_params = signature.child_by_field_name("parameters")
    borrowed = [p for p in sig_params.named_children] if sig_params is not None else []
    if len(borrowed) != 1 or borrowed[0].type != "reference_type":
        return None
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    edits: list[Edit] = []
    calls = [c for c in descendants(body, frozenset({"call_expression"}))
             if function_path(c, src) == name]
    if not calls:
        return None
    for call in calls:
        args = call_args(call)
        if len(args) != 1 or (not flows_to_return(call, fn, src) and not _tail_value(call, fn)):
            return None
        edits.append((call.start_byte, call.end_byte, src.text(args[0])))
    edits.append(_drop_param(param, src))
    ret_type = src.text(borrowed[0])
    lifetime = ""
    params = [p for p in (fn.child_by_field_name("parameters") or fn).named_children
              if p.type in ("parameter", "self_parameter") and not same(p, param)]
    has_self_ref = any(p.type == "self_parameter" and src.text(p).startswith("&") for p in params)
    refs = [p for p in params if p.type == "parameter" and _has_reference(p)]
    if not has_self_ref and len(refs) != 1:
        target = next((p for p in refs if "&mut" in src.text(p).replace(" ", "")), None)
        if target is None:
            return None
        ty = target.child_by_field_name("type")
        if ty is None or ty.type != "reference_type" or any(
                c.type == "lifetime" for c in ty.named_children):
            return None
        lifetime = "'cps"
        edits.append((ty.start_byte, ty.start_byte + 1, "&'cps "))
        ret_type = "&'cps " + ret_type[1:].lstrip()
    ret = fn.child_by_field_name("return_type")
    if ret is not None:
        edits.append((ret.start_byte, ret.end_byte, ret_type))
    else:
        params_node = fn.child_by_field_name("parameters")
        if params_node is None:
            return None
        edits.append((params_node.end_byte, params_node.end_byte, f" -> {ret_type}"))
    generics = _drop_generics(fn, src, {generic} | _generic_return(signature, fn, src) - {""},
                              lifetime)
    if generics is None:
        return None
    edits.extend(generics)
    fn_name = fn.child_by_field_name("name")
    index = [p for p in (fn.child_by_field_name("parameters") or fn).named_children
             if p.type == "parameter"].index(param)
    for caller in _callers(src, src.text(fn_name) if fn_name is not None else "", fn):
        edit = _rewrite_caller(caller, index, src)
        if edit is None:
            return None
        edits.append(edit)
    return edits


def _tail_value(call: Node, fn: Node) -> bool:
    """A unit function's tail, `f(x)` in an `if`/`match` arm at the end of the body."""
    return fn.child_by_field_name("return_type") is None


def _has_reference(param: Node) -> bool:
    ty = param.child_by_field_name("type")
    return ty is not None and ty.type == "reference_type"


def _callback_param(fn: Node, src: Source) -> tuple[Node, str, Node, str] | None:
    """(parameter, its name, the callback's function_type, its generic name or "")."""
    params = fn.child_by_field_name("parameters")
    bounds: dict[str, Node] = {}
    for node in descendants(fn.child_by_field_name("type_parameters") or fn,
                            frozenset({"type_parameter"})):
        if node.parent is not None and node.parent.type == "type_parameters":
            tname, tb = node.child_by_field_name("name"), node.child_by_field_name("bounds")
            ft = next(descendants(tb, frozenset({"function_type"})), None) if tb else None
            if tname is not None and ft is not None:
                bounds[src.text(tname)] = ft
    where = next((c for c in fn.named_children if c.type == "where_clause"), None)
    for pred in where.named_children if where is not None else []:
        left, tb = pred.child_by_field_name("left"), pred.child_by_field_name("bounds")
        ft = next(descendants(tb, frozenset({"function_type"})), None) if tb else None
        if left is not None and ft is not None:
            bounds[src.text(left)] = ft
    for param in params.named_children if params is not None else []:
        if param.type != "parameter":
            continue
        pattern, ty = param.child_by_field_name("pattern"), param.child_by_field_name("type")
        if pattern is None or ty is None:
            continue
        name = src.text(pattern).removeprefix("mut ").strip()
        inner = ty
        if inner.type == "reference_type":
            inner = inner.named_children[-1]
        if inner.type in ("abstract_type", "dynamic_type"):
            ft = next(descendants(inner, frozenset({"function_type"})), None)
            if ft is not None:
                return param, name, ft, ""
        if inner.type == "type_identifier" and src.text(inner) in bounds:
            return param, name, bounds[src.text(inner)], src.text(inner)
    return None


def _generic_return(signature: Node, fn: Node, src: Source) -> set[str]:
    """The callback's return type when it is one of the function's own type parameters."""
    ret = signature.child_by_field_name("return_type")
    if ret is None or ret.type != "type_identifier":
        return set()
    name = src.text(ret)
    tps = fn.child_by_field_name("type_parameters")
    own = {src.text(n) for n in descendants(tps, frozenset({"type_identifier"}))
           if n.parent is not None and n.parent.type == "type_parameter"} if tps else set()
    return {name} if name in own else set()


def _drop_param(param: Node, src: Source) -> Edit:
    """Delete a parameter with the comma that separates it from its neighbour."""
    start, end = param.start_byte, param.end_byte
    data = src.data
    after = end
    while after < len(data) and data[after:after + 1] in (b" ", b"\t", b"\n", b"\r"):
        after += 1
    if data[after:after + 1] == b",":
        return (start, after + 1, "")
    before = start
    while before > 0 and data[before - 1:before] in (b" ", b"\t", b"\n", b"\r"):
        before -= 1
    if data[before - 1:before] == b",":
        return (before - 1, end, "")
    return (start, end, "")


def _drop_generics(fn: Node, src: Source, names: set[str], lifetime: str) -> list[Edit] | None:
    """Remove type parameters `names` (and their where predicates); add `lifetime` if given."""
    tps = fn.child_by_field_name("type_parameters")
    kept: list[str] = [lifetime] if lifetime else []
    edits: list[Edit] = []
    if tps is not None:
        for child in tps.named_children:
            tname = child.child_by_field_name("name") if child.type == "type_parameter" else None
            if tname is not None and src.text(tname) in names:
                continue
            kept.append(src.text(child))
        text = f"<{', '.join(kept)}>" if kept else ""
        edits.append((tps.start_byte, tps.end_byte, text))
    elif kept:
        name = fn.child_by_field_name("name")
        if name is None:
            return None
        edits.append((name.end_byte, name.end_byte, f"<{', '.join(kept)}>"))
    where = next((c for c in fn.named_children if c.type == "where_clause"), None)
    if where is not None:
        preds = [p for p in where.named_children if p.type == "where_predicate"]
        left = [p for p in preds if src.text(p.child_by_field_name("left")) not in names]
        if len(left) != len(preds):
            text = ("where " + ", ".join(src.text(p) for p in left)) if left else ""
            edits.append((where.start_byte, where.end_byte, text))
    return edits


def _callers(src: Source, name: str, fn: Node) -> list[Node]:
    if not name:
        return []
    out = []
    for call in descendants(src.tree.root_node, frozenset({"call_expression"})):
        if contains(fn, call):
            continue
        path = function_path(call, src)
        if path == name or path.endswith("::" + name) or method_name(call, src) == name:
            out.append(call)
    return out


def _rewrite_caller(call: Node, index: int, src: Source) -> Edit | None:
    """`with_x(a, b, |p| body)` → `{ let p = with_x(a, b); body }`; `with_x(a, f)` → `f(with_x(a))`."""
    args = call_args(call)
    if index >= len(args):
        return None
    callback = args[index]
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return None
    rest = [src.text(a) for i, a in enumerate(args) if i != index]
    head = src.data[call.start_byte:arguments.start_byte].decode("utf-8", "surrogatepass")
    plain = f"{head}({', '.join(rest)})"
    closure = callback
    while closure.type in ("reference_expression",):
        closure = closure.named_children[-1]
    if closure.type == "closure_expression":
        cparams = closure.child_by_field_name("parameters")
        cbody = closure.child_by_field_name("body")
        names = [p for p in cparams.named_children] if cparams is not None else []
        if len(names) != 1 or cbody is None:
            return None
        return (call.start_byte, call.end_byte,
                f"{{ let {src.text(names[0])} = {plain}; {src.text(cbody)} }}")
    return (call.start_byte, call.end_byte, f"({src.text(callback)})({plain})")


# ---------------------------------------------------------------------- polonius-the-crab-call

_POLONIUS_MACRO = re.compile(rb"^polonius!\s*\(\s*\|\s*(\w+)\s*\|\s*(?:->[^{]*)?\{")
_POLONIUS_RETURN = re.compile(rb"polonius_return!\s*\(")
_UNSUPPORTED_MACROS = re.compile(rb"\b(polonius_break|polonius_break_dependent|polonius_continue|"
                                 rb"polonius_try|exit_polonius|polonius_loop)!")


@rewriter("polonius-the-crab-call")
def _polonius_the_crab(src: Source, hit: Hit) -> list[Edit] | None:
    """Undo the crate: `polonius!(|x| -> T { .. polonius_return!(v); .. })` → the closure body
    run on `x` itself with `return v;`; `match polonius(&mut X, |x| x.get_mut(k)) { Ok(v) => A,
    Err(x) => B }` → `match X.get_mut(k) { Some(v) => A, None => { let x = &mut X; B } }`."""
    if hit.variant == "use":
        return None
    node = _find(src, hit.start, {"macro_invocation", "call_expression"}, hit.end)
    if node is None:
        return None
    if node.type == "macro_invocation":
        return _polonius_macro(src, node)
    return _polonius_call(src, node)


def _polonius_macro(src: Source, macro: Node) -> list[Edit] | None:
    data = src.data[macro.start_byte:macro.end_byte]
    head = _POLONIUS_MACRO.match(data)
    if head is None or _UNSUPPORTED_MACROS.search(data):
        return None
    body_open = head.end() - 1
    depth, i = 0, body_open
    while i < len(data):
        depth += {0x7B: 1, 0x7D: -1}.get(data[i], 0)
        if depth == 0:
            break
        i += 1
    if depth != 0:
        return None
    body = data[body_open:i + 1]
    from checkers.patterns.epochs import matching_paren

    out = bytearray()
    at = 0
    for m in _POLONIUS_RETURN.finditer(body):
        if m.start() < at:
            return None
        close = matching_paren(body, m.end() - 1)
        out += body[at:m.start()] + b"return " + body[m.end():close - 1]
        at = close
    out += body[at:]
    return [(macro.start_byte, macro.end_byte, out.decode("utf-8", "surrogatepass"))]


def _polonius_call(src: Source, call: Node) -> list[Edit] | None:
    args = call_args(call)
    match = call.parent
    if len(args) != 2 or match is None or match.type != "match_expression" or not same(
            match.child_by_field_name("value"), call):
        return None
    place, closure = args
    if closure.type != "closure_expression":
        return None
    params = closure.child_by_field_name("parameters")
    body = closure.child_by_field_name("body")
    names = [p for p in params.named_children] if params is not None else []
    if len(names) != 1 or names[0].type != "identifier" or body is None:
        return None
    name = src.text(names[0])
    edits: list[Edit] = [(call.start_byte, call.end_byte,
                          f"{{ let {name} = {src.text(place)}; {src.text(body)} }}")]
    block = match.child_by_field_name("body")
    arms = [a for a in block.named_children if a.type == "match_arm"] if block else []
    if len(arms) != 2:
        return None
    for arm in arms:
        pattern, value = arm.child_by_field_name("pattern"), arm.child_by_field_name("value")
        if pattern is None or value is None:
            return None
        text = src.norm(pattern)
        inner = re.fullmatch(r"(Ok|Err)\((\w+)\)", text)
        if inner is None:
            return None
        if inner.group(1) == "Ok":
            edits.append((pattern.start_byte, pattern.end_byte, f"Some({inner.group(2)})"))
        else:
            edits.append((pattern.start_byte, pattern.end_byte, "None"))
            edits.append((value.start_byte, value.end_byte,
                          f"{{ let {inner.group(2)} = {src.text(place)}; {src.text(value)} }}"))
    return edits
