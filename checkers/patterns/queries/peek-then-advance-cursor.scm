; peek-then-advance-cursor (catalog 2.10): `cursor = &mut cursor.as_mut().unwrap().next`.
(assignment_expression
  left: (identifier) @cursor
  right: (reference_expression
    (mutable_specifier)
    value: (field_expression
      value: (call_expression
        function: (field_expression
          value: (call_expression
            function: (field_expression
              value: (identifier) @receiver
              field: (field_identifier) @as_mut))
          field: (field_identifier) @unwrap))))
  (#eq? @cursor @receiver)
  (#any-of? @as_mut "as_mut" "as_deref_mut")
  (#any-of? @unwrap "unwrap" "expect")) @assign
