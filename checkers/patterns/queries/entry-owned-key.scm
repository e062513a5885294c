; entry-owned-key (catalog 2.2): `map.entry(key.to_owned()).or_insert(..)` whose result is
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
