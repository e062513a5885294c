"""Mechanical rewrites of a found workaround back into its direct form (the proof by rewrite):
the registry, `rewrite`, and the edit helpers; each id's rewriter lives in its rule module.

Each rewriter returns byte edits on the original source; `rewrite` applies them. Edits keep the
line count where they can (deleted statements leave their line behind), so diagnostics on the
rewritten source point at the user's lines. A rewriter returns None when the shape at hand has
no safe mechanical direct form; the compile check, not this module, decides whether it holds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from tree_sitter import Node

from checkers.model import Finding
from checkers.patterns._tree import (
    Source,
    call_args,
    descendants,
    enclosing,
    function_path,
    is_tail,
    same,
)
from checkers.patterns.detectors import Hit, pointer_binding, pointer_origin

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


