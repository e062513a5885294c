use std::collections::BTreeMap;

pub fn bucket<'m>(m: &'m mut BTreeMap<u32, Vec<u8>>, k: u32) -> &'m mut Vec<u8> {
    if let Some(b) = m.get_mut(&k) {
        return b;
    }
    m.insert(k, Vec::new());
    m.get_mut(&k).unwrap()
}
