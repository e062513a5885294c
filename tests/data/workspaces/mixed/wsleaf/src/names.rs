//! A second member's check-then-relookup workaround (proved in a batch with wscore's).
use std::collections::HashMap;

#[derive(Default)]
pub struct Names {
    by_id: HashMap<u32, String>,
}

impl Names {
    pub fn name_mut(&mut self, id: u32) -> &mut String {
        if self.by_id.contains_key(&id) {
            return self.by_id.get_mut(&id).unwrap();
        }
        self.by_id.insert(id, String::new());
        self.by_id.get_mut(&id).unwrap()
    }
}
