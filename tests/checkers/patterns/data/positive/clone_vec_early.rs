// expect: clone-to-end-borrow
use std::collections::HashMap;
pub struct Deps { graph: HashMap<String, Vec<String>> }
impl Deps {
    pub fn deps_of(&mut self, name: &str) -> Vec<String> {
        if let Some(list) = self.graph.get(name) {
            return list.clone();
        }
        self.graph.insert(name.to_owned(), Vec::new());
        self.graph[name].clone()
    }
}
