; lending-iterator-raw-pointer (catalog 2.8): an impl or trait with a generic associated
; type (the lending-iterator shape); Python looks for a raw-pointer loop in its methods.
(impl_item
  body: (declaration_list
    (type_item type_parameters: (type_parameters (lifetime_parameter))))) @owner

(trait_item
  body: (declaration_list
    (associated_type type_parameters: (type_parameters (lifetime_parameter))))) @owner
