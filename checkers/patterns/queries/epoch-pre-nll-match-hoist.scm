; epoch-pre-nll-match-hoist: `match m.get_mut(k) { Some(v) => { ..; return; } None => {} }`
; followed by the mutation that NLL would have allowed in the `None` arm.
(expression_statement
  (match_expression
    value: (call_expression
      function: (field_expression
        value: (_) @map
        field: (field_identifier) @method))
    body: (match_block))
  (#any-of? @method "get_mut" "get")) @stmt
