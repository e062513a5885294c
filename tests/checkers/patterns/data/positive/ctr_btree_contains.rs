// expect: check-then-relookup
use std::collections::BTreeMap;
pub struct Cache { slots: BTreeMap<String, Vec<u8>> }
impl Cache {
    pub fn bytes_for(&mut self, name: &str) -> &mut Vec<u8> {
        if self.slots.contains_key(name) {
            return self.slots.get_mut(name).unwrap();
        }
        self.slots.insert(name.to_owned(), Vec::new());
        self.slots.get_mut(name).unwrap()
    }
}
