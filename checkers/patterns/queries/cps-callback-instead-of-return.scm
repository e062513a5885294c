; cps-callback-instead-of-return (catalog 2.7): a function taking a callback over a borrow.
(function_item
  parameters: (parameters
    (parameter
      pattern: (identifier) @callback
      type: (abstract_type trait: (function_type) @signature)))) @fn

(function_item
  type_parameters: (type_parameters
    (type_parameter
      name: (type_identifier) @generic
      bounds: (trait_bounds (function_type) @signature)))) @fn

(function_item
  (where_clause
    (where_predicate
      left: (type_identifier) @generic
      bounds: (trait_bounds (function_type) @signature)))) @fn

; a callback passed as a trait object: `f: &mut dyn FnMut(&mut V)`, `f: &dyn Fn(&V) -> R`
(function_item
  parameters: (parameters
    (parameter
      pattern: (identifier) @callback
      type: (reference_type type: (dynamic_type trait: (function_type) @signature))))) @fn
