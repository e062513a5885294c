; epoch-try-macro: tree-sitter-rust parses `try!(..)` as an ERROR node (`try` is a keyword
; in its grammar); `r#try!(..)` is an ordinary macro invocation.
(ERROR) @error

(macro_invocation
  macro: (identifier) @macro
  (#any-of? @macro "r#try" "try")) @macro_call
