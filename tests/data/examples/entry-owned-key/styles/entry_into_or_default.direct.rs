use std::collections::HashMap;
pub struct Counter { by_name: HashMap<String, Vec<u32>> }

impl Counter {
    pub fn list(&mut self, name: &str) -> &mut Vec<u32> {
        if let Some(v) = self.by_name.get_mut(name) {
            return v;
        }
        self.by_name.insert(name.to_owned(), Vec::new());
        self.by_name.get_mut(name).unwrap()
    }
}
