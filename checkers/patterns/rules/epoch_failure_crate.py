"""`epoch-failure-crate`: The failure crate.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    enclosing,
)
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector

ID = "epoch-failure-crate"

ENTRY = CatalogEntry(
        "epoch-failure-crate", "The failure crate", "epoch", "epoch", "unmaintained crate",
        "The `failure` crate has been unmaintained since 2020 (RUSTSEC-2020-0036). Use "
        "std::error::Error with thiserror, or anyhow/eyre for applications.",
        "https://rustsec.org/advisories/RUSTSEC-2020-0036.html")

QUERY = r"""; epoch-failure-crate: the unmaintained `failure` crate (RUSTSEC-2020-0036).
((use_declaration) @use (#match? @use "^(pub(\\([^)]*\\))?\\s+)?use\\s+(::)?failure(_derive)?\\b"))

(extern_crate_declaration
  name: (identifier) @crate
  (#any-of? @crate "failure" "failure_derive")) @hit

(attribute
  (identifier) @derive
  arguments: (token_tree (identifier) @trait)
  (#eq? @derive "derive")
  (#eq? @trait "Fail")) @hit

(attribute (identifier) @fail (#eq? @fail "fail")) @hit

(macro_invocation
  macro: (identifier) @macro
  (#any-of? @macro "bail" "format_err" "ensure")) @macro_call

(
  [
    (scoped_identifier path: (identifier) @root)
    (scoped_type_identifier path: (identifier) @root)
  ] @path
  (#eq? @root "failure"))
"""

PLAN = Plan(statement, (b"fail", b"Fail", b"bail", b"format_err",
                                            b"ensure"), gate=(b"fail", b"Fail"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-failure-crate/",
    "tests/checkers/patterns/data/positive/epoch_adv_failure_derive.rs",
    "tests/checkers/patterns/data/positive/epoch_failure_paths.rs",
)


@detector("epoch-failure-crate")
def detect(ctx: Context, matches: list[Captures]) -> None:
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
