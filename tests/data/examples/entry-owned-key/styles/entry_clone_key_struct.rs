// expect: entry-owned-key
use std::collections::HashMap;
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key { pub ns: String, pub id: u32 }
pub struct Cache { items: HashMap<Key, Vec<u8>> }

impl Cache {
    pub fn blob(&mut self, key: &Key) -> &mut Vec<u8> {
        self.items
            .entry(key.clone())
            .or_insert_with(|| Vec::with_capacity(16))
    }
}
