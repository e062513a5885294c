; epoch-try-macro: tree-sitter-rust parses `try!(..)` as an ERROR node (`try` is a keyword
; in its grammar), which the detector finds by a text scan of a tree with errors;
; `r#try!(..)` is an ordinary macro invocation.
(macro_invocation
  macro: (identifier) @macro
  (#any-of? @macro "r#try" "try")) @macro_call
