; epoch-pre-nll-scope-block: a bare `{ .. }` statement that only exists to end a borrow.
(expression_statement (block) @block) @stmt
