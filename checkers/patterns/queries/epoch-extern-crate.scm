; epoch-extern-crate: `extern crate x;` (unneeded since the 2018 edition's extern prelude).
(extern_crate_declaration name: (identifier) @name) @decl
