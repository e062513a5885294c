// expect: none
use std::collections::HashMap;
use std::rc::Rc;
pub struct Catalog { items: HashMap<u32, Rc<String>>, tags: Vec<String> }
impl Catalog {
    pub fn item(&self, id: u32) -> Option<Rc<String>> {
        if let Some(s) = self.items.get(&id) {
            return Some(Rc::clone(s));
        }
        None
    }
    pub fn tags(&self) -> Vec<String> { self.tags.iter().cloned().collect() }
    pub fn share(&mut self, id: u32) -> Rc<String> {
        let s = Rc::new(format!("{}", id));
        self.items.insert(id, Rc::clone(&s));
        s
    }
}
