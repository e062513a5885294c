"""`epoch-extern-crate`: extern crate.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    Source,
    descendants,
    word_finditer,
)
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, rewriter

ID = "epoch-extern-crate"

ENTRY = CatalogEntry(
        "epoch-extern-crate", "extern crate", "epoch", "epoch", "edition 2015 paths",
        "Since the 2018 edition, dependencies are in the extern prelude and need no "
        "`extern crate`; use `use` paths and `use crate_name::macro_name;` for macros. (Still "
        "needed for `alloc` in no_std crates, and in edition 2015 code.)",
        "https://doc.rust-lang.org/edition-guide/rust-2018/path-changes.html")

QUERY = r"""; epoch-extern-crate: `extern crate x;` (unneeded since the 2018 edition's extern prelude).
(extern_crate_declaration name: (identifier) @name) @decl
"""

PLAN = Plan(statement, (b"extern",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-extern-crate/",
    "tests/checkers/patterns/data/positive/epoch_adv_2015_box_error.rs",
    "tests/checkers/patterns/data/positive/epoch_scope_and_rebind.rs",
)


_KEEP_EXTERN = frozenset({"alloc", "test", "std", "self", "core_intrinsics"})


#: `\bextern\s+crate\s+rustc_`, its `\b` checked by `word_finditer` (a regex that starts with
#: `\b` has no literal prefix: `re` would try it at every byte)
_RUSTC_PRIVATE = re.compile(rb"extern\s+crate\s+rustc_")


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
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    if not matches or next(word_finditer(_RUSTC_PRIVATE, src.data), None) is not None:
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


@rewriter("epoch-extern-crate")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    decl = _find(src, hit.start, {"extern_crate_declaration"}, hit.end)
    if decl is None:
        return None  # attributes (`#[macro_use]`) in front: macros would need `use` lines
    name = decl.child_by_field_name("name")
    alias = decl.child_by_field_name("alias")
    if alias is not None:
        vis = next((c for c in decl.named_children if c.type == "visibility_modifier"), None)
        prefix = f"{src.text(vis)} " if vis is not None else ""
        return [(decl.start_byte, decl.end_byte,
                 f"{prefix}use {src.text(name)} as {src.text(alias)};")]
    return [(decl.start_byte, decl.end_byte, "")]
