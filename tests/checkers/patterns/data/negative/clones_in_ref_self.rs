// expect: none
use std::collections::HashMap;
pub struct Names { m: HashMap<u32, String> }
impl Names {
    pub fn name(&self, id: u32) -> String {
        if let Some(n) = self.m.get(&id) {
            return n.clone();
        }
        String::from("?")
    }
    pub fn all(&self) -> Vec<String> { self.m.values().cloned().collect() }
}
