; split-borrow-free-function (catalog 2.14, NONE): a free/associated function handed
; `&mut self.field` while another field of `self` is borrowed.
(call_expression
  function: [(identifier) (scoped_identifier)] @func
  arguments: (arguments
    (reference_expression
      (mutable_specifier)
      value: (field_expression value: (self) field: (field_identifier) @field)))) @call
