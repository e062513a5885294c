// expect: none
pub fn drop_first<'a>(v: &'a mut Vec<u32>, x: u32) -> &'a [u32] {
    if let Some(i) = v.iter().position(|y| *y == x) {
        v.remove(i);
    }
    &v[..]
}
