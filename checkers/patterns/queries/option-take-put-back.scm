; option-take-put-back (catalog 2.12, NONE): move a field out, call `self` methods, put it back.
(call_expression
  function: (field_expression
    value: (field_expression value: (self) field: (field_identifier) @field)
    field: (field_identifier) @take)
  arguments: (arguments) @args
  (#eq? @take "take")) @take_call

(call_expression
  function: [(identifier) @func (scoped_identifier name: (identifier) @func)]
  arguments: (arguments
    .
    (reference_expression
      (mutable_specifier)
      value: (field_expression value: (self) field: (field_identifier) @field)))
  (#any-of? @func "take" "replace")) @take_call
