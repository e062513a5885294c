use std::collections::HashMap;
pub struct Store { rows: HashMap<u32, Vec<u8>> }

impl Store {
    pub fn row(&mut self, id: u32) -> &mut Vec<u8> {
        if let Some(r) = self.rows.get_mut(&id) {
            return r;
        }
        self.rows.insert(id, Vec::new());
        self.rows.get_mut(&id).unwrap()
    }
}
