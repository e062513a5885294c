; epoch-tokio-0x-runtime: tokio 0.1/0.2, tokio-core and futures 0.1 APIs.
; the innermost path segment pair; Python reports the outermost path around it
(
  [
    (scoped_identifier path: (identifier) @root)
    (scoped_type_identifier path: (identifier) @root)
  ] @path
  (#any-of? @root "tokio" "tokio_core" "tokio_io" "tokio_timer" "tokio_executor"))

((use_declaration) @use (#match? @use "(tokio_core|tokio_io|tokio::executor|tokio::reactor|tokio::runtime::current_thread)"))

(extern_crate_declaration
  name: (identifier) @crate
  (#any-of? @crate "tokio_core" "tokio_io" "tokio_timer" "tokio_executor" "tokio_reactor")) @hit

(generic_type
  type: [(type_identifier) (scoped_type_identifier)] @future
  type_arguments: (type_arguments (type_binding name: (type_identifier) @binding))
  (#match? @future "Future$")
  (#eq? @binding "Error")) @future_type

(call_expression
  function: (field_expression field: (field_identifier) @method)
  (#any-of? @method "wait" "run")) @call
