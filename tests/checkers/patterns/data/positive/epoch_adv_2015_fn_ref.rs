// expect: epoch-bare-trait-object, epoch-ellipsis-range-pattern
pub fn apply(bytes: &[u8], f: &Fn(u8) -> bool) -> usize {
    bytes.iter().filter(|b| match **b {
        b'0'...b'9' => f(**b),
        _ => false,
    }).count()
}
