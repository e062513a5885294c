// expect: none
use std::collections::HashMap;
pub struct Counters { c: HashMap<String, u64> }
impl Counters {
    /// returns a Copy value, so the first lookup is not a workaround
    pub fn get_or_zero(&mut self, k: &str) -> u64 {
        if !self.c.contains_key(k) {
            self.c.insert(k.to_owned(), 0);
        }
        self.c[k]
    }
    pub fn first_mut(&mut self) -> Option<&mut u64> {
        self.c.values_mut().next()
    }
}
