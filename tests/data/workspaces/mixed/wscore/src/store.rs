//! A module that needs its crate: `crate::` and `super::` paths, a sibling module's type.
use crate::types::Key;
use std::collections::BTreeMap;

pub struct Store {
    items: BTreeMap<Key, u32>,
}

impl Store {
    pub fn new() -> Self {
        Store { items: BTreeMap::new() }
    }

    pub fn put(&mut self, name: &str, value: u32) {
        self.items.insert(Key::new(name), value + super::seed());
    }

    pub fn total(&self) -> u32 {
        self.items.values().sum()
    }
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}
