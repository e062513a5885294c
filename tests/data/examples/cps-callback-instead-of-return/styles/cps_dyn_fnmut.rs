// expect: cps-callback-instead-of-return
use std::collections::HashMap;
pub struct Store { rows: HashMap<u32, Vec<u8>> }

impl Store {
    pub fn with_row(&mut self, id: u32, f: &mut dyn FnMut(&mut Vec<u8>)) {
        if let Some(r) = self.rows.get_mut(&id) {
            f(r)
        } else {
            self.rows.insert(id, Vec::new());
            f(self.rows.get_mut(&id).unwrap())
        }
    }
}
