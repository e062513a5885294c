"""Where each detector's query runs: trigger tokens in the text → the small subtrees that can match.

A full-tree query walk costs as much as the parse on a large file, and most detectors need only a
few places: the functions that mention `entry`, the `unsafe` blocks, the `let` statements. Each
`Plan` names the tokens without which its query cannot match, and maps every occurrence to the
smallest node that holds any match the occurrence can belong to. Running the family's query on
those nodes finds exactly the matches a full-tree run would (a superset of triggers is harmless;
nested scopes are merged so no match is seen twice).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tree_sitter import Node, QueryCursor

from checkers.patterns._tree import (
    Source,
    family_query,
    has_mut_ref_param,
    has_mut_self,
    returns_borrow,
)

Scope = Callable[[Node, "Scan"], Node | None]
FnCheck = Callable[[Node, bytes, Source], bool]

_STATEMENT_PARENTS = frozenset({"block", "source_file", "declaration_list", "ERROR"})
#: Node kinds a bare trait object's type tree is made of (climbed from a trigger to the top type).
_TYPE_KINDS = frozenset({
    "reference_type", "pointer_type", "generic_type", "type_identifier", "scoped_type_identifier",
    "bounded_type", "function_type", "tuple_type", "array_type", "dynamic_type", "abstract_type",
    "primitive_type", "type_arguments", "type_binding", "lifetime", "for_lifetimes",
    "removed_trait_bound", "higher_ranked_trait_bound",
})


@dataclass
class Scan:
    """Per-run caches shared by the plans: token positions and the leaf node at each of them."""

    src: Source
    _leaves: dict[int, Node | None] = field(default_factory=dict)
    _root: Node | None = None
    _functions: list[Node] | None = None
    _checks: dict[tuple[int, int], bool] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)
    _outer: list[int] = field(default_factory=list)

    def positions(self, token: bytes) -> list[int]:
        return self.src.positions(token)

    def functions(self) -> list[Node]:
        """Every `fn` item, in document order."""
        if self._functions is None:
            self._functions = out = [fn for fn, _ in self.src.functions()]
            self._starts = starts = [fn.start_byte for fn in out]
            self._ends = ends = [fn.end_byte for fn in out]
            # the innermost enclosing fn of each fn (functions nest rarely, but they can)
            stack: list[int] = []
            for i, start in enumerate(starts):
                while stack and ends[stack[-1]] <= start:
                    stack.pop()
                self._outer.append(stack[-1] if stack else -1)
                stack.append(i)
        return self._functions

    def fn_at(self, pos: int) -> int:
        """Index in `functions()` of the innermost `fn` holding byte `pos`, or -1."""
        if self._functions is None:
            self.functions()
        i = bisect_right(self._starts, pos) - 1
        ends = self._ends
        while i >= 0 and ends[i] <= pos:
            i = self._outer[i]
        return i

    def passes(self, check: FnCheck, fn: Node) -> bool:
        """`check(fn, signature)`, computed once per run (several plans share a precondition)."""
        key = (id(check), fn.id)
        result = self._checks.get(key)
        if result is None:
            result = self._checks[key] = check(fn, self.src.signature(fn)[1], self.src)
        return result

    def leaf(self, pos: int) -> Node | None:
        leaves = self._leaves
        if pos in leaves:
            return leaves[pos]
        if self._root is None:
            self._root = self.src.tree.root_node
        node = leaves[pos] = self._root.descendant_for_byte_range(pos, pos + 1)
        return node


def nearest(node: Node | None, kinds: frozenset[str]) -> Node | None:
    while node is not None and node.type not in kinds:
        node = node.parent
    return node


def statement(node: Node, _scan: Scan) -> Node | None:
    """The statement or item (a child of a block, the file or an impl body) holding `node`."""
    cur = node
    parent = cur.parent
    while parent is not None and parent.type not in _STATEMENT_PARENTS:
        cur = parent
        parent = cur.parent
    return cur


def _any_fn(_fn: Node, _sig: bytes, _src: Source) -> bool:
    return True


def _p3(fn: Node, sig: bytes, src: Source) -> bool:
    arrow = sig.find(b"->")
    if arrow == -1:
        return False
    ret = sig[arrow:]
    # A borrow may hide behind `Self::Output` or a type alias of the same file.
    if b"&" in ret or b"'" in ret or b"Self::" in ret:
        return returns_borrow(fn, src)
    aliases = src.aliases()
    return bool(aliases) and any(name.encode() in ret for name in aliases) and \
        returns_borrow(fn, src)


def _owned_with_mut(fn: Node, sig: bytes, src: Source) -> bool:
    return b"mut" in sig and not _p3(fn, sig, src) and has_mut_ref_param(fn, src)


def _mut_self(fn: Node, sig: bytes, src: Source) -> bool:
    return b"mut" in sig and b"self" in sig and has_mut_self(fn, src)


_COPIES = (b"clone", b"to_vec", b"to_owned", b"collect")


def _mut_self_copying(fn: Node, sig: bytes, src: Source) -> bool:
    # the same conjunction as `_mut_self(..) and <a copy in the text>`, cheapest tests first
    if b"mut" not in sig or b"self" not in sig:
        return False
    text = src.data[fn.start_byte:fn.end_byte]
    return any(token in text for token in _COPIES) and has_mut_self(fn, src)


def _gat_owner(node: Node, _scan: Scan) -> Node | None:
    return nearest(node, frozenset({"impl_item", "trait_item"}))


def _type_tree(node: Node, _scan: Scan) -> Node | None:
    """The outermost type around a trait name, `+` or `&`: it holds every `&T`/`Box<T>` match."""
    cur = node
    while True:
        parent = cur.parent
        if parent is None:
            break
        if parent.type in _TYPE_KINDS or (parent.type == "parameters" and parent.parent is not None
                                          and parent.parent.type == "function_type"):
            cur = parent
            continue
        break
    return cur if cur.type in _TYPE_KINDS else None


def _self_reassignment(node: Node, scan: Scan) -> Node | None:
    """`c = c.helper(..)`: the statement, when the receiver is the assigned name."""
    field_expr = node.parent
    call = field_expr.parent if field_expr is not None else None
    assign = call.parent if call is not None else None
    if assign is None or assign.type != "assignment_expression":
        return None
    left = assign.child_by_field_name("left")
    if left is None or scan.src.text(left) != scan.src.text(node):
        return None
    return statement(assign, scan)


def _match_statement(node: Node, _scan: Scan) -> Node | None:
    """`match R.get(..) {..}` as a statement with a statement after it (the hoisted mutation)."""
    match = node.parent
    if match is None or match.type != "match_expression":
        return None
    value = match.child_by_field_name("value")
    stmt = match.parent
    if value is None or value.type != "call_expression" or stmt is None or (
            stmt.type != "expression_statement" or stmt.next_named_sibling is None):
        return None
    return stmt


def _let(node: Node, _scan: Scan) -> Node | None:
    let = node.parent
    return let if let is not None and let.type == "let_declaration" else None


def _rebind_let(node: Node, scan: Scan) -> Node | None:
    let = _let(node, scan)
    if let is None:
        return None
    value = let.child_by_field_name("value")
    return let if value is not None and value.type == "identifier" else None


def _block_of_reference_let(node: Node, scan: Scan) -> Node | None:
    let = _let(node, scan)
    if let is None:
        return None
    value = let.child_by_field_name("value")
    ty = let.child_by_field_name("type")
    if not ((value is not None and value.type == "reference_expression")
            or (ty is not None and ty.type == "reference_type")):
        return None
    block = let.parent
    stmt = block.parent if block is not None and block.type == "block" else None
    return stmt if stmt is not None and stmt.type == "expression_statement" else None


@dataclass(frozen=True)
class Plan:
    """How one detector's query is scheduled.

    `gate`: the family cannot match unless one of these tokens occurs (empty: `tokens`).
    `tokens` / `regex`: occurrences that anchor a scope. `root_only`: the scope node is the
    pattern's root, so the query need not walk below it for new match starts. `per_fn`: the
    scopes are the `fn` items that pass this check (the detector's own precondition, on the
    signature) and whose text holds a token or a `regex` match.
    """

    scope: Scope | None = None
    tokens: tuple[bytes, ...] = ()
    regex: re.Pattern[bytes] | None = None
    gate: tuple[bytes, ...] = ()
    root_only: bool = False
    per_fn: FnCheck | None = None


#: epochs.bare_trait's well-known trait names (as substrings: `Fn` also finds `FnMut`, `Read` finds
#: `BufRead`), `+` for bounded types, `(` is not needed: a `Trait(..)` type is one of the `Fn`s.
_BARE_TRAIT_TOKENS = (b"Display", b"Debug", b"Any", b"Iterator", b"Read", b"Write", b"Future",
                      b"Error", b"Fn", b"Seek", b"Hasher", b"ToString", b"+")
_REINDEX = re.compile(rb"&\s*mut\s+\w+\s*\[")
_MUT_SELF_FIELD = re.compile(rb"&\s*mut\s+self\s*\.")
_SELF_CALL = re.compile(rb"=\s*(\w+)\s*\.")
_GAT = re.compile(rb"type\s+\w+\s*<[^>;=]*'")

#: Scheduling plan of every catalog id, filled by `checkers.patterns.rules` (each rule module
#: declares its own `PLAN`).
PLANS: dict[str, Plan] = {}


def _anchors(plan: Plan, scan: Scan) -> Iterator[int]:
    data = scan.src.data
    for token in plan.tokens:
        yield from scan.positions(token)
    if plan.regex is not None:
        for m in plan.regex.finditer(data):
            yield m.start(m.re.groups)


def _gated(plan: Plan, data: bytes) -> bool:
    """False when none of the plan's gate tokens occurs (then its query cannot match); plans
    without a gate are gated by their tokens' positions alone."""
    return not plan.gate or any(token in data for token in plan.gate)


def _fn_scopes(plan: Plan, check: FnCheck, scan: Scan) -> list[Node]:
    fns = scan.functions()
    fn_at, passes = scan.fn_at, scan.passes
    chosen: set[int] = set()
    tried: set[int] = set()  # each fn is judged once, however many anchors it holds
    for pos in _anchors(plan, scan):
        i = fn_at(pos)
        if i >= 0 and i not in tried:
            tried.add(i)
            if passes(check, fns[i]):
                chosen.add(i)
    out: list[Node] = []
    ends = scan._ends
    last_end = -1
    for i in sorted(chosen):
        if not out or ends[i] > last_end:  # else nested in the previous scope
            out.append(fns[i])
            last_end = ends[i]
    return out


def scopes(plan: Plan, scan: Scan) -> list[Node]:
    """The outermost distinct scope nodes of `plan`, in document order."""
    if not _gated(plan, scan.src.data):
        return []
    if plan.per_fn is not None:
        return _fn_scopes(plan, plan.per_fn, scan)
    assert plan.scope is not None
    found: dict[int, Node] = {}
    leaf_at, scope = scan.leaf, plan.scope
    for pos in _anchors(plan, scan):
        leaf = leaf_at(pos)
        node = scope(leaf, scan) if leaf is not None else None
        if node is not None:
            found.setdefault(node.id, node)
    ordered = sorted(found.values(), key=lambda n: (n.start_byte, -n.end_byte))
    out: list[Node] = []
    for node in ordered:
        if out and node.end_byte <= out[-1].end_byte and not plan.root_only:
            continue  # nested in the previous scope, whose walk already covers it
        out.append(node)
    return out


def run_family(name: str, plan: Plan, scan: Scan) -> list[dict[str, list[Node]]]:
    """Every match of rule `name`'s query that a full-tree run would find, in document order."""
    query = family_query(name)
    matches: list[dict[str, list[Node]]] = []
    for node in scopes(plan, scan):
        cursor = QueryCursor(query)
        if plan.root_only:
            cursor.set_max_start_depth(0)
        matches.extend(caps for _, caps in cursor.matches(node))
    return matches
