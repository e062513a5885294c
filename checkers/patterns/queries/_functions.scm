; Not a detector: indexes every `fn` by name in the same pass (helpers look definitions up).
(function_item name: (identifier) @fn_name) @fn_def
