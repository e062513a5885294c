//! A path dependency outside the audited workspace: built, never reviewed.
use std::collections::HashMap;

pub fn label(key: u32) -> String {
    format!("{}{}", bar::PREFIX, key)
}

pub fn width() -> usize {
    let unused = 3;
    bar::PREFIX.len()
}

// Compiles under NLL: a dependency's files never become records, whatever they hold.
pub fn first(map: &mut HashMap<u32, String>) -> Option<&mut String> {
    map.values_mut().next()
}
