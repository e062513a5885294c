"""`check-then-relookup`: Guard with a short-lived borrow, then look up again.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _p3
from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    ancestors,
    call_args,
    contains,
    descendants,
    enclosing_fn,
    flows_to_return,
    method_name,
    receiver,
    returns_borrow,
    root_path,
    same,
)
from checkers.patterns.catalog import _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    ITERS,
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
from checkers.patterns.rewrite import Edit, _find, _fresh, rewriter

ID = "check-then-relookup"

ENTRY = CatalogEntry(
        "check-then-relookup", "Guard with a short-lived borrow, then look up again", "P3",
        "pattern", "NLL problem case #3 (conditional return of a borrow across functions)",
        "The code first asks whether the key is there (contains_key, is_some, a first call) and "
        "then looks it up a second time to return the borrow, because NLL keeps a returned "
        "borrow alive on every path. It costs a second lookup on every hit. Under Polonius write "
        "`if let Some(v) = map.get_mut(&k) { return v; }` and fall through on a miss. "
        + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/54663")

QUERY = r"""; check-then-relookup (catalog 2.1). Variants A and B: a guard that only asks whether the
; key or element is there; Python then looks for the second lookup on the same receiver.
(call_expression
  function: (field_expression
    value: (_) @receiver
    field: (field_identifier) @method)
  (#any-of? @method "contains_key" "contains" "is_some" "is_none" "any" "is_ok" "map_or"
    "map_or_else" "is_some_and" "is_none_or")) @guard

; Variant C: an `if` whose branch returns; Python compares the calls in its condition with
; the call whose result is returned (the method is called once to decide, once to return).
(if_expression
  condition: (_) @cond
  consequence: (block (expression_statement (return_expression) @ret))) @if

; Variant A through a pattern: `match R.get(k) { Some(_) => return R.get_mut(k).unwrap(), .. }`
; or `if let Some(_) = R.get(k) { .. }`. Python requires an arm pattern that binds nothing.
(match_expression value: (call_expression) @lookup) @match
(let_condition value: (call_expression) @lookup) @letcond
"""

PLAN = Plan(per_fn=_p3, tokens=(b"contains", b"is_some", b"is_none", b"any",
                                                 b"is_ok", b"return", b"match",
                                                 b"if let", b"map_or"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/check-then-relookup/",
    "tests/checkers/patterns/data/positive/adv_ctr_free_fn_option.rs",
    "tests/checkers/patterns/data/positive/adv_ctr_generic_where.rs",
    "tests/checkers/patterns/data/positive/adv_ctr_vecdeque_match.rs",
    "tests/checkers/patterns/data/positive/ctr_beside_unrelated_errors.rs",
    "tests/checkers/patterns/data/positive/ctr_btree_contains.rs",
    "tests/checkers/patterns/data/positive/ctr_is_some_tail.rs",
    "tests/checkers/patterns/data/positive/ctr_loop_recall.rs",
    "tests/checkers/patterns/data/positive/ctr_should_insert.rs",
    "tests/checkers/patterns/data/positive/ctr_while_recall_option.rs",
)


def _use_regex(place: str) -> re.Pattern[str]:
    """A use of `place` that may need it mutably: a method call, an index or an assignment."""
    return re.compile(r"(?<![\w.])" + re.escape(place)
                      + r"\s*(?:\.\s*\w+|\[|(?:[-+*/%|&^]|<<|>>)?=(?!=))")


def _regions_after(node: Node, fn: Node) -> Iterable[tuple[int, int]]:
    """Byte ranges that run after `node` on the fall-through path: the rest of each enclosing
    block up to the function body, an `else`, and the whole body of an enclosing loop."""
    own_else = node.child_by_field_name("alternative") if node.type == "if_expression" else None
    if own_else is not None:
        yield own_else.start_byte, own_else.end_byte
    stmt = node
    for anc in ancestors(node):
        if anc.type == "if_expression" and contains(anc.child_by_field_name("condition") or anc,
                                                     node):
            alt = anc.child_by_field_name("alternative")
            if alt is not None:
                yield alt.start_byte, alt.end_byte
        if anc.type == "block":
            yield stmt.end_byte, anc.end_byte
        if anc.type in LOOP_KINDS:
            body = anc.child_by_field_name("body")
            if body is not None:
                yield body.start_byte, body.end_byte
        if anc.id == fn.id:
            return
        stmt = anc


def _used_after(node: Node, exclude: Node, place: str, fn: Node, src: Source) -> bool:
    pattern = _use_regex(place)
    for start, end in _regions_after(node, fn):
        text = src.data[start:end].decode("utf-8", "replace")
        if exclude.start_byte < end and exclude.end_byte > start:
            # Blank out the guarded branch itself: its own lookups do not count.
            a = max(0, exclude.start_byte - start)
            b = min(end - start, exclude.end_byte - start)
            raw = src.data[start:end]
            text = (raw[:a] + b" " * (b - a) + raw[b:]).decode("utf-8", "replace")
        if pattern.search(text):
            return True
    return False


def _in_condition(node: Node) -> Node | None:
    """The `if` whose condition holds `node` (through `!`, `&&`, `||` and parentheses)."""
    cur = node
    for anc in ancestors(node):
        if anc.type == "if_expression":
            return anc if same(anc.child_by_field_name("condition"), cur) else None
        if anc.type not in ("unary_expression", "binary_expression", "parenthesized_expression",
                            "call_expression", "field_expression", "arguments"):
            return None
        cur = anc
    return None


def _negated(node: Node, stop: Node, src: Source) -> bool:
    neg = False
    for anc in ancestors(node):
        if anc.id == stop.id:
            break
        if anc.type == "unary_expression" and src.text(anc).lstrip().startswith("!"):
            neg = not neg
    return neg


def _relookups(block: Node, place: str, guard: Node, fn: Node, src: Source) -> list[Node]:
    """Calls and index expressions on `place` inside `block` whose value leaves the function."""
    out = []
    for node in descendants(block, frozenset({"call_expression", "index_expression"})):
        if node.type == "call_expression":
            target = receiver(node)
            if target is not None and target.type == "call_expression" and method_name(
                    target, src) in ITERS:
                target = receiver(target)
        else:
            target = node.named_children[0] if node.named_children else None
        if target is None or src.norm(target) != place or contains(node, guard):
            continue
        if flows_to_return(node, fn, src):
            out.append(node)
    return out


def _same_call_returned(block: Node, call_text: str, fn: Node, src: Source) -> list[Node]:
    out = []
    for node in descendants(block, frozenset({"call_expression"})):
        if src.norm(node) == call_text and flows_to_return(node, fn, src):
            out.append(node)
    return out


@detector("check-then-relookup")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    # a guard spelled `matches!(R.get(k), Some(_))`, found from the text (no query walk)
    at = src.data.find(b"matches!")
    while at != -1:
        node = src.tree.root_node.descendant_for_byte_range(at, at + 7)
        macro = node.parent if node is not None else None
        if macro is not None and macro.type == "macro_invocation":
            _ctr_matches(ctx, macro, src)
        at = src.data.find(b"matches!", at + 8)
    for caps in matches:
        guard = _one(caps, "guard")
        if guard is not None:
            _ctr_guard(ctx, guard, src)
            continue
        lookup = _one(caps, "lookup")
        if lookup is not None:
            _ctr_pattern(ctx, lookup, _one(caps, "match"), _one(caps, "letcond"), src)
            continue
        if_node = _one(caps, "if")
        if if_node is not None:
            _ctr_recall(ctx, if_node, src)


def _binds_nothing(pattern: Node | None, src: Source) -> bool:
    """`Some(_)`, `Some(Some(_))`, `None`, `_`: a pattern that keeps no part of the value."""
    if pattern is None:
        return False
    for ident in descendants(pattern, frozenset({"identifier"})):
        parent = ident.parent
        if parent is not None and (parent.type == "scoped_identifier" or (
                parent.type in ("tuple_struct_pattern", "struct_pattern")
                and same(parent.child_by_field_name("type"), ident))):
            continue  # `Some`, `Entry::Occupied`: the constructor, not a binding
        if src.text(ident)[:1].isupper():
            continue  # `None`, a constant
        return False
    return True


def _ctr_pattern(ctx: Context, lookup: Node, match: Node | None, letcond: Node | None,
                 src: Source) -> None:
    """The guard is a pattern that binds nothing (`Some(_)`), then the branch looks up again."""
    if method_name(lookup, src) not in LOOKUPS - ITERS:
        return
    fn = enclosing_fn(lookup)
    coll = _collection(lookup, src)
    if fn is None or coll is None or not returns_borrow(fn, src):
        return
    place = src.norm(coll)
    branches: list[tuple[Node, Node, Node]] = []  # (the construct, the branch, other branches)
    if match is not None:
        body = match.child_by_field_name("body")
        if body is None:
            return
        for arm in body.named_children:
            value = arm.child_by_field_name("value")
            pat = arm.child_by_field_name("pattern")
            if arm.type == "match_arm" and value is not None and _binds_nothing(pat, src) \
                    and pat is not None and src.norm(pat) not in ("_", "None"):
                branches.append((match, value, body))
    elif letcond is not None:
        if_node = letcond.parent
        then = if_node.child_by_field_name("consequence") if if_node is not None else None
        if if_node is not None and then is not None and if_node.type == "if_expression" and \
                _binds_nothing(letcond.child_by_field_name("pattern"), src):
            branches.append((if_node, then, then))
    uses = _use_regex(place)
    for construct, branch, others in branches:
        if not _relookups(branch, place, lookup, fn, src):
            continue
        raw = bytearray(src.data[others.start_byte:others.end_byte])
        raw[branch.start_byte - others.start_byte:branch.end_byte - others.start_byte] = \
            b" " * (branch.end_byte - branch.start_byte)
        if uses.search(raw.decode("utf-8", "replace")) or _used_after(
                construct, branch, place, fn, src):
            ctx.add("check-then-relookup", construct, variant="pattern")
            return


def _guard_place(guard: Node, src: Source) -> tuple[str, str] | None:
    """(mode, text): ("collection", `R`) or ("call", `self.m(..)`) for a guard call."""
    method = method_name(guard, src)
    rec = receiver(guard)
    if rec is None:
        return None
    if method in ("contains_key", "contains", "any"):
        coll = _collection(guard, src)
        return ("collection", src.norm(coll)) if coll is not None else None
    if rec.type != "call_expression":
        return None
    if method_name(rec, src) in LOOKUPS:
        coll = _collection(rec, src)
        return ("collection", src.norm(coll)) if coll is not None else None
    return ("call", src.norm(rec))


#: Guards that test the looked-up value with a predicate (`R.get(k).map_or(false, |v| ..)`).
_PREDICATE_GUARDS = frozenset({"map_or", "map_or_else", "is_some_and", "is_none_or"})


def _ctr_guard(ctx: Context, guard: Node, src: Source) -> None:
    fn = enclosing_fn(guard)
    if fn is None or not returns_borrow(fn, src):
        return
    place = _guard_place(guard, src)
    if place is None:
        return
    mode, text = place
    if mode == "call" and method_name(guard, src) in _PREDICATE_GUARDS:
        return  # `self.m().is_some_and(..)` then `return self.m()`: the recall variant's shape
    if_node = _in_condition(guard)
    negated = False
    if if_node is None:
        if_node, negated = _flag_if(guard, src)
        if if_node is None:
            return
    else:
        negated = _negated(guard, if_node, src)
    if method_name(guard, src) == "is_none":
        negated = not negated
    then = if_node.child_by_field_name("consequence")
    if then is None:
        return
    if not negated:
        found = (_relookups(then, text, guard, fn, src) if mode == "collection"
                 else _same_call_returned(then, text, fn, src))
        rec = receiver(guard)
        base = text if mode == "collection" else (
            root_path(rec, src) if rec is not None else "")
        if found and base and _used_after(if_node, then, base, fn, src):
            ctx.add("check-then-relookup", if_node, variant="guard")
        return
    # Variant B: `if !R.contains_key(k) { R.insert(..) }` then an unconditional returned lookup.
    if mode != "collection" or not _mutates(then, text, src):
        return
    stmt = _statement_of(if_node)
    block = stmt.parent
    if block is None:
        return
    for sibling in block.named_children:
        if sibling.start_byte < stmt.end_byte:
            continue
        found = _relookups(sibling, text, guard, fn, src)
        if found:
            ctx.add("check-then-relookup", if_node, found[-1], variant="insert")
            return


_MATCHES_LOOKUP = re.compile(
    r"^matches!\s*[(\[{]\s*(?P<place>[\w.\s]+?)\s*\.\s*(?:get|get_mut|first|last|front|back|"
    r"get_key_value|first_mut|last_mut)\s*\(.*,\s*(?P<pat>Some\s*\(\s*(?:_|\.\.)\s*\)|"
    r"Some\s*\{\s*\.\.\s*\})\s*[)\]}]$", re.S)


def _ctr_matches(ctx: Context, macro: Node, src: Source) -> None:
    """`if matches!(R.get(k), Some(_)) { return R.get_mut(k).. }`: a guard that keeps nothing."""
    fn = enclosing_fn(macro)
    if fn is None or not returns_borrow(fn, src):
        return
    found = _MATCHES_LOOKUP.match(src.text(macro))
    if_node = _in_condition(macro)
    if found is None or if_node is None or _negated(macro, if_node, src):
        return
    place = re.sub(r"\s+", "", found.group("place"))
    then = if_node.child_by_field_name("consequence")
    if then is not None and _relookups(then, place, macro, fn, src) and _used_after(
            if_node, then, place, fn, src):
        ctx.add("check-then-relookup", if_node, variant="guard")


def _flag_if(guard: Node, src: Source) -> tuple[Node | None, bool]:
    """`let should_insert = R.get(k).is_none(); if should_insert { .. }`: the `if` and negation."""
    let = guard.parent
    while let is not None and let.type in ("unary_expression", "parenthesized_expression"):
        let = let.parent
    if let is None or let.type != "let_declaration":
        return None, False
    pattern = let.child_by_field_name("pattern")
    if pattern is None or pattern.type != "identifier":
        return None, False
    name = src.text(pattern)
    neg = src.text(let.child_by_field_name("value")).lstrip().startswith("!")
    block = let.parent
    if block is None:
        return None, False
    for stmt in block.named_children:
        if stmt.start_byte <= let.start_byte:
            continue
        for if_node in descendants(stmt, frozenset({"if_expression"})):
            cond = src.norm(if_node.child_by_field_name("condition"))
            if cond == name:
                return if_node, neg
            if cond == "!" + name:
                return if_node, not neg
    return None, False


def _mutates(block: Node, place: str, src: Source) -> bool:
    for call in descendants(block, frozenset({"call_expression"})):
        rec = receiver(call)
        if rec is not None and src.norm(rec) == place and method_name(call, src) in MUTATORS:
            return True
    return bool(re.search(r"(?<![\w.])" + re.escape(place) + r"\s*\[[^\]]*\]\s*=(?!=)",
                          src.text(block)))


def _ctr_recall(ctx: Context, if_node: Node, src: Source) -> None:
    fn = enclosing_fn(if_node)
    if fn is None or not returns_borrow(fn, src):
        return
    cond = if_node.child_by_field_name("condition")
    then = if_node.child_by_field_name("consequence")
    if cond is None or then is None or cond.type == "let_condition":
        return
    calls = {}
    for call in descendants(cond, frozenset({"call_expression"})):
        rec = receiver(call)
        if rec is None or rec.type not in ("self", "identifier", "field_expression"):
            continue
        calls[src.norm(call)] = call
    for text, call in calls.items():
        if not _same_call_returned(then, text, fn, src):
            continue
        rec = receiver(call)
        base = root_path(rec, src) if rec is not None else ""
        if base and _used_after(if_node, then, base, fn, src):
            ctx.add("check-then-relookup", if_node, variant="recall")
            return


def _unwrap_call(node: Node, src: Source) -> Node:
    """`x.unwrap()` / `x.expect(..)` around `node`, or `node` itself."""
    parent = node.parent
    if parent is not None and parent.type == "field_expression":
        call = parent.parent
        if call is not None and call.type == "call_expression" and method_name(
                call, src) in ("unwrap", "expect"):
            return call
    return node


@rewriter("check-then-relookup")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
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
