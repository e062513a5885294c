use std::collections::HashMap;
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key { pub ns: String, pub id: u32 }
pub struct Cache { items: HashMap<Key, Vec<u8>> }

impl Cache {
    pub fn blob(&mut self, key: &Key) -> &mut Vec<u8> {
        if let Some(b) = self.items.get_mut(key) {
            return b;
        }
        self.items.insert(key.clone(), Vec::with_capacity(16));
        self.items.get_mut(key).unwrap()
    }
}
