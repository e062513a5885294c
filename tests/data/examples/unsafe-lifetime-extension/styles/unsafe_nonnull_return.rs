// expect: unsafe-lifetime-extension
use std::collections::HashMap;
use std::ptr::NonNull;
pub struct Graph { adj: HashMap<u32, Vec<u32>> }

impl Graph {
    pub fn edges(&mut self, n: u32) -> &mut Vec<u32> {
        let mut this = NonNull::from(&mut *self);
        if let Some(list) = unsafe { this.as_mut() }.adj.get_mut(&n) {
            return list;
        }
        self.adj.insert(n, Vec::new());
        self.adj.get_mut(&n).unwrap()
    }
}
