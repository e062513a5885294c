//! Workarounds: one that Polonius lets you delete, and an unsafe cast that is not one.
use crate::types::Key;
use std::collections::BTreeMap;

pub struct Cache {
    slots: BTreeMap<Key, Vec<u8>>,
    sizes: Vec<u32>,
}

impl Cache {
    pub fn new() -> Self {
        Cache { slots: BTreeMap::new(), sizes: vec![1] }
    }

    pub fn bytes_for(&mut self, key: &Key) -> &mut Vec<u8> {
        if self.slots.contains_key(key) {
            return self.slots.get_mut(key).unwrap();
        }
        self.slots.insert(key.clone(), Vec::new());
        self.slots.get_mut(key).unwrap()
    }

    /// Not a workaround: the pointer hides a real conflict (a push while `size` is borrowed).
    pub fn size_or_grow(&mut self, i: usize) -> &mut u32 {
        let this: *mut Cache = self;
        if let Some(size) = unsafe { (*this).sizes.get_mut(i) } {
            self.sizes.push(0);
            return size;
        }
        self.sizes.push(1);
        self.sizes.last_mut().unwrap()
    }

    pub fn last_size(&mut self) -> &mut u32 {
        let this: *mut Cache = self;
        let n = unsafe { (*this).sizes.len() };
        &mut self.sizes[n - 1]
    }
}

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}
