"""`entry-owned-key`: entry(key.to_owned()) only to get-or-insert a returned borrow.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _p3
from checkers.patterns._tree import (
    Source,
    call_args,
    enclosing_fn,
    flows_to_return,
    function_path,
    is_tail,
    method_name,
    param_named,
    receiver,
    returns_borrow,
    same,
)
from checkers.patterns.catalog import _NLL_RFC, _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, _fresh, rewriter

ID = "entry-owned-key"

ENTRY = CatalogEntry(
        "entry-owned-key", "entry(key.to_owned()) only to get-or-insert a returned borrow", "P3",
        "pattern", "NLL problem case #3 (get-or-insert by a borrowed key)",
        "The entry API needs an owned key, so this allocates or clones the key on every call, "
        "hits included. It is idiomatic and not a bug; under Polonius a lookup by the borrowed "
        "key that returns on a hit and inserts an owned key only on a miss is legal. "
        + _P3_TAIL,
        _NLL_RFC)

QUERY = r"""; entry-owned-key (catalog 2.2): `map.entry(key.to_owned()).or_insert(..)` whose result is
; returned. Python checks the key argument allocates and the function returns a borrow.
(call_expression
  function: (field_expression
    value: (call_expression
      function: (field_expression
        value: (_) @map
        field: (field_identifier) @entry)
      arguments: (arguments . (_) @key .)) @entry_call
    field: (field_identifier) @or_method)
  (#eq? @entry "entry")
  (#any-of? @or_method "or_insert" "or_insert_with" "or_default" "or_insert_with_key")) @chain
"""

PLAN = Plan(per_fn=_p3, tokens=(b"entry",))

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/entry-owned-key/",
    "tests/checkers/patterns/data/positive/adv_entry_slice_key.rs",
    "tests/checkers/patterns/data/positive/adv_entry_trait_method.rs",
    "tests/checkers/patterns/data/positive/entry_clone_key.rs",
    "tests/checkers/patterns/data/positive/entry_string_from.rs",
)


OWNING_KEYS = frozenset({"to_owned", "to_string", "clone", "into", "to_vec", "into_owned"})


def _key_source(key: Node, src: Source) -> Node | None:
    """The borrowed value an owned key is made from: `word` in `word.to_owned()`."""
    if key.type != "call_expression":
        return None
    if method_name(key, src) in OWNING_KEYS:
        base = receiver(key)
    elif function_path(key, src).endswith("::from") and len(call_args(key)) == 1:
        base = call_args(key)[0]
    else:
        return None
    while base is not None and base.type in ("call_expression", "reference_expression",
                                             "unary_expression", "parenthesized_expression"):
        base = receiver(base) if base.type == "call_expression" else base.named_children[-1]
    return base


@detector("entry-owned-key")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        chain, key = _one(caps, "chain"), _one(caps, "key")
        if chain is None or key is None:
            continue
        fn = enclosing_fn(chain)
        if fn is None or not returns_borrow(fn, src):
            continue
        base = _key_source(key, src)
        if base is None or base.type != "identifier":
            continue
        param = param_named(fn, src.text(base), src)
        ptype = param.child_by_field_name("type") if param is not None else None
        if ptype is None or ptype.type != "reference_type":
            continue
        if flows_to_return(chain, fn, src):
            ctx.add("entry-owned-key", chain)


@rewriter("entry-owned-key")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    chain = _find(src, hit.start, {"call_expression"}, hit.end)
    fn = enclosing_fn(chain) if chain is not None else None
    if chain is None or fn is None:
        return None
    entry = receiver(chain)
    if entry is None or entry.type != "call_expression":
        return None
    coll = receiver(entry)
    key = call_args(entry)[0] if len(call_args(entry)) == 1 else None
    if coll is None or key is None or coll.type not in ("identifier", "field_expression", "self"):
        return None
    if method_name(key, src) in ("to_owned", "to_string", "clone", "into", "to_vec"):
        borrowed = receiver(key)
    elif function_path(key, src).endswith("::from"):
        borrowed = call_args(key)[0]
    else:
        return None
    if borrowed is None:
        return None
    args = call_args(chain)
    method = method_name(chain, src)
    if method == "or_insert" and len(args) == 1:
        value = src.text(args[0])
    elif method == "or_insert_with" and len(args) == 1:
        value = f"({src.text(args[0])})()" if args[0].type not in (
            "identifier", "scoped_identifier") else f"{src.text(args[0])}()"
    elif method == "or_default" and not args:
        value = "Default::default()"
    else:
        return None
    m, k = src.text(coll), src.text(borrowed)
    name = _fresh("found", fn, src)
    steps = (f"if let Some({name}) = {m}.get_mut({k}) {{ return {name}; }} "
             f"{m}.insert({src.text(key)}, {value}); ")
    parent = chain.parent
    body = fn.child_by_field_name("body")
    if parent is not None and parent.type == "return_expression":
        return [(parent.start_byte, parent.end_byte,
                 f"{{ {steps}return {m}.get_mut({k}).unwrap() }}")]
    holder = parent if parent is not None and parent.type == "expression_statement" else chain
    if body is not None and same(holder.parent, body) and is_tail(holder, body):
        return [(chain.start_byte, chain.end_byte, f"{steps}{m}.get_mut({k}).unwrap()")]
    return None
