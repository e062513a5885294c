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
