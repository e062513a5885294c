; epoch-failure-crate: the unmaintained `failure` crate (RUSTSEC-2020-0036).
((use_declaration) @use (#match? @use "^(pub(\\([^)]*\\))?\\s+)?use\\s+(::)?failure(_derive)?\\b"))

(extern_crate_declaration
  name: (identifier) @crate
  (#any-of? @crate "failure" "failure_derive")) @hit

(attribute
  (identifier) @derive
  arguments: (token_tree (identifier) @trait)
  (#eq? @derive "derive")
  (#eq? @trait "Fail")) @hit

(attribute (identifier) @fail (#eq? @fail "fail")) @hit

(macro_invocation
  macro: (identifier) @macro
  (#any-of? @macro "bail" "format_err" "ensure")) @macro_call

(
  [
    (scoped_identifier path: (identifier) @root)
    (scoped_type_identifier path: (identifier) @root)
  ] @path
  (#eq? @root "failure"))
