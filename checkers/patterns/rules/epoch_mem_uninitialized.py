"""`epoch-mem-uninitialized`: mem::uninitialized.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    ancestors,
)
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.detectors import Captures, Context, _one, detector

ID = "epoch-mem-uninitialized"

ENTRY = CatalogEntry(
        "epoch-mem-uninitialized", "mem::uninitialized", "epoch", "epoch", "pre-1.36 unsafe idiom",
        "std::mem::uninitialized is deprecated since 1.39 and undefined behaviour for almost "
        "every type. Use MaybeUninit (stable since 1.36), or simply initialise the value.",
        "https://doc.rust-lang.org/std/mem/fn.uninitialized.html")

QUERY = r"""; epoch-mem-uninitialized: `mem::uninitialized` (deprecated since 1.39).
(scoped_identifier
  path: (_) @path
  name: (identifier) @name
  (#eq? @name "uninitialized")) @hit
"""

PLAN = Plan(statement, (b"uninitialized",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-mem-uninitialized/",
    "tests/checkers/patterns/data/positive/epoch_adv_uninit_tokio_run.rs",
    "tests/checkers/patterns/data/positive/epoch_mix_2015.rs",
)


@detector("epoch-mem-uninitialized")
def detect(ctx: Context, matches: list[Captures]) -> None:
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
