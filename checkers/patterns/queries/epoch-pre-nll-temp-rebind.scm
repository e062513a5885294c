; epoch-pre-nll-temp-rebind: `let here = list;` moving a `&mut` cursor into a temporary
; before borrowing through it (NLL problem case #4).
(let_declaration
  pattern: (identifier) @new
  value: (identifier) @old) @let
