// expect: cps-callback-instead-of-return
use std::collections::HashMap;
pub struct Docs { pages: HashMap<u32, String> }
impl Docs {
    pub fn with_page<F, R>(&mut self, id: u32, f: F) -> R
    where
        F: FnOnce(&str) -> R,
    {
        match self.pages.get(&id) {
            Some(p) => f(p),
            None => {
                self.pages.insert(id, String::from("(empty)"));
                f(&self.pages[&id])
            }
        }
    }
}
