; polonius-the-crab-call (catalog 2.4): the crate's macros, entry point and result type.
(macro_invocation
  macro: [(identifier) @macro (scoped_identifier name: (identifier) @macro)]
  (#any-of? @macro "polonius" "polonius_return" "polonius_loop" "polonius_break"
    "polonius_break_dependent" "polonius_continue" "polonius_try" "exit_polonius" "ForLt")) @hit

(call_expression
  function: [(identifier) @func (scoped_identifier name: (identifier) @func)]
  (#eq? @func "polonius")) @hit

(scoped_identifier path: (identifier) @type (#eq? @type "PoloniusResult")) @hit

((use_declaration) @use (#match? @use "polonius_the_crab"))

(extern_crate_declaration name: (identifier) @crate (#eq? @crate "polonius_the_crab")) @hit
