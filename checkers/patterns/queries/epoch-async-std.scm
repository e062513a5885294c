; epoch-async-std: the discontinued async-std runtime.
((use_declaration) @site (#match? @site "async_std"))

((attribute_item) @site (#match? @site "^#\\[\\s*async_std::"))

; the innermost path segment pair; Python reports the outermost path around it
(
  [
    (scoped_identifier path: (identifier) @root)
    (scoped_type_identifier path: (identifier) @root)
  ] @path
  (#any-of? @root "async_std"))

(extern_crate_declaration name: (identifier) @crate (#eq? @crate "async_std")) @site
