"""`polonius-the-crab-call`: Using the polonius-the-crab crate.

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
    call_args,
    same,
)
from checkers.patterns.catalog import _CRAB, _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, rewriter

ID = "polonius-the-crab-call"

ENTRY = CatalogEntry(
        "polonius-the-crab-call", "Using the polonius-the-crab crate", "P3", "pattern",
        "NLL problem case #3 and its loop forms (#54663, #70255, #92985)",
        "The polonius-the-crab crate (polonius(..), polonius! and friends) wraps a conditional "
        "return of a borrow in a sound unsafe helper. With Polonius the plain `if let Some(x) = "
        "..get_mut(..) { return x; }` compiles, and the crate README itself says it may no longer "
        "be needed; cursor-in-a-loop cases can still need full Polonius. " + _P3_TAIL,
        _CRAB)

QUERY = r"""; polonius-the-crab-call (catalog 2.4): the crate's macros, entry point and result type.
(macro_invocation
  macro: [(identifier) @macro (scoped_identifier name: (identifier) @macro)]
  (#any-of? @macro "polonius" "polonius_return" "polonius_loop" "polonius_break"
    "polonius_break_dependent" "polonius_continue" "polonius_try" "exit_polonius" "ForLt")) @hit

(call_expression
  function: [(identifier) @func (scoped_identifier name: (identifier) @func)]
  (#eq? @func "polonius")) @hit

(scoped_identifier path: (identifier) @type (#eq? @type "PoloniusResult")) @hit

((use_declaration) @use (#match? @use "polonius_the_crab"))

(extern_crate_declaration name: (identifier) @crate (#eq? @crate "polonius_the_crab")) @hit
"""

PLAN = Plan(statement, (b"olonius", b"ForLt"))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/polonius-the-crab-call/",
    "tests/checkers/patterns/data/positive/adv_crab_fn_call.rs",
    "tests/checkers/patterns/data/positive/crab_macro.rs",
)


@detector("polonius-the-crab-call")
def detect(ctx: Context, matches: list[Captures]) -> None:
    for caps in matches:
        node = _one(caps, "hit")
        if node is not None:
            ctx.add("polonius-the-crab-call", node)
            continue
        node = _one(caps, "use")
        if node is not None:
            ctx.add("polonius-the-crab-call", node, variant="use")


_POLONIUS_MACRO = re.compile(rb"^polonius!\s*\(\s*\|\s*(\w+)\s*\|\s*(?:->[^{]*)?\{")


_POLONIUS_RETURN = re.compile(rb"polonius_return!\s*\(")


_UNSUPPORTED_MACROS = re.compile(rb"\b(polonius_break|polonius_break_dependent|polonius_continue|"
                                 rb"polonius_try|exit_polonius|polonius_loop)!")


@rewriter("polonius-the-crab-call")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    """Undo the crate: `polonius!(|x| -> T { .. polonius_return!(v); .. })` → the closure body
    run on `x` itself with `return v;`; `match polonius(&mut X, |x| x.get_mut(k)) { Ok(v) => A,
    Err(x) => B }` → `match X.get_mut(k) { Some(v) => A, None => { let x = &mut X; B } }`."""
    if hit.variant == "use":
        return None
    node = _find(src, hit.start, {"macro_invocation", "call_expression"}, hit.end)
    if node is None:
        return None
    if node.type == "macro_invocation":
        return _polonius_macro(src, node)
    return _polonius_call(src, node)


def _polonius_macro(src: Source, macro: Node) -> list[Edit] | None:
    data = src.data[macro.start_byte:macro.end_byte]
    head = _POLONIUS_MACRO.match(data)
    if head is None or _UNSUPPORTED_MACROS.search(data):
        return None
    body_open = head.end() - 1
    depth, i = 0, body_open
    while i < len(data):
        depth += {0x7B: 1, 0x7D: -1}.get(data[i], 0)
        if depth == 0:
            break
        i += 1
    if depth != 0:
        return None
    body = data[body_open:i + 1]
    from checkers.patterns.epochs import matching_paren

    out = bytearray()
    at = 0
    for m in _POLONIUS_RETURN.finditer(body):
        if m.start() < at:
            return None
        close = matching_paren(body, m.end() - 1)
        out += body[at:m.start()] + b"return " + body[m.end():close - 1]
        at = close
    out += body[at:]
    return [(macro.start_byte, macro.end_byte, out.decode("utf-8", "surrogatepass"))]


def _polonius_call(src: Source, call: Node) -> list[Edit] | None:
    args = call_args(call)
    match = call.parent
    if len(args) != 2 or match is None or match.type != "match_expression" or not same(
            match.child_by_field_name("value"), call):
        return None
    place, closure = args
    if closure.type != "closure_expression":
        return None
    params = closure.child_by_field_name("parameters")
    body = closure.child_by_field_name("body")
    names = [p for p in params.named_children] if params is not None else []
    if len(names) != 1 or names[0].type != "identifier" or body is None:
        return None
    name = src.text(names[0])
    edits: list[Edit] = [(call.start_byte, call.end_byte,
                          f"{{ let {name} = {src.text(place)}; {src.text(body)} }}")]
    block = match.child_by_field_name("body")
    arms = [a for a in block.named_children if a.type == "match_arm"] if block else []
    if len(arms) != 2:
        return None
    for arm in arms:
        pattern, value = arm.child_by_field_name("pattern"), arm.child_by_field_name("value")
        if pattern is None or value is None:
            return None
        text = src.norm(pattern)
        inner = re.fullmatch(r"(Ok|Err)\((\w+)\)", text)
        if inner is None:
            return None
        if inner.group(1) == "Ok":
            edits.append((pattern.start_byte, pattern.end_byte, f"Some({inner.group(2)})"))
        else:
            edits.append((pattern.start_byte, pattern.end_byte, "None"))
            edits.append((value.start_byte, value.end_byte,
                          f"{{ let {inner.group(2)} = {src.text(place)}; {src.text(value)} }}"))
    return edits
