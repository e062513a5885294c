"""One detector per catalog id: the query matches of `queries/<id>.scm` plus the catalog's precision rules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tree_sitter import Node

from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    ancestors,
    call_args,
    contains,
    descendants,
    enclosing,
    enclosing_fn,
    find_binding,
    flows_to_return,
    function_path,
    has_mut_ref_param,
    has_mut_self,
    is_tail,
    method_name,
    param_named,
    receiver,
    returns_borrow,
    root_path,
    same,
    self_param,
    strip_wrappers,
)

Captures = dict[str, list[Node]]

#: Methods that change (or mutably borrow) the collection they are called on.
MUTATORS = frozenset({
    "insert", "push", "push_back", "push_front", "entry", "extend", "append", "retain",
    "remove", "clear", "truncate", "get_mut", "iter_mut", "drain", "sort", "sort_by",
    "sort_by_key", "dedup", "swap_remove", "pop", "or_insert", "insert_with", "resize",
})
#: Methods that look an element up and return a borrow of it.
LOOKUPS = frozenset({
    "get", "get_mut", "first", "last", "first_mut", "last_mut", "find", "get_key_value",
    "front", "back", "front_mut", "back_mut", "peek", "iter", "iter_mut", "values", "keys",
})
#: Iterator adapters that stand between a collection and the call that searches it.
ITERS = frozenset({"iter", "iter_mut", "keys", "values", "values_mut", "into_iter"})
CLONES = frozenset({"clone", "cloned", "to_owned", "to_string", "to_vec"})
OWNING_KEYS = frozenset({"to_owned", "to_string", "clone", "into", "to_vec", "into_owned"})
REFIND = frozenset({"position", "rposition", "binary_search", "binary_search_by",
                    "binary_search_by_key", "contains_key", "contains", "is_some", "is_none",
                    "any"})


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector result in byte offsets; `detect` turns it into a `Finding`."""

    id: str
    start: int
    end: int
    confidence: str = "high"
    variant: str = ""


@dataclass
class Context:
    """Per-run state shared by the detectors of one `detect` call."""

    src: Source
    edition: str
    hits: list[Hit] = field(default_factory=list)
    _fns_by_name: dict[str, list[Node]] | None = None

    def add(self, id_: str, start: Node | int, end: Node | int | None = None, *,
            confidence: str = "high", variant: str = "") -> None:
        s = start if isinstance(start, int) else start.start_byte
        if end is None:
            assert not isinstance(start, int)
            e = start.end_byte
        else:
            e = end if isinstance(end, int) else end.end_byte
        self.hits.append(Hit(id_, s, max(s, e), confidence, variant))

    def functions_named(self, name: str) -> list[Node]:
        """Every `fn name` in the file (methods included), indexed on first use."""
        if self._fns_by_name is None:
            index: dict[str, list[Node]] = {}
            for fn, fn_name in self.src.functions():
                index.setdefault(fn_name, []).append(fn)
            self._fns_by_name = index
        return self._fns_by_name.get(name, [])


Detector = Callable[[Context, list[Captures]], None]
DETECTORS: dict[str, Detector] = {}


def detector(id_: str) -> Callable[[Detector], Detector]:
    def register(func: Detector) -> Detector:
        DETECTORS[id_] = func
        return func
    return register


def _one(caps: Captures, name: str) -> Node | None:
    nodes = caps.get(name)
    return nodes[0] if nodes else None


def _statement_of(node: Node) -> Node:
    """The statement (child of a block or of the file) that holds `node`."""
    cur = node
    for anc in ancestors(node):
        if anc.type in ("block", "source_file", "declaration_list"):
            return cur
        cur = anc
    return cur


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


def _collection(call: Node, src: Source) -> Node | None:
    """The collection a call works on: `v` for `v.iter().position(..)`, `m` for `m.get(k)`."""
    rec = receiver(call)
    while rec is not None and rec.type == "call_expression" and method_name(rec, src) in ITERS:
        rec = receiver(rec)
    return rec


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


# ------------------------------------------------------------------------- 2.1 check-then-relookup

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
def _check_then_relookup(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        guard = _one(caps, "guard")
        if guard is not None:
            _ctr_guard(ctx, guard, src)
            continue
        macro = _one(caps, "guard_macro")
        if macro is not None:
            _ctr_matches(ctx, macro, src)
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


# ------------------------------------------------------------------------------ 2.2 entry-owned-key

def _key_source(key: Node, src: Source) -> Node | None:
    """The borrowed value an owned key is made from: `word` in `word.to_owned()`."""
    if key.type != "call_expression":
        return None
    if method_name(key, src) in OWNING_KEYS:
        base = receiver(key)
    elif function_path(key, src).endswith("::from") and len(call_args(key)) == 1:
        base = call_args(key)[0]
    else:
        return None
    while base is not None and base.type in ("call_expression", "reference_expression",
                                             "unary_expression", "parenthesized_expression"):
        base = receiver(base) if base.type == "call_expression" else base.named_children[-1]
    return base


@detector("entry-owned-key")
def _entry_owned_key(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        chain, key = _one(caps, "chain"), _one(caps, "key")
        if chain is None or key is None:
            continue
        fn = enclosing_fn(chain)
        if fn is None or not returns_borrow(fn, src):
            continue
        base = _key_source(key, src)
        if base is None or base.type != "identifier":
            continue
        param = param_named(fn, src.text(base), src)
        ptype = param.child_by_field_name("type") if param is not None else None
        if ptype is None or ptype.type != "reference_type":
            continue
        if flows_to_return(chain, fn, src):
            ctx.add("entry-owned-key", chain)


# -------------------------------------------------------------------- 2.3 unsafe-lifetime-extension

_FOREIGN_POINTER = re.compile(r"\b(as_ptr|as_mut_ptr|NonNull|alloc|null|null_mut|from_raw|"
                              r"into_raw|addr_of|addr_of_mut|malloc|ffi)\b")


def pointer_origin(binding_value: Node | None, src: Source, *, depth: int = 0) -> Node | None:
    """The place a raw pointer was taken from (`self`, `self.inner`, a `&mut` parameter), or None
    when it comes from FFI, allocation, `as_ptr()`, pointer arithmetic, a raw-pointer parameter,
    a layout cast (`x as *mut A as *mut B`) or a `Pin<&mut Self>` projection: none of those
    detaches a borrow the safe code would be refused."""
    if binding_value is None or _FOREIGN_POINTER.search(src.text(binding_value)):
        return None
    cur = binding_value
    casts = 0
    while cur.type in ("type_cast_expression", "reference_expression", "parenthesized_expression",
                       "unary_expression"):
        if cur.type == "type_cast_expression":
            casts += 1
            nxt = cur.child_by_field_name("value")
        else:
            nxt = cur.named_children[-1] if cur.named_children else None
        if nxt is None:
            return None
        cur = nxt
    if casts > 1:
        return None  # a cast through another pointee type: a layout view or a downcast
    fn = enclosing_fn(cur)
    if cur.type == "self":
        own = self_param(fn) if fn is not None else None
        return None if own is not None and "Pin<" in src.text(own) else cur
    if cur.type in ("field_expression", "index_expression"):
        base = cur
        while base.type in ("field_expression", "index_expression"):
            base = base.named_children[0] if base.named_children else base
            if base.type not in ("field_expression", "index_expression"):
                break
        if base.type == "self" and fn is not None:
            own = self_param(fn)
            if own is not None and "Pin<" in src.text(own):
                return None
        if base.type == "identifier" and depth < 3 and not _reference_local(base, src, depth):
            return None
        return cur
    if cur.type == "identifier":
        return cur if _reference_local(cur, src, depth) else None
    return None


def _reference_local(ident: Node, src: Source, depth: int) -> bool:
    """Whether a local or parameter holds a reference (not a raw pointer from elsewhere)."""
    binding = find_binding(src.text(ident), ident, src)
    if binding is None:
        return False
    if binding.kind == "param":
        ty = binding.node.child_by_field_name("type")
        return ty is not None and ty.type == "reference_type"
    if binding.kind == "let":
        ty = binding.node.child_by_field_name("type")
        if ty is not None:
            return ty.type == "reference_type"
        value = binding.value
        if value is None:
            return False
        if value.type == "reference_expression":
            return True
        return pointer_origin(value, src, depth=depth + 1) is not None
    return binding.kind in ("let_condition", "match_arm", "for")


def _escapes(block: Node, fn: Node, src: Source) -> bool:
    """Whether the reference the unsafe block produces leaves the function (returned, directly,
    through an `if let`/`for` that returns what it binds, or a `let` later returned) or is carried
    across loop iterations (assigned to a variable from outside the loop)."""
    if flows_to_return(block, fn, src):
        return True
    stmt = _statement_of(block)
    if any(True for _ in descendants(stmt, frozenset({"return_expression"}))):
        return True
    for anc in ancestors(block):
        if anc.type == "assignment_expression" and enclosing(
                anc, LOOP_KINDS, stop=frozenset({"function_item", "closure_expression"})):
            return True
        if anc.type in ("block", "function_item"):
            break
    if stmt.type == "let_declaration":
        pattern = stmt.child_by_field_name("pattern")
        names = {src.text(n) for n in descendants(pattern, frozenset({"identifier"}))} \
            if pattern is not None else set()
        body = fn.child_by_field_name("body")
        for node in descendants(body, frozenset({"identifier"})) if body is not None else ():
            if node.start_byte <= stmt.end_byte or src.text(node) not in names:
                continue
            # returned itself, or used by a statement that returns (what it derives from it)
            if flows_to_return(node, fn, src) or any(True for _ in descendants(
                    _statement_of(node), frozenset({"return_expression"}))):
                return True
    return False


def pointer_binding(ident: Node, src: Source) -> Node | None:
    """The `let p: *mut T = ..` / `let p = x as *mut T` that binds the raw pointer `ident`."""
    binding = find_binding(src.text(ident), ident, src)
    if binding is None or binding.kind != "let":
        return None
    let = binding.node
    ty = let.child_by_field_name("type")
    value = binding.value
    if ty is not None and ty.type == "pointer_type":
        return let
    if value is not None and value.type == "type_cast_expression":
        cast = value.child_by_field_name("type")
        if cast is not None and cast.type == "pointer_type":
            return let
    return None


def _unsafe_of(node: Node) -> Node | None:
    return enclosing(node, frozenset({"unsafe_block"}),
                     stop=frozenset({"function_item", "closure_expression"}))


@detector("unsafe-lifetime-extension")
def _unsafe_lifetime_extension(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        node = _one(caps, "cast_deref") or _one(caps, "deref") or _one(caps, "transmute")
        if node is None:
            continue
        block = _unsafe_of(node)
        fn = enclosing_fn(node)
        if block is None or fn is None or not returns_borrow(fn, src):
            continue
        if "cast_deref" in caps:
            cast = next(descendants(node, frozenset({"type_cast_expression"})), None)
            if cast is None or pointer_origin(cast, src) is None:
                continue
        elif "deref" in caps:
            ptr = _one(caps, "ptr")
            let = pointer_binding(ptr, src) if ptr is not None else None
            if let is None or pointer_origin(let.child_by_field_name("value"), src) is None:
                continue
        elif not _transmutes_reference(node, src) or _layout_transmute(node, src):
            continue
        if not _escapes(block, fn, src):
            continue
        ctx.add("unsafe-lifetime-extension", block)
    _nonnull_extension(ctx)


def _layout_transmute(call: Node, src: Source) -> bool:
    """`transmute::<&A, &B>` with different pointee types (lifetimes aside): a layout view."""
    func = call.child_by_field_name("function")
    if func is None or func.type != "generic_function":
        return False
    args = func.child_by_field_name("type_arguments")
    kinds = [a for a in args.named_children if a.type != "lifetime"] if args is not None else []
    if len(kinds) != 2:
        return False
    strip = re.compile(r"'\w+\s*|\s+")
    return strip.sub("", src.text(kinds[0])) != strip.sub("", src.text(kinds[1]))


_NONNULL_FROM = re.compile(r"^NonNull\s*::\s*(from|new_unchecked|new)\b")


def _nonnull_extension(ctx: Context) -> None:
    """`let mut p = NonNull::from(&mut *self); .. unsafe { p.as_mut() }` returned: the same
    detachment spelled with `NonNull` (intrusive lists keep their pointers in fields instead)."""
    src = ctx.src
    if b"NonNull" not in src.data or b"unsafe" not in src.data:
        return
    for fn, _name in src.functions():
        body = fn.child_by_field_name("body")
        if body is None or (b"as_mut" not in src.data[body.start_byte:body.end_byte] and \
                b"as_ref" not in src.data[body.start_byte:body.end_byte]):
            continue
        if not returns_borrow(fn, src):
            continue
        for block in descendants(body, frozenset({"unsafe_block"})):
            for call in descendants(block, frozenset({"call_expression"})):
                rec = receiver(call)
                if method_name(call, src) not in ("as_mut", "as_ref") or rec is None or \
                        rec.type != "identifier":
                    continue
                binding = find_binding(src.text(rec), call, src)
                value = binding.value if binding is not None and binding.kind == "let" else None
                if value is None or value.type != "call_expression" or not _NONNULL_FROM.match(
                        src.norm(value.child_by_field_name("function"))):
                    continue
                args = call_args(value)
                inner = args[0] if args else None
                while inner is not None and inner.type in (
                        "reference_expression", "unary_expression", "type_cast_expression",
                        "parenthesized_expression"):
                    inner = inner.named_children[0] if inner.type == "type_cast_expression" \
                        else inner.named_children[-1]
                if inner is not None and (inner.type == "self" or (
                        inner.type == "identifier" and _reference_local(inner, src, 0))) and \
                        _escapes(block, fn, src):
                    ctx.add("unsafe-lifetime-extension", block)
                    break


def _transmutes_reference(call: Node, src: Source) -> bool:
    args = call_args(call)
    if args and args[0].type == "reference_expression":
        return True
    func = call.child_by_field_name("function")
    if func is not None and func.type == "generic_function" and any(
            True for _ in descendants(func, frozenset({"reference_type"}))):
        return True
    # `let r: &mut T = transmute(x);` or `let r: &mut T = unsafe { transmute(x) };`
    value = call
    while value.parent is not None and (
            value.parent.type in ("unsafe_block", "parenthesized_expression")
            or (value.parent.type == "block" and is_tail(value, value.parent))):
        value = value.parent
    let = value.parent if value.parent is not None and value.parent.type == "let_declaration" \
        else None
    ty = let.child_by_field_name("type") if let is not None else None
    return ty is not None and ty.type == "reference_type"


# ----------------------------------------------------------------------- 2.4 polonius-the-crab-call

@detector("polonius-the-crab-call")
def _polonius_the_crab(ctx: Context, matches: list[Captures]) -> None:
    for caps in matches:
        node = _one(caps, "hit")
        if node is not None:
            ctx.add("polonius-the-crab-call", node)
            continue
        node = _one(caps, "use")
        if node is not None:
            ctx.add("polonius-the-crab-call", node, variant="use")


# ------------------------------------------------------------------- 2.5 index-instead-of-reference

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
def _index_instead_of_reference(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        search = _one(caps, "search") or _one(caps, "search_loop")
        if search is None:
            continue
        fn = enclosing_fn(search)
        if fn is None or not returns_borrow(fn, src):
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


def _index_by_derivation(ctx: Context) -> None:
    src = ctx.src
    if b"[" not in src.data and b"get" not in src.data:
        return
    for fn, _name in src.functions():
        body = fn.child_by_field_name("body")
        if body is None:
            continue
        data = src.data
        arrow = data.find(b"->", fn.start_byte, body.start_byte)
        if arrow == -1 or (data.find(b"mut", fn.start_byte, body.start_byte) == -1
                           and data.find(b"self", fn.start_byte, body.start_byte) == -1):
            continue
        if (data.find(b"[", body.start_byte, body.end_byte) == -1
                and data.find(b"get", body.start_byte, body.end_byte) == -1) or \
                not _SEARCH_HINT_BYTES.search(data, body.start_byte, body.end_byte):
            continue
        if not returns_borrow(fn, src) or not _mutable_access(fn, src):
            continue
        for site in descendants(body, _REBORROW_SITE):
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


def _searches(node: Node | None, place: str, src: Source) -> bool:
    """Whether `node` reads collection `place` through a search (an iterator, a length, ..)."""
    if node is None:
        return False
    text = src.norm(node)
    at = text.find(place)
    while at != -1:
        end = at + len(place)
        before = text[at - 1] if at > 0 else " "
        if not (before.isalnum() or before in "_.") and _SEARCH_HINT.search(text, end):
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
    if _searches(value, place, src):
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


# -------------------------------------------------------------------------- 2.6 clone-to-end-borrow

@detector("clone-to-end-borrow")
def _clone_to_end_borrow(ctx: Context, matches: list[Captures]) -> None:
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


# ---------------------------------------------------------------- 2.7 cps-callback-instead-of-return

@detector("cps-callback-instead-of-return")
def _cps_callback(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        fn, sig = _one(caps, "fn"), _one(caps, "signature")
        if fn is None or sig is None:
            continue
        sig_params = sig.child_by_field_name("parameters")
        if sig_params is None or not any(p.type == "reference_type"
                                         for p in sig_params.named_children):
            continue
        callback = _one(caps, "callback")
        names: set[str] = set()
        if callback is not None:
            names.add(src.text(callback))
        else:
            generic = src.text(_one(caps, "generic"))
            for node in (fn.child_by_field_name("parameters") or fn).named_children:
                if node.type == "parameter" and src.norm(node.child_by_field_name("type")) in (
                        generic, f"&mut{generic}", f"&{generic}"):
                    names.add(src.text(node.child_by_field_name("pattern")).removeprefix("mut "))
        ret = fn.child_by_field_name("return_type")
        sig_ret = sig.child_by_field_name("return_type")
        # the function hands back what the callback returns (both may return nothing)
        if (ret is None) != (sig_ret is None) or (
                ret is not None and sig_ret is not None and src.norm(ret) != src.norm(sig_ret)):
            continue
        body = fn.child_by_field_name("body")
        if body is None:
            continue
        calls = [c for c in descendants(body, frozenset({"call_expression"}))
                 if function_path(c, src) in names]
        if len(calls) < 2 or any(enclosing(c, LOOP_KINDS, stop=frozenset({"function_item"}))
                                 for c in calls):
            continue
        if any(_mutation_before(c, body, src) for c in calls):
            ctx.add("cps-callback-instead-of-return", fn)


def _mutation_before(call: Node, body: Node, src: Source) -> bool:
    block = enclosing(call, frozenset({"block"}))
    if block is None or block.id == body.id:
        return False
    for other in descendants(block, frozenset({"call_expression"})):
        if other.end_byte <= call.start_byte and method_name(other, src) in MUTATORS:
            return True
    return False


# ----------------------------------------------------------------- 2.8 lending-iterator-raw-pointer

@detector("lending-iterator-raw-pointer")
def _lending_iterator(ctx: Context, matches: list[Captures]) -> None:
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


# ----------------------------------------------------------------------- 2.9 split-helper-for-cursor

@detector("split-helper-for-cursor")
def _split_helper(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        assign, helper = _one(caps, "assign"), _one(caps, "helper")
        if assign is None or helper is None:
            continue
        fn = enclosing_fn(assign)
        loop = enclosing(assign, LOOP_KINDS, stop=frozenset({"function_item"}))
        if fn is None or loop is None:
            continue
        for definition in ctx.functions_named(src.text(helper)):
            if definition.id == fn.id or not has_mut_self(definition, src):
                continue
            ret = definition.child_by_field_name("return_type")
            if ret is None or ret.type != "reference_type" or "mut" not in src.text(ret):
                continue
            if _refinds(definition, src):
                ctx.add("split-helper-for-cursor", assign)
                break


def _refinds(fn: Node, src: Source) -> bool:
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    for call in descendants(body, frozenset({"call_expression"})):
        name = method_name(call, src)
        if name in REFIND or name.startswith(("push", "insert", "entry", "or_insert")):
            return True
    return False


# ---------------------------------------------------------------------- 2.10 peek-then-advance-cursor

@detector("peek-then-advance-cursor")
def _peek_then_advance(ctx: Context, matches: list[Captures]) -> None:
    for caps in matches:
        assign = _one(caps, "assign")
        if assign is None:
            continue
        loop = enclosing(assign, LOOP_KINDS, stop=frozenset({"function_item",
                                                            "closure_expression"}))
        if loop is not None:
            ctx.add("peek-then-advance-cursor", loop)


# ------------------------------------------------------------------------ 2.11 cursor-reindex-in-loop

_INDEX_SOURCE = re.compile(r"\.(position|rposition|binary_search\w*|enumerate)\s*\(")


@detector("cursor-reindex-in-loop")
def _cursor_reindex(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        assign, index = _one(caps, "assign"), _one(caps, "index")
        if assign is None or index is None or index.type != "identifier":
            continue
        if enclosing(assign, LOOP_KINDS, stop=frozenset({"function_item"})) is None:
            continue
        binding = find_binding(src.text(index), assign, src)
        if binding is None or binding.value is None:
            continue
        value = binding.value
        if value.type == "identifier":
            # `let found = v.iter().position(..); match found { Some(i) => .. }`
            outer = find_binding(src.text(value), value, src)
            value = outer.value if outer is not None and outer.value is not None else value
        if not _INDEX_SOURCE.search(src.text(value)):
            continue
        start = _statement_of(binding.node) if binding.kind != "for" else binding.node
        if start.start_byte > assign.start_byte:
            start = assign
        ctx.add("cursor-reindex-in-loop", start, max(start.end_byte, assign.end_byte))


# ------------------------------------------------------------------------ 2.12 option-take-put-back

@detector("option-take-put-back")
def _option_take_put_back(ctx: Context, matches: list[Captures]) -> None:
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
        restore = next((a for a in descendants(body, frozenset({"assignment_expression"}))
                        if a.start_byte > take.end_byte
                        and src.norm(a.child_by_field_name("left")) == place), None)
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


# --------------------------------------------------------------------- 2.13 clone-collection-to-iterate

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
def _clone_collection(ctx: Context, matches: list[Captures]) -> None:
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


# ------------------------------------------------------------------- 2.14 split-borrow-free-function

_NOT_A_SPLIT = re.compile(r"(^|::)(swap|replace|take|polonius|drop|forget|read|write)$")


@detector("split-borrow-free-function")
def _split_borrow_free_function(ctx: Context, matches: list[Captures]) -> None:
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
