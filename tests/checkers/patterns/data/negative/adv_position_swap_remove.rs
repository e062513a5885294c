// expect: none
pub fn drop_named(items: &mut Vec<(String, u32)>, name: &str) -> Option<u32> {
    let i = items.iter().position(|(n, _)| n == name)?;
    Some(items.swap_remove(i).1)
}
pub fn bump_first(items: &mut Vec<u32>) -> u32 {
    match items.iter().position(|x| *x == 0) {
        Some(i) => { items[i] += 1; items[i] }
        None => 0,
    }
}
