; clone-to-end-borrow (catalog 2.6).
; Form A: an early `return v.clone()` (or cloned/to_owned/to_string/to_vec).
(return_expression
  (call_expression
    function: (field_expression
      value: (_) @cloned
      field: (field_identifier) @method)
    (#any-of? @method "clone" "cloned" "to_owned" "to_string" "to_vec"))) @early_return

; Form B: `self.m().map_err(|e| e.to_owned())?` turning a borrowed error into an owned one.
(try_expression
  (call_expression
    function: (field_expression
      value: (call_expression) @inner
      field: (field_identifier) @map_err)
    arguments: (arguments . (closure_expression) @closure .))
  (#eq? @map_err "map_err")) @try
