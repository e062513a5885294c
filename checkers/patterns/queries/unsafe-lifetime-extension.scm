; unsafe-lifetime-extension (catalog 2.3). Python requires each of these to sit in an
; `unsafe` block of a function that returns a borrow.

; 1. `&mut *(x as *mut T)`
(reference_expression
  value: (unary_expression
    (parenthesized_expression
      (type_cast_expression type: (pointer_type))))) @cast_deref

; 2. `*p` where `p` is a raw pointer bound by `let` (Python resolves the binding)
(unary_expression "*" (identifier) @ptr) @deref

; 3. `transmute(..)` / `mem::transmute::<A, B>(..)`
(call_expression
  function: [
    (identifier) @name
    (scoped_identifier name: (identifier) @name)
    (generic_function function: [
      (identifier) @name
      (scoped_identifier name: (identifier) @name)])]
  (#eq? @name "transmute")) @transmute
