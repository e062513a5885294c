; epoch-async-std: the discontinued async-std runtime.
((use_declaration) @site (#match? @site "async_std"))

((attribute_item) @site (#match? @site "^#\\[\\s*async_std::"))

(
  [
    (scoped_identifier)
    (scoped_type_identifier)
  ] @path
  (#match? @path "^(::)?async_std::"))

(extern_crate_declaration name: (identifier) @crate (#eq? @crate "async_std")) @site
