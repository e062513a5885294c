//! Compiles under Polonius only (NLL problem case #3): whatever depends on it cannot be checked by NLL.
#![deny(unused_imports)] // an old crate's lint policy: not a borrow-check answer (lints are capped)
use std::collections::HashMap;
use std::fmt;

pub fn get_default(map: &mut HashMap<u32, String>, key: u32) -> &mut String {
    match map.get_mut(&key) {
        Some(value) => value,
        None => {
            map.insert(key, String::new());
            map.get_mut(&key).unwrap()
        }
    }
}
