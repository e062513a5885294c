"""`cps-callback-instead-of-return`: Pass the borrow to a closure instead of returning it.

Everything about this catalog id lives here: its catalog entry, its tree-sitter query and
scheduling plan, its detector (the precision rules), its rewrite to the direct form (the proof by
rewrite) when one exists, and where its fixtures are.
"""

from __future__ import annotations

from tree_sitter import Node

from checkers.patterns._scopes import Plan, _any_fn
from checkers.patterns._tree import (
    LOOP_KINDS,
    Source,
    call_args,
    contains,
    descendants,
    enclosing,
    flows_to_return,
    function_path,
    method_name,
    same,
)
from checkers.patterns.catalog import _CRAB, _P3_TAIL, CatalogEntry
from checkers.patterns.detectors import (
    MUTATORS,
    Captures,
    Context,
    Hit,
    _one,
    detector,
)
from checkers.patterns.rewrite import Edit, _find, rewriter

ID = "cps-callback-instead-of-return"

ENTRY = CatalogEntry(
        "cps-callback-instead-of-return", "Pass the borrow to a closure instead of returning it",
        "P3", "pattern", "NLL problem case #3",
        "Instead of returning a reference, the function takes a callback (`with_x(.., |v| ..)`) "
        "and calls it in each branch, since a borrow that never leaves the function is fine for "
        "NLL. Under Polonius the function can simply return the reference. " + _P3_TAIL,
        _CRAB)

QUERY = r"""; cps-callback-instead-of-return (catalog 2.7): a function taking a callback over a borrow.
(function_item
  parameters: (parameters
    (parameter
      pattern: (identifier) @callback
      type: (abstract_type trait: (function_type) @signature)))) @fn

(function_item
  type_parameters: (type_parameters
    (type_parameter
      name: (type_identifier) @generic
      bounds: (trait_bounds (function_type) @signature)))) @fn

(function_item
  (where_clause
    (where_predicate
      left: (type_identifier) @generic
      bounds: (trait_bounds (function_type) @signature)))) @fn

; a callback passed as a trait object: `f: &mut dyn FnMut(&mut V)`, `f: &dyn Fn(&V) -> R`
(function_item
  parameters: (parameters
    (parameter
      pattern: (identifier) @callback
      type: (reference_type type: (dynamic_type trait: (function_type) @signature))))) @fn
"""

PLAN = Plan(per_fn=_any_fn, tokens=(b"Fn",), root_only=True)

#: The design example folder and the labelled fixture files whose `// expect:` names this id.
FIXTURES: tuple[str, ...] = (
    "tests/data/examples/cps-callback-instead-of-return/",
    "tests/checkers/patterns/data/positive/adv_cps_match_closure.rs",
    "tests/checkers/patterns/data/positive/cps_generic_where.rs",
)


@detector("cps-callback-instead-of-return")
def detect(ctx: Context, matches: list[Captures]) -> None:
    src = ctx.src
    for caps in matches:
        fn, sig = _one(caps, "fn"), _one(caps, "signature")
        if fn is None or sig is None:
            continue
        sig_params = sig.child_by_field_name("parameters")
        if sig_params is None or not any(p.type == "reference_type"
                                         for p in sig_params.named_children):
            continue
        callback = _one(caps, "callback")
        names: set[str] = set()
        if callback is not None:
            names.add(src.text(callback))
        else:
            generic = src.text(_one(caps, "generic"))
            for node in (fn.child_by_field_name("parameters") or fn).named_children:
                if node.type == "parameter" and src.norm(node.child_by_field_name("type")) in (
                        generic, f"&mut{generic}", f"&{generic}"):
                    names.add(src.text(node.child_by_field_name("pattern")).removeprefix("mut "))
        ret = fn.child_by_field_name("return_type")
        sig_ret = sig.child_by_field_name("return_type")
        # the function hands back what the callback returns (both may return nothing)
        if (ret is None) != (sig_ret is None) or (
                ret is not None and sig_ret is not None and src.norm(ret) != src.norm(sig_ret)):
            continue
        body = fn.child_by_field_name("body")
        if body is None:
            continue
        calls = [c for c in descendants(body, frozenset({"call_expression"}))
                 if function_path(c, src) in names]
        if len(calls) < 2 or any(enclosing(c, LOOP_KINDS, stop=frozenset({"function_item"}))
                                 for c in calls):
            continue
        if any(_mutation_before(c, body, src) for c in calls):
            ctx.add("cps-callback-instead-of-return", fn)


def _mutation_before(call: Node, body: Node, src: Source) -> bool:
    block = enclosing(call, frozenset({"block"}))
    if block is None or block.id == body.id:
        return False
    for other in descendants(block, frozenset({"call_expression"})):
        if other.end_byte <= call.start_byte and method_name(other, src) in MUTATORS:
            return True
    return False


@rewriter("cps-callback-instead-of-return")
def direct_form(src: Source, hit: Hit) -> list[Edit] | None:
    """Return the borrow instead of passing it to the callback.

    The callback parameter goes; the function returns the callback's parameter type (with a
    named lifetime on the first `&mut` parameter when elision would not pick it); each callback
    call `f(x)` that produces the function's value becomes `x`; every caller in the file gets
    the borrow back and applies its closure itself (`{ let p = with_x(..); body }`)."""
    fn = _find(src, hit.start, {"function_item"})
    if fn is None:
        return None
    callback = _callback_param(fn, src)
    if callback is None:
        return None
    param, name, signature, generic = callback
    sig_params = signature.child_by_field_name("parameters")
    borrowed = [p for p in sig_params.named_children] if sig_params is not None else []
    if len(borrowed) != 1 or borrowed[0].type != "reference_type":
        return None
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    edits: list[Edit] = []
    calls = [c for c in descendants(body, frozenset({"call_expression"}))
             if function_path(c, src) == name]
    if not calls:
        return None
    for call in calls:
        args = call_args(call)
        if len(args) != 1 or (not flows_to_return(call, fn, src) and not _tail_value(call, fn)):
            return None
        edits.append((call.start_byte, call.end_byte, src.text(args[0])))
    edits.append(_drop_param(param, src))
    ret_type = src.text(borrowed[0])
    lifetime = ""
    params = [p for p in (fn.child_by_field_name("parameters") or fn).named_children
              if p.type in ("parameter", "self_parameter") and not same(p, param)]
    has_self_ref = any(p.type == "self_parameter" and src.text(p).startswith("&") for p in params)
    refs = [p for p in params if p.type == "parameter" and _has_reference(p)]
    if not has_self_ref and len(refs) != 1:
        target = next((p for p in refs if "&mut" in src.text(p).replace(" ", "")), None)
        if target is None:
            return None
        ty = target.child_by_field_name("type")
        if ty is None or ty.type != "reference_type" or any(
                c.type == "lifetime" for c in ty.named_children):
            return None
        lifetime = "'cps"
        edits.append((ty.start_byte, ty.start_byte + 1, "&'cps "))
        ret_type = "&'cps " + ret_type[1:].lstrip()
    ret = fn.child_by_field_name("return_type")
    if ret is not None:
        edits.append((ret.start_byte, ret.end_byte, ret_type))
    else:
        params_node = fn.child_by_field_name("parameters")
        if params_node is None:
            return None
        edits.append((params_node.end_byte, params_node.end_byte, f" -> {ret_type}"))
    generics = _drop_generics(fn, src, {generic} | _generic_return(signature, fn, src) - {""},
                              lifetime)
    if generics is None:
        return None
    edits.extend(generics)
    fn_name = fn.child_by_field_name("name")
    index = [p for p in (fn.child_by_field_name("parameters") or fn).named_children
             if p.type == "parameter"].index(param)
    for caller in _callers(src, src.text(fn_name) if fn_name is not None else "", fn):
        edit = _rewrite_caller(caller, index, src)
        if edit is None:
            return None
        edits.append(edit)
    return edits


def _tail_value(call: Node, fn: Node) -> bool:
    """A unit function's tail, `f(x)` in an `if`/`match` arm at the end of the body."""
    return fn.child_by_field_name("return_type") is None


def _has_reference(param: Node) -> bool:
    ty = param.child_by_field_name("type")
    return ty is not None and ty.type == "reference_type"


def _callback_param(fn: Node, src: Source) -> tuple[Node, str, Node, str] | None:
    """(parameter, its name, the callback's function_type, its generic name or "")."""
    params = fn.child_by_field_name("parameters")
    bounds: dict[str, Node] = {}
    for node in descendants(fn.child_by_field_name("type_parameters") or fn,
                            frozenset({"type_parameter"})):
        if node.parent is not None and node.parent.type == "type_parameters":
            tname, tb = node.child_by_field_name("name"), node.child_by_field_name("bounds")
            ft = next(descendants(tb, frozenset({"function_type"})), None) if tb else None
            if tname is not None and ft is not None:
                bounds[src.text(tname)] = ft
    where = next((c for c in fn.named_children if c.type == "where_clause"), None)
    for pred in where.named_children if where is not None else []:
        left, tb = pred.child_by_field_name("left"), pred.child_by_field_name("bounds")
        ft = next(descendants(tb, frozenset({"function_type"})), None) if tb else None
        if left is not None and ft is not None:
            bounds[src.text(left)] = ft
    for param in params.named_children if params is not None else []:
        if param.type != "parameter":
            continue
        pattern, ty = param.child_by_field_name("pattern"), param.child_by_field_name("type")
        if pattern is None or ty is None:
            continue
        name = src.text(pattern).removeprefix("mut ").strip()
        inner = ty
        if inner.type == "reference_type":
            inner = inner.named_children[-1]
        if inner.type in ("abstract_type", "dynamic_type"):
            ft = next(descendants(inner, frozenset({"function_type"})), None)
            if ft is not None:
                return param, name, ft, ""
        if inner.type == "type_identifier" and src.text(inner) in bounds:
            return param, name, bounds[src.text(inner)], src.text(inner)
    return None


def _generic_return(signature: Node, fn: Node, src: Source) -> set[str]:
    """The callback's return type when it is one of the function's own type parameters."""
    ret = signature.child_by_field_name("return_type")
    if ret is None or ret.type != "type_identifier":
        return set()
    name = src.text(ret)
    tps = fn.child_by_field_name("type_parameters")
    own = {src.text(n) for n in descendants(tps, frozenset({"type_identifier"}))
           if n.parent is not None and n.parent.type == "type_parameter"} if tps else set()
    return {name} if name in own else set()


def _drop_param(param: Node, src: Source) -> Edit:
    """Delete a parameter with the comma that separates it from its neighbour."""
    start, end = param.start_byte, param.end_byte
    data = src.data
    after = end
    while after < len(data) and data[after:after + 1] in (b" ", b"\t", b"\n", b"\r"):
        after += 1
    if data[after:after + 1] == b",":
        return (start, after + 1, "")
    before = start
    while before > 0 and data[before - 1:before] in (b" ", b"\t", b"\n", b"\r"):
        before -= 1
    if data[before - 1:before] == b",":
        return (before - 1, end, "")
    return (start, end, "")


def _drop_generics(fn: Node, src: Source, names: set[str], lifetime: str) -> list[Edit] | None:
    """Remove type parameters `names` (and their where predicates); add `lifetime` if given."""
    tps = fn.child_by_field_name("type_parameters")
    kept: list[str] = [lifetime] if lifetime else []
    edits: list[Edit] = []
    if tps is not None:
        for child in tps.named_children:
            tname = child.child_by_field_name("name") if child.type == "type_parameter" else None
            if tname is not None and src.text(tname) in names:
                continue
            kept.append(src.text(child))
        text = f"<{', '.join(kept)}>" if kept else ""
        edits.append((tps.start_byte, tps.end_byte, text))
    elif kept:
        name = fn.child_by_field_name("name")
        if name is None:
            return None
        edits.append((name.end_byte, name.end_byte, f"<{', '.join(kept)}>"))
    where = next((c for c in fn.named_children if c.type == "where_clause"), None)
    if where is not None:
        preds = [p for p in where.named_children if p.type == "where_predicate"]
        left = [p for p in preds if src.text(p.child_by_field_name("left")) not in names]
        if len(left) != len(preds):
            text = ("where " + ", ".join(src.text(p) for p in left)) if left else ""
            edits.append((where.start_byte, where.end_byte, text))
    return edits


def _callers(src: Source, name: str, fn: Node) -> list[Node]:
    if not name:
        return []
    out = []
    for call in descendants(src.tree.root_node, frozenset({"call_expression"})):
        if contains(fn, call):
            continue
        path = function_path(call, src)
        if path == name or path.endswith("::" + name) or method_name(call, src) == name:
            out.append(call)
    return out


def _rewrite_caller(call: Node, index: int, src: Source) -> Edit | None:
    """`with_x(a, b, |p| body)` → `{ let p = with_x(a, b); body }`; `with_x(a, f)` → `f(with_x(a))`."""
    args = call_args(call)
    if index >= len(args):
        return None
    callback = args[index]
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return None
    rest = [src.text(a) for i, a in enumerate(args) if i != index]
    head = src.data[call.start_byte:arguments.start_byte].decode("utf-8", "surrogatepass")
    plain = f"{head}({', '.join(rest)})"
    closure = callback
    while closure.type in ("reference_expression",):
        closure = closure.named_children[-1]
    if closure.type == "closure_expression":
        cparams = closure.child_by_field_name("parameters")
        cbody = closure.child_by_field_name("body")
        names = [p for p in cparams.named_children] if cparams is not None else []
        if len(names) != 1 or cbody is None:
            return None
        return (call.start_byte, call.end_byte,
                f"{{ let {src.text(names[0])} = {plain}; {src.text(cbody)} }}")
    return (call.start_byte, call.end_byte, f"({src.text(callback)})({plain})")
