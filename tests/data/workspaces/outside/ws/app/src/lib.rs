//! A member whose path dependency lies outside the workspace root (`../../shared/foo`).
use std::collections::HashMap;

pub fn get_default<'m>(map: &'m mut HashMap<u32, String>, key: u32) -> &'m mut String {
    match map.get_mut(&key) {
        Some(value) => value,
        None => {
            map.insert(key, foo::label(key));
            map.get_mut(&key).unwrap()
        }
    }
}

pub fn total(map: &HashMap<u32, String>) -> usize {
    map.len() + foo::width()
}

pub fn bytes_for(slots: &mut HashMap<u32, Vec<u8>>, key: u32) -> &mut Vec<u8> {
    if slots.contains_key(&key) {
        return slots.get_mut(&key).unwrap();
    }
    slots.insert(key, foo::label(key).into_bytes());
    slots.get_mut(&key).unwrap()
}
