"""`epoch-try-macro`: try! macro.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

import re

from checkers.patterns._scopes import Plan, statement
from checkers.patterns._tree import (
    Source,
)
from checkers.patterns.catalog import CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.epochs import matching_paren
from checkers.patterns.rewrite import Edit, rewriter

ID = "epoch-try-macro"

ENTRY = CatalogEntry(
        "epoch-try-macro", "try! macro", "epoch", "epoch", "pre-1.13 error propagation",
        "`try!(e)` predates the `?` operator (stable since 1.13); it is deprecated since 1.39 and "
        "an error from edition 2018 on, where `try` is a reserved keyword. Write `e?`.",
        "https://doc.rust-lang.org/std/macro.try.html")

QUERY = r"""; epoch-try-macro: tree-sitter-rust parses `try!(..)` as an ERROR node (`try` is a keyword
; in its grammar), which the detector finds by a text scan of a tree with errors;
; `r#try!(..)` is an ordinary macro invocation.
(macro_invocation
  macro: (identifier) @macro
  (#any-of? @macro "r#try" "try")) @macro_call
"""

PLAN = Plan(statement, (b"try",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/epoch-try-macro/",
    "tests/checkers/patterns/data/positive/epoch_adv_2015_box_error.rs",
    "tests/checkers/patterns/data/positive/epoch_mix_2015.rs",
)


_NON_CODE = frozenset({"line_comment", "block_comment", "string_literal", "raw_string_literal",
                       "char_literal", "string_content", "doc_comment"})


_TRY = re.compile(rb"(?<![\w#])try\s*!\s*\(")




def _in_code(src: Source, byte: int) -> bool:
    node = src.tree.root_node.descendant_for_byte_range(byte, byte + 1)
    while node is not None:
        if node.type in _NON_CODE:
            return False
        node = node.parent
    return True


@detector("epoch-try-macro")
def detect(ctx: Context, matches: list[Captures]) -> None:
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
        match = _TRY.match
        # the `find` loop's offsets, already found for this id's plan
        starts = [pos for pos in src.positions(b"try") if match(src.data, pos)]
    for start in starts:
        if not _in_code(src, start):
            continue
        open_at = src.data.index(b"(", start)
        ctx.add("epoch-try-macro", start, matching_paren(src.data, open_at), variant="try")


_SIMPLE_OPERAND = re.compile(r"[\w.:<>\[\]]*(\([^()]*\))?([\w.:<>\[\]]*(\([^()]*\))?)*")


@rewriter("epoch-try-macro")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    text = src.data[hit.start:hit.end].decode("utf-8", "surrogatepass")
    open_at = text.find("(")
    if open_at < 0 or not text.endswith(")"):
        return None
    inner = text[open_at + 1:-1].strip()
    operand = inner if _SIMPLE_OPERAND.fullmatch(inner) else f"({inner})"
    return [(hit.start, hit.end, f"{operand}?")]
