// expect: clone-to-end-borrow
use std::collections::HashMap;
pub struct Deps { graph: HashMap<u32, Vec<u32>> }

impl Deps {
    pub fn deps(&mut self, id: u32) -> Vec<u32> {
        match self.graph.get(&id) {
            Some(d) => return d.to_vec(),
            None => {}
        }
        self.graph.insert(id, vec![0]);
        self.graph[&id].to_vec()
    }
}
