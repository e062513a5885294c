// expect: none
use std::collections::HashMap;
pub fn bump(m: &mut HashMap<u32, u32>, k: u32) {
    if m.contains_key(&k) {
        *m.get_mut(&k).unwrap() += 1;
        return;
    }
    m.insert(k, 1);
}
