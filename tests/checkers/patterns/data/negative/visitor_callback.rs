// expect: none
pub fn for_each_item<R>(items: &mut Vec<u32>, f: impl Fn(&u32) -> R) -> Vec<R> {
    let mut out = Vec::new();
    for x in items.iter() { out.push(f(x)); }
    out
}
pub fn with_lock<R>(m: &std::sync::Mutex<u32>, f: impl FnOnce(&u32) -> R) -> R {
    let g = m.lock().unwrap();
    f(&g)
}
