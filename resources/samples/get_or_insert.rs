//! Get-or-insert: return the borrow from the first lookup, insert on a miss.
//! NLL rejects this (problem case #3); Polonius accepts it.
use std::collections::HashMap;

pub fn get_default(map: &mut HashMap<u32, String>, key: u32) -> &mut String {
    if let Some(value) = map.get_mut(&key) {
        return value;
    }
    map.insert(key, String::new());
    map.get_mut(&key).unwrap()
}
