//! Everything here compiles under NLL except `get_default` (problem case #3).
use std::collections::HashMap;

pub fn get_default<'m>(map: &'m mut HashMap<u32, String>, key: u32) -> &'m mut String {
    match map.get_mut(&key) {
        Some(value) => value,
        None => {
            map.insert(key, String::new());
            map.get_mut(&key).unwrap()
        }
    }
}

pub fn count(map: &HashMap<u32, String>) -> usize {
    map.len() + crate::seeded() as usize
}
