// expect: none
use std::collections::HashMap;
pub fn count_of(m: &mut HashMap<String, u32>, k: &str) -> u32 {
    if m.contains_key(k) {
        return *m.get(k).unwrap();
    }
    m.insert(k.to_owned(), 0);
    0
}
