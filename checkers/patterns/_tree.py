"""Tree-sitter plumbing for the pattern detectors: cached parser and queries, node helpers."""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Query, Tree

_LOCAL = threading.local()
_NEWLINE = re.compile(rb"\n")
#: `\btype\s+(name)`, searched as `type\s+(name)` with the word boundary checked in Python
#: (`word_finditer`): a pattern that starts with `\b` has no literal prefix, so `re` would try it
#: at every byte of the file.
_TYPE_ITEM = re.compile(rb"type\s+([A-Za-z_]\w*)")
_WORD_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_FN_NAME = re.compile(rb"fn\s+(\w+)")
_LANGUAGE_LOCK = threading.Lock()
_LANGUAGE: Language | None = None

#: Method calls that pass a borrow through unchanged on its way to a `return`.
PASS_THROUGH_METHODS = frozenset({
    "unwrap", "expect", "unwrap_unchecked", "as_mut", "as_ref", "as_deref", "as_deref_mut",
    "as_str", "as_slice", "as_mut_slice", "borrow", "borrow_mut", "ok", "ok_or", "ok_or_else",
    "map", "map_err", "unwrap_or_else",
})
#: Calls that wrap a value on its way to a `return` (`Some(x)`, `Ok(x)`, ...).
WRAPPER_CALLS = frozenset({"Some", "Ok", "Err", "Box::new", "Left", "Right", "Poll::Ready", "Ready",
                           "ControlFlow::Break", "Break", "Either::Left", "Either::Right"})

BLOCK_KINDS = frozenset({"block"})
LOOP_KINDS = frozenset({"loop_expression", "while_expression", "for_expression"})


def language() -> Language:
    """The tree-sitter-rust language, loaded once per process."""
    global _LANGUAGE
    if _LANGUAGE is None:
        with _LANGUAGE_LOCK:
            if _LANGUAGE is None:
                _LANGUAGE = Language(tree_sitter_rust.language())
    return _LANGUAGE


def parse(data: bytes) -> Tree:
    """Parse with this thread's parser (tree-sitter parsers must not be shared across threads)."""
    parser: Parser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = Parser(language())
        _LOCAL.parser = parser
    return parser.parse(data)


#: The tree-sitter query of every catalog id, filled by `checkers.patterns.rules` (each rule
#: module declares its own `QUERY`).
QUERIES: dict[str, str] = {}


def query_names() -> tuple[str, ...]:
    """Every catalog id that has a query, sorted."""
    return tuple(sorted(QUERIES))


def query_source(name: str) -> str:
    return QUERIES[name]


@cache
def family_query(name: str) -> Query:
    """The compiled query of catalog id `name` (one per detector, run only where it can match)."""
    return Query(language(), query_source(name))


@lru_cache(maxsize=64)
def helper_query(text: str) -> Query:
    """A small query used inside one subtree (compiled once per distinct text)."""
    return Query(language(), text)


@lru_cache(maxsize=512)
def _literal(token: bytes) -> re.Pattern[bytes]:
    return re.compile(re.escape(token))


@dataclass
class Source:
    """The bytes being analysed plus per-run caches (one instance per `detect` call)."""

    data: bytes
    tree: Tree
    fn_borrow_cache: dict[int, bool] = field(default_factory=dict)
    mut_self_cache: dict[int, bool] = field(default_factory=dict)
    _line_starts: list[int] | None = None
    _functions: list[tuple[Node, str]] | None = None
    _aliases: dict[str, Node] | None = None
    names: Any = None  # the epoch detectors' resolved `use`/declared names (epochs._Names)
    _positions: dict[bytes, list[int]] = field(default_factory=dict)
    _signatures: dict[int, tuple[Node | None, bytes]] = field(default_factory=dict)

    def signature(self, fn: Node) -> tuple[Node | None, bytes]:
        """`fn`'s body node and the text before it (the whole item when it has no body), once
        per fn: the plans' preconditions and several rules read them."""
        found = self._signatures.get(fn.id)
        if found is None:
            body = fn.child_by_field_name("body")
            end = body.start_byte if body is not None else fn.end_byte
            found = self._signatures[fn.id] = (body, self.data[fn.start_byte:end])
        return found

    def positions(self, token: bytes) -> list[int]:
        """Start of every non-overlapping occurrence of `token`, left to right (what a `find`
        loop returns; `re`'s literal search gets them faster than repeated `bytes.find` calls),
        found once per source and shared by the plans and the detectors."""
        found = self._positions.get(token)
        if found is None:
            found = self._positions[token] = [m.start() for m in _literal(token).finditer(self.data)]
        return found

    def aliases(self) -> dict[str, Node]:
        """Module-level `type Name<..> = T;` items of the file (name → T), found once."""
        if self._aliases is None:
            found: dict[str, Node] = {}
            for node in self.items_named(_TYPE_ITEM, frozenset({"type_item"}), word=True):
                parent = node.parent
                if parent is not None and parent.type == "declaration_list" and \
                        parent.parent is not None and parent.parent.type == "impl_item":
                    continue  # associated types are resolved per impl
                name, value = node.child_by_field_name("name"), node.child_by_field_name("type")
                if name is not None and value is not None:
                    found.setdefault(self.text(name), value)
            self._aliases = found
        return self._aliases

    def items_named(self, pattern: re.Pattern[bytes], kinds: frozenset[str], *,
                    word: bool = False) -> list[Node]:
        """Items found from the text (`pattern`'s group 1 is the item's name) and checked against
        the tree, as `functions` does: no walk over the whole tree. `word`: the pattern only
        matches at a word boundary (as if it began with `\\b`)."""
        out: list[Node] = []
        root = self.tree.root_node
        found = word_finditer(pattern, self.data) if word else pattern.finditer(self.data)
        for m in found:
            name = root.descendant_for_byte_range(m.start(1), m.end(1))
            item = name.parent if name is not None else None
            if item is not None and item.type in kinds:
                out.append(item)
        return out

    def functions(self) -> list[tuple[Node, str]]:
        """Every `fn` item, in document order, with its name.

        Found from the text (`fn name`) and checked against the tree: a query walk over the
        whole tree costs as much as the parse.
        """
        if self._functions is None:
            out: list[tuple[Node, str]] = []
            root = self.tree.root_node
            data = self.data
            find = root.descendant_for_byte_range
            for m in _FN_NAME.finditer(data):
                start, end = m.span(1)
                name = find(start, end)
                if name is None or name.type != "identifier":
                    continue
                fn = name.parent
                # the only identifier directly under a function_item is its name
                if fn is not None and fn.type == "function_item":
                    out.append((fn, data[start:end].decode("utf-8", "replace")))
            self._functions = out
        return self._functions

    @property
    def line_starts(self) -> list[int]:
        """Byte offset of every line start (computed on first use: most runs report few hits)."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(self.data))]
        return self._line_starts

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def norm(self, node: Node | None) -> str:
        """Node text with all whitespace removed, for comparing receivers and calls."""
        return "".join(self.text(node).split())

    def line_col(self, byte: int) -> tuple[int, int]:
        """1-based line and 1-based character column of a byte offset."""
        row = bisect_right(self.line_starts, byte) - 1
        start = self.line_starts[row]
        col = len(self.data[start:byte].decode("utf-8", "replace")) + 1
        return row + 1, col


def word_finditer(pattern: re.Pattern[bytes], data: bytes, pos: int = 0,
                  endpos: int | None = None) -> Iterator[re.Match[bytes]]:
    """The matches `re.finditer` finds for `\\b` + `pattern` (a non-empty pattern that starts
    with a word character), the same ones in the same order, at the speed of `pattern` alone: a
    candidate after a word character is dropped and the search resumes one byte later, exactly
    where `re` would have tried next."""
    end = len(data) if endpos is None else endpos
    search = pattern.search
    m = search(data, pos, end)
    while m is not None:
        start = m.start()
        if start == 0 or data[start - 1] not in _WORD_BYTES:
            yield m
            m = search(data, m.end(), end)
        else:
            m = search(data, start + 1, end)


# ---------------------------------------------------------------------------- navigation

def ancestors(node: Node) -> Iterator[Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


def enclosing(node: Node, kinds: frozenset[str] | set[str], *,
              stop: frozenset[str] = frozenset()) -> Node | None:
    for anc in ancestors(node):
        if anc.type in kinds:
            return anc
        if anc.type in stop:
            return None
    return None


def enclosing_fn(node: Node) -> Node | None:
    """The `fn` whose body holds `node`; a closure in between means its `return` is the closure's."""
    for anc in ancestors(node):
        if anc.type == "function_item":
            return anc
        if anc.type == "closure_expression":
            return None
    return None


def descendants(node: Node, kinds: frozenset[str] | set[str]) -> Iterator[Node]:
    """Pre-order descendants (node included) whose type is in `kinds`."""
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        cur = pop()
        if cur.type in kinds:
            yield cur
        kids = cur.named_children
        if kids:
            push(reversed(kids))


def contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def same(a: Node | None, b: Node | None) -> bool:
    return a is not None and b is not None and a.id == b.id


def method_name(call: Node, src: Source) -> str:
    """`m` for a call `recv.m(..)`, else the empty string."""
    func = call.child_by_field_name("function")
    if func is None:
        return ""
    if func.type == "generic_function":
        func = func.child_by_field_name("function")
    if func is not None and func.type == "field_expression":
        return src.text(func.child_by_field_name("field"))
    return ""


def receiver(call: Node) -> Node | None:
    """`recv` for a call `recv.m(..)`."""
    func = call.child_by_field_name("function")
    if func is not None and func.type == "generic_function":
        func = func.child_by_field_name("function")
    if func is not None and func.type == "field_expression":
        return func.child_by_field_name("value")
    return None


def call_args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def function_path(call: Node, src: Source) -> str:
    """`f` / `a::b::f` for a plain (non-method) call, else the empty string."""
    func = call.child_by_field_name("function")
    if func is not None and func.type == "generic_function":
        func = func.child_by_field_name("function")
    if func is not None and func.type in ("identifier", "scoped_identifier"):
        return src.norm(func)
    return ""


def is_tail(node: Node, block: Node) -> bool:
    """Whether `node` (a child of `block`) is the block's value (no trailing semicolon)."""
    last = None
    for child in block.named_children:
        if child.type not in ("line_comment", "block_comment"):
            last = child
    if last is None or last.id != node.id:
        return False
    if node.type == "expression_statement":
        tail = node.child(node.child_count - 1)
        return tail is not None and tail.type != ";"
    return node.type not in ("let_declaration", "empty_statement") and not node.type.endswith(
        "_item")


def fn_body(fn: Node) -> Node | None:
    return fn.child_by_field_name("body")


def returns_borrow(fn: Node, src: Source) -> bool:
    """Whether the function's return type carries a (non-`'static`) borrow or lifetime."""
    cached = src.fn_borrow_cache.get(fn.id)
    if cached is not None:
        return cached
    ret = fn.child_by_field_name("return_type")
    result = ret is not None and (_carries_borrow(ret, src) or _hidden_borrow(ret, fn, src))
    src.fn_borrow_cache[fn.id] = result
    return result


def _carries_borrow(ty: Node, src: Source) -> bool:
    """Whether a type's text holds a reference or a lifetime other than `'static`."""
    for node in descendants(ty, frozenset({"reference_type", "lifetime"})):
        if node.type == "lifetime":
            if src.text(node) != "'static":
                return True
        else:
            life = next((c for c in node.named_children if c.type == "lifetime"), None)
            if life is None or src.text(life) != "'static":
                return True
    return False


def _hidden_borrow(ret: Node, fn: Node, src: Source, *, depth: int = 0) -> bool:
    """A borrow behind a name declared in the same file: `Self::Item` / `Self::Output` resolved in
    the enclosing `impl` (`type Output = io::Result<&'a [u8]>;`), a type alias (`type Slot =
    &'static ..` does not count) resolved among the file's `type` items."""
    if depth > 3:
        return False
    for node in descendants(ret, frozenset({"scoped_type_identifier", "type_identifier"})):
        if node.type == "scoped_type_identifier":
            path = node.child_by_field_name("path")
            name = node.child_by_field_name("name")
            if path is None or name is None or src.text(path) != "Self":
                continue
            value = _impl_assoc_type(fn, src.text(name), src)
        else:
            parent = node.parent
            if parent is not None and parent.type == "scoped_type_identifier":
                continue
            value = _type_alias(src.text(node), src)
        if value is not None and (_carries_borrow(value, src)
                                  or _hidden_borrow(value, fn, src, depth=depth + 1)):
            return True
    return False


def _impl_assoc_type(fn: Node, name: str, src: Source) -> Node | None:
    impl = fn.parent.parent if fn.parent is not None else None
    if impl is None or impl.type != "impl_item":
        return None
    body = impl.child_by_field_name("body")
    for item in body.named_children if body is not None else []:
        if item.type == "type_item":
            item_name = item.child_by_field_name("name")
            if item_name is not None and src.text(item_name) == name:
                return item.child_by_field_name("type")
    return None


def _type_alias(name: str, src: Source) -> Node | None:
    aliases = src.aliases()
    return aliases.get(name)


def self_param(fn: Node) -> Node | None:
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    return next((c for c in params.named_children if c.type == "self_parameter"), None)


def has_mut_self(fn: Node, src: Source) -> bool:
    """Whether `fn` takes `&mut self` (computed once per fn and source: many plans and rules
    ask)."""
    cached = src.mut_self_cache.get(fn.id)
    if cached is None:
        sp = self_param(fn)
        cached = src.mut_self_cache[fn.id] = sp is not None and src.norm(sp).startswith(
            "&") and "mut" in src.text(sp)
    return cached


def params(fn: Node) -> list[Node]:
    node = fn.child_by_field_name("parameters")
    return [c for c in node.named_children if c.type == "parameter"] if node else []


def param_named(fn: Node, name: str, src: Source) -> Node | None:
    for p in params(fn):
        if src.text(p.child_by_field_name("pattern")).removeprefix("mut ").strip() == name:
            return p
    return None


def has_mut_ref_param(fn: Node, src: Source) -> bool:
    if has_mut_self(fn, src):
        return True
    for p in params(fn):
        ty = p.child_by_field_name("type")
        if ty is not None and ty.type == "reference_type" and any(
                c.type == "mutable_specifier" for c in ty.children):
            return True
    return False


def root_path(node: Node, src: Source) -> str:
    """The place a receiver chain starts from: `self.names` for `self.names.get(..)`, `v` for `v[i]`."""
    cur: Node | None = node
    while cur is not None:
        if cur.type == "call_expression":
            cur = receiver(cur)
        elif cur.type in ("index_expression", "try_expression", "parenthesized_expression",
                          "reference_expression", "unary_expression"):
            cur = cur.named_children[-1] if cur.type in (
                "reference_expression", "unary_expression") else cur.named_children[0]
        elif cur.type == "field_expression":
            value = cur.child_by_field_name("value")
            if value is not None and value.type in ("self", "identifier"):
                return src.norm(cur)
            cur = value
        else:
            return src.norm(cur)
    return ""


def pattern_binds(pattern: Node | None, name: str, src: Source) -> bool:
    if pattern is None:
        return False
    return any(src.text(n) == name for n in descendants(pattern, frozenset({"identifier"})))


@dataclass(frozen=True)
class Binding:
    """Where a local name comes from: `kind` is let / let_condition / match_arm / for / param / closure."""

    kind: str
    node: Node
    value: Node | None


def find_binding(name: str, at: Node, src: Source) -> Binding | None:
    """The nearest binding of `name` visible at `at` (lexical, best effort, no macros)."""
    child = at
    for anc in ancestors(at):
        kind = anc.type
        if kind == "block":
            for stmt in reversed(anc.named_children):
                if stmt.start_byte >= child.start_byte:
                    continue
                if stmt.type == "let_declaration" and pattern_binds(
                        stmt.child_by_field_name("pattern"), name, src):
                    return Binding("let", stmt, stmt.child_by_field_name("value"))
        elif kind in ("if_expression", "while_expression") and same(
                anc.child_by_field_name("consequence") or anc.child_by_field_name("body"), child):
            cond = anc.child_by_field_name("condition")
            if cond is not None:
                for lc in descendants(cond, frozenset({"let_condition"})):
                    if pattern_binds(lc.child_by_field_name("pattern"), name, src):
                        return Binding("let_condition", lc, lc.child_by_field_name("value"))
        elif kind == "match_arm" and not same(anc.child_by_field_name("pattern"), child):
            if pattern_binds(anc.child_by_field_name("pattern"), name, src):
                match = enclosing(anc, frozenset({"match_expression"}))
                return Binding("match_arm", anc,
                               match.child_by_field_name("value") if match else None)
        elif kind == "for_expression" and same(anc.child_by_field_name("body"), child):
            if pattern_binds(anc.child_by_field_name("pattern"), name, src):
                return Binding("for", anc, anc.child_by_field_name("value"))
        elif kind == "closure_expression":
            if pattern_binds(anc.child_by_field_name("parameters"), name, src):
                return Binding("closure", anc, None)
        elif kind == "function_item":
            p = param_named(anc, name, src)
            if p is not None:
                return Binding("param", p, None)
            return None
        child = anc
    return None


def flows_to_return(node: Node, fn: Node, src: Source, *, depth: int = 0) -> bool:
    """Whether the value of `node` leaves `fn` (through `return`, the tail, `?`, wrappers, a `let`)."""
    cur = node
    while True:
        parent = cur.parent
        if parent is None:
            return False
        kind = parent.type
        if kind == "return_expression":
            return True
        if kind in ("try_expression", "parenthesized_expression", "reference_expression",
                    "unary_expression", "type_cast_expression"):
            cur = parent
            continue
        if kind == "index_expression" and same(parent.named_children[0], cur):
            cur = parent
            continue
        if kind == "field_expression" and same(parent.child_by_field_name("value"), cur):
            call = parent.parent
            if (call is not None and call.type == "call_expression"
                    and method_name(call, src) in PASS_THROUGH_METHODS):
                cur = call
                continue
            return False
        if kind == "arguments":
            call = parent.parent
            if call is not None and function_path(call, src) in WRAPPER_CALLS:
                cur = call
                continue
            return False
        if kind == "block":
            if not is_tail(cur, parent):
                return False
            holder = parent.parent
            if holder is None:
                return False
            if holder.id == fn.id:
                return True
            if holder.type in ("if_expression", "else_clause", "unsafe_block", "match_arm",
                               "block", "expression_statement"):
                cur = parent
                continue
            return False
        if kind == "expression_statement":
            block = parent.parent
            if block is not None and block.type == "block" and is_tail(parent, block):
                cur = parent
                continue
            return False
        if kind in ("else_clause", "unsafe_block"):
            cur = parent
            continue
        if kind == "if_expression":
            if same(parent.child_by_field_name("condition"), cur):
                return False
            cur = parent
            continue
        if kind == "match_arm":
            if not same(parent.child_by_field_name("value"), cur):
                return False
            match = enclosing(parent, frozenset({"match_expression"}))
            if match is None:
                return False
            cur = match
            continue
        if kind == "match_block":
            return False
        if kind == "let_declaration" and depth < 3:
            return _binding_returned(parent, fn, src, depth)
        return False


def _binding_returned(let: Node, fn: Node, src: Source, depth: int) -> bool:
    pattern = let.child_by_field_name("pattern")
    if pattern is None or pattern.type != "identifier":
        return False
    name = src.text(pattern)
    block = let.parent
    if block is None:
        return False
    for ident in descendants(block, frozenset({"identifier"})):
        if ident.start_byte > let.end_byte and src.text(ident) == name and flows_to_return(
                ident, fn, src, depth=depth + 1):
            return True
    return False


def strip_wrappers(node: Node, src: Source) -> Node:
    """`x` for `x.unwrap()`, `x.expect(..)`, `Some(x)`, `x?`, `(x)`, `&mut x`."""
    cur = node
    while True:
        if cur.type == "call_expression":
            if method_name(cur, src) in PASS_THROUGH_METHODS:
                rec = receiver(cur)
                if rec is None:
                    return cur
                cur = rec
                continue
            if function_path(cur, src) in WRAPPER_CALLS and len(call_args(cur)) == 1:
                cur = call_args(cur)[0]
                continue
            return cur
        if cur.type in ("try_expression", "parenthesized_expression"):
            cur = cur.named_children[0]
            continue
        if cur.type == "reference_expression":
            cur = cur.named_children[-1]
            continue
        return cur
