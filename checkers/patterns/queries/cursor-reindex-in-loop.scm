; cursor-reindex-in-loop (catalog 2.11): `cursor = &mut cursor[i].children` in a loop.
(assignment_expression
  left: (identifier) @cursor
  right: (reference_expression
    (mutable_specifier)
    value: (field_expression
      value: (index_expression . (identifier) @receiver (_) @index)))
  (#eq? @cursor @receiver)) @assign
