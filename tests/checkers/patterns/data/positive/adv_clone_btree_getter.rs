// expect: clone-to-end-borrow
use std::collections::BTreeMap;
pub struct Names { by_id: BTreeMap<u32, String> }
impl Names {
    pub fn name_of(&mut self, id: u32) -> String {
        if let Some(n) = self.by_id.get(&id) {
            return n.clone();
        }
        self.by_id.insert(id, format!("anon-{}", id));
        self.by_id[&id].clone()
    }
}
