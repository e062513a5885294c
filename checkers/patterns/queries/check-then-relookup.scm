; check-then-relookup (catalog 2.1). Variants A and B: a guard that only asks whether the
; key or element is there; Python then looks for the second lookup on the same receiver.
(call_expression
  function: (field_expression
    value: (_) @receiver
    field: (field_identifier) @method)
  (#any-of? @method "contains_key" "contains" "is_some" "is_none" "any" "is_ok" "map_or"
    "map_or_else" "is_some_and" "is_none_or")) @guard

; a guard spelled `matches!(R.get(k), Some(_))`: Python reads the macro's tokens
(macro_invocation macro: (identifier) @name (#eq? @name "matches")) @guard_macro

; Variant C: an `if` whose branch returns; Python compares the calls in its condition with
; the call whose result is returned (the method is called once to decide, once to return).
(if_expression
  condition: (_) @cond
  consequence: (block (expression_statement (return_expression) @ret))) @if

; Variant A through a pattern: `match R.get(k) { Some(_) => return R.get_mut(k).unwrap(), .. }`
; or `if let Some(_) = R.get(k) { .. }`. Python requires an arm pattern that binds nothing.
(match_expression value: (call_expression) @lookup) @match
(let_condition value: (call_expression) @lookup) @letcond
