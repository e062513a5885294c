"""`epoch-bare-trait-object`: Trait object without dyn.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from checkers.patterns._scopes import _BARE_TRAIT_TOKENS, Plan, _type_tree
from checkers.patterns._tree import (
    Source,
    enclosing,
)
from checkers.patterns.catalog import _EDITION_2021, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.rewrite import Edit, rewriter

ID = "epoch-bare-trait-object"

ENTRY = CatalogEntry(
        "epoch-bare-trait-object", "Trait object without dyn", "epoch", "epoch",
        "pre-1.27 trait-object syntax",
        "A trait used as a type without `dyn` (`&Display`, `Box<Error + Send>`, `&Fn(u32)`) is a "
        "hard error since edition 2021 (E0782). Write `dyn Trait`.", _EDITION_2021)

QUERY = r"""; epoch-bare-trait-object: a trait used as a type without `dyn` (error since edition 2021).
; Python decides whether the captured type is really a trait.
(reference_type
  type: [(function_type) (bounded_type) (type_identifier) (scoped_type_identifier)
         (generic_type)] @type)

(pointer_type
  type: [(function_type) (bounded_type) (type_identifier) (scoped_type_identifier)
         (generic_type)] @type)

(generic_type
  type: [(type_identifier) (scoped_type_identifier)] @container
  type_arguments: (type_arguments
    [(function_type) (bounded_type) (type_identifier) (scoped_type_identifier)
     (generic_type)] @type)
  (#match? @container "(^|::)(Box|Rc|Arc)$"))
"""

PLAN = Plan(_type_tree, _BARE_TRAIT_TOKENS)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-bare-trait-object/",
    "tests/checkers/patterns/data/positive/epoch_adv_2015_box_error.rs",
    "tests/checkers/patterns/data/positive/epoch_adv_2015_fn_ref.rs",
    "tests/checkers/patterns/data/positive/epoch_mix_2015.rs",
)


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
        names = _local_names(src)
        if names.std_error is None:  # once per source (`std::error::` first: a cheap test)
            names.std_error = b"std::error::" in src.data and bool(
                _STD_ERROR.search(src.data.decode("utf-8", "replace")))
        return names.std_error
    return True


@dataclass(slots=True)
class _Names:
    """Per-source memo: is a name declared in the file, what a `use` imports under a name."""

    declared: dict[str, bool]
    imports: dict[str, str | None]
    std_error: bool | None = None  # whether a `use` imports std's `Error` trait


_KEYWORD_BEFORE = re.compile(rb"\b(?:struct|enum|union|type|mod)\s+$")


def _local_names(src: Source) -> _Names:
    if not isinstance(src.names, _Names):
        src.names = _Names({}, {})
    names: _Names = src.names
    return names


def _occurrences(src: Source, name: str) -> Iterator[int]:
    """Byte offsets where `name` occurs as a whole word."""
    data, word = src.data, name.encode()
    size = len(word)
    for at in src.positions(word):  # the `find` loop's offsets, shared with the plans
        end = at + size
        before = data[at - 1:at]
        after = data[end:end + 1]
        if not (before.isalnum() or before == b"_") and not (after.isalnum() or after == b"_"):
            yield at


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
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        node = _one(caps, "type")
        if node is not None and bare_trait(node, src):
            ctx.add("epoch-bare-trait-object", node)


@rewriter("epoch-bare-trait-object")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    return [(hit.start, hit.start, "dyn ")]
