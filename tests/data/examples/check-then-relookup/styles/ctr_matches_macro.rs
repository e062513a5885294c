// expect: check-then-relookup
use std::collections::BTreeMap;

pub fn bucket<'m>(m: &'m mut BTreeMap<u32, Vec<u8>>, k: u32) -> &'m mut Vec<u8> {
    if matches!(m.get(&k), Some(_)) {
        return m.get_mut(&k).unwrap();
    }
    m.insert(k, Vec::new());
    m.get_mut(&k).unwrap()
}
