; epoch-mem-uninitialized: `mem::uninitialized` (deprecated since 1.39).
(scoped_identifier
  path: (_) @path
  name: (identifier) @name
  (#eq? @name "uninitialized")) @hit
