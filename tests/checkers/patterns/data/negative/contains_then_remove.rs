// expect: none
use std::collections::HashMap;
pub fn take_name<'a>(m: &mut HashMap<u32, String>, k: u32, d: &'a str) -> Option<String> {
    if m.contains_key(&k) {
        return m.remove(&k);
    }
    Some(d.to_owned())
}
