// expect: check-then-relookup
use std::collections::HashMap;
pub fn lookup<'a>(table: &'a mut HashMap<u32, String>, k: u32) -> &'a mut String {
    if table.get(&k).is_some() {
        table.get_mut(&k).unwrap()
    } else {
        table.insert(k, String::new());
        table.get_mut(&k).unwrap()
    }
}
