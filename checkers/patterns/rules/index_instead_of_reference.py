"""`index-instead-of-reference`: Find an index, then re-borrow by index.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _p3
from checkers.patterns._tree import (
    Source,
    ancestors,
    call_args,
    descendants,
    enclosing_fn,
    find_binding,
    flows_to_return,
    function_path,
    has_mut_ref_param,
    is_tail,
    method_name,
    receiver,
    returns_borrow,
    same,
)
from checkers.patterns.catalog import _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    ITERS,
    Captures,
    Context,
    Hit,
    _collection,
    _one,
    _statement_of,
    detector,
)
from checkers.patterns.rewrite import Edit, _apply, _find, _fresh, rewriter

ID = "index-instead-of-reference"

ENTRY = CatalogEntry(
        "index-instead-of-reference", "Find an index, then re-borrow by index", "P3", "pattern",
        "NLL problem case #3 inside a loop (#124254)",
        "The element is searched with a shared borrow (position, enumerate) and then borrowed a "
        "second time by index, because returning the element straight out of iter_mut() while "
        "pushing on a miss is rejected by NLL. Under Polonius `for x in v.iter_mut() { if "
        "pred(x) { return x; } }` followed by the push is accepted. " + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/124254")

QUERY = r"""; index-instead-of-reference (catalog 2.5): an index search whose index is later used to
; re-borrow the same collection for a returned reference.
(call_expression
  function: (field_expression
    field: (field_identifier) @method)
  (#any-of? @method "position" "rposition" "binary_search" "binary_search_by"
    "binary_search_by_key")) @search

(for_expression
  pattern: (tuple_pattern . (identifier) @index)
  value: (call_expression
    function: (field_expression field: (field_identifier) @enumerate))
  (#eq? @enumerate "enumerate")) @search_loop
"""

PLAN = Plan(per_fn=_p3, tokens=(b"position", b"binary_search",
                                                       b"enumerate"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/index-instead-of-reference/",
    "tests/checkers/patterns/data/positive/adv_index_question_mark.rs",
    "tests/checkers/patterns/data/positive/adv_index_rposition_vec_option.rs",
    "tests/checkers/patterns/data/positive/index_binary_search.rs",
    "tests/checkers/patterns/data/positive/index_enumerate_found.rs",
    "tests/checkers/patterns/data/positive/index_match_position.rs",
    "tests/checkers/patterns/data/positive/index_position_rename.rs",
)


def _bound_names(search: Node, fn: Node, src: Source) -> set[str]:
    """Names bound from the value holding `search`: `i` in `if let Some(i) = v.iter().position(..)`,
    `idx` and `i` in `let idx = match v.iter().position(..) { Some(i) => i, .. }`."""
    names: set[str] = set()
    child = search
    for anc in ancestors(search):
        if anc.type in ("let_declaration", "let_condition"):
            if same(anc.child_by_field_name("value"), child):
                names.update(src.text(n) for n in descendants(
                    anc.child_by_field_name("pattern") or anc, frozenset({"identifier"})))
        elif anc.type == "match_expression" and same(anc.child_by_field_name("value"), child):
            body = anc.child_by_field_name("body")
            for arm in body.named_children if body is not None else []:
                if arm.type == "match_arm":
                    names.update(src.text(n) for n in descendants(
                        arm.child_by_field_name("pattern") or arm, frozenset({"identifier"})))
        elif anc.type in ("block", "function_item", "closure_expression"):
            break
        child = anc
    return names


def _reborrows(fn: Node, after: int, place: str, names: set[str], src: Source) -> list[Node]:
    """`&mut X[i]`, `&X[i]`, `X.get_mut(i)` (i in `names`) after byte `after` that leave `fn`."""
    body = fn.child_by_field_name("body")
    if body is None:
        return []
    out = []
    for node in descendants(body, frozenset({"index_expression", "call_expression"})):
        if node.start_byte < after:
            continue
        if node.type == "index_expression":
            kids = node.named_children
            if len(kids) != 2 or src.norm(kids[0]) != place or src.norm(kids[1]) not in names:
                continue
        else:
            args = call_args(node)
            rec = receiver(node)
            if (method_name(node, src) not in ("get_mut", "get") or rec is None
                    or src.norm(rec) != place or len(args) != 1
                    or src.norm(args[0]) not in names):
                continue
        if flows_to_return(node, fn, src):
            out.append(node)
    return out


@detector("index-instead-of-reference")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        search = _one(caps, "search") or _one(caps, "search_loop")
        if search is None:
            continue
        fn = enclosing_fn(search)
        if fn is None or not returns_borrow(fn, src) or not _mutable_access(fn, src):
            continue
        if search.type == "call_expression":
            coll = _collection(search, src)
            names = _bound_names(search, fn, src)
            after = search.end_byte
        else:
            value = search.child_by_field_name("value")
            enum_rec = receiver(value) if value is not None else None
            coll = None
            if enum_rec is not None:
                coll = (_collection(enum_rec, src) if enum_rec.type == "call_expression"
                        and method_name(enum_rec, src) in ITERS else enum_rec)
            index = _one(caps, "index")
            names = _loop_found_names(search, src.text(index), src) if index is not None else set()
            after = search.end_byte
        if coll is None or not names:
            continue
        found = _reborrows(fn, after, src.norm(coll), names, src)
        if found:
            stmt = _statement_of(search)
            ctx.add("index-instead-of-reference", stmt, max(found[-1].end_byte, stmt.end_byte))
    _index_by_derivation(ctx)


# The semantic form: whatever searched for it (`position`, `rposition`, `enumerate` + `break`,
# `find_map` returning an index, a manual counter, a `while i < v.len()` scan, a search from a
# cursor `v[c..]`), an index derived from a search over collection `X` is then used to re-borrow
# `X` for the returned reference. Precision comes from the compiler (proof by rewrite).
_SEARCH_HINT = re.compile(r"\.\s*(?:iter|iter_mut|position|rposition|binary_search\w*|enumerate|"
                          r"find_map|find|len|keys|range)\s*\(")


_SEARCH_HINT_BYTES = re.compile(_SEARCH_HINT.pattern.encode())


_REBORROW_SITE = frozenset({"index_expression", "call_expression"})


def _mutable_access(fn: Node, src: Source) -> bool:
    """`&mut self`, a `&mut` parameter, or `self` in an impl for `&'a mut T`."""
    if has_mut_ref_param(fn, src):
        return True
    impl = fn.parent.parent if fn.parent is not None else None
    target = impl.child_by_field_name("type") if impl is not None and impl.type == "impl_item" \
        else None
    return target is not None and target.type == "reference_type" and any(
        c.type == "mutable_specifier" for c in target.children)


#: `\[|\bget(?:_mut)?\s*\(` without its `\b` (checked in `_site_starts`): `re` finds a pattern
#: with a literal or character-set prefix fast, but tries one that starts with `\b` at every byte.
_SITE_TOKEN = re.compile(rb"\[|get(?:_mut)?\s*\(")
_WORD = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _site_starts(data: bytes, start: int, end: int) -> Iterator[int]:
    """Where `re.finditer(rb"\\[|\\bget(?:_mut)?\\s*\\(", data, start, end)` finds a match (the
    same offsets in the same order: a `get` after a word character is dropped and the search
    resumes one byte later, where `re` would have tried next)."""
    search = _SITE_TOKEN.search
    m = search(data, start, end)
    while m is not None:
        at = m.start()
        if data[at] == 0x5B or at == 0 or data[at - 1] not in _WORD:
            yield at
            m = search(data, m.end(), end)
        else:
            m = search(data, at + 1, end)


def _reborrow_sites(body: Node, src: Source) -> list[Node]:
    """`X[i]` and `X.get(i)` / `X.get_mut(i)` nodes in `body`, found from the text."""
    out: list[Node] = []
    seen: set[int] = set()
    root = src.tree.root_node
    for at in _site_starts(src.data, body.start_byte, body.end_byte):
        node = root.descendant_for_byte_range(at, at + 1)
        for _ in range(3):  # `[` → index_expression; `get` → field → field_expression → call
            if node is None or node.type in _REBORROW_SITE:
                break
            node = node.parent
        if node is not None and node.type in _REBORROW_SITE and node.id not in seen:
            seen.add(node.id)
            out.append(node)
    return out


def _index_by_derivation(ctx: Context) -> None:
    src = ctx.src
    data = src.data
    if b"[" not in data and b"get" not in data:
        return
    for fn, _name in src.functions():
        # The tests below, on the whole item's text first (the signature and the body are in
        # it, so a fn that fails them there fails them on its parts): no tree access for most.
        fn_start, fn_end = fn.start_byte, fn.end_byte
        if data.find(b"->", fn_start, fn_end) == -1 or (
                data.find(b"[", fn_start, fn_end) == -1
                and data.find(b"get", fn_start, fn_end) == -1) or \
                not _SEARCH_HINT_BYTES.search(data, fn_start, fn_end):
            continue
        body, sig = src.signature(fn)
        if body is None:
            continue
        # returns something, and has `&mut` access (a `mut` in the signature, or `self` by
        # value in an impl for `&'a mut T`); cheap byte tests first
        if b"->" not in sig or (b"mut" not in sig and (b"self" not in sig or b"&self" in sig
                                                       or b"& self" in sig)):
            continue
        start, end = body.start_byte, body.end_byte
        if (data.find(b"[", start, end) == -1 and data.find(b"get", start, end) == -1) or \
                not _SEARCH_HINT_BYTES.search(data, start, end):
            continue
        if not returns_borrow(fn, src) or not _mutable_access(fn, src):
            continue
        for site in _reborrow_sites(body, src):
            if site.type == "index_expression":
                kids = site.named_children
                if len(kids) != 2 or kids[1].type == "range_expression":
                    continue
                coll, index = kids
            else:
                args = call_args(site)
                target = receiver(site)
                if method_name(site, src) not in ("get_mut", "get") or target is None or \
                        len(args) != 1:
                    continue
                coll, index = target, args[0]
            if coll.type not in ("identifier", "field_expression", "self"):
                continue
            place = src.norm(coll)
            names = [n for n in descendants(index, frozenset({"identifier"}))
                     if n.parent is None or n.parent.type != "field_expression"]
            if not names or not flows_to_return(site, fn, src):
                continue
            origin = None
            for name in names:
                origin = _search_origin(src.text(name), site, place, fn, src, depth=0)
                if origin is not None:
                    break
            if origin is not None:
                stmt = _statement_of(origin)
                ctx.add("index-instead-of-reference", stmt, max(site.end_byte, stmt.end_byte),
                        variant="derived")


#: What makes a bound value a search (not a length: `let i = rng(v.len()); &mut v[i]` picks an
#: index without searching; a length only counts in a loop header, `while i < v.len()`).
_VALUE_SEARCH = re.compile(r"\.\s*(?:iter|iter_mut|position|rposition|binary_search\w*|enumerate|"
                           r"find_map|find|keys)\s*\(")


def _searches(node: Node | None, place: str, src: Source, *,
              hint: re.Pattern[str] = _SEARCH_HINT) -> bool:
    """Whether `node` reads collection `place` through a search (an iterator, a length, ..)."""
    if node is None:
        return False
    text = src.norm(node)
    at = text.find(place)
    while at != -1:
        end = at + len(place)
        before = text[at - 1] if at > 0 else " "
        if not (before.isalnum() or before in "_.") and hint.search(text, end):
            return True
        at = text.find(place, end)
    return False


def _search_origin(name: str, at: Node, place: str, fn: Node, src: Source, *,
                   depth: int) -> Node | None:
    """The node that derived local `name` from a search over `place` (None when it was not)."""
    if depth > 3:
        return None
    binding = find_binding(name, at, src)
    if binding is None or binding.kind in ("param", "closure"):
        return None
    value = binding.value
    if binding.kind == "for":
        return binding.node if _searches(value, place, src) else None
    if _searches(value, place, src, hint=_VALUE_SEARCH):
        return binding.node
    if binding.kind == "let" and value is not None and value.type == "integer_literal":
        return _counter_loop(name, binding.node, place, fn, src)
    # a holder: `let mut found = None; for .. { found = Some(i); break; }`, then `match found`
    holder = value
    while holder is not None and holder.type in ("try_expression", "reference_expression"):
        holder = holder.named_children[0] if holder.named_children else None
    if holder is not None and holder.type == "identifier":
        holder_name = src.text(holder)
        assigned = _assigned_in_search_loop(holder_name, binding.node, place, fn, src, depth)
        if assigned is not None:
            return assigned
        return _search_origin(holder_name, binding.node, place, fn, src, depth=depth + 1)
    if binding.kind == "let" and value is not None and src.norm(value) == "None":
        return _assigned_in_search_loop(name, binding.node, place, fn, src, depth)
    return None


def _loop_over(node: Node, place: str, src: Source) -> Node | None:
    """The innermost loop around `node` whose header or body searches `place`."""
    for anc in ancestors(node):
        if anc.type == "for_expression" and _searches(anc.child_by_field_name("value"), place,
                                                      src):
            return anc
        if anc.type == "while_expression" and _searches(anc.child_by_field_name("condition"),
                                                        place, src):
            return anc
        if anc.type in ("function_item", "closure_expression"):
            return None
    return None


def _assigned_in_search_loop(name: str, after: Node, place: str, fn: Node, src: Source,
                             depth: int) -> Node | None:
    """`name = Some(i)` / `name = i` inside a loop over `place`, `i` derived from that loop."""
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    for assign in descendants(body, frozenset({"assignment_expression"})):
        left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
        if left is None or right is None or src.text(left) != name:
            continue
        loop = _loop_over(assign, place, src)
        if loop is None:
            continue
        inner = right
        if inner.type == "call_expression" and function_path(inner, src) == "Some" and \
                call_args(inner):
            inner = call_args(inner)[0]
        if inner.type != "identifier":
            continue
        source = find_binding(src.text(inner), assign, src)
        if source is not None and (same(source.node, loop) or _searches(source.value, place, src)
                                   or (source.kind == "let" and source.value is not None
                                       and source.value.type == "integer_literal")):
            return loop
    return None


def _counter_loop(name: str, let: Node, place: str, fn: Node, src: Source) -> Node | None:
    """`let mut i = 0;` then `i += 1` in a loop that searches `place` (a manual counter)."""
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    for node in descendants(body, frozenset({"compound_assignment_expr"})):
        left = node.child_by_field_name("left")
        if left is None or src.text(left) != name or node.start_byte < let.end_byte:
            continue
        loop = _loop_over(node, place, src)
        if loop is not None:
            return let
    return None


def _loop_found_names(loop: Node, index: str, src: Source) -> set[str]:
    """For `for (i, x) in v.iter().enumerate() { .. found = Some(i); break; }`: `found` and the
    names later bound from it (`if let Some(j) = found`)."""
    body = loop.child_by_field_name("body")
    if body is None:
        return set()
    holders = set()
    for assign in descendants(body, frozenset({"assignment_expression"})):
        right = assign.child_by_field_name("right")
        left = assign.child_by_field_name("left")
        if right is not None and left is not None and left.type == "identifier" and (
                src.norm(right) in (f"Some({index})", index)):
            holders.add(src.text(left))
    if not holders:
        return set()
    names = set(holders)
    block = loop.parent
    while block is not None and block.type != "block":
        block = block.parent
    if block is None:
        return names
    for node in descendants(block, frozenset({"let_condition", "let_declaration"})):
        if node.start_byte > loop.end_byte and src.norm(
                node.child_by_field_name("value")).split(".")[0].rstrip("?") in holders:
            names.update(src.text(n) for n in descendants(
                node.child_by_field_name("pattern") or node, frozenset({"identifier"})))
    return names


@rewriter("index-instead-of-reference")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
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
