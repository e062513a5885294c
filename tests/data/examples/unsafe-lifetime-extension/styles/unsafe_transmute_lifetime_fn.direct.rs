use std::collections::HashMap;

pub fn slot<'a>(m: &'a mut HashMap<u8, Vec<u8>>, k: u8) -> &'a mut Vec<u8> {
    if let Some(v) = m.get_mut(&k) {
        return v;
    }
    m.insert(k, Vec::new());
    m.get_mut(&k).unwrap()
}
