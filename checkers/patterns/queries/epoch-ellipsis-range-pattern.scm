; epoch-ellipsis-range-pattern: `a...b` inclusive range patterns (error since edition 2021).
(range_pattern "...") @hit
