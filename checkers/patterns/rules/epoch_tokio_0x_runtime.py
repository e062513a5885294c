"""`epoch-tokio-0x-runtime`: tokio 0.x / tokio-core / futures 0.1 APIs.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    enclosing,
    find_binding,
    method_name,
    receiver,
)
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector
from checkers.patterns.epochs import _outermost_path

ID = "epoch-tokio-0x-runtime"

ENTRY = CatalogEntry(
        "epoch-tokio-0x-runtime", "tokio 0.x / tokio-core / futures 0.1 APIs", "epoch", "epoch",
        "pre-async/await asynchronous Rust",
        "tokio::run, tokio_core reactors, `Future<Item = .., Error = ..>` and `.wait()` belong to "
        "the futures 0.1 era. Tokio 1.0 (2020) with async/await replaces them: #[tokio::main], "
        "tokio::runtime::Runtime, `.await`.",
        "https://tokio.rs/blog/2020-12-tokio-1-0")

QUERY = r"""; epoch-tokio-0x-runtime: tokio 0.1/0.2, tokio-core and futures 0.1 APIs.
; the innermost path segment pair; Python reports the outermost path around it
(
  [
    (scoped_identifier path: (identifier) @root)
    (scoped_type_identifier path: (identifier) @root)
  ] @path
  (#any-of? @root "tokio" "tokio_core" "tokio_io" "tokio_timer" "tokio_executor"))

((use_declaration) @use
  (#match? @use "(tokio_core|tokio_io|tokio::executor|tokio::reactor|tokio::runtime::current_thread)"))

(extern_crate_declaration
  name: (identifier) @crate
  (#any-of? @crate "tokio_core" "tokio_io" "tokio_timer" "tokio_executor" "tokio_reactor")) @hit

(generic_type
  type: [(type_identifier) (scoped_type_identifier)] @future
  type_arguments: (type_arguments (type_binding name: (type_identifier) @binding))
  (#match? @future "Future$")
  (#eq? @binding "Error")) @future_type

(call_expression
  function: (field_expression field: (field_identifier) @method)
  (#any-of? @method "wait" "run")) @call
"""

PLAN = Plan(statement, (b"tokio", b"Future", b"wait", b"run"),
                                   gate=(b"tokio", b"Future"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-tokio-0x-runtime/",
    "tests/checkers/patterns/data/positive/epoch_adv_uninit_tokio_run.rs",
    "tests/checkers/patterns/data/positive/epoch_tokio_core_only.rs",
)


_TOKIO_EXACT = frozenset({"tokio::run", "tokio::spawn_async", "tokio_core", "tokio_io"})


_TOKIO_PREFIXES = ("tokio_core::", "tokio_io::", "tokio::executor::", "tokio::reactor::",
                   "tokio::runtime::current_thread", "tokio_timer::", "tokio_executor::")


@detector("epoch-tokio-0x-runtime")
def detect(ctx: Context, matches: list[Captures]) -> None:
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
