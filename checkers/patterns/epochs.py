"""Idiom-epoch detectors: outdated-idiom markers (try!, failure, tokio 0.x, pre-NLL blocks, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    ancestors,
    descendants,
    enclosing,
    enclosing_fn,
    find_binding,
    method_name,
    receiver,
    returns_borrow,
    root_path,
    same,
)
from checkers.patterns.detectors import MUTATORS, Captures, Context, _one, detector

_NON_CODE = frozenset({"line_comment", "block_comment", "string_literal", "raw_string_literal",
                       "char_literal", "string_content", "doc_comment"})
_TRY = re.compile(rb"(?<![\w#])try\s*!\s*\(")


def matching_paren(data: bytes, open_at: int, *, limit: int = 1 << 16) -> int:
    """Byte offset just past the `)` closing the `(` at `open_at` (strings skipped); the end of
    the scanned window when unbalanced, so garbage input still yields a finite span."""
    depth = 0
    i = open_at
    end = min(len(data), open_at + limit)
    while i < end:
        c = data[i]
        if c == 0x22:  # a string literal: skip to its closing quote, honouring escapes
            i += 1
            while i < end and data[i] != 0x22:
                i += 2 if data[i] == 0x5C else 1
        elif c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return end


def _in_code(src: Source, byte: int) -> bool:
    node = src.tree.root_node.descendant_for_byte_range(byte, byte + 1)
    while node is not None:
        if node.type in _NON_CODE:
            return False
        node = node.parent
    return True


@detector("epoch-try-macro")
def _try_macro(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        macro = _one(caps, "macro_call")
        if macro is not None:
            ctx.add("epoch-try-macro", macro)
    # `try!(..)` leaves an ERROR node, but error recovery does not always put `try!` inside
    # it; a textual scan of a tree with errors finds every occurrence (comments and strings
    # are excluded below), and is cheaper than scanning each ERROR node.
    starts: list[int] = []
    if src.tree.root_node.has_error:
        find = src.data.find
        pos = find(b"try")
        while pos != -1:
            if _TRY.match(src.data, pos):
                starts.append(pos)
            pos = find(b"try", pos + 3)
    for start in starts:
        if not _in_code(src, start):
            continue
        open_at = src.data.index(b"(", start)
        ctx.add("epoch-try-macro", start, matching_paren(src.data, open_at), variant="try")


@detector("epoch-failure-crate")
def _failure_crate(ctx: Context, matches: list[Captures]) -> None:
    macros: list[Node] = []
    imported = False
    for caps in matches:
        if "macro_call" in caps:
            macros.extend(caps["macro_call"])
            continue
        node = _one(caps, "use") or _one(caps, "hit")
        if node is not None:
            imported = True
            if node.type == "attribute" and node.parent is not None:
                node = node.parent
            ctx.add("epoch-failure-crate", node)
            continue
        path = _one(caps, "path")
        if path is None or enclosing(path, frozenset({"use_declaration"})) is not None:
            continue
        while path.parent is not None and path.parent.type in ("scoped_identifier",
                                                                "scoped_type_identifier"):
            path = path.parent
        imported = True
        ctx.add("epoch-failure-crate", path)
    if imported:
        # anyhow has the same macro names: they only count next to a `failure` import.
        for macro in macros:
            ctx.add("epoch-failure-crate", macro, confidence="medium")


def _outermost_path(path: Node) -> Node:
    """`a::b::c` for the `a::b` node inside it (a path is judged as a whole)."""
    while path.parent is not None and path.parent.type in (
            "scoped_identifier", "scoped_type_identifier") and same(
            path.parent.child_by_field_name("path"), path):
        path = path.parent
    return path


_TOKIO_EXACT = frozenset({"tokio::run", "tokio::spawn_async", "tokio_core", "tokio_io"})
_TOKIO_PREFIXES = ("tokio_core::", "tokio_io::", "tokio::executor::", "tokio::reactor::",
                   "tokio::runtime::current_thread", "tokio_timer::", "tokio_executor::")


@detector("epoch-tokio-0x-runtime")
def _tokio_0x(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    calls: list[Node] = []
    marked = False
    for caps in matches:
        if "call" in caps:
            calls.extend(caps["call"])
            continue
        node = _one(caps, "hit") or _one(caps, "use")
        if node is not None:
            marked = True
            ctx.add("epoch-tokio-0x-runtime", node)
            continue
        future = _one(caps, "future_type")
        if future is not None:
            args = future.child_by_field_name("type_arguments")
            names = {src.text(b.child_by_field_name("name"))
                     for b in (args.named_children if args is not None else [])
                     if b.type == "type_binding"}
            if {"Item", "Error"} <= names:
                marked = True
                ctx.add("epoch-tokio-0x-runtime", future)
            continue
        path = _one(caps, "path")
        if path is None or enclosing(path, frozenset({"use_declaration"})) is not None:
            continue
        path = _outermost_path(path)
        text = src.norm(path).removeprefix("::")
        if text in _TOKIO_EXACT or text.startswith(_TOKIO_PREFIXES):
            marked = True
            ctx.add("epoch-tokio-0x-runtime", path)
    if not marked:
        return
    # `.wait()` and `core.run(..)` are only futures-0.1 calls next to another 0.x marker
    # (`Child::wait()`, `Barrier::wait()` share the name).
    for call in calls:
        method = method_name(call, src)
        args = call.child_by_field_name("arguments")
        if method == "wait" and args is not None and not args.named_children:
            rec = receiver(call)
            if rec is not None and rec.type == "call_expression":
                ctx.add("epoch-tokio-0x-runtime", call, confidence="medium")
        elif method == "run":
            rec = receiver(call)
            if rec is None or rec.type != "identifier":
                continue
            binding = find_binding(src.text(rec), call, src)
            if binding is not None and binding.value is not None and "Core::new" in src.text(
                    binding.value):
                ctx.add("epoch-tokio-0x-runtime", call)


@detector("epoch-async-std")
def _async_std(ctx: Context, matches: list[Captures]) -> None:
    """One finding per import site (`use`, `extern crate`, `#[async_std::..]`); a fully
    qualified `async_std::..` path counts only where no import site exists, once per `fn`."""
    sites = [s for caps in matches if (s := _one(caps, "site")) is not None]
    for site in sites:
        ctx.add("epoch-async-std", site)
    if sites:
        return
    seen: set[tuple[int, int]] = set()
    for caps in matches:
        path = _one(caps, "path")
        if path is None or enclosing(path, frozenset({"use_declaration", "attribute_item"})):
            continue
        fn = enclosing_fn(path)
        key = (fn.start_byte, fn.end_byte) if fn is not None else (-1, -1)
        if key not in seen:
            seen.add(key)
            ctx.add("epoch-async-std", _outermost_path(path))


def _reference_let(let: Node) -> bool:
    value = let.child_by_field_name("value")
    ty = let.child_by_field_name("type")
    return (value is not None and value.type == "reference_expression") or (
        ty is not None and ty.type == "reference_type")


#: Calls whose result is a guard (or borrows from a temporary guard): a block ending it is
#: needed with any borrow checker, so it is no pre-NLL scope.
_GUARD_CALLS = frozenset({"lock", "read", "write", "try_lock", "try_read", "try_write",
                          "borrow", "borrow_mut", "pin", "enter", "upgradable_read", "lock_arc",
                          "read_arc", "write_arc", "guard", "span"})


def _holds_guard(let: Node, src: Source) -> bool:
    pattern = let.child_by_field_name("pattern")
    if pattern is not None and re.match(r"(mut\s+)?_\w", src.text(pattern)):
        return True  # `let _guard = ..` is kept alive on purpose
    value = let.child_by_field_name("value")
    if value is None:
        return False
    return any(method_name(c, src) in _GUARD_CALLS
               for c in descendants(value, frozenset({"call_expression"})))


@detector("epoch-pre-nll-scope-block")
def _scope_block(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        stmt, block = _one(caps, "stmt"), _one(caps, "block")
        if stmt is None or block is None or stmt.parent is None or stmt.parent.type != "block":
            continue
        if any(c.type == "label" for c in block.named_children):
            continue
        lets = [c for c in block.named_children if c.type == "let_declaration"]
        refs = [let for let in lets if _reference_let(let)]
        if not refs or any(_holds_guard(let, src) for let in lets):
            continue
        places = set()
        for let in refs:
            value = let.child_by_field_name("value")
            if value is not None and value.type == "reference_expression":
                place = root_path(value, src)
                places.add(place.split(".")[0] if not place.startswith("self.") else place)
        later = src.data[stmt.end_byte:stmt.parent.end_byte].decode("utf-8", "replace")
        if not any(p and re.search(r"(?<![\w.])" + re.escape(p) + r"\b", later) for p in places):
            continue
        # A non-reference binding may be a guard whose Drop holds the borrow: then the block is
        # still needed, which tree-sitter cannot rule out.
        ctx.add("epoch-pre-nll-scope-block", stmt,
                confidence="high" if len(refs) == len(lets) else "low")


@detector("epoch-pre-nll-match-hoist")
def _match_hoist(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        stmt, coll = _one(caps, "stmt"), _one(caps, "map")
        if stmt is None or coll is None:
            continue
        match = stmt.named_children[0]
        body = match.child_by_field_name("body")
        arms = [a for a in (body.named_children if body is not None else [])
                if a.type == "match_arm"]
        returning = empty = False
        for arm in arms:
            value = arm.child_by_field_name("value")
            if value is None or value.type != "block":
                continue
            kids = [k for k in value.named_children if k.type not in ("line_comment",
                                                                      "block_comment")]
            if not kids:
                empty = True
            elif kids[-1].type == "expression_statement" and kids[-1].named_children and (
                    kids[-1].named_children[0].type == "return_expression"):
                ret = kids[-1].named_children[0]
                fn = enclosing_fn(ret)
                # `return v` of the looked-up borrow is problem case #3, which NLL did not fix.
                returning = not ret.named_children or fn is None or not returns_borrow(fn, src)
        if not (returning and empty):
            continue
        nxt = stmt.next_named_sibling
        while nxt is not None and nxt.type in ("line_comment", "block_comment"):
            nxt = nxt.next_named_sibling
        if nxt is None:
            continue
        place = src.norm(coll)
        if any(method_name(c, src) in MUTATORS and (rec := receiver(c)) is not None
               and src.norm(rec) == place
               for c in descendants(nxt, frozenset({"call_expression"}))):
            ctx.add("epoch-pre-nll-match-hoist", stmt, nxt)


@detector("epoch-pre-nll-temp-rebind")
def _temp_rebind(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        let, old = _one(caps, "let"), _one(caps, "old")
        if let is None or old is None:
            continue
        loop = enclosing(let, LOOP_KINDS, stop=frozenset({"function_item", "closure_expression"}))
        body = loop.child_by_field_name("body") if loop is not None else None
        if loop is None or body is None:
            continue
        name = src.text(old)
        reassigned = any(
            a.start_byte > let.end_byte and src.text(a.child_by_field_name("left")) == name
            for a in descendants(body, frozenset({"assignment_expression"})))
        if not reassigned:
            continue
        # Only a `&mut` cursor is problem case #4: integer swaps and moves of owned values are
        # ordinary code (measured on real crates), so an unknown binding is not reported.
        if _mut_ref_binding(name, loop, src, hops=2):
            ctx.add("epoch-pre-nll-temp-rebind", let)


def _mut_ref_binding(name: str, at: Node, src: Source, *, hops: int) -> bool:
    """Whether `name` is bound to a `&mut` reference (its type, its value, or a `&mut` param it
    was copied from, up to `hops` plain `let a = b;` steps)."""
    binding = find_binding(name, at, src)
    if binding is None:
        return False
    if binding.kind == "param":
        ty = binding.node.child_by_field_name("type")
        return ty is not None and ty.type == "reference_type" and "mut" in src.text(ty)
    if binding.kind != "let":
        return False
    ty = binding.node.child_by_field_name("type")
    value = binding.value
    if ty is not None:
        return ty.type == "reference_type" and "mut" in src.text(ty)
    if value is None:
        return False
    if value.type == "reference_expression":
        return "mut" in src.text(value).split()[0]
    if value.type == "identifier" and hops > 0:
        return _mut_ref_binding(src.text(value), binding.node, src, hops=hops - 1)
    return False


_KEEP_EXTERN = frozenset({"alloc", "test", "std", "self", "core_intrinsics"})


_RUSTC_PRIVATE = re.compile(rb"\bextern\s+crate\s+rustc_")


def _extern_crate_outdated(decl: Node, name: str, src: Source) -> bool:
    """Whether `extern crate name` could be dropped on edition 2018+.

    Still required (measured on real crates): rustc_private crates (`rustc_*` and their sysroot
    companions in the same file), `proc_macro` outside a proc-macro crate (no `#[proc_macro..]`
    item in the file), and cfg-dependent renames that put a crate in the extern prelude under
    another crate's name (`extern crate core as std`, `#[cfg(loom)] extern crate loom_crate as
    loom`).
    """
    if name.startswith("rustc_"):
        return False
    alias = decl.child_by_field_name("alias")
    if alias is not None and (src.text(alias) in ("std", "core", "alloc") or any(
            src.text(a).replace(" ", "").startswith("#[cfg") for a in _attributes(decl))):
        return False  # a cfg-dependent crate swap (`core as std`, `loom_crate as loom`)
    return name != "proc_macro" or any(
        src.text(a).replace(" ", "").startswith("#[proc_macro")
        for a in descendants(src.tree.root_node, frozenset({"attribute_item"})))


def _attributes(decl: Node) -> list[Node]:
    out = []
    prev = decl.prev_named_sibling
    while prev is not None and prev.type == "attribute_item":
        out.append(prev)
        prev = prev.prev_named_sibling
    return out


@detector("epoch-extern-crate")
def _extern_crate(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    if not matches or _RUSTC_PRIVATE.search(src.data):
        return  # rustc_private code: its extern crates are required
    for caps in matches:
        decl, name = _one(caps, "decl"), _one(caps, "name")
        if decl is None or name is None or src.text(name) in _KEEP_EXTERN:
            continue
        if not _extern_crate_outdated(decl, src.text(name), src):
            continue
        start: Node = decl
        prev = decl.prev_named_sibling
        while prev is not None and prev.type == "attribute_item":
            start = prev
            prev = prev.prev_named_sibling
        # In edition 2015 the declaration is still required for the path to resolve.
        ctx.add("epoch-extern-crate", start, decl,
                confidence="low" if ctx.edition == "2015" else "high")


@detector("epoch-mem-uninitialized")
def _mem_uninitialized(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        hit, path = _one(caps, "hit"), _one(caps, "path")
        if hit is None or path is None or src.norm(path).split("::")[-1] != "mem":
            continue
        node = hit
        for anc in ancestors(hit):
            if anc.type == "generic_function":
                continue
            if anc.type == "call_expression":
                node = anc
            break
        ctx.add("epoch-mem-uninitialized", node)


@detector("epoch-ellipsis-range-pattern")
def _ellipsis(ctx: Context, matches: list[Captures]) -> None:
    for caps in matches:
        hit = _one(caps, "hit")
        if hit is not None:
            ctx.add("epoch-ellipsis-range-pattern", hit)


_WELL_KNOWN_TRAITS = frozenset({"Display", "Debug", "Any", "Iterator", "Read", "Write", "Future",
                                "Error", "Fn", "FnMut", "FnOnce", "DoubleEndedIterator",
                                "ExactSizeIterator", "BufRead", "Seek", "Hasher", "ToString"})
_STD_ERROR = re.compile(r"\buse\s+std::error::(Error\b|\{[^}]*\bError\b)")


def bare_trait(node: Node, src: Source) -> bool:
    """Whether a type in `&T` / `*T` / `Box<T>` position is a trait written without `dyn`."""
    if node.type == "function_type":
        return node.child_by_field_name("trait") is not None
    if node.type == "bounded_type":
        first = node.named_children[0] if node.named_children else None
        while first is not None and first.type == "bounded_type":
            first = first.named_children[0] if first.named_children else None
        return first is not None and first.type in (
            "type_identifier", "scoped_type_identifier", "generic_type", "function_type")
    base = node.child_by_field_name("type") if node.type == "generic_type" else node
    if base is None:
        return False
    text = src.norm(base)
    parts = text.split("::")
    name = parts[-1]
    if name not in _WELL_KNOWN_TRAITS:
        return False
    if len(parts) > 1:
        # A path names std's trait only through std/core/alloc or a std module imported as such
        # (`io::Read`, `fmt::Debug`); `crate::error::Error`, `Self::Error` are something else.
        head = parts[0]
        if head in ("std", "core", "alloc"):
            return name != "Error" or text.endswith("error::Error")
        imported = _imported(src, head)
        if name == "Error" and (imported or "").split("::")[-1] != "error":
            return False  # `io::Error`, `fmt::Error` are structs
        return imported is not None and imported.split("::")[0] in ("std", "core", "alloc") \
            and not _declared(src, head)
    if _declared(src, name):
        return False  # a local struct/enum/type named `Error`, `Any`, ...
    imported = _imported(src, name)
    if imported is not None:
        return imported.split("::")[0] in ("std", "core", "alloc")
    if name == "Error":
        # `Error` is often a crate's own struct; only std's trait counts.
        return bool(_STD_ERROR.search(src.data.decode("utf-8", "replace")))
    return True


@dataclass(slots=True)
class _Names:
    """Per-source memo: is a name declared in the file, what a `use` imports under a name."""

    declared: dict[str, bool]
    imports: dict[str, str | None]


_KEYWORD_BEFORE = re.compile(rb"\b(?:struct|enum|union|type|mod)\s+$")


def _local_names(src: Source) -> _Names:
    if not isinstance(src.names, _Names):
        src.names = _Names({}, {})
    names: _Names = src.names
    return names


def _occurrences(src: Source, name: str) -> Iterator[int]:
    """Byte offsets where `name` occurs as a whole word (a plain `find` loop: fast)."""
    data, word = src.data, name.encode()
    at = data.find(word)
    while at != -1:
        end = at + len(word)
        before = data[at - 1:at]
        after = data[end:end + 1]
        if not (before.isalnum() or before == b"_") and not (after.isalnum() or after == b"_"):
            yield at
        at = data.find(word, end)


def _declared(src: Source, name: str) -> bool:
    """Whether the file declares a struct/enum/union/type/mod `name` (an extern type too)."""
    names = _local_names(src)
    known = names.declared.get(name)
    if known is None:
        known = False
        root = src.tree.root_node
        for at in _occurrences(src, name):
            if not _KEYWORD_BEFORE.search(src.data, max(0, at - 24), at):
                continue
            node = root.descendant_for_byte_range(at, at + len(name.encode()))
            if node is not None and node.parent is not None and \
                    node.parent.type in _DECLARED_KINDS:
                known = True
                break
        names.declared[name] = known
    return known


def _imported(src: Source, name: str) -> str | None:
    """The full path a `use` imports as `name` (`io` → `std::io`), None when none does."""
    names = _local_names(src)
    if name not in names.imports:
        found: dict[str, str] = {}
        seen: set[int] = set()
        root = src.tree.root_node
        for at in _occurrences(src, name):
            node = root.descendant_for_byte_range(at, at + len(name.encode()))
            decl = enclosing(node, frozenset({"use_declaration"}),
                             stop=_USE_STOP) if node is not None else None
            if decl is not None and decl.id not in seen:
                seen.add(decl.id)
                _collect_use(decl.child_by_field_name("argument"), "", src, found)
        names.imports[name] = found.get(name)
    return names.imports[name]


_USE_STOP = frozenset({"function_item", "impl_item", "struct_item", "block", "source_file"})
_DECLARED_KINDS = frozenset({"struct_item", "enum_item", "union_item", "type_item",
                             "associated_type", "mod_item"})


def _collect_use(node: Node | None, prefix: str, src: Source, out: dict[str, str]) -> None:
    if node is None:
        return
    kind = node.type
    if kind in ("identifier", "scoped_identifier", "self", "crate", "super"):
        path = src.norm(node)
        full = f"{prefix}::{path}" if prefix else path
        last = full.split("::")[-1]
        if last == "self":
            full = full.rsplit("::", 1)[0]
            last = full.split("::")[-1]
        out[last] = full
    elif kind == "use_as_clause":
        target, alias = node.child_by_field_name("path"), node.child_by_field_name("alias")
        if target is not None and alias is not None:
            out[src.text(alias)] = f"{prefix}::{src.norm(target)}" if prefix else src.norm(target)
    elif kind == "scoped_use_list":
        head = node.child_by_field_name("path")
        inner = src.norm(head) if head is not None else ""
        _collect_use(node.child_by_field_name("list"),
                     f"{prefix}::{inner}" if prefix and inner else (inner or prefix), src, out)
    elif kind == "use_list":
        for child in node.named_children:
            _collect_use(child, prefix, src, out)


@detector("epoch-bare-trait-object")
def _bare_trait_object(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        node = _one(caps, "type")
        if node is not None and bare_trait(node, src):
            ctx.add("epoch-bare-trait-object", node)
