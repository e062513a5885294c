"""Detection plumbing shared by the rules: hits, the per-run context, the registry, and helpers
more than one rule uses. Each id's detector lives in its module under `checkers.patterns.rules`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from checkers.patterns._tree import (
    Source,
    ancestors,
    enclosing,
    enclosing_fn,
    find_binding,
    method_name,
    receiver,
    self_param,
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


def _collection(call: Node, src: Source) -> Node | None:
    """The collection a call works on: `v` for `v.iter().position(..)`, `m` for `m.get(k)`."""
    rec = receiver(call)
    while rec is not None and rec.type == "call_expression" and method_name(rec, src) in ITERS:
        rec = receiver(rec)
    return rec


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
    referenced = False
    while cur.type in ("type_cast_expression", "reference_expression", "parenthesized_expression",
                       "unary_expression"):
        if cur.type == "type_cast_expression":
            casts += 1
            nxt = cur.child_by_field_name("value")
        else:
            referenced |= cur.type == "reference_expression"
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
        if not referenced and casts:
            return None  # `self.0 as *mut T`: the field already is a raw pointer (FFI, COM)
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


