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

; the copy bound to a local, iterated by reference or through an iterator adapter
(for_expression
  value: (reference_expression value: (identifier) @local)
  body: (block) @body) @for_local

(for_expression
  value: (call_expression
    function: (field_expression value: (identifier) @local field: (field_identifier) @iter))
  body: (block) @body
  (#any-of? @iter "iter" "iter_mut" "into_iter" "drain")) @for_local

; `copy.into_iter().for_each(|x| self.m(x))`
(call_expression
  function: (field_expression
    value: (call_expression
      function: (field_expression value: (identifier) @local field: (field_identifier) @iter))
    field: (field_identifier) @each)
  arguments: (arguments (closure_expression body: (_) @body))
  (#any-of? @iter "iter" "iter_mut" "into_iter" "drain")
  (#eq? @each "for_each")) @for_local
