; split-helper-for-cursor (catalog 2.9): `cursor = cursor.helper(..)` in a loop, where the
; helper (Python finds its definition) re-finds the child and returns `&mut`.
(assignment_expression
  left: (identifier) @cursor
  right: (call_expression
    function: (field_expression
      value: (identifier) @receiver
      field: (field_identifier) @helper))
  (#eq? @cursor @receiver)) @assign
