// expect: none
use std::collections::{HashMap, VecDeque};
pub struct Lru { order: VecDeque<u64>, data: HashMap<u64, String> }
impl Lru {
    pub fn evict(&mut self, key: u64) -> Option<String> {
        if self.data.contains_key(&key) {
            self.order.retain(|k| *k != key);
            return self.data.remove(&key);
        }
        None
    }
    pub fn touch(&mut self, key: u64) -> bool {
        if let Some(pos) = self.order.iter().position(|k| *k == key) {
            self.order.swap_remove_back(pos);
            self.order.push_front(key);
            return true;
        }
        false
    }
}
