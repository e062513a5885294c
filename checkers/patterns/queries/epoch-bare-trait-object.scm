; epoch-bare-trait-object: a trait used as a type without `dyn` (error since edition 2021).
; Python decides whether the captured type is really a trait.
(reference_type
  type: [(function_type) (bounded_type) (type_identifier) (scoped_type_identifier)
         (generic_type)] @type)

(pointer_type
  type: [(function_type) (bounded_type) (type_identifier) (scoped_type_identifier)
         (generic_type)] @type)

(generic_type
  type: [(type_identifier) (scoped_type_identifier)] @container
  type_arguments: (type_arguments
    [(function_type) (bounded_type) (type_identifier) (scoped_type_identifier)
     (generic_type)] @type)
  (#match? @container "(^|::)(Box|Rc|Arc)$"))
