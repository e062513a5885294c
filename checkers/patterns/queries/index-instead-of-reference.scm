; index-instead-of-reference (catalog 2.5): an index search whose index is later used to
; re-borrow the same collection for a returned reference.
(call_expression
  function: (field_expression
    field: (field_identifier) @method)
  (#any-of? @method "position" "rposition" "binary_search" "binary_search_by"
    "binary_search_by_key")) @search

(for_expression
  pattern: (tuple_pattern . (identifier) @index)
  value: (call_expression
    function: (field_expression field: (field_identifier) @enumerate))
  (#eq? @enumerate "enumerate")) @search_loop
