"""`unsafe-lifetime-extension`: Raw pointer or transmute to detach a borrow.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _p3
from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    ancestors,
    call_args,
    descendants,
    enclosing,
    enclosing_fn,
    find_binding,
    flows_to_return,
    is_tail,
    method_name,
    receiver,
    returns_borrow,
)
from checkers.patterns.catalog import _CRAB, _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    _reference_local,
    _statement_of,
    _unsafe_of,
    detector,
    pointer_binding,
    pointer_origin,
)
from checkers.patterns.rewrite import Edit, _detach, _find, rewriter

ID = "unsafe-lifetime-extension"

ENTRY = CatalogEntry(
        "unsafe-lifetime-extension", "Raw pointer or transmute to detach a borrow", "P3",
        "pattern", "NLL problem case #3, including its loop forms (#21906, #46589)",
        "A borrow is laundered through a raw pointer or mem::transmute so the borrow checker "
        "stops tracking it, only to return it on one path. Under Polonius the same code is "
        "accepted without unsafe: remove the pointer dance and use the borrow directly. This is "
        "the most valuable finding to act on, because it removes unsafe code. " + _P3_TAIL,
        _CRAB)

QUERY = r"""; unsafe-lifetime-extension (catalog 2.3). Python requires each of these to sit in an
; `unsafe` block of a function that returns a borrow.

; 1. `&mut *(x as *mut T)`
(reference_expression
  value: (unary_expression
    (parenthesized_expression
      (type_cast_expression type: (pointer_type))))) @cast_deref

; 2. `*p` where `p` is a raw pointer bound by `let` (Python resolves the binding)
(unary_expression "*" (identifier) @ptr) @deref

; 3. `transmute(..)` / `mem::transmute::<A, B>(..)`
(call_expression
  function: [
    (identifier) @name
    (scoped_identifier name: (identifier) @name)
    (generic_function function: [
      (identifier) @name
      (scoped_identifier name: (identifier) @name)])]
  (#eq? @name "transmute")) @transmute
"""

PLAN = Plan(per_fn=_p3, tokens=(b"unsafe",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/unsafe-lifetime-extension/",
    "tests/checkers/patterns/data/positive/adv_unsafe_cast_arena.rs",
    "tests/checkers/patterns/data/positive/adv_unsafe_transmute_loop.rs",
    "tests/checkers/patterns/data/positive/unsafe_cast_self.rs",
    "tests/checkers/patterns/data/positive/unsafe_ptr_param.rs",
    "tests/checkers/patterns/data/positive/unsafe_transmute_poll_output.rs",
)


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


@detector("unsafe-lifetime-extension")
def detect(ctx: Context, matches: list[Captures]) -> None:
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
            if len(re.findall(r"&\s*mut\s*\(?\s*\*\s*" + re.escape(src.text(ptr)) + r"\b",
                              src.text(block))) > 1:
                continue  # two `&mut` from one pointer at once: disjoint parts, not a detachment
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
    before, after = src.text(kinds[0]), src.text(kinds[1])
    if strip.sub("", before) != strip.sub("", after):
        return True
    # `&'a mut Ctx<'static>` → `&'a mut Ctx<'a>`: the borrow's own lifetime is unchanged, only a
    # type parameter's is (variance), so no borrow is detached
    outer = re.compile(r"^&\s*('\w+)?")
    b, a = outer.match(before.strip()), outer.match(after.strip())
    return b is not None and a is not None and b.group(1) == a.group(1) and \
        re.sub(r"\s+", "", before) != re.sub(r"\s+", "", after)


_NONNULL_FROM = re.compile(r"^NonNull\s*::\s*(from|new_unchecked|new)\b")


def _nonnull_extension(ctx: Context) -> None:
    """`let mut p = NonNull::from(&mut *self); .. unsafe { p.as_mut() }` returned: the same
    detachment spelled with `NonNull` (intrusive lists keep their pointers in fields instead)."""
    src = ctx.src
    if b"NonNull" not in src.data or b"unsafe" not in src.data:
        return
    find = src.data.find
    for fn, _name in src.functions():
        # the whole item's text first (the body is in it): no tree access for most functions
        start, end = fn.start_byte, fn.end_byte
        if find(b"as_mut", start, end) == -1 and find(b"as_ref", start, end) == -1:
            continue
        body = fn.child_by_field_name("body")
        if body is None or (find(b"as_mut", body.start_byte, body.end_byte) == -1
                            and find(b"as_ref", body.start_byte, body.end_byte) == -1):
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


@rewriter("unsafe-lifetime-extension")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    block = _find(src, hit.start, {"unsafe_block"}, hit.end)
    fn = enclosing_fn(block) if block is not None else None
    if block is None or fn is None:
        return None
    return _detach(src, fn, [block])
