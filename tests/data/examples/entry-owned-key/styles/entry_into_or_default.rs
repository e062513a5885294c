// expect: entry-owned-key
use std::collections::HashMap;
pub struct Counter { by_name: HashMap<String, Vec<u32>> }

impl Counter {
    pub fn list(&mut self, name: &str) -> &mut Vec<u32> {
        self.by_name.entry(name.into()).or_default()
    }
}
