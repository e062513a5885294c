use std::collections::BTreeMap;
pub struct Interner { names: BTreeMap<u32, String> }

impl Interner {
    pub fn name(&mut self, id: u32) -> &str {
        if let Some(n) = self.names.get(&id) {
            return n;
        }
        self.names.insert(id, format!("sym{id}"));
        &self.names[&id]
    }
}
