"""The pattern catalog: one record per workaround or idiom-epoch id (titles, classes, tooltips, links)."""

from __future__ import annotations

from dataclasses import dataclass, replace

CLASSES: tuple[str, ...] = ("P3", "FULL", "NONE", "epoch")

_NLL_RFC = "https://rust-lang.github.io/rfcs/2094-nll.html"
_CRAB = "https://github.com/danielhenrymantilla/polonius-the-crab.rs"
_EDITION_2021 = ("https://doc.rust-lang.org/edition-guide/rust-2021/"
                 "warnings-promoted-to-error.html")


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One catalog id: what it is, which NLL limitation it works around, what to tell the user."""

    id: str
    title: str
    cls: str
    kind: str
    limitation: str
    explanation: str
    reference: str
    #: The id this one refines (the pre-NLL sub-ids point at `epoch-pre-nll-scope-block`).
    parent: str | None = None
    #: Why a finding of this id stays a candidate: no mechanical direct form to compile ("" when
    #: the id has a rewrite, and for epoch markers, which are tags, not claims).
    unconfirmable: str = ""

    def to_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "title": self.title, "class": self.cls, "kind": self.kind,
                "limitation": self.limitation, "explanation": self.explanation,
                "reference": self.reference, "parent": self.parent,
                "unconfirmable": self.unconfirmable}


#: How a pattern finding is labelled until the compiler proved it, and once it did.
CANDIDATE_LABEL = "possible workaround, not proven"
WORKAROUND_LABEL = "workaround, proven by the compiler"


_P3_TAIL = ("Polonius alpha (-Zpolonius=next) and the full analysis both accept the direct form, "
            "so the workaround can go once Polonius is stable.")
_FULL_TAIL = ("Still needed with Polonius alpha: -Zpolonius=next rejects the direct form too; only "
              "the full (legacy) Polonius analysis accepts it. Do not remove it yet.")
_NONE_TAIL = ("Never removable by a better borrow checker: the direct form is a real conflict at "
              "the function-signature level that every checker rejects (it would need "
              "\"view types\" or a restructure).")

_ENTRIES: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "check-then-relookup", "Guard with a short-lived borrow, then look up again", "P3",
        "pattern", "NLL problem case #3 (conditional return of a borrow across functions)",
        "The code first asks whether the key is there (contains_key, is_some, a first call) and "
        "then looks it up a second time to return the borrow, because NLL keeps a returned "
        "borrow alive on every path. It costs a second lookup on every hit. Under Polonius write "
        "`if let Some(v) = map.get_mut(&k) { return v; }` and fall through on a miss. "
        + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/54663"),
    CatalogEntry(
        "entry-owned-key", "entry(key.to_owned()) only to get-or-insert a returned borrow", "P3",
        "pattern", "NLL problem case #3 (get-or-insert by a borrowed key)",
        "The entry API needs an owned key, so this allocates or clones the key on every call, "
        "hits included. It is idiomatic and not a bug; under Polonius a lookup by the borrowed "
        "key that returns on a hit and inserts an owned key only on a miss is legal. "
        + _P3_TAIL,
        _NLL_RFC),
    CatalogEntry(
        "unsafe-lifetime-extension", "Raw pointer or transmute to detach a borrow", "P3",
        "pattern", "NLL problem case #3, including its loop forms (#21906, #46589)",
        "A borrow is laundered through a raw pointer or mem::transmute so the borrow checker "
        "stops tracking it, only to return it on one path. Under Polonius the same code is "
        "accepted without unsafe: remove the pointer dance and use the borrow directly. This is "
        "the most valuable finding to act on, because it removes unsafe code. " + _P3_TAIL,
        _CRAB),
    CatalogEntry(
        "polonius-the-crab-call", "Using the polonius-the-crab crate", "P3", "pattern",
        "NLL problem case #3 and its loop forms (#54663, #70255, #92985)",
        "The polonius-the-crab crate (polonius(..), polonius! and friends) wraps a conditional "
        "return of a borrow in a sound unsafe helper. With Polonius the plain `if let Some(x) = "
        "..get_mut(..) { return x; }` compiles, and the crate README itself says it may no longer "
        "be needed; cursor-in-a-loop cases can still need full Polonius. " + _P3_TAIL,
        _CRAB),
    CatalogEntry(
        "index-instead-of-reference", "Find an index, then re-borrow by index", "P3", "pattern",
        "NLL problem case #3 inside a loop (#124254)",
        "The element is searched with a shared borrow (position, enumerate) and then borrowed a "
        "second time by index, because returning the element straight out of iter_mut() while "
        "pushing on a miss is rejected by NLL. Under Polonius `for x in v.iter_mut() { if "
        "pred(x) { return x; } }` followed by the push is accepted. " + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/124254"),
    CatalogEntry(
        "clone-to-end-borrow", "Return owned copies so no borrow crosses an early return", "P3",
        "pattern", "NLL problem case #3, including `?` with a borrowed error (#123839)",
        "A &mut self method returns String/Vec/clones (or turns a borrowed error into an owned "
        "one with map_err) only so that no borrow is live across its early return. Under "
        "Polonius it can return the borrow itself (&str, &T, Result<_, &E>) and drop the clones. "
        + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/123839"),
    CatalogEntry(
        "cps-callback-instead-of-return", "Pass the borrow to a closure instead of returning it",
        "P3", "pattern", "NLL problem case #3",
        "Instead of returning a reference, the function takes a callback (`with_x(.., |v| ..)`) "
        "and calls it in each branch, since a borrow that never leaves the function is fine for "
        "NLL. Under Polonius the function can simply return the reference. " + _P3_TAIL,
        _CRAB),
    CatalogEntry(
        "lending-iterator-raw-pointer", "Filtering a GAT lending iterator through a raw pointer",
        "P3", "pattern", "NLL problem case #3 in a loop with GAT items (#92985)",
        "A lending-iterator adapter (a trait with `type Item<'a>`) calls the inner lender through "
        "a raw pointer so each loop iteration's item is not tied to &mut self. Polonius accepts "
        "the plain `while let Some(item) = self.inner.next() { .. return Some(item) .. }` body "
        "(the separate GAT limitation on the predicate's bound remains). " + _P3_TAIL,
        "https://github.com/rust-lang/rust/issues/92985"),
    CatalogEntry(
        "split-helper-for-cursor", "Move get-or-create out of a cursor loop into a helper", "FULL",
        "pattern", "NLL problem case #3 inside a loop that reassigns the cursor (#47680)",
        "The loop only assigns `node = node.child_or_insert(..)`, and the helper re-finds the "
        "child by index, because inlining the get-or-create match into the cursor loop is "
        "rejected. Polonius alpha accepts a helper with the direct match inside (so the index "
        "trick in the helper can go), but the split itself must stay. " + _FULL_TAIL,
        "https://github.com/rust-lang/rust/issues/47680"),
    CatalogEntry(
        "peek-then-advance-cursor", "Peek first, then re-derive the cursor from itself", "FULL",
        "pattern", "flow-sensitive cursor iteration (#46859, #48001, #57165, #63908)",
        "A linked-list cursor is tested through a shared peek (as_ref().map_or(..)) and then "
        "advanced with `cursor = &mut cursor.as_mut().unwrap().next`, instead of advancing "
        "through the `while let Some(node) = cursor` binding with an early break. "
        + _FULL_TAIL,
        "https://github.com/rust-lang/rust-project-goals/blob/main/src/2025h2/polonius.md"),
    CatalogEntry(
        "cursor-reindex-in-loop", "Descend a tree by index instead of through iter_mut()", "FULL",
        "pattern", "cursor reassignment to a child found by iter_mut() in a loop (#108704)",
        "The child's index is found with a shared borrow and the cursor re-borrowed by index "
        "(`level = &mut level[i].children`), because reassigning the cursor to the element found "
        "by iter_mut() inside a loop with break is rejected. " + _FULL_TAIL,
        "https://github.com/rust-lang/rust/issues/108704"),
    CatalogEntry(
        "option-take-put-back", "Take a field out, call self methods, put it back", "NONE",
        "pattern", "whole-self method call while a field is borrowed (disjoint fields across "
        "functions)",
        "The field is moved out with Option::take / mem::take so &mut self methods can be called "
        "while working on it, then restored. " + _NONE_TAIL,
        _NLL_RFC),
    CatalogEntry(
        "clone-collection-to-iterate", "Clone a collection field to iterate it", "NONE",
        "pattern", "iterating a field while calling a &mut self method",
        "The loop iterates a clone of self.field so its body may call &mut self methods; "
        "iterating by reference conflicts with those calls. " + _NONE_TAIL,
        _NLL_RFC),
    CatalogEntry(
        "split-borrow-free-function", "Split a method into a free function over one field",
        "NONE", "pattern", "disjoint fields across functions (NLL RFC appendix)",
        "A free or associated function receives `&mut self.field` so the borrow of another field "
        "stays visibly disjoint; a &mut self method would borrow all of self. " + _NONE_TAIL,
        _NLL_RFC),
    CatalogEntry(
        "epoch-try-macro", "try! macro", "epoch", "epoch", "pre-1.13 error propagation",
        "`try!(e)` predates the `?` operator (stable since 1.13); it is deprecated since 1.39 and "
        "an error from edition 2018 on, where `try` is a reserved keyword. Write `e?`.",
        "https://doc.rust-lang.org/std/macro.try.html"),
    CatalogEntry(
        "epoch-failure-crate", "The failure crate", "epoch", "epoch", "unmaintained crate",
        "The `failure` crate has been unmaintained since 2020 (RUSTSEC-2020-0036). Use "
        "std::error::Error with thiserror, or anyhow/eyre for applications.",
        "https://rustsec.org/advisories/RUSTSEC-2020-0036.html"),
    CatalogEntry(
        "epoch-tokio-0x-runtime", "tokio 0.x / tokio-core / futures 0.1 APIs", "epoch", "epoch",
        "pre-async/await asynchronous Rust",
        "tokio::run, tokio_core reactors, `Future<Item = .., Error = ..>` and `.wait()` belong to "
        "the futures 0.1 era. Tokio 1.0 (2020) with async/await replaces them: #[tokio::main], "
        "tokio::runtime::Runtime, `.await`.",
        "https://tokio.rs/blog/2020-12-tokio-1-0"),
    CatalogEntry(
        "epoch-async-std", "The async-std runtime", "epoch", "epoch", "discontinued crate",
        "async-std has officially been discontinued (RUSTSEC-2025-0052); its maintainers "
        "recommend migrating to smol (or tokio).",
        "https://rustsec.org/advisories/RUSTSEC-2025-0052.html"),
    CatalogEntry(
        "epoch-pre-nll-scope-block", "Scope block that only ends a borrow", "epoch", "epoch",
        "pre-NLL lexical lifetimes (NLL problem case #1)",
        "A bare `{ .. }` block ends a borrow before the borrowed value is used again. Since NLL "
        "(Rust 2018 / 1.31) borrows end at their last use, so the block is unnecessary, unless a "
        "binding has a Drop impl that holds the borrow (guards, writers), where it is still "
        "required.",
        _NLL_RFC),
    CatalogEntry(
        "epoch-pre-nll-match-hoist", "Early return in a match arm, insert hoisted after it",
        "epoch", "epoch", "pre-NLL lexical lifetimes (NLL problem case #2)",
        "`match map.get_mut(k) { Some(v) => { ..; return; } None => {} }` followed by "
        "`map.insert(..)` was needed before NLL; since NLL the insert can live in the None arm.",
        _NLL_RFC, parent="epoch-pre-nll-scope-block"),
    CatalogEntry(
        "epoch-pre-nll-temp-rebind", "Move a &mut cursor into a temporary before using it",
        "epoch", "epoch", "pre-NLL lexical lifetimes (NLL problem case #4)",
        "`let here = list;` moves a &mut cursor into a temporary before borrowing through it, the "
        "old workaround for reassigning the cursor later in the loop. Since NLL the cursor can be "
        "used directly.",
        _NLL_RFC, parent="epoch-pre-nll-scope-block"),
    CatalogEntry(
        "epoch-extern-crate", "extern crate", "epoch", "epoch", "edition 2015 paths",
        "Since the 2018 edition, dependencies are in the extern prelude and need no "
        "`extern crate`; use `use` paths and `use crate_name::macro_name;` for macros. (Still "
        "needed for `alloc` in no_std crates, and in edition 2015 code.)",
        "https://doc.rust-lang.org/edition-guide/rust-2018/path-changes.html"),
    CatalogEntry(
        "epoch-mem-uninitialized", "mem::uninitialized", "epoch", "epoch", "pre-1.36 unsafe idiom",
        "std::mem::uninitialized is deprecated since 1.39 and undefined behaviour for almost "
        "every type. Use MaybeUninit (stable since 1.36), or simply initialise the value.",
        "https://doc.rust-lang.org/std/mem/fn.uninitialized.html"),
    CatalogEntry(
        "epoch-ellipsis-range-pattern", "`...` range pattern", "epoch", "epoch",
        "pre-1.26 pattern syntax",
        "`a...b` inclusive range patterns are a hard error since edition 2021 (E0783). Write "
        "`a..=b`.", _EDITION_2021),
    CatalogEntry(
        "epoch-bare-trait-object", "Trait object without dyn", "epoch", "epoch",
        "pre-1.27 trait-object syntax",
        "A trait used as a type without `dyn` (`&Display`, `Box<Error + Send>`, `&Fn(u32)`) is a "
        "hard error since edition 2021 (E0782). Write `dyn Trait`.", _EDITION_2021),
)

_CURSOR = ("no mechanical direct form: undoing it means rewriting the cursor loop itself "
           "(which variable moves, which borrow is re-derived), so no rewrite is compiled")
_UNCONFIRMABLE: dict[str, str] = {
    "split-helper-for-cursor": _CURSOR,
    "peek-then-advance-cursor": _CURSOR,
    "cursor-reindex-in-loop": _CURSOR,
    "option-take-put-back": (
        "no mechanical direct form: the direct form calls a `&mut self` method while a field is "
        "borrowed, which every checker rejects; nothing for the compiler to prove removable"),
    "split-borrow-free-function": (
        "no mechanical direct form: turning the free function back into a `&mut self` method "
        "changes its signature and every caller"),
}
_ENTRIES = tuple(replace(e, unconfirmable=_UNCONFIRMABLE.get(e.id, "")) for e in _ENTRIES)

CATALOG: dict[str, CatalogEntry] = {entry.id: entry for entry in _ENTRIES}

PATTERN_IDS: tuple[str, ...] = tuple(e.id for e in _ENTRIES if e.kind == "pattern")
EPOCH_IDS: tuple[str, ...] = tuple(e.id for e in _ENTRIES if e.kind == "epoch")
