; clone-collection-to-iterate (catalog 2.13, NONE): iterate a copy of a field so the loop
; body may call `&mut self` methods.
(for_expression
  value: (call_expression
    function: (field_expression
      value: (field_expression value: (self) field: (field_identifier) @field)
      field: (field_identifier) @method))
  body: (block) @body
  (#any-of? @method "clone" "to_vec" "to_owned")) @for

(for_expression
  value: (call_expression
    function: [
      (field_expression field: (field_identifier) @method)
      (generic_function function: (field_expression field: (field_identifier) @method))])
  body: (block) @body
  (#eq? @method "collect")) @for_collect

(for_expression
  value: (identifier) @local
  body: (block) @body) @for_local
